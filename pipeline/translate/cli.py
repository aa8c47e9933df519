"""The translate stage's commands: ``newsletter models …`` and ``newsletter review …``.

``models list|install|install-file`` manage the translation packages on this machine;
``review export`` writes the PO file reviewers post-edit, ``review import`` merges a
reviewer's file back (:mod:`pipeline.translate.review_import`). The export never changes the build:
the machine text comes from ``build/<slug>/<lang>/document.json`` when that build matches the
current source segment for segment, else it is computed (memory first) without writing any
build file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Set
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import ConfigError, TranslationError

if TYPE_CHECKING:
    from pipeline.config import IssueConfig
    from pipeline.document import Document, Segment
    from pipeline.store import IssuePaths
    from pipeline.translate.models import IndexPackage
    from pipeline.translate.route import Pair

NEWEST = ""  # --issue without a value: the newest issue under ./issues


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _register_models(sub)
    _register_review(sub)


def _register_models(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    models = sub.add_parser(
        "models",
        help="list and install argos translation packages",
        description="Argos packages; honours ARGOS_PACKAGES_DIR and ARGOS_PACKAGE_INDEX. "
        "'list' also shows the pairs of the installed Apertium packages (engine apertium).",
    )
    commands = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    p = commands.add_parser("list", help="installed packages and those the index offers")
    p.add_argument("--installed", action="store_true", help="only installed (no network)")
    p.set_defaults(handler=cmd_list)

    p = commands.add_parser(
        "install",
        help="download and install packages for target languages",
        description="Install the packages that translate the source language into each LANG "
        "(through English where there is no direct package).",
    )
    p.add_argument("langs", nargs="*", metavar="LANG", help="target language codes, e.g. de fr")
    p.add_argument(
        "--issue",
        metavar="ISSUE_DIR",
        nargs="?",
        const=NEWEST,
        help="the issue's source language, and every language it needs unless LANGs are "
        "named; without a value, the newest issue under ./issues",
    )
    p.add_argument(
        "--from",
        dest="source",
        default=None,
        help="source language (default: the issue's, else en)",
    )
    p.set_defaults(handler=cmd_install)

    p = commands.add_parser("install-file", help="install a downloaded .argosmodel file")
    p.add_argument("path", help="the package file (PATH.argosmodel)")
    p.set_defaults(handler=cmd_install_file)


def _register_review(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "review",
        help="export translations for human review, import reviewed ones (PO files)",
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
    e.add_argument(
        "--engine",
        default=None,
        help="translation engine (default: argos, or [translate] engines in issue.toml)",
    )
    e.set_defaults(handler=cmd_review_export)
    i = actions.add_parser(
        "import",
        help="merge a reviewer's PO file into issues/<slug>/translations/<lang>.po",
        description="Check a reviewer's PO file (from the preview's editor, or an exported file "
        "edited in a PO editor): it must be for this issue and one of its languages, and its "
        "reviewed entries must keep every placeholder and protected term. Entries whose source "
        "sentence is gone are reported as stale and skipped; if any entry is rejected nothing "
        "is merged. Then rebuild (make issue) to use them.",
    )
    i.add_argument("file", metavar="FILE.po", help="the reviewer's file, e.g. ~/Downloads/de.po")
    i.add_argument(
        "--issue",
        metavar="DIR",
        help="issues/<slug> (default: issues/<the slug in the file's header> under the current "
        "folder)",
    )
    i.set_defaults(handler=cmd_review_import)


def cmd_list(args: argparse.Namespace) -> int:
    """Argos packages (installed, and offered by the index), then Marian models (installed,
    and named by the catalogue) with their licence and where they come from."""
    from pipeline.translate import models
    from pipeline.translate.marian import installed_models

    if args.installed:
        for pair, version in sorted(models.installed_versions().items()):
            print(f"{pair[0]}→{pair[1]}  {version}")
        for m in sorted(installed_models(), key=lambda m: m.pair):
            print(f"{m.pair[0]}→{m.pair[1]}  {m.model_id} (marian, {m.licence})")
        _list_apertium()
        return 0
    rows = models.list_packages()
    print(f"{'pair':<8} {'kind':<7} {'package':<18} {'installed':<12} {'offered':<12} state")
    for row in rows:
        print(
            f"{row.pair[0]}→{row.pair[1]:<5} {'argos':<7} {row.code:<18} "
            f"{row.installed or '-':<12} {row.available or '-':<12} {row.state}"
        )
    _list_marian()
    _list_apertium()
    return 0


def _list_apertium() -> None:
    """The pairs the installed Apertium modes translate (Debian packages, engine apertium)."""
    from pipeline.translate.apertium import installed_modes

    for (source, target), mode in sorted(installed_modes().items()):
        print(f"{source}→{target:<5} {'apertium':<7} {mode.name:<18} (Debian {mode.package})")


def _list_marian() -> None:
    from pipeline.translate import installer
    from pipeline.translate.marian import installed_models

    entries = installer.catalogue()
    have = {m.pair: m for m in installed_models()}
    for pair in sorted(set(entries) | set(have)):
        entry, model = entries.get(pair), have.get(pair)
        installed = model.model_id.split("@")[1] if model else "-"
        offered = entry.revision[:12] if entry else "-"
        state = "available" if model is None else "installed"
        if model and entry and installed != offered:
            state = "update available"
        if entry is not None:
            code, licence, source = entry.id, entry.licence, entry.source
        else:
            assert model is not None  # the pair came from one of the two
            code, licence = str(model.metadata["code"]), model.licence
            source = str(model.metadata.get("source", "?"))
        print(
            f"{pair[0]}→{pair[1]:<5} {'marian':<7} {code:<18} {installed:<12} {offered:<12} "
            f"{state} ({licence or '?'}, {source})"
        )


def cmd_install(args: argparse.Namespace) -> int:
    """Install, for each target, the direct model from the source language, else both hops
    through English: an argos package where the index offers one, else the Marian model the
    catalogue names. A target already reachable with installed models needs no index."""
    from pipeline.languages import EU_LANGUAGES
    from pipeline.translate import installer, models

    source, targets, whole_issue = _targets(args)
    unknown = [lang for lang in [source, *targets] if lang not in EU_LANGUAGES]
    if unknown:
        raise ConfigError(
            f"unknown language {', '.join(map(repr, unknown))}; use EU language codes: "
            f"{', '.join(EU_LANGUAGES)}."
        )
    if not targets:
        print(f"nothing to install: {source} is the source language")
        return 0
    have, entries = installer.installed(), installer.catalogue()
    todo = [lang for lang in targets if (source, lang) not in have]
    index = _index_for(source, todo, set(have) | set(entries))
    offered = set(have) | set(entries) | {(p.from_code, p.to_code) for p in index or ()}
    plan = models.plan_pairs(source, targets, offered)
    missing = sorted(lang for lang, pairs in plan.items() if not pairs)
    if missing and not whole_issue:
        raise ConfigError(
            f"neither the argos index nor the model catalogue has a model for {source}→"
            f"{', '.join(missing)} (nor through English). Add a human translation "
            "(issues/<slug>/translations/LANG.po) instead, or a [[model]] to the catalogue."
        )
    for lang in missing:
        print(
            f"warning: no argos package or catalogue model for {source}→{lang}, even through "
            f"English; the build marks {lang} unavailable unless translations/{lang}.po exists",
            file=sys.stderr,
        )
    wanted = [pair for pairs in plan.values() for pair in pairs if pair not in have]
    for model_id in installer.install(list(dict.fromkeys(wanted)), index, entries):
        print(f"installed {model_id}")
    for pair in sorted({pair for pairs in plan.values() for pair in pairs if pair in have}):
        print(f"already installed {pair[0]}→{pair[1]} {have[pair]}")
    return 0


def _index_for(source: str, todo: list[str], have: Set[Pair]) -> list[IndexPackage] | None:
    """The index, when a target lacks a direct model (None when none does). Offline, targets
    that installed or catalogue models already reach need no index."""
    from pipeline.translate import models

    if not todo:
        return None
    try:
        return models.fetch_index()
    except TranslationError:
        if all(models.plan_pairs(source, todo, set(have)).values()):
            return None
        raise


def _targets(args: argparse.Namespace) -> tuple[str, list[str], bool]:
    """(source language, target languages, whether they are a whole issue's)."""
    issue = _issue_dir(args)
    if issue is not None:
        from pipeline.config import load_issue

        config = load_issue(issue / "issue.toml")
        source = args.source or config.source_lang
        langs = list(args.langs) or list(config.target_languages)
        return source, [lang for lang in langs if lang != source], not args.langs
    if not args.langs:
        raise ConfigError(
            "name the languages to install (e.g. 'models install de fr') or --issue DIR."
        )
    source = args.source or "en"
    return source, [lang for lang in args.langs if lang != source], False


def _issue_dir(args: argparse.Namespace) -> Path | None:
    """The --issue folder; for a bare --issue the newest issue, or None when there is none
    and languages are named (``make models LANGS=de`` in a project with no issue yet)."""
    from pipeline.store import newest_issue

    if args.issue is None:
        return None
    if args.issue != NEWEST:
        return Path(args.issue)
    try:
        return newest_issue(Path("issues"))
    except ConfigError:
        if args.langs:
            return None
        raise


def cmd_install_file(args: argparse.Namespace) -> int:
    from pipeline.translate import models

    print(f"installed {models.install_file(Path(args.path))}")
    return 0


def cmd_review_export(args: argparse.Namespace) -> int:
    from pipeline.config import load_issue
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


def cmd_review_import(args: argparse.Namespace) -> int:
    from pipeline.config import load_issue
    from pipeline.ingest import ingest_file
    from pipeline.store import IssuePaths
    from pipeline.translate.glossary import load_glossary
    from pipeline.translate.review_import import (
        check_target,
        import_review,
        read_submission,
        summary_lines,
    )
    from pipeline.translate.segment import all_segments, split_document

    submission = read_submission(Path(args.file))
    issue_dir = Path(args.issue) if args.issue else Path("issues") / submission.slug
    if not args.issue and not (issue_dir / "issue.toml").is_file():
        raise ConfigError(
            f"{args.file} is for issue '{submission.slug}', but there is no {issue_dir}/issue.toml "
            "here. Run this in the project folder, or name the issue with --issue DIR."
        )
    paths = IssuePaths.for_issue(issue_dir)
    config = load_issue(paths.issue_toml)
    check_target(submission, paths, config.languages, config.source_lang)
    source = ingest_file(paths.interview, source_lang=config.source_lang).document
    segments = all_segments(config, source, split_document(source))
    protect = load_glossary(paths.glossary).protect
    summary = import_review(
        submission, paths, segments, source_lang=config.source_lang, protect=protect
    )
    for line in summary_lines(summary, paths.root):
        print(line, file=sys.stderr)
    if summary.reviewed or summary.corrected:
        print(f"next: rebuild to use them (make issue ISSUE={paths.slug})", file=sys.stderr)
    return 0


def _machine_segments(
    config: IssueConfig, paths: IssuePaths, source: Document, lang: str, engine: str | None
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
