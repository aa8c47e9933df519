"""A loopback model server for tests: an HTTP server on 127.0.0.1 serving a folder.

``IndexServer(folder)`` serves ``folder`` on an ephemeral port from a background thread.
``publish()`` builds tiny argos packages into the folder and writes an ``index.json`` whose
links point at this server (``url`` is the ``ARGOS_PACKAGE_INDEX``); ``publish_marian()``
builds tiny Marian checkpoints (:mod:`tests.support.tinymarian`) under ``marian/<src>-<tgt>/``
and writes a model catalogue naming them (``catalogue_url`` is the
``NEWSLETTER_MODEL_CATALOGUE``). Use the ``argos_index`` fixture in
:mod:`tests.support.argos_env`.
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
from tests.support.tinymarian import build_checkpoint, catalogue_entry

CATALOGUE = "marian-models.toml"


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

    @property
    def catalogue_url(self) -> str:
        return self.url + CATALOGUE

    def publish_marian(self, pairs: Iterable[tuple[str, str]], **options: Any) -> dict[str, str]:
        """Build a tiny Marian checkpoint per pair and (re)write the catalogue naming them,
        each pinned to its checkpoint's sha256; {pair "en-hr": checkpoint sha256}."""
        pinned = {}
        for src, tgt in pairs:
            name = f"{src}-{tgt}"
            shas = build_checkpoint(self.folder / "marian" / name, src, tgt, **options)
            pinned[name] = shas["model.npz.best-chrf.npz"]
        self.write_catalogue(pinned)
        return pinned

    def write_catalogue(self, pinned: dict[str, str]) -> None:
        tables = [
            catalogue_entry(*name.split("-"), f"{self.url}marian/{name}/", checkpoint_sha256=sha)
            for name, sha in sorted(pinned.items())
        ]
        (self.folder / CATALOGUE).write_text("\n".join(tables), "utf-8")

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
