"""Benchmarks (``make bench``): each ``bench_*.py`` module here has ``run() -> BenchSection``.

Results go to ``build/bench/report.md`` and ``build/bench/report.json``. Figures are measured,
never asserted: tests do not check wall-clock time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class BenchSection:
    title: str
    markdown: str  # the section's body: a table and a few sentences
    data: dict[str, Any] = field(default_factory=dict)
