"""Benchmark: render the seed issue in all 24 languages (translation excluded).

Input: the seed interview (issues/2024-06-belgian-presidency/interview.txt, split by
tests/support/render.seed_document, not the real ingest) relabelled as machine translation
for each language; for el and bg its letters are transliterated into Greek and Cyrillic so
the byte sizes resemble real Greek and Bulgarian issues (two bytes per letter in UTF-8).
"""

from __future__ import annotations

import time

from pipeline.config import IssueConfig
from pipeline.document import Document
from pipeline.languages import EU_LANGUAGES
from pipeline.render import render_email
from tests.bench import BenchSection
from tests.support import render as fx

SCRIPTS = {"el": "greek", "bg": "cyrillic"}


def seed_documents() -> tuple[IssueConfig, dict[str, Document]]:
    """The benchmark's input: the config and one Document per EU language (see above)."""
    cfg = fx.config(languages=EU_LANGUAGES)
    source = fx.seed_document()
    source = source.__class__(
        source.source_lang, source.speakers, source.blocks,
        fields={"title": cfg.title, "subject": cfg.subject, "preheader": cfg.preheader,
                "pull_quote": cfg.pull_quote or ""},
    )  # fmt: skip
    docs = {
        lang: source if lang == "en" else fx.relabel(source, lang, SCRIPTS.get(lang))
        for lang in EU_LANGUAGES
    }
    return cfg, docs


def run() -> BenchSection:
    cfg, docs = seed_documents()
    started = time.perf_counter()
    results = {
        lang: render_email(cfg, doc, provider="brevo", languages=EU_LANGUAGES)
        for lang, doc in docs.items()
    }
    total = time.perf_counter() - started
    again = time.perf_counter()
    for doc in docs.values():
        render_email(cfg, doc, provider="brevo", languages=EU_LANGUAGES)
    warm = time.perf_counter() - again
    rows = [
        "| lang | HTML KB | HTML encoded KB | encoding | text KB | .eml KB | errors |",
        "|---|---:|---:|---|---:|---:|---:|",
    ]
    data: dict[str, object] = {"seconds_first": round(total, 3), "seconds_warm": round(warm, 3)}
    for lang, r in results.items():
        s = r.sizes
        n_err = sum(1 for f in r.findings if f.level == "error")
        rows.append(
            f"| {lang} | {s['html'] / 1000:.1f} | {s['html_encoded'] / 1000:.1f} | "
            f"{r.transfer_encoding} | {s['text'] / 1000:.1f} | {s['eml'] / 1000:.1f} | {n_err} |"
        )
        data[lang] = {**s, "transfer_encoding": r.transfer_encoding, "errors": n_err}
    text = (
        f"All 24 languages rendered (Jinja → MJML → HTML, text part, MIME, checks) in "
        f"**{total:.2f} s** (first run, templates compiled) and **{warm:.2f} s** warm; "
        "goal: under 1 s. Input: the seed interview relabelled per language, Greek and "
        "Cyrillic letters for el and bg (see the module docstring).\n\n" + "\n".join(rows)
    )
    return BenchSection("Render: 24 languages", text, data)
