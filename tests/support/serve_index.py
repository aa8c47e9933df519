"""Serve tiny argos packages from a loopback index, to try ``make models``/``make issue`` offline.

    python -m tests.support.serve_index --langs de,fr [--dir build/tiny-index] [--port 8765]

prints the ``ARGOS_PACKAGE_INDEX`` to export and serves until interrupted. The packages are
real (SentencePiece + CTranslate2) but their weights are random: the text they produce is
noise. Use them to exercise download, install and the whole pipeline, not to judge quality.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tests.support.index_server import IndexServer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--langs", default="de,fr", help="target languages (from en)")
    parser.add_argument("--dir", default="build/tiny-index", help="folder to build into")
    args = parser.parse_args()
    server = IndexServer(Path(args.dir)).start()
    pairs = [("en", lang.strip()) for lang in args.langs.split(",") if lang.strip()]
    server.publish(pairs)
    print(f"export ARGOS_PACKAGE_INDEX={server.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
