"""Run every benchmark module and write build/bench/report.md and report.json.

``python -m tests.bench [NAME ...]`` runs only the named modules (e.g. ``translate``).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import platform
import sys
import time
from pathlib import Path

import tests.bench as package
from pipeline.store import write_atomic, write_json


def main(argv: list[str]) -> int:
    names = sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules(package.__path__)
        if m.name.startswith("bench_")
    )
    chosen = [n for n in names if not argv or n in argv]
    out = Path("build/bench")
    sections = []
    for name in chosen:
        print(f"bench: {name} …", file=sys.stderr, flush=True)
        started = time.perf_counter()
        section = importlib.import_module(f"tests.bench.bench_{name}").run()
        print(f"bench: {name} done in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        sections.append((name, section))
    header = (
        f"# Benchmarks\n\nMachine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n"
    )
    body = "\n".join(f"## {s.title}\n\n{s.markdown.strip()}\n" for _, s in sections)
    write_atomic(out / "report.md", header + "\n" + body)
    write_json(out / "report.json", {name: {"title": s.title, **s.data} for name, s in sections})
    print(f"bench: wrote {out / 'report.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
