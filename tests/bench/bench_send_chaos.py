"""Send under random faults: seeded schedules of runs against the fake providers.

Each schedule (:mod:`tests.support.send_chaos`) picks a provider, ``--now`` or not, the
languages and a fault rate, makes one to four runs with a fault drawn per request (some of
them two runs at once on two machines), then clean runs until done. Reported: schedules and
runs, how each run ended, faults injected by kind, and duplicates (a second delivery or a
second scheduled campaign of one language), which must be 0. Unlike the CI test, fsync is
real here, so the time is what a disk costs.
"""

from __future__ import annotations

import collections
import os
import statistics
import tempfile
import time
from pathlib import Path

from tests.bench import BenchSection
from tests.support.send_chaos import WEIGHTS, ScheduleFailed, run_schedule
from tests.support.send_fakes import openapi

FIRST_SEED = 50_000  # other seeds than the CI test's
SCHEDULES = int(os.environ.get("BENCH_SEND_SCHEDULES", "500"))


def run() -> BenchSection:
    openapi("brevo")
    openapi("listmonk")
    injected: collections.Counter[str] = collections.Counter()
    outcomes: collections.Counter[str] = collections.Counter()
    times: list[float] = []
    breaches: list[str] = []
    duplicates = runs = pairs = requests = 0
    for seed in range(FIRST_SEED, FIRST_SEED + SCHEDULES):
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            try:
                outcome = run_schedule(seed, Path(tmp))
            except ScheduleFailed as exc:
                breaches.append(str(exc))
                duplicates += exc.duplicates
                continue
            finally:
                times.append(time.perf_counter() - started)
        injected += outcome.injected
        outcomes.update(r.outcome for r in outcome.runs)
        runs += len(outcome.runs)
        pairs += sum(1 for r in outcome.runs if r.machine == "B")
        requests += outcome.requests
    kinds = " | ".join(f"{kind} {injected[kind]}" for kind in WEIGHTS)
    ends = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
    rows = [
        ("schedules run", SCHEDULES),
        ("runs (of which two at once)", f"{runs} ({pairs} pairs)"),
        ("requests to the fakes", requests),
        ("faults injected", sum(injected.values())),
        ("runs ended", ends),
        ("duplicates", duplicates),
        ("invariant breaches", len(breaches)),
        ("seconds (total; per schedule median, 90th pct.)", _times(times)),
    ]
    text = "| measure | value |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in rows)
    text += f"\nFaults by kind: {kinds}.\n"
    if breaches:
        text += "\nBreaches (each names its seed):\n" + "".join(f"- {b}\n" for b in breaches[:10])
    data = {
        "schedules": SCHEDULES, "runs": runs, "pairs": pairs, "requests": requests,
        "faults": dict(injected), "outcomes": dict(outcomes), "duplicates": duplicates,
        "breaches": breaches, "seconds": sum(times),
    }  # fmt: skip
    return BenchSection("Send: random fault schedules (never twice)", text, data)


def _times(times: list[float]) -> str:
    if not times:
        return "-"
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"{sum(times):.1f}; {statistics.median(times):.3f}, {p90:.3f}"
