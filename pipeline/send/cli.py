"""The send stage's commands: ``newsletter send`` and ``newsletter due``."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from pipeline.errors import ConfigError


def _langs(value: str) -> list[str]:
    return [code.strip() for code in value.split(",") if code.strip()]


def cmd_send(args: argparse.Namespace) -> int:
    from pipeline.config import load_issue
    from pipeline.send.plan import SendOptions
    from pipeline.send.run import send_issue
    from pipeline.store import IssuePaths, newest_issue

    issue_dir = Path(args.issue_dir) if args.issue_dir else newest_issue(Path("issues"))
    provider = args.provider
    if provider is None:
        provider = load_issue(IssuePaths.for_issue(issue_dir).issue_toml).send.provider
    options = SendOptions(
        provider=provider,
        dry_run=args.dry_run,
        test_to=tuple(args.test_to or ()),
        now=args.now,
        test_only=args.test_only,
        langs=tuple(_langs(args.langs)) if args.langs else None,
        skip_unavailable=args.skip_unavailable,
        lock_wait=args.lock_wait,
    )
    result = send_issue(issue_dir, options, out=Path(args.out) if args.out else None)
    if result.dry_run:
        print("dry run: nothing was changed (pass SEND=1 to make send, or drop --dry-run)")
    else:
        print(f"{len(result.done)}/{len(result.steps)} languages scheduled or sent")
    return 0


def cmd_due(args: argparse.Namespace) -> int:
    from pipeline.http import make_client
    from pipeline.send.due import due_issues, provider_check

    try:
        today = dt.date.fromisoformat(args.today) if args.today else dt.datetime.now(dt.UTC).date()
    except ValueError:
        raise ConfigError(f"--today {args.today}: not a date. Use YYYY-MM-DD.") from None

    def warn(text: str) -> None:
        print(f"warning: {text}", file=sys.stderr, flush=True)

    with make_client() as client:
        check = None
        if args.provider:
            check = provider_check(args.provider, os.environ, client, log=warn)
        slugs = due_issues(
            Path(args.issues),
            today,
            ahead=args.ahead,
            max_age=args.max_age,
            warn=warn,
            sent_at_provider=check,
        )
    for slug in slugs:
        print(slug)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "send",
        help="push a built issue to the mailing provider (one campaign per language)",
        description="Create or update one campaign per language, test it, then schedule it at "
        "send_at (or send now with --now). Safe to repeat: never sends twice.",
    )
    p.add_argument("issue_dir", nargs="?", help="issues/<slug> (default: the newest issue)")
    p.add_argument("--provider", help="brevo | listmonk | outbox (default: [send] provider)")
    p.add_argument("--out", help="the build folder (default: build/<slug> beside issues/)")
    p.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    p.add_argument(
        "--test-to",
        nargs="+",
        action="extend",
        metavar="EMAIL",
        help="send a test of each language to these addresses first",
    )
    p.add_argument("--now", action="store_true", help="send at once (when send_at has passed)")
    p.add_argument(
        "--test-only",
        action="store_true",
        help="create/update and test the campaigns, leave them as drafts",
    )
    p.add_argument("--langs", help="comma-separated languages (default: every built language)")
    p.add_argument(
        "--skip-unavailable",
        action="store_true",
        help="leave out languages the build marks unavailable instead of refusing",
    )
    p.add_argument(
        "--lock-wait",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long to wait for another send of the same issue on this machine to finish "
        "(default 60); then exit 2 naming it",
    )
    p.set_defaults(handler=cmd_send)

    p = sub.add_parser(
        "due",
        help="print the slugs of issues due to send (for the monthly job)",
        description="An issue is due when the UTC date of its send_at is within "
        "[today - MAX_AGE, today + AHEAD], its send ledger is not complete and (with "
        "--provider) the provider does not already show every language scheduled or sent.",
    )
    p.add_argument("--today", help="YYYY-MM-DD (default: today in UTC)")
    p.add_argument("--issues", default="issues", help="the issues folder (default: ./issues)")
    p.add_argument("--ahead", type=int, default=0, help="also issues due within N days")
    p.add_argument("--max-age", type=int, default=31, help="ignore issues older than N days")
    p.add_argument(
        "--provider",
        help="brevo | listmonk: also ask the provider (read-only) and leave out issues whose "
        "every language is already scheduled or sent there (needs the provider's secrets)",
    )
    p.set_defaults(handler=cmd_due)
