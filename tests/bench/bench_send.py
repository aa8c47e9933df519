"""Send benchmark: requests per language and time for 24 languages against fake providers.

The fakes answer after a simulated 50-150 ms per request, and the Brevo fake enforces
Brevo's ~100 requests/hour on campaign endpoints (429 + ``x-sib-ratelimit-reset``). Time is
simulated by a clock whose ``sleep`` advances simulated time and really sleeps 1/10,000 of
it, so an hour of waiting costs 0.36 s: the report gives both the simulated and the real time.
"""

from __future__ import annotations

import contextlib
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from pipeline.errors import RemoteError
from pipeline.languages import EU_LANGUAGES
from pipeline.send.plan import SendOptions
from pipeline.send.run import send_issue
from tests.bench import BenchSection
from tests.support.send_fakes import (
    BREVO_KEY,
    LISTMONK_TOKEN,
    LISTMONK_USER,
    FakeBase,
    FakeBrevo,
    FakeClock,
    FakeListmonk,
    Fault,
    SimulatedCrash,
)
from tests.support.send_fixtures import make_send_build

SCALE = 1e-4


class ScaledClock(FakeClock):
    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        time.sleep(max(0.0, seconds) * SCALE)


def _scenario(
    name: str,
    provider: str,
    per_hour: int | None,
    rerun: bool = False,
    test: bool = True,
    crash: bool = False,
    used: int = 0,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        issue = make_send_build(root, provider=provider, langs=EU_LANGUAGES)
        if per_hour is not None:
            toml = issue / "issue.toml"
            table = f"[send.{provider}]\n"
            toml.write_text(
                toml.read_text().replace(table, table + f"requests_per_hour = {per_hour}\n")
            )
        clock = ScaledClock()
        rng = random.Random(6)
        fake: FakeBase
        if provider == "brevo":
            fake = FakeBrevo(
                validate=False, clock=clock, limit=100, latency=lambda: rng.uniform(0.05, 0.15)
            )
            env = {"BREVO_API_KEY": BREVO_KEY, "BREVO_API_URL": "https://brevo.bench/v3"}
        else:
            fake = FakeListmonk(
                validate=False, clock=clock, latency=lambda: rng.uniform(0.05, 0.15)
            )
            env = {
                "LISTMONK_URL": "https://lists.bench",
                "LISTMONK_USER": LISTMONK_USER,
                "LISTMONK_TOKEN": LISTMONK_TOKEN,
            }
        if isinstance(fake, FakeBrevo):
            fake.stamps = [0.0] * used  # requests other tools made this hour
        client = httpx.Client(transport=httpx.MockTransport(fake.handler))
        options = SendOptions(provider, test_to=("reviewer@example.org",) if test else ())
        logs: list[str] = []

        stops = 0

        def once() -> float:
            """One send, re-run as the message says when it stops on a wait longer than a
            run waits (a 429 asking for most of an hour): what the operator (or CI) does."""
            nonlocal stops
            started = time.perf_counter()
            while True:
                try:
                    send_issue(issue, options, env=env, client=client, clock=clock, log=logs.append)
                    return time.perf_counter() - started
                except RemoteError as err:
                    if "run the same command again after that time" not in err.message:
                        raise
                    stops += 1
                    clock.sleep(3600)

        real = 0.0
        if crash:  # the process dies at the 13th language; the re-run follows within the hour
            path = "/v3/emailCampaigns" if provider == "brevo" else "/api/campaigns"
            fake.faults.append(Fault("POST", path, "crash", skip=12))
            started = time.perf_counter()
            with contextlib.suppress(SimulatedCrash):
                once()
            real += time.perf_counter() - started
        real += once()
        first_calls = len(fake.calls)
        rerun_calls = 0
        if rerun:
            once()
            rerun_calls = len(fake.calls) - first_calls
        limited = getattr(fake, "limited", 0)
        return {
            "scenario": name,
            "requests": first_calls,
            "per_language": round(first_calls / len(EU_LANGUAGES), 2),
            "mutating": len([c for c in fake.calls[:first_calls] if c[0] != "GET"]),
            "http_429": limited,
            "simulated_s": round(clock.t, 1),
            "real_s": round(real, 2),
            "rerun_requests": rerun_calls,
            "stops": stops,
            "duplicates": len(fake.duplicates()),
        }


def run() -> BenchSection:
    rows = [
        _scenario("brevo, client throttle 100/h, with tests", "brevo", None, rerun=True),
        _scenario("brevo, client throttle 100/h, no tests", "brevo", None, test=False),
        _scenario("brevo, crash at language 13 + resume (both runs)", "brevo", None, crash=True),
        _scenario("brevo, 40 requests used elsewhere this hour (429)", "brevo", None, used=40),
        _scenario("brevo, 40 used elsewhere, no client throttle", "brevo", 0, used=40),
        _scenario("brevo, client throttle 60/h, with tests", "brevo", 60),
        _scenario("listmonk, with tests", "listmonk", None, rerun=True),
    ]
    keys = [
        "scenario",
        "requests",
        "per_language",
        "mutating",
        "http_429",
        "simulated_s",
        "real_s",
        "rerun_requests",
        "stops",
        "duplicates",
    ]
    titles = [
        "scenario",
        "requests",
        "per language",
        "mutating",
        "429s",
        "simulated s",
        "real s",
        "re-run requests",
        "stops (resumed 1 h later)",
        "duplicates",
    ]
    lines = ["| " + " | ".join(titles) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows]
    text = "\n".join(lines) + (
        "\n\n24 languages; each fake request takes a simulated 50-150 ms; the Brevo fake allows "
        "100 requests per sliding hour. Simulated time includes the latency and every wait "
        f"(throttle or 429 reset); real time is the run's wall time with sleeps scaled by {SCALE}. "
        "A re-run after success makes one listing request and no mutating call. A 429 asking "
        "to wait longer than a run waits (15 min) stops the run with the time to resume; the "
        "benchmark then resumes it an hour later, as the message says."
    )
    return BenchSection("Send: 24 languages against fake providers", text, {"rows": rows})
