"""Serve tiny models from loopback, to try ``make models``/``make issue`` offline.

    python -m tests.support.serve_index --langs de,hr,mt [--dir build/tiny-index] [--port 8765]

serves argos packages (an index) for the languages argos covers and Marian checkpoints (a
model catalogue) for those it does not (Croatian and Maltese), prints the
``ARGOS_PACKAGE_INDEX`` and ``NEWSLETTER_MODEL_CATALOGUE`` to export, and serves until
interrupted. ``--langs all`` serves every EU language from English. ``--port 0`` (the
default) takes a free port; a fixed port keeps the exported URLs valid across restarts. Pairs
may name their source (``--langs fr-en,de``: fr→en and en→de) for a non-English issue. The
models are real (SentencePiece + CTranslate2, and Marian .npz files the real converter reads
at install) but their weights are random: the text they produce is noise. Use them to
exercise download, install and the whole pipeline, not quality.
"""

from __future__ import annotations

import argparse
import functools
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

from tests.support.index_server import IndexServer, _QuietHandler


class PortIndexServer(IndexServer):
    """An :class:`IndexServer` on a chosen port of 127.0.0.1 (0: any free port)."""

    def __init__(self, folder: Path, port: int = 0) -> None:
        super().__init__(folder)
        if port:  # rebind: IndexServer always takes an ephemeral port
            self._server.server_close()
            handler = functools.partial(_QuietHandler, directory=str(folder))
            self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
            self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)


MARIAN_ONLY = frozenset({"hr", "mt"})  # no argos package exists: served as Marian checkpoints


def parse_pairs(langs: str) -> list[tuple[str, str]]:
    """``"de,fr-en"`` → [("en", "de"), ("fr", "en")]: a bare code is a target from English;
    ``"all"`` is every EU language from English."""
    if langs.strip() == "all":
        from pipeline.languages import EU_LANGUAGES

        return [("en", lang) for lang in EU_LANGUAGES if lang != "en"]
    pairs = []
    for item in (part.strip() for part in langs.split(",")):
        if item:
            src, _, tgt = item.rpartition("-")
            pairs.append((src or "en", tgt))
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--langs", default="de,fr", help="targets from en, or SRC-TGT pairs")
    parser.add_argument("--dir", default="build/tiny-index", help="folder to build into")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    args = parser.parse_args(argv)
    try:
        server = PortIndexServer(Path(args.dir), args.port).start()
    except OSError as exc:
        parser.exit(2, f"error: cannot listen on 127.0.0.1:{args.port}: {exc.strerror}\n")
    pairs = parse_pairs(args.langs)
    server.publish([p for p in pairs if not set(p) & MARIAN_ONLY])
    server.publish_marian([p for p in pairs if set(p) & MARIAN_ONLY])
    print(f"export ARGOS_PACKAGE_INDEX={server.url}", flush=True)
    print(f"export NEWSLETTER_MODEL_CATALOGUE={server.catalogue_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
