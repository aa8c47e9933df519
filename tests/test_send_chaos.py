"""Never twice, under random faults, races and kills.

* Random fault schedules (:mod:`tests.support.send_chaos`): a few hundred seeded schedules of
  ``send`` runs against the fake providers, both providers, with and without ``--now``, a fault
  drawn per request, simulated kills, two runs at once on two machines; invariants checked after
  every run. ``SEND_CHAOS_SEED=N`` replays one schedule, ``SEND_CHAOS_SCHEDULES=N`` sets how many.
* Real processes on one machine: the per-issue lock (a second run waits, or exits 2 naming the
  holder), and a run killed with SIGKILL at a chosen request, the waiting run then taking over.
"""

from __future__ import annotations

import collections
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.send_chaos import WEIGHTS, Outcome, run_schedule
from tests.support.send_fakes import BREVO_KEY, FakeBrevo, openapi, serve, specs_available
from tests.support.send_fixtures import SLUG, make_send_build, newsletter_env, start_newsletter

pytestmark = pytest.mark.skipif(
    not specs_available(), reason="../shared/specs (the providers' OpenAPI files) is absent"
)
FIRST_SEED = 1000
SCHEDULES = int(os.environ.get("SEND_CHAOS_SCHEDULES", "300"))


def seeds() -> list[int]:
    if os.environ.get("SEND_CHAOS_SEED"):
        return [int(os.environ["SEND_CHAOS_SEED"])]
    return list(range(FIRST_SEED, FIRST_SEED + SCHEDULES))


def test_random_fault_schedules_never_send_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    openapi("brevo")
    openapi("listmonk")
    # What is under test is the order of writes and calls, not the disk's durability: without
    # fsync the schedules run several times faster (the atomic renames stay real).
    monkeypatch.setattr(os, "fsync", lambda _fd: None)
    outcomes: list[Outcome] = []
    for seed in seeds():
        root = tmp_path / str(seed)
        outcomes.append(run_schedule(seed, root))  # raises, naming the seed, on any breach
        shutil.rmtree(root)
    if len(outcomes) > 1:
        _assert_the_schedules_covered_everything(outcomes)


def _assert_the_schedules_covered_everything(outcomes: list[Outcome]) -> None:
    """Guard against a test that passes because it stopped testing anything."""
    injected: collections.Counter[str] = sum((o.injected for o in outcomes), collections.Counter())
    assert set(injected) == set(WEIGHTS), f"fault kinds never drawn: {set(WEIGHTS) - set(injected)}"
    assert {(o.provider, o.now) for o in outcomes} == {
        (p, n) for p in ("brevo", "listmonk") for n in (True, False)
    }
    runs = [run for o in outcomes for run in o.runs]
    assert {r.machine for r in runs} == {"A", "B"}  # two runs at once happened
    assert {r.outcome for r in runs} >= {"ok", "killed", "exit-2"}
    logs = [line for r in runs for line in r.logs]
    assert any("deleted duplicate draft" in line for line in logs)  # the rule was exercised


# -- real processes --------------------------------------------------------------------------


class Gate:
    """A fake provider behind a loopback server that can hold or kill the calling process."""

    def __init__(self, fake: FakeBrevo) -> None:
        self.fake = fake
        self.requests = 0
        self.hold_first = threading.Event()  # set: the first request may go on
        self.arrived = threading.Event()  # the first request has arrived
        self.at: dict[int, Callable[[httpx.Response | None], None]] = {}

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        number = self.requests
        if number == 1:
            self.arrived.set()
            assert self.hold_first.wait(60), "the first request was never released"
        action = self.at.get(number)
        if action is not None and action.__name__ == "before":
            action(None)
            return httpx.Response(599)
        response = self.fake.handler(request)
        if action is not None:
            action(response)
        return response


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, Gate, dict[str, str]]]:
    openapi("brevo")
    issue = make_send_build(tmp_path, langs=("en", "de", "fr"))
    gate = Gate(FakeBrevo())
    with serve(gate.handler) as url:
        yield issue, gate, {"BREVO_API_KEY": BREVO_KEY, "BREVO_API_URL": url + "/v3"}


def _send_args(issue: Path, *extra: str) -> list[str]:
    return ["send", str(issue), "--provider", "brevo", *extra]


def _wait_for(predicate: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _assert_once_each(fake: FakeBrevo, langs: int = 3) -> None:
    assert fake.violations == [] and fake.sent_twice() == []
    assert len(fake.campaigns) == langs and len(fake.deliveries) == langs


def test_a_second_run_on_the_machine_exits_2_naming_the_holder(
    tmp_path: Path, served: tuple[Path, Gate, dict[str, str]]
) -> None:
    issue, gate, env = served
    first = start_newsletter(tmp_path, *_send_args(issue), env=env, stderr=tmp_path / "a.log")
    try:
        assert gate.arrived.wait(60)  # the first run holds the lock and is inside a request
        second = subprocess.run(
            [sys.executable, "-m", "pipeline", *_send_args(issue, "--lock-wait", "0.5")],
            cwd=tmp_path, env=newsletter_env(env), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        gate.hold_first.set()
        assert first.wait(60) == 0, (tmp_path / "a.log").read_text()
    assert second.returncode == 2 and "Traceback" not in second.stderr
    assert "note: waiting up to 0.5 s for another newsletter send" in second.stderr
    line = next(ln for ln in second.stderr.splitlines() if ln.startswith("error:"))
    assert line.startswith(f"error: newsletter send {SLUG} is already running (pid {first.pid} ")
    assert f"on {socket.gethostname()}, started 20" in line and "send.lock" in line
    _assert_once_each(gate.fake)


def test_two_runs_at_once_on_one_machine_send_once(
    tmp_path: Path, served: tuple[Path, Gate, dict[str, str]]
) -> None:
    issue, gate, env = served
    first = start_newsletter(tmp_path, *_send_args(issue), env=env, stderr=tmp_path / "a.log")
    assert gate.arrived.wait(60)
    second = start_newsletter(tmp_path, *_send_args(issue), env=env, stderr=tmp_path / "b.log")
    _wait_for(lambda: "waiting up to" in (tmp_path / "b.log").read_text(), "the second to wait")
    gate.hold_first.set()
    assert first.wait(60) == 0, (tmp_path / "a.log").read_text()
    assert second.wait(60) == 0, (tmp_path / "b.log").read_text()
    _assert_once_each(gate.fake)
    assert len(gate.fake.mutating_calls()) == 2 * 3  # one run's creates and schedules


@pytest.mark.parametrize(("kill_at", "when"), [(2, "before"), (3, "after"), (7, "after")])
def test_a_killed_run_releases_the_lock_and_the_next_one_finishes(
    tmp_path: Path, served: tuple[Path, Gate, dict[str, str]], kill_at: int, when: str
) -> None:
    """SIGKILL at request ``kill_at``, before the server does the work or after it (the
    answer never read). The run waiting for the lock takes over and sends what is left."""
    issue, gate, env = served
    first = start_newsletter(tmp_path, *_send_args(issue), env=env, stderr=tmp_path / "a.log")

    def kill(_response: Any) -> None:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(30)

    kill.__name__ = when
    gate.at[kill_at] = kill
    assert gate.arrived.wait(60)
    second = start_newsletter(tmp_path, *_send_args(issue), env=env, stderr=tmp_path / "b.log")
    _wait_for(lambda: "waiting up to" in (tmp_path / "b.log").read_text(), "the second to wait")
    gate.hold_first.set()
    assert second.wait(60) == 0, (tmp_path / "b.log").read_text()
    assert first.returncode == -signal.SIGKILL
    _assert_once_each(gate.fake)
    logs = (tmp_path / "a.log").read_text() + (tmp_path / "b.log").read_text()
    assert BREVO_KEY not in logs
