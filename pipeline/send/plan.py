"""Gather, then decide: the build on disk → one Message per language, and a plan per language.

:func:`load_messages` reads ``build/<slug>/report.json`` and the rendered files and refuses,
all problems at once, what must not leave the machine: a build rendered for another provider,
a language that failed its checks or is unavailable, unreviewed machine text when
``require_review = true``, missing files, a missing unsubscribe placeholder, a language
without a list, a language SpamAssassin scored above ``max_spam_score``. :func:`make_plan`
compares the messages with the campaigns found at the provider (the truth; duplicates settled
by :mod:`.duplicates`) and the ledger (a hint, and evidence: a campaign it records as scheduled
or sent that the provider does not show stops the run), and says per language what a run will
do.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config import IssueConfig
from pipeline.errors import ConfigError, SendRefused
from pipeline.report import load_report, spam_rules_text
from pipeline.send.base import BLOCKED, DONE, DRAFT, Campaign, Message
from pipeline.send.duplicates import conflict_problem, describe, settle
from pipeline.send.ledger import FINAL, Ledger
from pipeline.store import IssuePaths, sha256_text


@dataclass(frozen=True)
class SendOptions:
    provider: str
    dry_run: bool = False
    test_to: tuple[str, ...] = ()
    now: bool = False  # send at once when send_at has passed
    test_only: bool = False  # create/update and test; leave the campaigns as drafts
    langs: tuple[str, ...] | None = None  # None: every language of the build
    skip_unavailable: bool = False  # leave out unavailable languages instead of refusing
    lock_wait: float = 60.0  # seconds to wait for another run of the issue to finish


@dataclass(frozen=True)
class Step:
    """What a run does for one language."""

    message: Message
    campaign: Campaign | None
    # create | update | keep (draft up to date) | skip (already scheduled/sent);
    # blocked | conflict | missing: the run stops (``problem`` says why and what to do)
    action: str
    delivery: str  # schedule | now | draft (--test-only) | done
    test: bool  # a test goes to --test-to
    drop: tuple[Campaign, ...] = ()  # duplicate drafts of the name, deleted first
    problem: str | None = None


def placeholder_pattern(placeholder: str) -> re.Pattern[str]:
    """``{{ unsubscribe }}`` also matches ``{{unsubscribe}}``: providers ignore the spaces."""
    inner = placeholder.strip("{} ")
    return re.compile(r"\{\{\s*" + re.escape(inner) + r"\s*\}\}")


def load_messages(
    config: IssueConfig, paths: IssuePaths, options: SendOptions, placeholder: str | None
) -> tuple[list[Message], list[str]]:
    """The messages to push, and notes (languages left out on purpose). Raises SendRefused."""
    report = load_report(paths)
    built_for = report.get("provider")
    if built_for != options.provider:
        raise SendRefused(
            f"{paths.report_json}: the build was rendered for provider '{built_for}', not "
            f"'{options.provider}' (the unsubscribe placeholders differ). Rebuild with "
            f"newsletter build {paths.issue_dir} --provider {options.provider}."
        )
    languages: Mapping[str, Any] = report.get("languages") or {}
    chosen = _chosen_languages(languages, options, paths)
    problems: list[str] = []
    notes: list[str] = []
    messages: list[Message] = []
    for lang in chosen:
        entry = languages[lang]
        if entry.get("status") == "unavailable" and options.skip_unavailable:
            notes.append(f"{lang}: left out (unavailable: {entry.get('message') or 'no text'})")
            continue
        found = _refusals(config, paths, lang, entry, options.provider, placeholder)
        if found:
            problems.extend(found)
            continue
        messages.append(_message(config, paths, lang, entry, options.provider))
    if problems:
        count = len(problems)
        raise SendRefused(
            f"refusing to send {paths.slug}: {count} problem{'s' if count > 1 else ''} "
            "(nothing was sent)",
            details=problems,
        )
    return messages, notes


def expected_languages(paths: IssuePaths, options: SendOptions) -> list[str]:
    """Every built language the issue must send, whatever --langs chose this time."""
    languages: Mapping[str, Any] = load_report(paths).get("languages") or {}
    skip = options.skip_unavailable
    return [k for k, v in languages.items() if not (skip and v.get("status") == "unavailable")]


def _chosen_languages(
    languages: Mapping[str, Any], options: SendOptions, paths: IssuePaths
) -> list[str]:
    if options.langs is None:
        return list(languages)
    unknown = [lang for lang in options.langs if lang not in languages]
    if unknown:
        raise ConfigError(
            f"--langs {','.join(unknown)}: not in {paths.report_json} "
            f"(built: {', '.join(languages) or 'none'}). Build them first or drop them."
        )
    return list(options.langs)


def _refusals(
    config: IssueConfig,
    paths: IssuePaths,
    lang: str,
    entry: Mapping[str, Any],
    provider: str,
    placeholder: str | None,
) -> list[str]:
    if entry.get("status") == "unavailable":
        why = entry.get("message") or "no translation"
        return [f"{lang}: unavailable ({why}). Fix that and rebuild, or pass --skip-unavailable."]
    problems = []
    if not entry.get("ok", False):
        errors = [f for f in entry.get("findings") or [] if f.get("level") == "error"]
        listed = "; ".join(f"{f.get('code')}: {f.get('message')}" for f in errors[:3])
        problems.append(f"{lang}: failed its checks ({listed or 'ok is false'}). Fix and rebuild.")
    problems += _spam_refusal(config, paths, lang, entry)
    share = float(entry.get("reviewed_share", 0.0) if entry.get("status") != "source" else 1.0)
    if config.require_review and share < 1.0:
        problems.append(
            f"{lang}: {share:.0%} reviewed and issue.toml sets require_review = true. Review "
            f"{paths.po_file(lang)} (newsletter review export {paths.issue_dir} --lang {lang}) "
            "and rebuild, or leave it out with --langs."
        )
    if provider != "outbox" and not config.send.lists_for(provider, lang):
        problems.append(
            f"{lang}: no {provider} list. Add [send.{provider}] lists = {{ default = [ID] }} "
            f"(or {lang} = [ID]) to {paths.issue_toml}."
        )
    html_path = paths.out / str((entry.get("files") or {}).get("html", f"{lang}/email.html"))
    if not html_path.is_file():
        problems.append(f"{lang}: {html_path} is missing. Rebuild the issue.")
        return problems
    stale = _stale_files(paths, lang, entry)
    if stale:
        return problems + stale
    if placeholder and not placeholder_pattern(placeholder).search(_read(html_path)):
        problems.append(
            f"{lang}: {html_path} has no unsubscribe link ({placeholder}). Rebuild with "
            f"--provider {provider} so the template emits it."
        )
    return problems


def _spam_refusal(
    config: IssueConfig, paths: IssuePaths, lang: str, entry: Mapping[str, Any]
) -> list[str]:
    """A language SpamAssassin scored above ``max_spam_score`` (read now, not at build time)."""
    spam = entry.get("spam")
    if not isinstance(spam, dict) or not isinstance(spam.get("score"), int | float):
        return []  # not scored: the build said so in a note
    if spam["score"] <= config.max_spam_score:
        return []
    return [
        f"{lang}: SpamAssassin scores it {spam['score']:.1f}, above max_spam_score "
        f"{config.max_spam_score:g} in {paths.issue_toml}; rules: {spam_rules_text(spam)}. "
        "Fix what they point at (docs/findings.md) and rebuild, or raise max_spam_score."
    ]


def _stale_files(paths: IssuePaths, lang: str, entry: Mapping[str, Any]) -> list[str]:
    """The e-mail files must be the ones report.json describes (when it records their hashes):
    a build that stopped half-way leaves new files beside the old report's verdict."""
    recorded = entry.get("sha256")
    if not isinstance(recorded, dict):
        return []
    files = entry.get("files") or {}
    for part, name in (("html", "email.html"), ("text", "email.txt")):
        path = paths.out / str(files.get(part, f"{lang}/{name}"))
        if recorded.get(part) and (
            not path.is_file() or sha256_text(_read(path)) != recorded[part]
        ):
            return [
                f"{lang}: {path} is not the file {paths.report_json} describes (a build that "
                "stopped half-way?). Rebuild the issue before sending."
            ]
    return []


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _lists(config: IssueConfig, provider: str, lang: str) -> tuple[int, ...]:
    """The outbox shows the lists of [send] provider unless [send.outbox] names its own."""
    lists = config.send.lists_for(provider, lang)
    if not lists and provider == "outbox":
        lists = config.send.lists_for(config.send.provider, lang)
    return lists


def _message(
    config: IssueConfig, paths: IssuePaths, lang: str, entry: Mapping[str, Any], provider: str
) -> Message:
    files = entry.get("files") or {}
    html = _read(paths.out / files.get("html", f"{lang}/email.html"))
    text_path = paths.out / files.get("text", f"{lang}/email.txt")
    eml_path = paths.out / files.get("eml", f"{lang}/email.eml")
    return Message(
        lang=lang,
        name=f"{paths.slug}-{lang}",
        tag=paths.slug,
        subject=str(entry.get("subject") or config.subject),
        preheader=str(entry.get("preheader") or config.preheader),
        html=html,
        text=_read(text_path) if text_path.is_file() else "",
        lists=_lists(config, provider, lang),
        sender_name=config.send.sender.name,
        sender_email=config.send.sender.email,
        reply_to=config.send.reply_to,
        eml=eml_path.read_bytes() if eml_path.is_file() else b"",
    )


def make_plan(
    messages: Sequence[Message],
    remote: Mapping[str, Sequence[Campaign]],
    ledger: Ledger,
    options: SendOptions,
) -> list[Step]:
    """One step per message; ``remote``: every campaign found per name (the truth)."""
    steps = []
    for message in messages:
        matches = remote.get(message.name, ())
        settled = settle(matches)
        campaign = settled.campaign
        action = _action(message, campaign, ledger)
        problem = None
        if settled.conflict:
            action = "conflict"
            problem = conflict_problem(
                message.lang, message.name, ledger.provider, settled.conflict
            )
        elif _vanished(message, matches, ledger):
            action, problem = "missing", _vanished_problem(message, ledger)
        if action in ("skip", "conflict", "missing"):
            delivery = "done"
        elif options.test_only:
            delivery = "draft"
        else:
            delivery = "now" if options.now else "schedule"
        tested = ledger.get(message.lang, "tested_digest") == message.digest
        test = bool(options.test_to) and delivery != "done" and not tested
        steps.append(Step(message, campaign, action, delivery, test, settled.drop, problem))
    return steps


def _vanished(message: Message, matches: Sequence[Campaign], ledger: Ledger) -> bool:
    """The ledger records the campaign as scheduled or sent, the provider does not show it.

    The outbox is left out: it sends nothing, and its folder may be cleared to start over.
    """
    recorded = ledger.get(message.lang, "campaign_id")
    if ledger.provider == "outbox" or ledger.get(message.lang, "state") not in FINAL:
        return False
    return not any(c.id == str(recorded) for c in matches)


def _vanished_problem(message: Message, ledger: Ledger) -> str:
    state = ledger.get(message.lang, "state")
    recorded = ledger.get(message.lang, "campaign_id")
    provider = ledger.provider
    return (
        f"{message.lang}: {ledger.path} records campaign #{recorded} '{message.name}' as "
        f"{state}, but {provider} does not show it (deleted or renamed in {provider}'s UI? "
        "another account or URL?). Whether it went out is unknown, so nothing is created "
        f"again. Check in {provider}; if it is really gone and must go out again, move the "
        "ledger aside and re-run."
    )


def _action(message: Message, campaign: Campaign | None, ledger: Ledger) -> str:
    if campaign is None:
        return "create"
    if campaign.state in DONE:
        return "skip"
    if campaign.state == BLOCKED:
        return "blocked"
    if campaign.state != DRAFT:  # every other state is handled above; never act on a new one
        raise ValueError(f"campaign {campaign.id} is in an unknown state {campaign.state!r}")
    same_campaign = ledger.get(message.lang, "campaign_id") == campaign.id
    if same_campaign and ledger.get(message.lang, "digest") == message.digest:
        return "keep"
    return "update"


def plan_refusals(steps: Sequence[Step], send_at: dt.datetime, now: dt.datetime) -> list[str]:
    """Problems the plan reveals: campaigns a human must sort out, a send time in the past."""
    problems = [step.problem for step in steps if step.problem]
    for step in steps:
        if step.action == "blocked" and step.campaign is not None:
            problems.append(
                f"{step.message.lang}: campaign '{step.message.name}' (id {step.campaign.id}) is "
                f"'{step.campaign.raw_status}' at the provider. Resolve it there (delete it or "
                "return it to draft), then re-run."
            )
    pending = any(step.delivery == "schedule" for step in steps)
    if pending and send_at <= now:
        problems.append(
            f"send_at {send_at.isoformat()} has passed. Set a later send_at in issue.toml, "
            "or pass --now to send at once."
        )
    return problems


def format_plan(steps: Sequence[Step], send_at: dt.datetime, provider: str) -> str:
    lines = [f"plan for {provider} ({len(steps)} languages):"]
    for step in steps:
        lists = ",".join(str(i) for i in step.message.lists)
        where = f" #{step.campaign.id}" if step.campaign else ""
        if step.delivery == "done" and step.campaign is not None:
            when = f"already {step.campaign.raw_status}"
            if step.campaign.scheduled_at:
                when += f" ({step.campaign.scheduled_at})"
        else:
            when = {
                "schedule": f"schedule {send_at.isoformat()}",
                "now": "send now",
                "draft": "leave as draft (--test-only)",
            }.get(step.delivery, step.delivery)
        test = " + test" if step.test else ""
        drop = f"; delete duplicate drafts {describe(step.drop)}" if step.drop else ""
        lines.append(
            f"  {step.message.lang:<3} {step.action:<7}{where:<8} lists {lists:<8} {when}{test}"
            + drop
        )
    return "\n".join(lines)
