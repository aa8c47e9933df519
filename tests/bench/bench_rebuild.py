"""Benchmark of a warm rebuild: what ``make issue`` costs when nothing changed, 24 languages.

The seed issue in a throw-away project, built by the real command (``newsletter build ISSUE
--install-models``, what ``make issue`` runs after its set-up check) in a child process with
the argos engine: a tiny real package (tests/support/tinyargos) is installed for each of the
21 languages the Argos index covers, so hr and mt are left out as on a real machine, and the
package index is a closed port (``--install-models`` asks it about hr and mt and is refused at
once; on a real machine that is one request to the index). The first build translates and
takes every screenshot; then the same build runs WARM_RUNS times with everything in the
translation memory and every e-mail unchanged: no model loads, no screenshot is retaken.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pipeline.browser import find_chromium
from pipeline.languages import EU_LANGUAGES
from tests.bench import BenchSection
from tests.bench.bench_preview import spread
from tests.support.argos_env import ArgosEnv, closed_port_url
from tests.support.translate import make_project

WARM_RUNS = 5
NO_PACKAGE = ("hr", "mt")


def _install_tiny_packages(root: Path, packages: Path) -> None:
    """One package folder per covered language, all linking to one tiny model."""
    from tests.support.tinyargos import build_package_dir

    # A "clock" stops decoding after a few tokens: random weights would decode to the bound.
    model = build_package_dir(root / "model", "en", "xx", stop_after=12)
    for lang in EU_LANGUAGES:
        if lang in ("en", *NO_PACKAGE):
            continue
        folder = packages / f"translate-en_{lang}-tiny"
        folder.mkdir(parents=True)
        for name in ("model", "sentencepiece.model"):
            (folder / name).symlink_to(model / name)
        metadata = json.loads((model / "metadata.json").read_text(encoding="utf-8"))
        metadata |= {"to_code": lang, "to_name": lang, "code": f"translate-en_{lang}"}
        (folder / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")


def _build(issue: Path, env: dict[str, str]) -> tuple[float, int, str]:
    command = [str(Path(sys.executable).parent / "newsletter"), "build", str(issue)]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, "--install-models"], env=env, capture_output=True, text=True, check=False
    )
    return time.perf_counter() - started, done.returncode, done.stderr


def _shots_line(stderr: str) -> str:
    found = re.search(r"^screenshots: .*$", stderr, re.M)
    return found.group(0) if found else "no screenshots (no Chromium?)"


def run() -> BenchSection:
    with tempfile.TemporaryDirectory(prefix="bench-rebuild-") as tmp:
        root = Path(tmp)
        issue = make_project(root / "site").paths.issue_dir
        argos = ArgosEnv(root / "argos", closed_port_url())  # nothing may be downloaded
        _install_tiny_packages(root, argos.packages_dir)
        env = argos.env
        cold_s, cold_code, cold_err = _build(issue, env)
        warm: list[float] = []
        codes: set[int] = set()
        warm_err = ""
        for _ in range(WARM_RUNS):
            seconds, code, warm_err = _build(issue, env)
            warm.append(seconds)
            codes.add(code)
    data: dict[str, Any] = {
        "cold_seconds": cold_s,
        "cold_exit": cold_code,
        "cold_screenshots": _shots_line(cold_err),
        "warm_seconds": warm,
        "warm_exits": sorted(codes),
        "warm_screenshots": _shots_line(warm_err),
        "chromium": find_chromium(),
    }
    rows = [
        "| what | figure | goal |",
        "|---|---|---|",
        f"| first build, 22 of 24 languages (tiny model), exit {cold_code} | {cold_s:.1f} s; "
        f"{data['cold_screenshots']} | |",
        f"| **warm rebuild, nothing changed**, exit {', '.join(map(str, sorted(codes)))} | "
        f"**{spread(warm)}**; {data['warm_screenshots']} | ≤ 3 s |",
    ]
    notes = (
        "\nThe whole command in a child process (start-up and imports included; make's own "
        "set-up check is not). A QA error in the tiny model's noise makes the exit code 2; "
        "the build is complete either way.\n"
    )
    return BenchSection(
        "Warm rebuild (make issue, 24 languages)", "\n".join(rows) + "\n" + notes, data
    )
