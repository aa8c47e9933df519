"""The ``newsletter preview`` command: rewrite ``build/<slug>/preview/`` from what is on disk."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "preview",
        help="(re)write the review site build/<slug>/preview/ from an existing build",
        description=(
            "Rewrite build/<slug>/preview/ (index.html, a side-by-side page per language, "
            "frames at 600 and 375 px) from report.json and the per-language files."
        ),
    )
    p.add_argument("issue_dir", help="issues/<slug>")
    p.add_argument("--out", help="the build folder (default: build/<slug> beside issues/)")
    p.add_argument(
        "--screenshots",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="take PNGs with headless Chromium (default: when Chromium is installed)",
    )
    p.set_defaults(handler=cmd_preview)


def cmd_preview(args: argparse.Namespace) -> int:
    from pipeline.preview import write_preview
    from pipeline.store import IssuePaths

    paths = IssuePaths.for_issue(Path(args.issue_dir), Path(args.out) if args.out else None)
    index = write_preview(paths, screenshots=args.screenshots)
    print(f"preview: {index}", file=sys.stderr)
    print(index.as_uri())
    return 0
