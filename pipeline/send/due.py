"""``newsletter due``: which issues the monthly job should send.

An issue folder ``<issues>/<slug>/`` is **due** on ``today`` (a UTC date) when all hold:

1. the UTC date of its ``send_at`` lies in ``[today - max_age, today + ahead]`` (defaults:
   ``ahead`` 0, so "today or past"; ``max_age`` 31 days, so an issue abandoned long ago is
   not picked up again by every run);
2. its ledger ``<root>/build/<slug>/send-ledger.json`` is not complete: there is none, or no
   provider other than the outbox has a run that left every language scheduled or sent
   (a crashed or partial run leaves it incomplete, so the next job resumes it);
3. with ``--provider NAME`` (brevo or listmonk): the provider does not already show every
   language of ``issue.toml`` ``languages`` as a campaign ``<slug>-<lang>`` that is scheduled,
   sending or sent. The look-up is read-only (GET): it needs the provider's secret, and it is
   what tells a finished issue from a new one where no ledger survives (CI).

An issue whose ``issue.toml`` does not load is reported on stderr and skipped. A corrupt ledger
is a ConfigError (exit 2): whether that issue went out is unknown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx

from pipeline.config import IssueConfig, load_issue
from pipeline.errors import ConfigError
from pipeline.pacing import Log
from pipeline.send.base import DONE, Clock, SystemClock
from pipeline.send.ledger import is_complete
from pipeline.send.providers import ProviderContext, provider_spec
from pipeline.store import IssuePaths, check_slug

# Answers "is every campaign of this issue already scheduled or sent at the provider?"
SentCheck = Callable[[IssueConfig, IssuePaths], bool]


def due_issues(
    issues_dir: Path,
    today: dt.date,
    *,
    ahead: int = 0,
    max_age: int = 31,
    warn: Callable[[str], None] = lambda _: None,
    sent_at_provider: SentCheck | None = None,
) -> list[str]:
    """The slugs of the due issues under ``issues_dir``, oldest first."""
    if not issues_dir.is_dir():
        raise ConfigError(f"{issues_dir}: no such folder. Pass --issues DIR (default ./issues).")
    slugs = []
    for toml in sorted(issues_dir.glob("*/issue.toml")):
        try:
            check_slug(toml.parent.name, toml.parent)
            config = load_issue(toml)
        except ConfigError as err:
            warn(f"{toml}: skipped ({err.message})")
            continue
        day = config.send_at.astimezone(dt.UTC).date()
        if not today - dt.timedelta(days=max_age) <= day <= today + dt.timedelta(days=ahead):
            continue
        paths = IssuePaths.for_issue(toml.parent)
        if is_complete(paths.send_ledger):
            continue
        if sent_at_provider is not None and sent_at_provider(config, paths):
            warn(f"{paths.slug}: every campaign is already scheduled or sent at the provider")
            continue
        slugs.append(toml.parent.name)
    return slugs


def provider_check(
    name: str,
    env: Mapping[str, str],
    client: httpx.Client,
    *,
    clock: Clock | None = None,
    log: Log = lambda _: None,
) -> SentCheck:
    """A :data:`SentCheck` that looks the campaigns up at provider ``name`` (GET only)."""
    spec = provider_spec(name)
    spec.check_environment(env)
    if not spec.secrets:
        raise ConfigError(
            f"due --provider {name}: the {name} keeps no state at a provider; use "
            "--provider brevo or --provider listmonk, or drop --provider."
        )
    missing = [var for var in spec.secrets if not env.get(var, "").strip()]
    if missing:
        raise ConfigError(
            f"due --provider {name}: {', '.join(missing)} not set. Export the provider's "
            "secrets (read-only look-ups), or drop --provider to decide by the ledger alone."
        )

    def sent(config: IssueConfig, paths: IssuePaths) -> bool:
        ctx = ProviderContext(config, paths, env, client, clock or SystemClock(), log)
        provider = spec.factory(ctx)
        names = [f"{paths.slug}-{lang}" for lang in config.languages]
        found = provider.lookup(names, paths.slug)
        return all(any(c.state in DONE for c in found.get(n, ())) for n in names)

    return sent
