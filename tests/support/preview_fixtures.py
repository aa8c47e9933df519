"""A realistic build folder for the preview tests, written the way the other stages write theirs.

``make_build(root)`` lays out ``root/issues/<slug>/issue.toml`` and ``root/build/<slug>/`` with a
report.json (INTERFACES.md), the ingested source document.json and language folders:

- ``en`` the source;
- ``de`` machine translated (argos), one reviewed and one memory segment, three QA warnings
  tied to segments (protected term, numbers, length);
- ``fr`` every segment reviewed by a human;
- ``el`` machine translated with a blocking (error) render finding: "partial";
- ``hr`` unavailable: no model, no files.

Source and translations carry hostile text (``<script>``, an ``<img onerror>``) so the tests
can prove it shows as text.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from pipeline.document import (
    Block,
    Document,
    Origin,
    Segment,
    Speaker,
    finding_to_dict,
    to_dict,
)
from pipeline.languages import english_name, native_name
from pipeline.store import IssuePaths, write_json

SLUG = "2024-06-test-issue"
SEED_TOML = Path(__file__).resolve().parents[2] / "issues/2024-06-belgian-presidency/issue.toml"
HOSTILE = '<script>window.__pwned = 1</script> & <img src="x" onerror="window.__pwned = 2">'

SPEAKERS = (
    Speaker("C", "CECOP", None),
    Speaker("ALD", "Anne-Laure Desgris", "Co-CEO of Smart Belgium"),
)
ROLES = {"de": "Co-CEO von Smart Belgium", "fr": "Co-directrice de Smart Belgique", "el": "Συν-CEO"}

# (block type, speaker, paragraphs as lists of sentences) in the source language.
SOURCE: list[tuple[str, str | None, list[list[str]]]] = [
    ("intro", None, [["Interview with Anne-Laure Desgris."]]),
    ("question", "C", [["What does the Belgian Presidency mean for Smart?"]]),
    (
        "answer",
        "ALD",
        [
            ["Smart has supported freelancers for 25 years.", "We now count 35,000 members."],
            ["The elections matter.", f"Note: {HOSTILE}"],
        ],
    ),
    ("closing", None, [["Thank you!"]]),
]

TRANSLATIONS: dict[str, dict[str, str]] = {
    "de": {
        "Interview with Anne-Laure Desgris.": "Interview mit Anne-Laure Desgris.",
        "What does the Belgian Presidency mean for Smart?": (
            "Was bedeutet die belgische Ratspräsidentschaft für Smart, für seine Mitglieder, "
            "für die Genossenschaften in ganz Europa und für alle, die mit uns arbeiten?"
        ),
        "Smart has supported freelancers for 25 years.": (
            "Klug unterstützt Freiberufler seit Jahren."
        ),
        "We now count 35,000 members.": "Wir zählen heute 53.000 Mitglieder.",
        "The elections matter.": "Die Wahlen sind wichtig.",
        f"Note: {HOSTILE}": f"Hinweis: {HOSTILE}",
        "Thank you!": "Danke!",
    },
    "fr": {
        "Interview with Anne-Laure Desgris.": "Entretien avec Anne-Laure Desgris.",
        "What does the Belgian Presidency mean for Smart?": (
            "Que signifie la présidence belge pour Smart ?"
        ),
        "Smart has supported freelancers for 25 years.": (
            "Smart soutient les indépendants depuis 25 ans."
        ),
        "We now count 35,000 members.": "Nous comptons aujourd’hui 35 000 membres.",
        "The elections matter.": "Les élections comptent.",
        f"Note: {HOSTILE}": f"Remarque : {HOSTILE}",
        "Thank you!": "Merci !",
    },
    "el": {
        "Interview with Anne-Laure Desgris.": "Συνέντευξη με την Anne-Laure Desgris.",
        "What does the Belgian Presidency mean for Smart?": (
            "Τι σημαίνει η βελγική Προεδρία για τη Smart;"
        ),
        "Smart has supported freelancers for 25 years.": (
            "Η Smart στηρίζει τους ελεύθερους επαγγελματίες εδώ και 25 χρόνια."
        ),
        "We now count 35,000 members.": "Σήμερα έχουμε 35.000 μέλη.",
        "The elections matter.": "Οι εκλογές έχουν σημασία.",
        f"Note: {HOSTILE}": f"Σημείωση: {HOSTILE}",
        "Thank you!": "Ευχαριστούμε!",
    },
}

FIELDS = {
    "en": {
        "title": "Smart Belgium on the Belgian Presidency",
        "subject": "Belgian Presidency: a conversation with Smart Belgium",
        "preheader": f"Anne-Laure Desgris on 25 years of Smart. {HOSTILE}",
    },
    "de": {
        "title": "Smart Belgium zur belgischen Ratspräsidentschaft",
        "subject": "Belgische Ratspräsidentschaft: ein Gespräch mit Smart Belgium",
        "preheader": f"Anne-Laure Desgris über 25 Jahre Smart. {HOSTILE}",
    },
    "fr": {
        "title": "Smart Belgium et la présidence belge",
        "subject": "Présidence belge : une conversation avec Smart Belgium",
        "preheader": f"Anne-Laure Desgris sur 25 ans de Smart. {HOSTILE}",
    },
    "el": {
        "title": "Η Smart Belgium για τη βελγική Προεδρία",
        "subject": "Βελγική Προεδρία: μια συζήτηση με τη Smart Belgium",
        "preheader": f"Η Anne-Laure Desgris για τα 25 χρόνια της Smart. {HOSTILE}",
    },
}

RawFinding = tuple[str, str, str, str | None]
DE_FINDINGS: list[RawFinding] = [
    ("warning", "protected-term-missing", "'Smart' is missing from the translation", "b2.p0.s0"),
    ("warning", "numbers-differ", "numbers differ: source 35,000; translation 53.000", "b2.p0.s1"),
    ("warning", "length-ratio", "translation is 2.9× the length of its source", "b1.p0.s0"),
]
EL_FINDINGS: list[RawFinding] = [
    ("error", "size-gmail-clip", "104 KB after encoding: Gmail clips at 102 KB", None)
]


def make_build(root: Path, *, slug: str = SLUG, render: bool = False) -> IssuePaths:
    """Write a complete fixture build under ``root`` and return its paths.

    ``render=True`` renders the e-mails with the real render stage (and the seed issue's
    issue.toml) instead of the small hand-written HTML.
    """
    issue_dir = root / "issues" / slug
    issue_dir.mkdir(parents=True, exist_ok=True)
    toml = SEED_TOML.read_text(encoding="utf-8") if render else 'title = "Test issue"\n'
    (issue_dir / "issue.toml").write_text(toml, encoding="utf-8")
    paths = IssuePaths.for_issue(issue_dir)
    write_json(paths.document_json, to_dict(source_document()))
    docs = {"en": source_document(with_segments=True)}
    docs |= {lang: translated_document(lang) for lang in ("de", "fr", "el")}
    languages = {lang: _write_language(paths, doc) for lang, doc in docs.items()}
    if render:
        _render_for_real(paths, docs, languages)
    languages["hr"] = _unavailable("hr")
    report = {
        "issue": slug,
        "title": FIELDS["en"]["title"],
        "source_lang": "en",
        "provider": "brevo",
        "built_at": "2026-11-26T10:00:00+00:00",
        "languages": languages,
        "findings": [
            {"level": "warning", "code": "source-lint", "message": "line 3: double space"}
        ],
    }
    write_json(paths.report_json, report)
    return paths


def _render_for_real(
    paths: IssuePaths, docs: dict[str, Document], languages: dict[str, Any]
) -> None:
    from pipeline.config import load_issue
    from pipeline.render import render_issue

    results = render_issue(load_issue(paths.issue_toml), paths, docs, provider="brevo")
    for lang, result in results.items():
        entry = languages[lang]
        entry["sizes"] = dict(result.sizes)
        entry["transfer_encoding"] = result.transfer_encoding
        entry["findings"] += [finding_to_dict(f) for f in result.findings]


def source_document(*, with_segments: bool = False) -> Document:
    blocks = tuple(
        Block(kind, speaker, tuple(" ".join(p) for p in paras), line=i * 2 + 1)  # type: ignore[arg-type]
        for i, (kind, speaker, paras) in enumerate(SOURCE)
    )
    segments: tuple[Segment, ...] = ()
    if with_segments:
        segments = tuple(
            Segment(key, text, text, Origin("source")) for key, text in _keyed_sentences()
        )
        segments += tuple(
            Segment(f"field.{k}", v, v, Origin("source")) for k, v in FIELDS["en"].items()
        )
    return Document("en", SPEAKERS, blocks, fields=FIELDS["en"], segments=segments)


def translated_document(lang: str) -> Document:
    table = TRANSLATIONS[lang]
    segments = [
        Segment(key, text, table[text], _origin(lang, key)) for key, text in _keyed_sentences()
    ]
    segments += [
        Segment(f"field.{k}", FIELDS["en"][k], v, _origin(lang, f"field.{k}"))
        for k, v in FIELDS[lang].items()
    ]
    segments.append(Segment("role.ALD", SPEAKERS[1].role or "", ROLES[lang], _origin(lang, "")))
    blocks = tuple(
        Block(kind, speaker, tuple(" ".join(table[s] for s in p) for p in paras), i * 2 + 1)  # type: ignore[arg-type]
        for i, (kind, speaker, paras) in enumerate(SOURCE)
    )
    speakers = (SPEAKERS[0], Speaker("ALD", "Anne-Laure Desgris", ROLES[lang]))
    return Document(
        "en", speakers, blocks, lang=lang, fields=FIELDS[lang], segments=tuple(segments)
    )


def _keyed_sentences() -> list[tuple[str, str]]:
    return [
        (f"b{b}.p{p}.s{s}", sentence)
        for b, (_, _, paras) in enumerate(SOURCE)
        for p, sentences in enumerate(paras)
        for s, sentence in enumerate(sentences)
    ]


def _origin(lang: str, key: str) -> Origin:
    if lang == "fr" or key == "b0.p0.s0":
        return Origin("human")
    if key == "b3.p0.s0":
        return Origin("memory", "argos", f"translate-en_{lang} 1.9")
    return Origin("engine", "argos", f"translate-en_{lang} 1.9")


def _write_language(paths: IssuePaths, doc: Document) -> dict[str, Any]:
    lang = doc.lang
    write_json(paths.lang_document_json(lang), to_dict(doc))
    page = email_html(doc)
    text = email_text(doc)
    eml = f"Subject: {doc.fields['subject']}\nContent-Type: text/plain\n\n{text}".encode()
    paths.email_html(lang).write_text(page, encoding="utf-8")
    paths.email_txt(lang).write_text(text, encoding="utf-8")
    paths.email_eml(lang).write_bytes(eml)
    kinds = [s.origin.kind for s in doc.segments]
    counts = {k: kinds.count(k) for k in ("human", "memory", "engine", "source")}
    raw: list[RawFinding] = {"de": DE_FINDINGS, "el": EL_FINDINGS}.get(lang, [])
    findings = [
        {"level": lv, "code": c, "message": m, "lang": lang, **({"where": w} if w else {})}
        for lv, c, m, w in raw
    ]

    machine = lang in ("de", "el")
    return {
        "name": native_name(lang),
        "english_name": english_name(lang),
        "status": "source" if lang == "en" else "direct",
        "message": None,
        "engine": "argos" if machine else None,
        "model": f"translate-en_{lang} 1.9" if machine else None,
        "segments": {"total": len(kinds), **counts},
        "reviewed_share": counts["human"] / len(kinds),
        "subject": doc.fields["subject"],
        "preheader": doc.fields["preheader"],
        "sizes": {"html": len(page), "html_encoded": len(page) + 100, "text": len(text)},
        "transfer_encoding": "8bit",
        "files": {k: f"{lang}/{n}" for k, n in _FILES.items()},
        "findings": findings,
        "ok": not any(f["level"] == "error" for f in findings),
    }


_FILES = {
    "html": "email.html",
    "text": "email.txt",
    "eml": "email.eml",
    "document": "document.json",
}


def _unavailable(lang: str) -> dict[str, Any]:
    return {
        "name": native_name(lang),
        "english_name": english_name(lang),
        "status": "unavailable",
        "message": f"no argos model for en→{lang}; add issues/{SLUG}/translations/{lang}.po",
        "engine": None,
        "model": None,
        "segments": {"total": 0, "human": 0, "memory": 0, "engine": 0, "source": 0},
        "reviewed_share": 0.0,
        "findings": [],
        "ok": False,
    }


def email_html(doc: Document) -> str:
    """A small, accessible e-mail page, escaped like the real renderer escapes."""
    e = html.escape
    body = "\n".join(
        f'<p style="margin:0 0 16px">{e(paragraph)}</p>'
        for block in doc.blocks
        for paragraph in block.paragraphs
    )
    return (
        f'<!doctype html>\n<html lang="{doc.lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(doc.fields['subject'])}</title></head>"
        '<body style="margin:0;background:#f4f4f4;font-family:Arial,sans-serif;color:#222">'
        '<div style="max-width:600px;margin:0 auto;background:#fff;padding:24px">'
        f'<main><h1 style="font-size:24px;color:#1a3a5c">{e(doc.fields["title"])}</h1>\n{body}'
        "</main></div></body></html>\n"
    )


def email_text(doc: Document) -> str:
    paragraphs = [p for block in doc.blocks for p in block.paragraphs]
    return "\n\n".join([doc.fields["title"], *paragraphs]) + "\n"
