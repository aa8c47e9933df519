"""(b) The whole job against stock argostranslate: paired whole processes, alternating rounds.

Each round runs three processes, in an order that rotates from round to round, on the same
stand-in package (the bench's, see :mod:`tests.bench.bench_translate`), translating the whole
seed issue from English into German from a cold start:

- ``argos``: stock ``argostranslate.translate.translate()`` once per paragraph (every
  paragraph of the interview, the title, subject, preheader, pull quote, link labels and the
  speaker's role: the texts the newsletter translates), in a throwaway environment with
  ``argos-translate-lt==1.12.1`` installed from PyPI by ``uv`` (``--no-config``, from outside
  the repository, so this project's settings do not shape it). Its MiniSBD splitter downloads
  a model at first use, so ``MiniSBDSentencizer.lazy_detector`` is patched to an offline pysbd
  splitter before the first call; nothing else is changed.
- ``argos-1-thread``: the same with ``ARGOS_INTRA_THREADS=1``. Its default (0: every core)
  measured 18 to 52 s for the same job on this 2-core virtual machine, with much of the time
  in the kernel; one thread took about 11 s. The ratio against it is what batching alone
  gives, against a well-tuned argostranslate;
- ``glossary``: ``newsletter build ISSUE --langs de --until translate`` with the issue's
  glossary and an empty translation memory;
- ``noglossary``: the same with an empty glossary (nothing masked, so no placeholder is lost
  and nothing is translated twice).

Wall time is measured around each process (start-up and imports included on both sides). A
round gives one ratio per pairing (argos over newsletter); the report shows the median and
every round's ratio. A subset is never scaled up.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROUNDS = int(os.environ.get("BENCH_PAIRED_ROUNDS", "3"))
ARGOS_REQUIREMENTS = ("argos-translate-lt==1.12.1", "pysbd==0.3.4")
KINDS = ("argos", "argos-1-thread", "glossary", "noglossary")
ARGOS_KINDS = {"argos": {}, "argos-1-thread": {"ARGOS_INTRA_THREADS": "1"}}
NEWSLETTER_KINDS = ("glossary", "noglossary")

ARGOS_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import pysbd
    from argostranslate import sbd

    class OfflineSplitter:  # stands in for MiniSBD, which downloads its model at first use
        def __init__(self):
            self.segmenter = pysbd.Segmenter(language="en", clean=False)

        def sentences(self, text):
            return [s.strip() for s in self.segmenter.segment(text) if s.strip()]

    sbd.MiniSBDSentencizer.lazy_detector = lambda self: OfflineSplitter()
    from argostranslate import translate

    texts = json.load(open(sys.argv[1], encoding="utf-8"))
    out = [translate.translate(text, "en", "de") for text in texts]
    print(json.dumps({"texts": len(texts), "output_chars": sum(map(len, out))}))
    """
)


def run(cache: Path, root: Path, env: Mapping[str, str]) -> dict[str, Any]:
    """Every round; ``env`` is the sealed environment of the bench's stand-in packages."""
    python = ensure_argos_venv(cache / "argos-venv")
    texts = cache / "paired-texts.json"
    texts.write_text(json.dumps(seed_texts(root)), encoding="utf-8")
    rounds = []
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        projects = {kind: project(root, Path(tmp) / kind, kind) for kind in NEWSLETTER_KINDS}
        for number in range(ROUNDS):
            shift = number % len(KINDS)
            order = KINDS[shift:] + KINDS[:shift]
            times = {}
            for kind in order:
                memory = Path(tmp) / f"memory-{kind}-{number}"  # cold every time
                extra = {"NEWSLETTER_CACHE_DIR": str(memory), **ARGOS_KINDS.get(kind, {})}
                if kind in ARGOS_KINDS:
                    command = [str(python), "-c", ARGOS_SCRIPT, str(texts)]
                else:
                    command = newsletter_command(projects[kind], Path(tmp) / f"out-{number}")
                times[kind] = timed_process(command, {**env, **extra})
            rounds.append({"order": list(order), **times})
    return summarise(rounds, len(json.loads(texts.read_text("utf-8"))))


def ensure_argos_venv(venv: Path) -> Path:
    """The throwaway environment with stock argostranslate (created once, then reused)."""
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import argostranslate.translate, pysbd"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    uv = [shutil.which("uv")] if shutil.which("uv") else [sys.executable, "-m", "uv"]
    outside = tempfile.gettempdir()  # not the repository: its [tool.uv] must not apply
    shutil.rmtree(venv, ignore_errors=True)
    for args in (
        ["venv", "--no-config", "--quiet", "--python", sys.executable, str(venv)],
        ["pip", "install", "--no-config", "--quiet", "--python", str(python), *ARGOS_REQUIREMENTS],
    ):
        subprocess.run([*uv, *args], cwd=outside, check=True)  # type: ignore[list-item]
    return python


def seed_texts(root: Path) -> list[str]:
    """What the newsletter translates, as argostranslate gets it: paragraph by paragraph."""
    from pipeline.config import load_issue
    from pipeline.ingest import ingest_file
    from pipeline.translate.segment import field_segments, role_segments

    issue = root / "issues" / "2024-06-belgian-presidency"
    config = load_issue(issue / "issue.toml")
    document = ingest_file(issue / "interview.txt").document
    fields = [text for _, text in [*field_segments(config), *role_segments(document)]]
    return fields + [p for block in document.blocks for p in block.paragraphs]


def project(root: Path, folder: Path, kind: str) -> Path:
    """A copy of the seed issue; ``noglossary``: with an empty glossary."""
    issue = folder / "issues" / "2024-06-belgian-presidency"
    shutil.copytree(root / "issues" / "2024-06-belgian-presidency", issue)
    glossary = folder / "issues" / "glossary.toml"
    if kind == "glossary":
        shutil.copy(root / "issues" / "glossary.toml", glossary)
    else:
        glossary.write_text("# empty: nothing is masked\n", encoding="utf-8")
    return issue


def newsletter_command(issue: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "pipeline", "build", str(issue), "--langs", "de",
            "--until", "translate", "--out", str(out / issue.parent.parent.name)]  # fmt: skip


def timed_process(command: Sequence[str], env: Mapping[str, str]) -> dict[str, float]:
    """Wall seconds of one whole process, and the CPU seconds it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(command, env=dict(env), capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError((proc.stderr.strip().splitlines() or ["?"])[-1])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seconds": round(wall, 2), "cpu_s": round(cpu, 2)}


def summarise(rounds: list[dict[str, Any]], texts: int) -> dict[str, Any]:
    out: dict[str, Any] = {"rounds": rounds, "texts": texts}
    for kind in KINDS:
        seconds = [r[kind]["seconds"] for r in rounds]
        out[kind] = {"median_s": statistics.median(seconds), "min_s": min(seconds),
                     "max_s": max(seconds)}  # fmt: skip
    for kind in NEWSLETTER_KINDS:
        for baseline in ARGOS_KINDS:
            ratios = [r[baseline]["seconds"] / r[kind]["seconds"] for r in rounds]
            out[f"ratio_{kind}" + ("" if baseline == "argos" else "_vs_1_thread")] = {
                "median": statistics.median(ratios),
                "min": min(ratios),
                "max": max(ratios),
                "each": [round(x, 2) for x in ratios],
            }
    return out
