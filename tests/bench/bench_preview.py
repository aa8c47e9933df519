"""Benchmark of the review site: the pages, and 48 whole-page screenshots taken from cold.

The fixture build (really rendered e-mails) is widened to the 24 EU languages by copying the
German folder under each code, so the page count and the number of shots (24 × 2 widths) are
a real issue's. Screenshots from cold (no earlier PNG to keep) are taken the current way (ONE
Chromium over the DevTools pipe, each e-mail loaded once, whole pages) and, for comparison,
the way they were taken before (one ``chromium --screenshot`` process per shot, two at a
time, cut at 2,400 px), alternating, ROUNDS times each; median and spread.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pipeline.browser import HEADLESS_FLAGS, find_chromium
from pipeline.languages import EU_LANGUAGES, english_name, native_name
from pipeline.preview import screenshots as shots
from pipeline.preview import write_preview
from pipeline.preview.site import WIDTHS
from pipeline.store import IssuePaths, read_json, write_json
from tests.bench import BenchSection
from tests.support.preview_fixtures import make_build

ROUNDS = 3


def _widen(paths: IssuePaths) -> int:
    report = read_json(paths.report_json)
    template = report["languages"]["de"]
    for lang in EU_LANGUAGES:
        if report["languages"].get(lang, {}).get("status", "unavailable") != "unavailable":
            continue
        shutil.copytree(paths.lang_dir("de"), paths.lang_dir(lang))
        files = {k: v.replace("de/", f"{lang}/", 1) for k, v in template["files"].items()}
        report["languages"][lang] = {
            **template,
            "name": native_name(lang),
            "english_name": english_name(lang),
            "files": files,
            "status": "direct",
            "message": None,
        }
    write_json(paths.report_json, report)
    return len(report["languages"])


def spread(values: Sequence[float]) -> str:
    """'median s (min–max, n runs)'."""
    if not values:
        return "–"
    return (
        f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f}, "
        f"{len(values)} runs)"
    )


def _emails(paths: IssuePaths) -> dict[str, Path]:
    report = read_json(paths.report_json)
    return {lang: paths.email_html(lang) for lang in report["languages"]}


def _new_way(paths: IssuePaths, chromium: str, out: Path) -> tuple[float, int]:
    """Cold: nothing to keep; every shot taken in one browser session."""
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    kept, jobs = shots.plan_shots(_emails(paths), WIDTHS.values(), old=out / "none", new=out)
    results = shots.take_screenshots(jobs, chromium=chromium)
    seconds = time.perf_counter() - started
    assert not kept
    return seconds, sum(r.ok for r in results)


def _old_way(paths: IssuePaths, chromium: str, out: Path) -> tuple[float, int]:
    """As before: a Chromium process per shot, window 2,400 px high, two at a time."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    jobs = [
        (lang, email, width) for lang, email in _emails(paths).items() for width in WIDTHS.values()
    ]

    def one(job: tuple[str, Path, int]) -> bool:
        lang, email, width = job
        png = out / f"{lang}-{width}.png"
        with tempfile.TemporaryDirectory(prefix="bench-profile-") as profile:
            subprocess.run(
                [chromium, *HEADLESS_FLAGS, f"--user-data-dir={profile}",
                 f"--window-size={width},2400", f"--screenshot={png}", email.as_uri()],
                capture_output=True, timeout=120, check=False,
            )  # fmt: skip
        return png.is_file()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        taken = sum(pool.map(one, jobs))
    return time.perf_counter() - started, taken


def _alternate(
    ways: dict[str, Callable[[], tuple[float, int]]], rounds: int
) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {name: {"seconds": [], "shots": 0} for name in ways}
    for _ in range(rounds):
        for name, way in ways.items():
            seconds, taken = way()
            found[name]["seconds"].append(seconds)
            found[name]["shots"] = taken
    return found


def run() -> BenchSection:
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as tmp:
        paths = make_build(Path(tmp), render=True)
        languages = _widen(paths)
        start = time.perf_counter()
        write_preview(paths, screenshots=False)
        pages_s = time.perf_counter() - start
        pages = len(list(paths.preview_dir.glob("*.html")))
        size = sum(p.stat().st_size for p in paths.preview_dir.glob("*.html"))
        chromium = find_chromium()
        cold: dict[str, dict[str, Any]] = {}
        if chromium:
            out = Path(tmp) / "shots"
            cold = _alternate(
                {
                    "one session, whole pages": lambda: _new_way(paths, chromium, out),
                    "a process per shot, 2 at a time, cut at 2,400 px (before)": lambda: _old_way(
                        paths, chromium, out
                    ),
                },
                ROUNDS,
            )
    rows = [
        "| what | figure | goal |",
        "|---|---|---|",
        f"| languages in report.json | {languages} | |",
        f"| pages written (index, side by side, 2 frames each) | {pages}, {size / 1000:.0f} kB | |",
        f"| write_preview without screenshots | {pages_s:.2f} s | |",
    ]
    for name, figures in cold.items():
        goal = "≤ 10 s for 48" if name.startswith("one session") else ""
        rows.append(
            f"| screenshots from cold, {figures['shots']} PNGs: {name} | "
            f"{spread(figures['seconds'])} | {goal} |"
        )
    if not chromium:
        rows.append("| screenshots | not measured: no Chromium | |")
    notes = (
        "\nScreenshots are taken alternately, the new way then the old, on the same 24 "
        "e-mails (copies of the rendered German one); a warm rebuild takes none (see the "
        "warm-rebuild section).\n"
    )
    data: dict[str, object] = {"languages": languages, "pages": pages, "pages_seconds": pages_s}
    data["cold_screenshots"] = cold
    return BenchSection("Review site (preview)", "\n".join(rows) + "\n" + notes, data)
