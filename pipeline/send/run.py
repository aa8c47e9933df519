"""The send run: gather and check everything, print the plan, then act language by language.

:func:`send_issue` checks the environment (secrets with a control character stop here), reads
and checks the build (:mod:`.plan`), takes the issue's lock (:mod:`pipeline.locking`: two runs
on one machine never interleave) and hands the plan to a :class:`~.runner.Runner`, which
carries it out never twice. Without the provider's secret a dry run plans from the ledger.

* The provider is the truth: one look-up (a listing) at the start of the run gives every
  campaign's state; the ledger is a hint, and evidence (see :func:`.plan.make_plan`).
* A re-run after success finds every campaign scheduled or sent and makes no mutating call.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from pipeline.config import load_issue
from pipeline.http import make_client
from pipeline.locking import exclusive
from pipeline.pacing import Log
from pipeline.send.base import SCHEDULED, SENT, Campaign, Clock, Message, Provider, SystemClock
from pipeline.send.ledger import FINAL, Ledger
from pipeline.send.plan import (
    SendOptions,
    expected_languages,
    format_plan,
    load_messages,
    make_plan,
)
from pipeline.send.providers import ProviderContext, provider_spec
from pipeline.send.runner import Runner, SendResult, refuse_if_needed
from pipeline.store import IssuePaths

__all__ = ["Runner", "SendResult", "ledger_campaigns", "send_issue"]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def send_issue(
    issue_dir: Path,
    options: SendOptions,
    *,
    out: Path | None = None,
    env: Mapping[str, str] | None = None,
    client: httpx.Client | None = None,
    clock: Clock | None = None,
    log: Log = _stderr,
) -> SendResult:
    """Check the build, plan, and (unless ``options.dry_run``) push it to the provider.

    A real run holds the issue's lock (``build/<slug>/send.lock``) from the look-up to the
    end, so two runs on one machine never interleave."""
    paths = IssuePaths.for_issue(issue_dir, out)
    config = load_issue(paths.issue_toml)
    spec = provider_spec(options.provider)
    env = os.environ if env is None else env
    spec.check_environment(env)
    messages, notes = load_messages(config, paths, options, spec.placeholder)
    for note in notes:
        log(f"note: {note}")
    clock = clock or SystemClock()
    missing = [name for name in spec.secrets if not env.get(name, "").strip()]
    if missing and options.dry_run:
        log(f"note: {', '.join(missing)} not set: the plan shows local checks only.")
        return _offline_plan(messages, notes, paths, options, config.send_at, clock, log)
    own_client = client is None
    http = client or make_client()
    try:
        provider = spec.factory(ProviderContext(config, paths, env, http, clock, log))
        expected = expected_languages(paths, options)
        if options.dry_run:
            return _runner(paths, options, provider, clock, log).run(
                messages, notes, options, config.send_at, expected
            )
        what = f"newsletter send {paths.slug}"
        with exclusive(paths.lock, what=what, wait=options.lock_wait, log=log):
            runner = _runner(paths, options, provider, clock, log)  # the ledger, read locked
            return runner.run(messages, notes, options, config.send_at, expected)
    finally:
        if own_client:
            http.close()


def _runner(
    paths: IssuePaths, options: SendOptions, provider: Provider, clock: Clock, log: Log
) -> Runner:
    ledger = Ledger.load(paths.send_ledger, paths.slug, options.provider)
    ledger.now = clock.now
    return Runner(provider, ledger, clock, log)


def _offline_plan(
    messages: Sequence[Message],
    notes: list[str],
    paths: IssuePaths,
    options: SendOptions,
    send_at: dt.datetime,
    clock: Clock,
    log: Log,
) -> SendResult:
    """The dry run without the provider's secret: the ledger stands in for the provider's state,
    and the same plan and the same refusals as a dry run with the secret follow from it."""
    ledger = Ledger.load(paths.send_ledger, paths.slug, options.provider)
    steps = make_plan(messages, ledger_campaigns(ledger, messages), ledger, options)
    log(format_plan(steps, send_at, options.provider))
    refuse_if_needed(steps, send_at, clock.now(), options)
    return SendResult(steps, notes, dry_run=True, provider_state_known=False)


def ledger_campaigns(ledger: Ledger, messages: Sequence[Message]) -> dict[str, list[Campaign]]:
    """The campaigns the ledger records as scheduled or sent, as the provider would show them."""
    found = {}
    for message in messages:
        state = ledger.get(message.lang, "state")
        campaign_id = ledger.get(message.lang, "campaign_id")
        if state in FINAL and campaign_id:
            found[message.name] = [
                Campaign(
                    id=str(campaign_id),
                    name=message.name,
                    state=SENT if state == "sent" else SCHEDULED,
                    raw_status=f"{state} (per the ledger)",
                    scheduled_at=ledger.get(message.lang, "scheduled_at"),
                )
            ]
    return found
