"""The ``newsletter`` command: argument parsing and the boundary where errors become exit codes.

``build`` is defined here; every stage registers its own commands from its ``cli`` module
(:data:`STAGE_COMMANDS`). Every handler is a small function ``(args) -> int`` that calls
library code. A :class:`~pipeline.errors.PipelineError` is printed as ``error: <message>``
(plus detail lines) and exits with its ``exit_code`` (2 for user mistakes); anything else is a
bug and keeps its traceback. Heavy modules are imported inside handlers so ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pipeline import __version__
from pipeline.errors import ConfigError, PipelineError

Handler = Callable[[argparse.Namespace], int]

# Each stage registers its own sub-commands (``register(subparsers)`` in its ``cli`` module);
# ``build``, which runs the stages in order, lives here.
STAGE_COMMANDS = (
    "pipeline.ingest.cli",  # ingest
    "pipeline.translate.cli",  # models, review
    "pipeline.render.cli",  # render
    "pipeline.preview.cli",  # preview
    "pipeline.send.cli",  # send, due
)


def _langs(value: str) -> list[str]:
    return [code.strip() for code in value.split(",") if code.strip()]


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more (got {value})")
    return number


def _issue_dir(value: str | None) -> Path:
    """An explicit issue folder, or the newest one under ./issues."""
    from pipeline.store import newest_issue

    if value:
        return Path(value)
    return newest_issue(Path("issues"))


def cmd_build(args: argparse.Namespace) -> int:
    from pipeline import console
    from pipeline.build import BuildOptions, run_issue
    from pipeline.translate.engine import EngineSettings

    defaults = EngineSettings()
    settings = EngineSettings(
        beam_size=args.beam_size or defaults.beam_size,
        max_batch_size=args.batch_size or defaults.max_batch_size,
        compute_type=args.compute_type or defaults.compute_type,
        intra_threads=args.threads or defaults.intra_threads,
        parallel_languages=args.parallel or defaults.parallel_languages,
    )
    options = BuildOptions(
        langs=_langs(args.langs) if args.langs else None,
        out=Path(args.out) if args.out else None,
        engine=args.engine,
        provider=args.provider,
        strict=args.strict,
        install_models=args.install_models,
        screenshots=args.screenshots,
        until=args.until,
        settings=settings,
        check_links=args.check_links,
    )
    with console.at_level(args.console):
        run_issue(_issue_dir(args.issue_dir), options)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsletter",
        description="Ingest, translate, render, preview and send a multilingual newsletter issue.",
        epilog="Run 'newsletter COMMAND --help' for a command's options. Docs: README.md.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "build",
        help="run ingest → translate → render → preview for one issue",
        description="Build one issue into build/<slug>/ (or --out).",
    )
    p.add_argument("issue_dir", nargs="?", help="issues/<slug> (default: the newest issue)")
    p.add_argument("--langs", help="comma-separated languages (default: all in issue.toml)")
    p.add_argument("--out", help="output folder (default: build/<slug> beside issues/)")
    p.add_argument(
        "--engine",
        default=None,
        help="translation engine: argos, libretranslate or apertium (default: argos, or "
        "[translate] engines in issue.toml, which also chooses per language)",
    )
    p.add_argument(
        "--provider",
        default=None,
        help="render placeholders for this provider (default: [send] provider, else brevo)",
    )
    p.add_argument("--strict", action="store_true", help="a language without a model is an error")
    p.add_argument(
        "--install-models",
        action="store_true",
        help="download and install missing argos packages first (make issue does)",
    )
    p.add_argument(
        "--screenshots",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="take preview screenshots (default: when Chromium is installed)",
    )
    p.add_argument(
        "--check-links",
        action="store_true",
        help="ask every link of the e-mails once (HEAD, then GET); needs the network",
    )
    p.add_argument(
        "--until",
        choices=["ingest", "translate", "render", "preview"],
        default="preview",
        help="stop after this stage (default: preview)",
    )
    talk = p.add_mutually_exclusive_group()
    talk.add_argument(
        "-q",
        "--quiet",
        dest="console",
        action="store_const",
        const="quiet",
        default="normal",
        help="print only warnings that ask for action, and errors",
    )
    talk.add_argument(
        "-v",
        "--verbose",
        dest="console",
        action="store_const",
        const="verbose",
        help="also print each language's progress, each screenshot and every reason in full",
    )
    tuning = p.add_argument_group(
        "translation engine tuning (defaults measured on 2 cores; see make bench)"
    )
    tuning.add_argument("--beam-size", type=_positive, help="beam search width (default 4)")
    tuning.add_argument("--batch-size", type=_positive, help="max sentences per batch (16)")
    tuning.add_argument("--compute-type", help="ctranslate2 compute type (default int8)")
    tuning.add_argument("--threads", type=_positive, help="threads per translator (default 1)")
    tuning.add_argument("--parallel", type=_positive, help="languages translated at once (2)")
    p.set_defaults(handler=cmd_build)

    for name in STAGE_COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except PipelineError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for line in exc.details:
            print(f"  - {line}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        if exc.filename is None:  # not about a file: a bug, keep the traceback
            raise
        from pipeline.store import os_problem

        print(f"error: {os_problem(exc).message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1


__all__ = ["ConfigError", "build_parser", "main"]
