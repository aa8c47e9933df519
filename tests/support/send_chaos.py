"""Random fault schedules for the send stage: seeded, reproducible, checked after every run.

A *schedule* (:func:`run_schedule`, one seed) builds an issue, picks a provider (Brevo or
listmonk), ``--now`` or a schedule, the languages and a fault rate, then makes a few runs of
``send`` against a fake provider whose every request may fail at random (:class:`Chaos`):
before the work (429 with the provider's wait header, 500, timeout, dropped connection, the
process killed) or after it (the answer lost to a timeout, a dropped connection or a gateway
error, the process killed before it reads the answer, a 2xx answer cut off mid-JSON or with
its first field null). Some runs are two runs at once, as on two machines (two build folders,
two ledgers, one provider), interleaved request by request in a seeded order by
:class:`Baton`. Then the faults stop and clean runs must finish the job.

"The process killed" is :class:`SimulatedCrash`, raised by the fake: it unwinds the run without
any ``except`` in the send stage writing anything (only ``finally`` blocks run, which close the
HTTP client and the lock file, as the kernel does for a killed process), so it leaves exactly
the state a kill at that point leaves: the ledger as last written atomically, the provider as
far as it got. ``tests/test_send_chaos.py`` also kills real processes with SIGKILL.

After every run :func:`check_safety` asserts: at most one scheduled-or-sent campaign and at
most one delivery per language, no non-draft deleted, every request valid per the provider's
OpenAPI spec, the ledger only claims what the provider shows, no secret in any output, log,
message or file, and no exception other than a PipelineError or the simulated kill. After a
complete run, a later run makes no mutating call. At the end, every language is scheduled (or
sent) exactly once after at most two clean runs.
"""

from __future__ import annotations

import collections
import json
import random
import shutil
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from pipeline.errors import PipelineError
from pipeline.send.plan import SendOptions
from pipeline.send.run import SendResult, send_issue
from tests.support.send_fakebase import AFTER, BEFORE
from tests.support.send_fakes import (
    BREVO_KEY,
    ENV,
    LISTMONK_TOKEN,
    FakeBase,
    FakeBrevo,
    FakeClock,
    FakeListmonk,
    Fault,
    SimulatedCrash,
)
from tests.support.send_fixtures import SLUG, make_send_build

POOL = ("en", "de", "fr", "el", "pl", "fi")
PAST = "2030-05-01T09:00:00+02:00"  # before FakeClock's start: --now sends at once
SECRETS = (BREVO_KEY, LISTMONK_TOKEN)
# How often each fault is drawn, relative to the others.
WEIGHTS = {
    "429": 3, "500": 3, "timeout": 3, "drop": 2, "crash": 2,
    "timeout-after": 3, "drop-after": 2, "502-after": 2, "crash-after": 2,
    "garbage": 2, "null": 2,
}  # fmt: skip
assert set(WEIGHTS) == set(BEFORE + AFTER)


class ScheduleFailed(AssertionError):
    """An invariant broke; the message names the seed that reproduces it. ``duplicates``:
    how many breaches of "never twice" (a second delivery or scheduled campaign) it found."""

    def __init__(self, message: str, duplicates: int = 0) -> None:
        super().__init__(message)
        self.duplicates = duplicates


# -- faults ----------------------------------------------------------------------------------


@dataclass
class Chaos:
    """Draws a fault for each request with probability ``rate`` (off while ``rate`` is 0)."""

    rng: random.Random
    rate: float
    injected: collections.Counter[str] = field(default_factory=collections.Counter)

    def __call__(self, request: httpx.Request) -> Fault | None:
        if self.rate <= 0 or self.rng.random() >= self.rate:
            return None
        kind = self.rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        self.injected[kind] += 1
        # Mostly short waits; now and then longer than the 15 minutes a run waits.
        reset = self.rng.choice([1, 5, 30, 120, 3600])
        return Fault(request.method, ".*", kind, reset=reset)


# -- two runs at once ------------------------------------------------------------------------


class Baton:
    """Runs jobs in threads one at a time, switching only at requests, in a seeded order.

    A job runs until its next request reaches the fake (``point``); once every live job is
    waiting there, the seeded RNG picks which one goes on. The interleaving therefore depends
    only on the seed, and so does the whole schedule.
    """

    def __init__(self, rng: random.Random, timeout: float = 60.0) -> None:
        self.rng = rng
        self.timeout = timeout
        self.cond = threading.Condition()
        self.live: set[str] = set()
        self.waiting: set[str] = set()
        self.turn: str | None = None

    def run(self, jobs: Mapping[str, Callable[[], Any]]) -> dict[str, Any]:
        """Each job's return value, or the exception it raised."""
        results: dict[str, Any] = {}

        def body(name: str, job: Callable[[], Any]) -> None:
            try:
                self._wait(name)
                results[name] = job()
            except BaseException as exc:  # a job's failure is its result
                results[name] = exc
            finally:
                self._leave(name)

        self.live = set(jobs)
        threads = [threading.Thread(target=body, args=item, name=item[0]) for item in jobs.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(self.timeout * 2)
            if thread.is_alive():
                raise ScheduleFailed(f"job {thread.name} hung")
        return results

    def point(self, _request: httpx.Request | None = None) -> None:
        name = threading.current_thread().name
        if name in self.live:
            self._wait(name)

    def _wait(self, name: str) -> None:
        with self.cond:
            self.waiting.add(name)
            if self.turn == name:
                self.turn = None
            self._pick()
            if not self.cond.wait_for(lambda: self.turn == name, self.timeout):
                raise ScheduleFailed(f"job {name} never got its turn")

    def _leave(self, name: str) -> None:
        with self.cond:
            self.live.discard(name)
            self.waiting.discard(name)
            if self.turn == name:
                self.turn = None
            self._pick()

    def _pick(self) -> None:
        if self.turn is None and self.waiting and self.waiting == self.live:
            self.turn = self.rng.choice(sorted(self.waiting))
            self.waiting.discard(self.turn)
            self.cond.notify_all()


# -- one run, and what it left -----------------------------------------------------------------


@dataclass
class Run:
    """One ``send`` run: how it ended, what it logged, the requests it made."""

    machine: str
    outcome: str  # ok | exit-N (a PipelineError) | killed
    complete: bool
    logs: list[str]
    message: str = ""
    mutating: int = 0


@dataclass
class Machine:
    """One place a run happens: its build folder (and so its ledger and lock)."""

    name: str
    out: Path

    @property
    def ledger(self) -> Path:
        return self.out / "send-ledger.json"


def _send(
    issue: Path, machine: Machine, fake: FakeBase, provider: str, options: SendOptions
) -> Callable[[], Run]:
    def job() -> Run:
        logs: list[str] = []
        client = httpx.Client(transport=httpx.MockTransport(fake.handler))
        try:
            result: SendResult = send_issue(
                issue, options, out=machine.out, env=ENV[provider], client=client,
                clock=fake.clock, log=logs.append,
            )  # fmt: skip
        except PipelineError as err:
            text = " ".join([err.message, *err.details])
            return Run(machine.name, f"exit-{err.exit_code}", False, logs, text)
        except SimulatedCrash:
            return Run(machine.name, "killed", False, logs)
        finally:
            client.close()
        complete = len(result.done) == len(result.steps)
        return Run(machine.name, "ok", complete, logs)

    return job


# -- the invariants ----------------------------------------------------------------------------


def check_safety(fake: FakeBase, runs: list[Run], machines: list[Machine], root: Path) -> None:
    """What must hold after every run, faults or not."""
    twice = fake.sent_twice()
    problems = list(twice) + [f"spec: {v}" for v in fake.violations]
    for run in runs:
        texts = [run.message, *run.logs]
        problems += [f"{run.machine}: a secret in its output" for t in texts if _secret_in(t)]
    problems += [f"a secret in {p}" for p in root.rglob("*") if p.is_file() and _secret_in_file(p)]
    for machine in machines:
        problems += _ledger_claims(fake, machine)
    if problems:
        raise ScheduleFailed("; ".join(problems), duplicates=len(twice))


def _secret_in(text: str) -> bool:
    return any(secret in text for secret in SECRETS)


def _secret_in_file(path: Path) -> bool:
    return _secret_in(path.read_bytes().decode("utf-8", "replace"))


def _ledger_claims(fake: FakeBase, machine: Machine) -> list[str]:
    """The ledger never claims a campaign is scheduled or sent unless the provider shows it."""
    if not machine.ledger.is_file():
        return []
    data = json.loads(machine.ledger.read_text(encoding="utf-8"))
    problems = []
    for section in data.get("providers", {}).values():
        for lang, entry in section.get("languages", {}).items():
            if entry.get("state") not in ("scheduled", "sent"):
                continue
            campaign = fake.campaigns.get(int(entry["campaign_id"]))
            if campaign is None or campaign["status"] not in fake.done_states():
                problems.append(f"{machine.name}: ledger says {lang} {entry['state']}, fake not")
    return problems


def check_finished(fake: FakeBase, names: set[str]) -> None:
    """At the end: every language scheduled or sent exactly once."""
    done = collections.Counter(
        c["name"] for c in fake.campaigns.values() if c["status"] in fake.done_states()
    )
    deliveries = {n: len(ids) for n, ids in fake.deliveries_by_name().items()}
    wrong = {
        n: (done[n], deliveries.get(n, 0)) for n in names if (done[n], deliveries.get(n)) != (1, 1)
    }
    if wrong:
        twice = sum(1 for done, sent in wrong.values() if done > 1 or (sent or 0) > 1)
        raise ScheduleFailed(f"not exactly one campaign and one delivery: {wrong}", twice)


# -- a schedule --------------------------------------------------------------------------------


@dataclass
class Outcome:
    seed: int
    provider: str
    now: bool
    runs: list[Run]
    injected: collections.Counter[str]
    requests: int


def run_schedule(seed: int, root: Path, *, validate: bool = True) -> Outcome:
    """One seeded schedule in ``root``; raises ScheduleFailed (naming the seed) if it breaks."""
    try:
        return _schedule(seed, root, validate)
    except ScheduleFailed as exc:
        message = f"seed {seed}: {exc} (reproduce: SEND_CHAOS_SEED={seed})"
        raise ScheduleFailed(message, exc.duplicates) from None


def _schedule(seed: int, root: Path, validate: bool) -> Outcome:
    rng = random.Random(seed)
    provider = rng.choice(["brevo", "listmonk"])
    now = rng.random() < 0.35
    langs = ["en", *rng.sample(POOL[1:], rng.randint(0, 3))]
    issue = make_send_build(
        root, provider=provider, langs=langs, send_at=PAST if now else "2030-06-03T09:00:00+02:00"
    )
    machine_a = Machine("A", root / "build" / SLUG)
    machine_b = Machine("B", root / "elsewhere" / SLUG)
    shutil.copytree(machine_a.out, machine_b.out)
    chaos = Chaos(random.Random(rng.random()), rng.choice([0.05, 0.12, 0.25]))
    fake: FakeBase = (FakeBrevo if provider == "brevo" else FakeListmonk)(
        validate=validate, clock=FakeClock(), chaos=chaos
    )
    names = {f"{SLUG}-{lang}" for lang in langs}
    runs: list[Run] = []
    complete = False  # a solo run has finished the job: no later run may change anything

    def record(new: list[Run], solo: bool, before: int) -> None:
        nonlocal complete
        mutating = len(fake.mutating_calls()) - before
        runs.extend(new)
        check_safety(fake, runs, [machine_a, machine_b], root)
        if complete and mutating:
            raise ScheduleFailed(f"{mutating} mutating call(s) after a complete run")
        for run in new:
            run.mutating = mutating
        complete = complete or (solo and new[0].complete)

    for _ in range(rng.randint(1, 4)):
        options = SendOptions(provider, now=now, test_to=_tests(rng))
        before = len(fake.mutating_calls())
        if rng.random() < 0.3:  # two runs at once, as on two machines
            baton = Baton(random.Random(rng.random()))
            fake.before = baton.point
            jobs = {
                m.name: _send(issue, m, fake, provider, options) for m in (machine_a, machine_b)
            }
            results = baton.run(jobs)
            fake.before = None
            record([_result(results[m]) for m in ("A", "B")], False, before)
        else:
            record([_result(_solo(_send(issue, machine_a, fake, provider, options)))], True, before)
    chaos.rate = 0.0
    for attempt in range(3):  # two clean runs finish the job; the third changes nothing
        before = len(fake.mutating_calls())
        options = SendOptions(provider, now=now)
        record([_result(_solo(_send(issue, machine_a, fake, provider, options)))], True, before)
        if attempt == 1 and not complete:
            raise ScheduleFailed(f"not complete after two clean runs: {runs[-1].message}")
    check_finished(fake, names)
    return Outcome(seed, provider, now, runs, chaos.injected, len(fake.calls))


def _solo(job: Callable[[], Run]) -> Run | BaseException:
    try:
        return job()
    except Exception as exc:  # judged by _result, with the seed
        return exc


def _tests(rng: random.Random) -> tuple[str, ...]:
    return ("reviewer@example.org",) if rng.random() < 0.3 else ()


def _result(value: Any) -> Run:
    """A job's Run; any other exception is a bug in the send stage (a traceback for a user)."""
    if isinstance(value, Run):
        return value
    if isinstance(value, BaseException):
        raise ScheduleFailed(f"unexpected {type(value).__name__}: {value}") from value
    raise ScheduleFailed(f"unexpected result {value!r}")
