"""``newsletter review export ISSUE_DIR --lang LANG``: write the PO file reviewers post-edit."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "review",
        help="export translations for human review (PO files)",
        description="Human post-editing of machine translations.",
    )
    actions = p.add_subparsers(dest="review_action", required=True, metavar="ACTION")
    e = actions.add_parser(
        "export",
        help="write issues/<slug>/translations/<lang>.po",
        description="Translate (memory first) and write issues/<slug>/translations/<lang>.po. "
        "Entries a reviewer un-fuzzied are kept; they win on the next build.",
    )
    e.add_argument("issue_dir", help="issues/<slug>")
    e.add_argument("--lang", required=True, help="the language to export, e.g. de")
    e.add_argument("--engine", default="argos", help="translation engine (default: argos)")
    e.set_defaults(handler=cmd_review_export)


def cmd_review_export(args: argparse.Namespace) -> int:
    from pipeline.config import load_issue
    from pipeline.errors import ConfigError
    from pipeline.ingest import ingest_file
    from pipeline.store import IssuePaths
    from pipeline.translate.review import export_po
    from pipeline.translate.stage import translate_issue

    paths = IssuePaths.for_issue(Path(args.issue_dir))
    config = load_issue(paths.issue_toml)
    if args.lang == config.source_lang:
        raise ConfigError(f"--lang {args.lang} is the source language: there is nothing to review")
    if args.lang not in config.languages:
        raise ConfigError(
            f"--lang {args.lang} is not in 'languages' of {paths.issue_toml}; add it there first"
        )
    source = ingest_file(paths.interview, source_lang=config.source_lang).document
    results = translate_issue(
        config, paths, source, [config.source_lang, args.lang], engine=args.engine
    )
    result = results[args.lang]
    document = result.document or results[config.source_lang].document
    assert document is not None  # the source result always has one
    summary = export_po(
        paths.po_file(args.lang), args.lang, document.segments, source_lang=config.source_lang
    )
    print(
        f"{summary.path}: {summary.total} entries ({summary.reviewed} reviewed, "
        f"{summary.machine} machine/fuzzy, {summary.empty} to translate, "
        f"{summary.obsolete} obsolete)",
        file=sys.stderr,
    )
    if result.status == "unavailable":
        print(f"note: {result.message}", file=sys.stderr)
    return 0
