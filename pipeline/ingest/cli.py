"""The ingest stage's command: ``newsletter ingest FILE [--json] [--explain] [--lang xx]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipeline.document import Document


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("ingest", help="parse an interview text into a structured document")
    p.add_argument("file", help="the interview text (UTF-8; UTF-16 with a BOM is accepted)")
    p.add_argument("--json", action="store_true", help="print the document as JSON on stdout")
    p.add_argument(
        "--explain",
        action="store_true",
        help="print every paragraph with its line, the type and speaker it got and the signal "
        "that decided, then the clean-up notes and what was inferred",
    )
    p.add_argument(
        "--lang",
        default=None,
        help="source language code (default: source_lang of a sibling issue.toml, else en)",
    )
    p.set_defaults(handler=cmd_ingest)


def cmd_ingest(args: argparse.Namespace) -> int:
    from pipeline.document import to_dict
    from pipeline.ingest import ingest_file

    result = ingest_file(Path(args.file), source_lang=args.lang)
    for warning in result.warnings:
        print(f"{args.file}:{warning.line}: warning: {warning.message}", file=sys.stderr)
    if args.json:
        json.dump(to_dict(result.document), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif args.explain:
        from pipeline.ingest.explain import explain_lines

        print("\n".join(explain_lines(result)))
    else:
        _print_outline(result.document)
    return 0


def _print_outline(doc: Document) -> None:
    for block in doc.blocks:
        who = f" [{block.speaker}]" if block.speaker else ""
        first = block.paragraphs[0].replace("\n", " ⏎ ")  # a list: one item a line
        print(f"{block.line:>4}  {block.type:<9}{who} {first[:70]}{'…' if len(first) > 70 else ''}")
