"""Benchmark of the review site: writing the pages, and the Chromium screenshots, for 24 languages.

The fixture build (really rendered e-mails) is widened to the 24 EU languages by copying the
German folder under each code, so the page count and the number of shots are a real issue's.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from pipeline.browser import find_chromium
from pipeline.languages import EU_LANGUAGES, english_name, native_name
from pipeline.preview import write_preview
from pipeline.store import IssuePaths, read_json, write_json
from tests.bench import BenchSection
from tests.support.preview_fixtures import make_build


def _widen(paths: IssuePaths) -> int:
    report = read_json(paths.report_json)
    template = report["languages"]["de"]
    for lang in EU_LANGUAGES:
        if lang in report["languages"]:
            continue
        shutil.copytree(paths.lang_dir("de"), paths.lang_dir(lang))
        files = {k: v.replace("de/", f"{lang}/", 1) for k, v in template["files"].items()}
        report["languages"][lang] = {
            **template,
            "name": native_name(lang),
            "english_name": english_name(lang),
            "files": files,
        }
    write_json(paths.report_json, report)
    return len(report["languages"])


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
        shots_s, shots = None, 0
        if chromium:
            start = time.perf_counter()
            write_preview(paths, screenshots=True)
            shots_s = time.perf_counter() - start - pages_s
            shots = len(list((paths.preview_dir / "shots").glob("*.png")))
    rows = [
        "| what | figure |",
        "|---|---|",
        f"| languages in report.json | {languages} |",
        f"| pages written (index, side by side, 2 frames each) | {pages}, {size / 1000:.0f} kB |",
        f"| write_preview without screenshots | {pages_s:.2f} s |",
    ]
    if shots_s is not None:
        rows += [
            f"| screenshots ({shots} PNGs, 2 Chromium processes at a time) | {shots_s:.1f} s |",
            f"| per language (600 + 375 px) | {shots_s / max(1, shots // 2):.2f} s |",
        ]
    else:
        rows.append("| screenshots | not measured: no Chromium |")
    data: dict[str, object] = {"languages": languages, "pages": pages, "shots": shots}
    data |= {"pages_seconds": pages_s, "shots_seconds": shots_s}
    return BenchSection("Review site (preview)", "\n".join(rows) + "\n", data)
