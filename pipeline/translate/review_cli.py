"""``newsletter review export ISSUE_DIR --lang LANG``: write the PO file reviewers post-edit.

The export never changes the build: the machine text comes from
``build/<slug>/<lang>/document.json`` when that build matches the current source segment
for segment, else it is computed (memory first) without writing any build file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.config import IssueConfig
    from pipeline.document import Document, Segment
    from pipeline.store import IssuePaths


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
        description="Write issues/<slug>/translations/<lang>.po with the machine text of the "
        "last build (or, when it is missing or out of date, translated memory first, without "
        "changing the build). Entries a reviewer un-fuzzied are kept; they win on the next build.",
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

    paths = IssuePaths.for_issue(Path(args.issue_dir))
    config = load_issue(paths.issue_toml)
    if args.lang == config.source_lang:
        raise ConfigError(f"--lang {args.lang} is the source language: there is nothing to review")
    if args.lang not in config.languages:
        raise ConfigError(
            f"--lang {args.lang} is not in 'languages' of {paths.issue_toml}; add it there first"
        )
    source = ingest_file(paths.interview, source_lang=config.source_lang).document
    segments, note = _machine_segments(config, paths, source, args.lang, args.engine)
    summary = export_po(
        paths.po_file(args.lang), args.lang, segments, source_lang=config.source_lang
    )
    print(
        f"{summary.path}: {summary.total} entries ({summary.reviewed} reviewed, "
        f"{summary.machine} machine/fuzzy, {summary.empty} to translate, "
        f"{summary.obsolete} obsolete)",
        file=sys.stderr,
    )
    print(f"note: {note}", file=sys.stderr)
    return 0


def _machine_segments(
    config: IssueConfig, paths: IssuePaths, source: Document, lang: str, engine: str
) -> tuple[tuple[Segment, ...], str]:
    """The segments to export and where their text came from (a note for the user)."""
    from pipeline.translate.segment import all_segments, split_document
    from pipeline.translate.stage import translate_issue

    current = all_segments(config, source, split_document(source))
    built = _built_segments(paths, lang)
    if built is not None and [(s.key, s.source) for s in built] == current:
        return built, f"machine text from the build, {paths.lang_document_json(lang)}"
    langs = [config.source_lang, lang]
    results = translate_issue(config, paths, source, langs, engine=engine, write=False)
    result = results[lang]
    document = result.document or results[config.source_lang].document
    assert document is not None  # the source result always has one
    if result.status == "unavailable":
        return document.segments, str(result.message)
    return document.segments, "machine text computed (memory first); the build was not changed"


def _built_segments(paths: IssuePaths, lang: str) -> tuple[Segment, ...] | None:
    """The segments of this language's last build, if it has a readable one."""
    from pipeline.document import from_dict
    from pipeline.store import read_json

    path = paths.lang_document_json(lang)
    if not path.is_file():
        return None
    try:
        document = from_dict(read_json(path))
    except (OSError, ValueError, KeyError, TypeError):  # unreadable: compute instead
        return None
    return document.segments if document.lang == lang else None
