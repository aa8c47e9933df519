"""``newsletter models list|install|install-file``: the argos packages on this machine."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import ConfigError, TranslationError

if TYPE_CHECKING:
    from pipeline.translate.models import IndexPackage, Pair

NEWEST = ""  # --issue without a value: the newest issue under ./issues


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    models = sub.add_parser(
        "models",
        help="list and install argos translation packages",
        description="Argos packages; honours ARGOS_PACKAGES_DIR and ARGOS_PACKAGE_INDEX.",
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


def cmd_list(args: argparse.Namespace) -> int:
    from pipeline.translate import models

    if args.installed:
        for pair, version in sorted(models.installed_versions().items()):
            print(f"{pair[0]}→{pair[1]}  {version}")
        return 0
    rows = models.list_packages()
    print(f"{'pair':<8} {'package':<18} {'installed':<10} {'index':<8} state")
    for row in rows:
        print(
            f"{row.pair[0]}→{row.pair[1]:<5} {row.code:<18} {row.installed or '-':<10} "
            f"{row.available or '-':<8} {row.state}"
        )
    return 0


def cmd_install(args: argparse.Namespace) -> int:
    """Install, for each target, the direct package from the source language, else both hops
    through English; a target already reachable with installed packages needs no index."""
    from pipeline.languages import EU_LANGUAGES
    from pipeline.translate import models

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
    have = models.installed_versions()
    todo = [lang for lang in targets if (source, lang) not in have]
    offered, index = set(have), _index_for(source, todo, have)
    offered |= {(p.from_code, p.to_code) for p in index or ()}
    plan = models.plan_pairs(source, targets, offered)
    missing = sorted(lang for lang, pairs in plan.items() if not pairs)
    if missing and not whole_issue:
        raise ConfigError(
            f"the argos index has no package for {source}→{', '.join(missing)} (nor through "
            "English). Add a human translation (issues/<slug>/translations/LANG.po) instead."
        )
    for lang in missing:
        print(
            f"warning: no argos package for {source}→{lang}, even through English; the build "
            f"marks {lang} unavailable unless translations/{lang}.po exists",
            file=sys.stderr,
        )
    wanted = [pair for pairs in plan.values() for pair in pairs if pair not in have]
    if wanted:
        for model_id in models.install_pairs(list(dict.fromkeys(wanted)), index=index):
            print(f"installed {model_id}")
    for pair in sorted({pair for pairs in plan.values() for pair in pairs if pair in have}):
        print(f"already installed {pair[0]}→{pair[1]} {have[pair]}")
    return 0


def _index_for(source: str, todo: list[str], have: Mapping[Pair, str]) -> list[IndexPackage] | None:
    """The index, when a target lacks a direct package (None when none does). Offline, targets
    that installed packages already reach through English need no index."""
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
