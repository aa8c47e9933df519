"""PNG screenshots of the rendered e-mails: keyed by content, whole pages, one browser session.

A shot is named after what it shows, ``<lang>-<width>-<key>.png``, where the key hashes the
e-mail's HTML, the width and :data:`METHOD` (how shots are taken). :func:`plan_shots` carries
the PNG of every e-mail that did not change over from the previous preview (a hard link: no
copy, no browser); :func:`take_screenshots` takes the others in ONE headless Chromium driven
over the DevTools pipe (:mod:`pipeline.browser`): each e-mail is loaded once and photographed
at every width, from top to bottom. Every host name resolves to nothing, so a remote image
can never make a shot wait on DNS or reach the network. A Chromium that fails is reported in
the results, never raised; a crash costs the e-mail being shot, and a fresh browser goes on.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.browser import Browser, CDPError, Page
from pipeline.store import write_atomic

# Part of every key: change it when the way shots are taken changes, so old PNGs are retaken.
METHOD = "cdp-full-page-v1"


@dataclass(frozen=True)
class Shot:
    lang: str
    width: int
    key: str  # content key: the e-mail's HTML, the width, METHOD

    @property
    def name(self) -> str:
        return f"{self.lang}-{self.width}-{self.key}.png"


@dataclass(frozen=True)
class ShotJob:
    """One e-mail to photograph at some widths, into ``folder``."""

    lang: str
    html: Path
    shots: tuple[Shot, ...]
    folder: Path


@dataclass(frozen=True)
class ShotResult:
    shot: Shot
    ok: bool
    seconds: float
    error: str | None = None


Progress = Callable[[int, int, ShotResult], None]


def shot_key(html: bytes, width: int) -> str:
    digest = hashlib.sha256(f"{METHOD}\0{width}\0".encode() + html)
    return digest.hexdigest()[:16]


def plan_shots(
    emails: Mapping[str, Path], widths: Iterable[int], *, old: Path, new: Path
) -> tuple[list[Shot], list[ShotJob]]:
    """(shots carried over from ``old`` into ``new``, jobs for the shots still to take)."""
    kept: list[Shot] = []
    jobs: list[ShotJob] = []
    new.mkdir(parents=True, exist_ok=True)
    for lang, email in emails.items():
        html = email.read_bytes()
        wanted = tuple(Shot(lang, width, shot_key(html, width)) for width in widths)
        missing = tuple(s for s in wanted if not _carry_over(old / s.name, new / s.name))
        kept += [s for s in wanted if s not in missing]
        if missing:
            jobs.append(ShotJob(lang, email, missing, new))
    return kept, jobs


def _carry_over(source: Path, target: Path) -> bool:
    if not source.is_file():
        return False
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed: copy
        shutil.copy2(source, target)
    return True


def take_screenshots(
    jobs: Sequence[ShotJob], *, chromium: str, progress: Progress | None = None
) -> list[ShotResult]:
    """Every shot of ``jobs``, in order, in one browser. After a crash a fresh browser goes on;
    a browser that fails before its first shot ends the run (the rest fail with its reason)."""
    total = sum(len(job.shots) for job in jobs)
    results: list[ShotResult] = []
    browser: Browser | None = None
    page: Page | None = None
    try:
        for number, job in enumerate(jobs):
            fresh = page is None
            try:
                if page is None:
                    browser = Browser(chromium)
                    page = browser.open()
                results += _shoot(page, job, progress, total, len(results))
            except (CDPError, OSError) as exc:
                _close(browser)
                browser = page = None
                failed = jobs[number:] if fresh else [job]
                results += [ShotResult(s, False, 0.0, str(exc)) for j in failed for s in j.shots]
                if fresh:
                    break
    finally:
        _close(browser)
    return results


def _shoot(
    page: Page, job: ShotJob, progress: Progress | None, total: int, done_before: int
) -> list[ShotResult]:
    """Load the e-mail once; a whole-page PNG at each width."""
    results = []
    started = time.perf_counter()
    error = page.goto(job.html.resolve())
    if error:
        raise CDPError(f"{job.html}: {error}")
    for shot in job.shots:
        write_atomic(job.folder / shot.name, page.screenshot(shot.width, fast=True))
        result = ShotResult(shot, True, time.perf_counter() - started)
        results.append(result)
        if progress is not None:
            progress(done_before + len(results), total, result)
        started = time.perf_counter()
    return results


def _close(browser: Browser | None) -> None:
    if browser is not None:
        browser.close()
