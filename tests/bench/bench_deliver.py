"""Benchmark: the deliverability checks over all 24 languages, and every language's spam score.

Input: the render benchmark's 24 e-mails (the seed relabelled per language, Greek and
Cyrillic letters for el and bg), written to a temporary build folder. Each check (spam:
SpamAssassin over all .eml files in one run; clients: caniemail's data; a11y: axe-core in one
Chromium) runs alone, the three alternating, ROUNDS times: median and spread, cold (an empty
result cache: what a build of changed e-mails costs) and warm (the same e-mails again: what
a rebuild with nothing changed costs). A check whose tool is missing is reported as such.
The spam table scores each language as the build wrote it before this check existed (no
To, the preheader coloured like its page) and now, in the same SpamAssassin run.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from pipeline.browser import find_chromium
from pipeline.render import render_email
from pipeline.render.a11y import find_axe
from pipeline.render.clients import find_caniemail
from pipeline.render.deliver import CHECKS, DeliveryOptions, check_delivery
from pipeline.render.spam import find_spamassassin, score_messages
from pipeline.report import spam_points
from pipeline.store import IssuePaths, write_atomic
from tests.bench import BenchSection
from tests.bench.bench_render import seed_documents
from tests.support import render as fx
from tests.support.deliver import before_the_fix

ROUNDS = 3
TOOLS = {
    "spam": find_spamassassin,
    "clients": find_caniemail,
    "a11y": lambda: find_axe() and find_chromium(),
}


def run() -> BenchSection:
    cfg, docs = seed_documents()
    results = {
        lang: render_email(cfg, doc, provider="brevo", languages=list(docs))
        for lang, doc in docs.items()
    }
    with tempfile.TemporaryDirectory() as tmp:
        paths = IssuePaths.for_issue(fx.ISSUE_DIR, Path(tmp))
        for lang, result in results.items():
            write_atomic(paths.email_html(lang), result.html)
        timings = _time_checks(cfg, paths, results)
    spam_rows, spam_data = _spam_table(results)
    rows = ["| check | cold: median s (min–max) | warm: median s (min–max) | rounds |",
            "|---|---:|---:|---:|"]  # fmt: skip
    for check, (cold, warm) in timings.items():
        if cold:
            rows.append(f"| {check} | {_spread(cold)} | {_spread(warm)} | {len(cold)} |")
        else:
            rows.append(f"| {check} | – | tool missing | 0 |")
    text = (
        f"The deliverability checks over {len(results)} e-mails, each alone, alternating, "
        f"{ROUNDS} rounds (median, min–max).\n\n" + "\n".join(rows) + "\n\n" + spam_rows
    )
    data: dict[str, Any] = {"seconds": timings, "spam": spam_data}
    return BenchSection("Deliverability checks: 24 languages", text, data)


def _spread(times: list[float]) -> str:
    return f"{statistics.median(times):.2f} ({min(times):.2f}–{max(times):.2f})"


def _time_checks(
    cfg: Any, paths: IssuePaths, results: dict[str, Any]
) -> dict[str, tuple[list[float], list[float]]]:
    """(cold, warm) seconds per check: each round starts from an empty result cache."""
    available = [c for c in CHECKS if TOOLS[c]()]
    timings: dict[str, tuple[list[float], list[float]]] = {c: ([], []) for c in CHECKS}
    saved = os.environ.get("NEWSLETTER_CACHE_DIR")
    try:
        for _ in range(ROUNDS):
            for check in available:
                options = DeliveryOptions(skip=frozenset(set(CHECKS) - {check}))
                with tempfile.TemporaryDirectory() as cache:
                    os.environ["NEWSLETTER_CACHE_DIR"] = cache
                    for times in timings[check]:  # cold, then warm
                        started = time.perf_counter()
                        check_delivery(cfg, paths, results, options)
                        times.append(round(time.perf_counter() - started, 3))
    finally:
        os.environ.pop("NEWSLETTER_CACHE_DIR", None)
        if saved is not None:
            os.environ["NEWSLETTER_CACHE_DIR"] = saved
    return timings


def _spam_table(results: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    command = find_spamassassin()
    if command is None:
        return "SpamAssassin is not installed: no scores.", {}
    messages = {f"{lang}/now": r.eml for lang, r in results.items()}
    messages |= {f"{lang}/before": before_the_fix(r.eml) for lang, r in results.items()}
    scores = score_messages(messages, command)
    rows = ["| lang | before | now | rules adding points now |", "|---|---:|---:|---|"]
    data = {}
    for lang in results:
        before, now = scores[f"{lang}/before"], scores[f"{lang}/now"]
        rules = ", ".join(f"{r.name} {r.score:.1f}" for r in now.rules if r.score > 0.05) or "–"
        rows.append(
            f"| {lang} | {spam_points(before.score)} | {spam_points(now.score)} | {rules} |"
        )
        data[lang] = {"before": before.score, "now": now.score}
    intro = "SpamAssassin 4 (local rules, `spamassassin -L`), every language before and now:\n\n"
    return intro + "\n".join(rows), data
