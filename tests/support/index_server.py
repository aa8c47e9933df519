"""A loopback argos package index for tests: an HTTP server on 127.0.0.1 serving a folder.

``IndexServer(folder)`` serves ``folder`` (``index.json`` and the ``.argosmodel`` files) on an
ephemeral port from a background thread; ``publish()`` builds tiny packages into the folder
and writes an ``index.json`` whose links point at this server. Use the ``argos_index``
fixture in :mod:`tests.support.argos_env`.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support.tinyargos import build_package


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class IndexServer:
    """Serve ``folder`` over HTTP on 127.0.0.1 until :meth:`stop`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        handler = functools.partial(_QuietHandler, directory=str(folder))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.requests: list[str] = []

    @property
    def url(self) -> str:
        """The index base URL, ending with '/' as ARGOS_PACKAGE_INDEX must."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> IndexServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def publish(self, pairs: Iterable[tuple[str, str]], version: str = "1.0") -> list[Path]:
        """Build a tiny package per pair, add them to index.json (keeping earlier entries)."""
        built = [build_package(self.folder, src, tgt, version=version) for src, tgt in pairs]
        entries = self.entries()
        for path in built:
            src, tgt = path.name.removeprefix("translate-").split("-")[0].split("_")
            entries = [e for e in entries if (e["from_code"], e["to_code"]) != (src, tgt)]
            entries.append(index_entry(src, tgt, version, self.url + path.name))
        self.write_index(entries)
        return built

    def entries(self) -> list[dict[str, Any]]:
        index = self.folder / "index.json"
        return json.loads(index.read_text("utf-8")) if index.exists() else []

    def write_index(self, entries: list[dict[str, Any]]) -> None:
        (self.folder / "index.json").write_text(json.dumps(entries, indent=1), "utf-8")


def index_entry(src: str, tgt: str, version: str, link: str) -> dict[str, Any]:
    """One entry as the real argospm index writes it."""
    return {
        "package_version": version,
        "argos_version": "1.9.0",
        "from_code": src,
        "from_name": src.upper(),
        "to_code": tgt,
        "to_name": tgt.upper(),
        "links": [link],
        "code": f"translate-{src}_{tgt}",
    }
