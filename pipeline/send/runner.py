"""Carrying out a send plan against one provider, language by language, never twice.

Per language: delete duplicate drafts (:mod:`.duplicates`); create the campaign or update the
draft; send a test to ``--test-to``; look the campaign up again by name; schedule it at
``send_at`` or send it now. The ledger is written after every step.

* A create, test or send that fails with a timeout, a 5xx or a dropped connection is never
  repeated blindly: the campaign is looked up and the step is repeated only if the provider
  shows it did not happen (a 429 is repeated after the wait: it was refused unprocessed).
* Right before each schedule or send-now, a fresh look-up by name and the duplicate rule: a
  run on another machine may have made a second campaign of the name, or scheduled it.
* A schedule or send refused (4xx) is looked up too: the other run may have done it.
* An answer that is not what the API promises stops the run (UnexpectedAnswer propagates).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pipeline.errors import Rejected, SendRefused, TransientError
from pipeline.pacing import Log, RetryPolicy
from pipeline.send.base import DONE, DRAFT, SENDING, SENT, Campaign, Clock, Message, Provider
from pipeline.send.duplicates import conflict_problem, settle
from pipeline.send.ledger import FINAL, Ledger
from pipeline.send.plan import SendOptions, Step, format_plan, make_plan, plan_refusals

ATTEMPTS = 3  # tries of one non-idempotent step, each after a look-up


@dataclass
class SendResult:
    steps: list[Step]
    notes: list[str]
    dry_run: bool
    provider_state_known: bool = True
    done: list[str] = field(default_factory=list)  # languages scheduled or sent after the run


def refuse_if_needed(
    steps: Sequence[Step], send_at: dt.datetime, now: dt.datetime, options: SendOptions
) -> None:
    """Raise SendRefused for what the plan reveals (a blocked campaign, send_at in the past)."""
    problems = plan_refusals(steps, send_at, now)
    if problems:
        raise SendRefused(
            "refusing to send: "
            + ("nothing was changed" if options.dry_run else "nothing was sent"),
            details=problems,
        )


class Runner:
    """Executes a plan against one provider, reconciling after every uncertain failure."""

    def __init__(self, provider: Provider, ledger: Ledger, clock: Clock, log: Log) -> None:
        self.provider = provider
        self.ledger = ledger
        self.clock = clock
        self.policy = RetryPolicy(attempts=ATTEMPTS)
        self.log = log

    def run(
        self,
        messages: Sequence[Message],
        notes: list[str],
        options: SendOptions,
        send_at: dt.datetime,
        expected: Sequence[str] = (),
    ) -> SendResult:
        """``expected``: every language the issue must send (complete = all scheduled/sent)."""
        tag = messages[0].tag if messages else ""
        remote = self.provider.lookup([m.name for m in messages], tag) if messages else {}
        steps = make_plan(messages, remote, self.ledger, options)
        self.log(format_plan(steps, send_at, self.provider.name))
        refuse_if_needed(steps, send_at, self.clock.now(), options)
        result = SendResult(steps, notes, dry_run=options.dry_run)
        if options.dry_run:
            return result
        for step in steps:
            if self.one(step, options, send_at):
                result.done.append(step.message.lang)
        self.ledger.finish(all(self.ledger.get(lang, "state") in FINAL for lang in expected))
        return result

    def one(self, step: Step, options: SendOptions, send_at: dt.datetime) -> bool:
        """Bring one language as far as the options say; True when scheduled or sent."""
        lang = step.message.lang
        try:
            return self._one(step, options, send_at)
        except Rejected as err:
            if err.message.startswith(f"{lang}: "):
                raise
            raise Rejected(f"{lang}: {err.message}") from None

    def _one(self, step: Step, options: SendOptions, send_at: dt.datetime) -> bool:
        message = step.message
        if step.campaign is not None:
            self._drop(message, step.drop, step.campaign)
        if step.action == "skip" and step.campaign is not None:
            self._record_done(message, step.campaign)
            return True
        campaign = self._ensure(step)
        if campaign.state in DONE:  # another run got there first
            self._record_done(message, campaign)
            return True
        if step.test:
            campaign = self._test(message, campaign, options.test_to)
        if step.delivery == "draft":
            return False
        return self._deliver(message, campaign, send_at, now=step.delivery == "now")

    def _ensure(self, step: Step) -> Campaign:
        message = step.message
        if step.campaign is None:
            return self._create(message)
        if step.action == "update":
            try:
                self.provider.update(step.campaign.id, message)
            except Rejected:
                # Refused: is it no longer a draft (another run scheduled it since)?
                found = self.provider.get(step.campaign.id)
                if found is None or found.state not in DONE:
                    raise
                return found
            self._step(message, "updated", step.campaign.id, digest=message.digest)
            self.log(f"{message.lang}: updated draft #{step.campaign.id}")
        return step.campaign

    def _create(self, message: Message) -> Campaign:
        def look() -> Campaign | None:
            return settle(self._matches(message)).campaign

        def act() -> Campaign:
            return self.provider.create(message)

        campaign, note = self._reconciled(message, "create", act, look)
        if campaign.state == DRAFT:
            self._step(message, "created", campaign.id, digest=message.digest, note=note)
            self.log(
                f"{message.lang}: created draft #{campaign.id}" + (f" ({note})" if note else "")
            )
        return campaign

    def _test(self, message: Message, campaign: Campaign, emails: tuple[str, ...]) -> Campaign:
        """Send the test; a campaign deleted meanwhile (a racing run kept an older one of the
        same name) is looked up again and the test goes to the campaign the rule keeps."""
        try:
            self._test_once(message, campaign, emails)
            return campaign
        except Rejected as err:
            if err.status != 404:
                raise
        current = self._current(message, campaign)
        if current.state == DRAFT:
            self._test_once(message, current, emails)
        return current

    def _test_once(self, message: Message, campaign: Campaign, emails: tuple[str, ...]) -> None:
        def look() -> Campaign | None:
            found = self.provider.get(campaign.id)
            # Only a provider that records tests (Brevo's testSent) can confirm one happened.
            return found if found is not None and found.test_sent else None

        def act() -> Campaign:
            self.provider.send_test(campaign.id, message, emails)
            return campaign

        _, note = self._reconciled(message, "test send", act, look)
        self._step(message, "tested", campaign.id, tested_digest=message.digest, note=note)
        self.log(f"{message.lang}: test sent to {len(emails)} address(es)")

    def _deliver(self, message: Message, campaign: Campaign, at: dt.datetime, now: bool) -> bool:
        # A fresh look-up by name right before the irreversible call: another run (on another
        # machine) may have scheduled this language, or made a second campaign of the name.
        current = self._current(message, campaign)
        if current.state in DONE:
            self._record_done(message, current)
            return True
        if current.state != DRAFT:
            raise SendRefused(
                f"{message.lang}: campaign #{current.id} is '{current.raw_status}' at the "
                "provider, not a draft. Resolve it there, then re-run."
            )

        def look() -> Campaign | None:
            found = self.provider.get(current.id)
            return found if found is not None and found.state in DONE else None

        def act() -> Campaign:
            if now:
                self.provider.send_now(current.id, message)
            else:
                self.provider.schedule(current.id, message, at)
            return current

        verb = "send now" if now else "schedule"
        _, note = self._reconciled(message, verb, act, look, refused_may_be_done=True)
        state = "sent" if now else "scheduled"
        self._step(
            message, state, current.id, scheduled_at=None if now else at.isoformat(), note=note
        )
        self.log(f"{message.lang}: {state} #{current.id}" + ("" if now else f" for {at}"))
        return True

    def _matches(self, message: Message, expected: Campaign | None = None) -> list[Campaign]:
        """Every campaign of the message's name, looked up now. A listing that lags behind a
        campaign this run knows by id is completed with a ``get`` of it."""
        matches = list(self.provider.lookup([message.name], message.tag).get(message.name, []))
        if expected is not None and all(c.id != expected.id for c in matches):
            found = self.provider.get(expected.id)
            if found is not None and found.name == message.name:
                matches.append(found)
        return matches

    def _current(self, message: Message, expected: Campaign) -> Campaign:
        """The campaign the duplicate rule keeps for the message's name, as it is now; the
        duplicate drafts beside it are deleted."""
        settled = settle(self._matches(message, expected))
        if settled.conflict:
            provider = self.provider.name
            raise SendRefused(
                conflict_problem(message.lang, message.name, provider, settled.conflict)
            )
        if settled.campaign is None:
            raise SendRefused(
                f"{message.lang}: campaign #{expected.id} '{message.name}' is gone at "
                f"{self.provider.name} (deleted in its UI?). Nothing was scheduled for "
                f"{message.lang}; run the same command again to create it anew."
            )
        self._drop(message, settled.drop, settled.campaign)
        if settled.campaign.id != expected.id:
            self.log(
                f"{message.lang}: another run made campaign #{settled.campaign.id} of the same "
                f"name; going on with it (the rule keeps the oldest, or the one scheduled)"
            )
        return settled.campaign

    def _drop(self, message: Message, drafts: Sequence[Campaign], keep: Campaign) -> None:
        for draft in drafts:
            self.provider.delete(draft.id)
            self.log(
                f"{message.lang}: deleted duplicate draft #{draft.id} of '{message.name}' "
                f"(keeping #{keep.id}, {keep.raw_status})"
            )

    def _reconciled(
        self,
        message: Message,
        what: str,
        act: Callable[[], Campaign],
        look: Callable[[], Campaign | None],
        refused_may_be_done: bool = False,
    ) -> tuple[Campaign, str | None]:
        """Run a non-idempotent step; after an uncertain failure, look up before any retry.

        ``refused_may_be_done``: a 4xx refusal may mean the step was already done (a schedule
        refused because another run scheduled the campaign since the look-up), so look first.
        """
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return act(), None
            except Rejected as err:
                found = look() if refused_may_be_done else None
                if found is None:
                    raise
                return found, f"{what} already done (by another run?): {err.message}"
            except TransientError as err:
                self.log(f"{message.lang}: {what} failed: {err.message}; looking it up")
                found = look()
                if found is not None:
                    return found, f"{what} confirmed by look-up after: {err.message}"
                if attempt == ATTEMPTS:
                    raise
                wait = self.policy.wait(err, attempt)
                self.log(f"{message.lang}: {what} did not happen; trying again in {wait:.0f} s")
                self.clock.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _record_done(self, message: Message, campaign: Campaign) -> None:
        state = "sent" if campaign.state in (SENDING, SENT) else "scheduled"
        if self.ledger.get(message.lang, "state") == state:
            return
        self._step(
            message,
            state,
            campaign.id,
            scheduled_at=campaign.scheduled_at,
            note=f"found {campaign.raw_status} at the provider",
        )

    def _step(self, message: Message, state: str, campaign_id: str, **extra: object) -> None:
        self.ledger.step(message.lang, state, campaign_id, message.name, **extra)
