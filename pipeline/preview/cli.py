"""The ``newsletter preview`` command: rewrite ``build/<slug>/preview/`` from what is on disk, or
(``--summary``) print the review as a Markdown table for a pull-request comment."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.errors import ConfigError


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
    p.add_argument(
        "--summary",
        action="store_true",
        help="print a Markdown table of the review (language, status, reviewed share, "
        "findings, link) for a pull-request comment, from report.json; the site is not "
        "rewritten",
    )
    p.add_argument(
        "--base-url",
        metavar="URL",
        help="with --summary: where the review site is published; rows link to URL/<lang>.html",
    )
    p.set_defaults(handler=cmd_preview)


def cmd_preview(args: argparse.Namespace) -> int:
    from pipeline.preview import write_preview
    from pipeline.store import IssuePaths

    paths = IssuePaths.for_issue(Path(args.issue_dir), Path(args.out) if args.out else None)
    if args.summary:
        from pipeline.preview.summary import markdown_summary

        sys.stdout.write(markdown_summary(paths, args.base_url))
        return 0
    if args.base_url:
        raise ConfigError("--base-url goes with --summary (it is where the site is published)")
    index = write_preview(paths, screenshots=args.screenshots)
    print(f"preview: {index}", file=sys.stderr)
    print(index.as_uri())
    return 0
