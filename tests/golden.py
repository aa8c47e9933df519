"""Regenerate the golden render files (``make golden``); review the result with ``git diff``.

English and German are rendered from the fixed input in ``tests/support/render.py`` (fixed
date, Brevo placeholders) into ``tests/data/golden/<lang>/email.html`` and ``email.txt``.
``tests/test_render_golden.py`` fails whenever the output differs from these files.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.document import Document
from pipeline.render import RenderResult, render_email
from pipeline.store import write_atomic
from tests.support import render as fx

GOLDEN = Path(__file__).resolve().parent / "data" / "golden"
FILES = ("email.html", "email.txt")


def documents() -> dict[str, Document]:
    return {"en": fx.english(), "de": fx.german()}


def render_all() -> dict[str, RenderResult]:
    docs = documents()
    return {
        lang: render_email(fx.config(), doc, provider="brevo", languages=list(docs))
        for lang, doc in docs.items()
    }


def outputs(result: RenderResult) -> dict[str, str]:
    return {"email.html": result.html, "email.txt": result.text}


def main() -> int:
    for lang, result in render_all().items():
        for name, content in outputs(result).items():
            path = GOLDEN / lang / name
            write_atomic(path, content)
            print(f"golden: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
