"""Start a real LibreTranslate server offline, with tiny argos packages (a script).

Run with the Python of the throwaway LibreTranslate environment (``make test-libretranslate``
creates it), never the project's: it imports only the standard library and LibreTranslate.

    python libretranslate_launch.py --root DIR --package en_de.argosmodel … \
        [--copy-model] [--api-key KEY] -- --host 127.0.0.1 --port N [libretranslate options]

What it changes before ``libretranslate.main.main()`` runs, and why:

- argostranslate reads its folders from the environment once, at import: they all point into
  ``--root`` (``HOME`` too), and the packages are unzipped there, as ``install_from_path`` does.
- argostranslate's MiniSBD sentence splitter downloads ``<lang>.onnx`` at first use, so offline
  every ``/translate`` would be a 500: ``MiniSBDSentencizer.lazy_detector`` is replaced by a
  rule-based splitter. With two or more packages installed, LibreTranslate starts no update.
- ``--copy-model`` replaces CTranslate2's translator with one that returns its input pieces:
  a model that copies perfectly. Everything else (tokenizer, HTML mode, limits, errors) is the
  real server's, so the fake in ``tests/support/libretranslate_fake.py`` can be compared with
  it output for output.
- ``--api-key KEY`` adds KEY to the server's key database (``--api-keys`` must be given too).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any


class _OfflineSplitter:
    """What MiniSBD's detector offers (``sentences``), by rule: end punctuation and a space."""

    def sentences(self, text: str) -> list[str]:
        parts = re.split(r"(?<=[.!?])\s+(?=\S)", text.strip())
        return [p for p in parts if p] or [text]


class _CopyTranslator:
    """A stand-in for ``ctranslate2.Translator`` that copies its input (see the module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def translate_batch(
        self, source: list[list[str]], *args: Any, num_hypotheses: int = 1, **kwargs: Any
    ) -> list[SimpleNamespace]:
        return [
            SimpleNamespace(
                hypotheses=[list(tokens)] * num_hypotheses, scores=[0.0] * num_hypotheses
            )
            for tokens in source
        ]


def _environment(root: Path) -> Path:
    home = root / "home"
    packages = root / "packages"
    for key, path in {
        "HOME": home,
        "XDG_DATA_HOME": home / "data",
        "XDG_CONFIG_HOME": home / "config",
        "XDG_CACHE_HOME": home / "cache",
        "ARGOS_PACKAGES_DIR": packages,
    }.items():
        path.mkdir(parents=True, exist_ok=True)
        os.environ[key] = str(path)
    return packages


def _install(packages: Path, archives: list[str]) -> None:
    for archive in archives:
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(packages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, help="folder for argos data and the key db")
    parser.add_argument("--package", action="append", default=[], help=".argosmodel to install")
    parser.add_argument("--copy-model", action="store_true", help="a model that copies")
    parser.add_argument("--api-key", help="a key to add to the key database")
    args, rest = parser.parse_known_args()
    root = Path(args.root).resolve()
    _install(_environment(root), args.package)
    os.chdir(root)  # LibreTranslate keeps its databases under ./db

    import argostranslate.sbd

    argostranslate.sbd.MiniSBDSentencizer.lazy_detector = lambda self: _OfflineSplitter()
    if args.copy_model:
        import ctranslate2

        ctranslate2.Translator = _CopyTranslator
    if args.api_key:
        from libretranslate.api_keys import Database

        Database(str(root / "db" / "api_keys.db")).add(10_000, args.api_key)
        rest += ["--api-keys-db-path", str(root / "db" / "api_keys.db")]

    from libretranslate.main import main as libretranslate_main

    sys.argv = ["libretranslate", *[a for a in rest if a != "--"]]
    libretranslate_main()


if __name__ == "__main__":
    main()
