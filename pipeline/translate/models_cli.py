"""``newsletter models list|install|install-file``: the argos packages on this machine."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.errors import ConfigError


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
        help="every language the issue needs (and its source language)",
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
    if all((source, lang) in have for lang in targets):  # nothing to fetch: works offline
        for lang in targets:
            print(f"already installed {source}→{lang} {have[(source, lang)]}")
        return 0
    index = models.fetch_index()
    plan = models.plan_pairs(source, targets, {(p.from_code, p.to_code) for p in index})
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
    for model_id in models.install_pairs(list(dict.fromkeys(wanted)), index=index):
        print(f"installed {model_id}")
    present = sorted({pair for pairs in plan.values() for pair in pairs if pair in have})
    for pair in present:
        print(f"already installed {pair[0]}→{pair[1]} {have[pair]}")
    return 0


def _targets(args: argparse.Namespace) -> tuple[str, list[str], bool]:
    """(source language, target languages, whether they are a whole issue's)."""
    if args.issue:
        from pipeline.config import load_issue

        config = load_issue(Path(args.issue) / "issue.toml")
        source = args.source or config.source_lang
        langs = list(args.langs) or list(config.target_languages)
        return source, [lang for lang in langs if lang != source], not args.langs
    if not args.langs:
        raise ConfigError(
            "name the languages to install (e.g. 'models install de fr') or --issue DIR."
        )
    source = args.source or "en"
    return source, [lang for lang in args.langs if lang != source], False


def cmd_install_file(args: argparse.Namespace) -> int:
    from pipeline.translate import models

    print(f"installed {models.install_file(Path(args.path))}")
    return 0
