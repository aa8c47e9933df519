"""The render stage's command: ``newsletter render ISSUE_DIR``, e-mails again from the last build.

After a template or catalog edit, this renders every built language from its translated
``build/<slug>/<lang>/document.json`` (no ingest, no translation, no model), refreshes the
render part of ``report.json`` and rewrites the preview, so the three stay in step.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "render",
        help="render the e-mails again from the last build's translations (after a template edit)",
        description="Render every language of build/<slug>/ again from its translated "
        "document.json, then refresh report.json and the preview. Nothing is translated.",
    )
    p.add_argument("issue_dir", help="issues/<slug>")
    p.add_argument("--out", help="the build folder (default: build/<slug> beside issues/)")
    p.add_argument(
        "--provider",
        default=None,
        help="render placeholders for this provider (default: the one the build used)",
    )
    p.add_argument(
        "--check-links",
        action="store_true",
        help="ask every link of the e-mails once (HEAD, then GET); needs the network",
    )
    p.add_argument(
        "--screenshots",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="take preview screenshots (default: when Chromium is installed)",
    )
    p.set_defaults(handler=cmd_render)


def cmd_render(args: argparse.Namespace) -> int:
    from pipeline.config import check_provider, load_issue
    from pipeline.errors import CheckError
    from pipeline.preview import write_preview
    from pipeline.render import rerender_issue
    from pipeline.render.deliver import DeliveryOptions
    from pipeline.report import error_findings, load_report
    from pipeline.store import IssuePaths, json_text, staged

    paths = IssuePaths.for_issue(Path(args.issue_dir), Path(args.out) if args.out else None)
    config = load_issue(paths.issue_toml)
    report = load_report(paths)
    provider = check_provider(args.provider or str(report.get("provider") or config.send.provider))
    checks = DeliveryOptions.from_env(check_links=args.check_links)
    report = rerender_issue(config, paths, report, provider=provider, delivery=checks)
    for note in report.get("findings", []):
        if note.get("stage") == "render":
            print(f"note: {note.get('message')}", file=sys.stderr)
    # Put in place once the preview is published, as the build does (see pipeline.build).
    with staged(paths.report_json, json_text(report)):
        index = write_preview(paths, screenshots=args.screenshots, report=report)
    print(f"rendered {len(report['languages'])} languages; preview: {index}", file=sys.stderr)
    failures = error_findings(report)
    if failures:
        raise CheckError(
            f"{len(failures)} QA check(s) failed; see {paths.report_json} and the preview.",
            details=failures,
        )
    return 0
