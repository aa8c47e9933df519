"""PNG screenshots of the rendered e-mails with headless Chromium (the Debian package).

One Chromium process per shot, two at a time (the machine has 2 cores), each with a throwaway
profile and every host name resolving to nothing, so a remote image can never make a shot wait
on DNS or reach the network. No Chromium is not an error: callers show
:func:`missing_chromium_note` instead.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from pipeline.browser import HEADLESS_FLAGS

# A viewport tall enough for the top of an issue and its first answers; the thumbnails show
# the top, the full-size PNG as much as a reviewer scrolls through at once.
HEIGHTS = {600: 2400, 375: 2400}
TIMEOUT = 60.0


@dataclass(frozen=True)
class ShotJob:
    lang: str
    html: Path  # the e-mail to photograph
    width: int
    out: Path  # the PNG to write


@dataclass(frozen=True)
class ShotResult:
    job: ShotJob
    ok: bool
    seconds: float
    error: str | None = None


Progress = Callable[[int, int, ShotResult], None]


def chromium_command(chromium: str, job: ShotJob, profile: Path) -> list[str]:
    height = HEIGHTS.get(job.width, 2400)
    return [
        chromium,
        *HEADLESS_FLAGS,
        f"--user-data-dir={profile}",
        f"--window-size={job.width},{height}",
        f"--screenshot={job.out}",
        job.html.resolve().as_uri(),
    ]


def take_screenshot(chromium: str, job: ShotJob, *, timeout: float = TIMEOUT) -> ShotResult:
    """One PNG; failures come back as a result with the reason, never as an exception."""
    job.out.parent.mkdir(parents=True, exist_ok=True)
    job.out.unlink(missing_ok=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="newsletter-chromium-") as profile:
        try:
            done = subprocess.run(
                chromium_command(chromium, job, Path(profile)),
                capture_output=True, text=True, timeout=timeout, check=False,
            )  # fmt: skip
            error = None if job.out.is_file() else _last_line(done.stderr, done.returncode)
        except (OSError, subprocess.TimeoutExpired) as exc:
            error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    return ShotResult(job, error is None, seconds, error)


def _last_line(stderr: str, code: int) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    return f"chromium exited {code}: {lines[-1] if lines else 'no output'}"


def take_screenshots(
    jobs: Sequence[ShotJob],
    *,
    chromium: str,
    workers: int = 2,
    progress: Progress | None = None,
) -> list[ShotResult]:
    """All shots, ``workers`` at a time, in the order of ``jobs``; progress after each."""
    report = progress or _print_progress
    results: dict[int, ShotResult] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(take_screenshot, chromium, job): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            results[futures[future]] = result = future.result()
            report(len(results), len(jobs), result)
    return [results[i] for i in range(len(jobs))]


def _print_progress(done: int, total: int, result: ShotResult) -> None:
    job = result.job
    outcome = f"{result.seconds:.1f} s" if result.ok else f"FAILED ({result.error})"
    print(
        f"screenshots {done}/{total}: {job.lang} {job.width} px {outcome}",
        file=sys.stderr,
        flush=True,
    )
