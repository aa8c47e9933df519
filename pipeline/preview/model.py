"""What the review pages show, as plain values: one row per language, one row per segment.

Built from report.json entries and ``<lang>/document.json``; no HTML here (the templates under
``templates/preview/`` turn these into pages). Hrefs are relative to ``build/<slug>/preview/``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pipeline.document import Document, Segment, from_dict
from pipeline.languages import english_name, native_name
from pipeline.store import IssuePaths, read_json

LEVELS = ("error", "warning", "info")
_BODY_KEY = re.compile(r"^b(\d+)\.p(\d+)\.s(\d+)$")


@dataclass(frozen=True)
class FindingView:
    level: str
    code: str
    message: str
    where: str | None
    anchor: str | None  # the segment's id on the language page, when it names one
    stage: str | None = None  # the stage that found it (ingest, translate, render)

    @property
    def label(self) -> str:
        return self.code.replace("-", " ").capitalize()


@dataclass(frozen=True)
class LanguageView:
    code: str
    name: str  # in its own language
    english_name: str
    status: str  # source | direct | pivot | human-only | unavailable
    state: str  # complete | partial | unavailable
    why: str | None
    engine: str | None
    model: str | None
    reviewed_share: float
    segments: Mapping[str, int]
    findings: tuple[FindingView, ...]
    sizes: Mapping[str, int]
    transfer_encoding: str | None
    subject: str | None
    preheader: str | None
    html_href: str | None  # None when the file is missing
    text_href: str | None
    eml_href: str | None
    document_file: str | None  # relative to build/<slug>/
    shots: Mapping[int, str] = field(default_factory=dict)
    spam: Mapping[str, Any] | None = None  # SpamAssassin's {score, max, rules}, when it ran
    # "name (licence)" of each model whose licence asks to be named (CC-BY), as the e-mail does
    attributions: tuple[str, ...] = ()

    @property
    def page_href(self) -> str:
        return f"{self.code}.html"

    def frame_href(self, width: int) -> str:
        return f"{self.code}-{width}.html"

    @property
    def counts(self) -> dict[str, int]:
        return {lv: n for lv in LEVELS if (n := sum(f.level == lv for f in self.findings))}

    @property
    def worst(self) -> FindingView | None:
        ranked = sorted(self.findings, key=lambda f: _rank(f.level))
        return ranked[0] if ranked else None

    def with_shots(self, shots: Mapping[int, str]) -> LanguageView:
        return replace(self, shots=dict(shots))


@dataclass(frozen=True)
class SegmentRow:
    key: str
    anchor: str
    source: str
    text: str
    origin: str  # source | human | memory | engine | unknown
    provenance: str  # engine, model and pivot, e.g. "argos translate-en_de 1.9 via en"
    findings: tuple[FindingView, ...] = ()
    paragraph_start: bool = False

    @property
    def worst_level(self) -> str | None:
        levels = sorted((f.level for f in self.findings), key=_rank)
        return levels[0] if levels else None


@dataclass(frozen=True)
class BlockView:
    index: int
    type: str
    speaker: str | None  # the name, as in the source
    source_role: str | None
    role: str | None  # translated
    rows: tuple[SegmentRow, ...]


@dataclass(frozen=True)
class PageView:
    source_lang: str
    source_name: str  # in English, like the rest of the page's chrome
    is_source: bool
    fields: tuple[SegmentRow, ...]
    roles: tuple[SegmentRow, ...]
    blocks: tuple[BlockView, ...]
    loose_findings: tuple[FindingView, ...]  # not tied to a segment on this page
    note: str | None  # why the page is thinner than it should be


def _rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


def anchor(key: str) -> str:
    return "seg-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)


def finding_view(raw: Mapping[str, Any]) -> FindingView:
    where = raw.get("where")
    return FindingView(
        level=str(raw.get("level", "info")),
        code=str(raw.get("code", "finding")),
        message=str(raw.get("message", "")),
        where=str(where) if where else None,
        anchor=anchor(str(where)) if where and _is_segment_key(str(where)) else None,
        stage=str(raw["stage"]) if raw.get("stage") else None,
    )


def _is_segment_key(where: str) -> bool:
    return bool(_BODY_KEY.match(where)) or where.startswith(("field.", "role."))


# --- the index: one view per language ---------------------------------------------------------


def build_language_views(paths: IssuePaths, report: Mapping[str, Any]) -> list[LanguageView]:
    """One view per language of report.json, the source first, then by code."""
    source = str(report.get("source_lang", ""))
    langs = sorted(report["languages"], key=lambda code: (code != source, code))
    return [language_view(paths, code, report["languages"][code]) for code in langs]


def language_view(paths: IssuePaths, code: str, entry: Mapping[str, Any]) -> LanguageView:
    files = entry.get("files") or {}
    hrefs = {kind: _href(paths, files.get(kind)) for kind in ("html", "text", "eml", "document")}
    document = files.get("document") if hrefs["document"] else None
    state, why = _state(entry, hrefs)
    return LanguageView(
        code=code,
        name=str(entry.get("name") or _safe_name(code, native_name)),
        english_name=str(entry.get("english_name") or _safe_name(code, english_name)),
        status=str(entry.get("status", "unavailable")),
        state=state,
        why=why,
        engine=entry.get("engine"),
        model=entry.get("model"),
        reviewed_share=float(entry.get("reviewed_share") or 0.0),
        segments=dict(entry.get("segments") or {}),
        findings=tuple(finding_view(f) for f in entry.get("findings") or []),
        sizes=dict(entry.get("sizes") or {}),
        transfer_encoding=entry.get("transfer_encoding"),
        subject=entry.get("subject"),
        preheader=entry.get("preheader"),
        html_href=hrefs["html"],
        text_href=hrefs["text"],
        eml_href=hrefs["eml"],
        document_file=document,
        spam=entry.get("spam") if isinstance(entry.get("spam"), dict) else None,
        attributions=tuple(_attribution(a) for a in entry.get("attributions") or []),
    )


def _attribution(credit: Mapping[str, Any]) -> str:
    return f"{credit.get('name') or credit.get('model')} ({credit.get('licence')})"


def _safe_name(code: str, namer: Any) -> str:
    try:
        return str(namer(code))
    except (ValueError, TypeError, LookupError):
        return code


def _href(paths: IssuePaths, relative: object) -> str | None:
    """The link from preview/ to a build file, or None when it is absent (no dead links)."""
    if not isinstance(relative, str) or not (paths.out / relative).is_file():
        return None
    return f"../{relative}"


def _state(entry: Mapping[str, Any], hrefs: Mapping[str, str | None]) -> tuple[str, str | None]:
    """complete / partial / unavailable, and why when it is not complete."""
    message = entry.get("message")
    if entry.get("status") == "unavailable":
        return "unavailable", message or "no translation for this language"
    if hrefs["html"] is None and hrefs["document"] is None:
        return "unavailable", message or "no files in the build folder; rebuild the issue"
    missing = [kind for kind in ("html", "text", "eml") if hrefs[kind] is None]
    errors = [f for f in entry.get("findings") or [] if f.get("level") == "error"]
    if message or missing or errors or entry.get("ok") is False:
        reasons = [message] if message else []
        reasons += [f"email.{'txt' if k == 'text' else k} is missing" for k in missing]
        reasons += [str(f.get("message", f.get("code"))) for f in errors[:1]]
        return "partial", "; ".join(reasons) or "the build marked this language not ok"
    return "complete", None


# --- a language page: source beside translation -----------------------------------------------


def build_page(paths: IssuePaths, source_lang: str, view: LanguageView) -> PageView:
    """The segments of one language, grouped by block and paragraph, findings attached."""
    source_name = _safe_name(source_lang, english_name)
    document, note = _read_document(paths, view)
    source_doc = _read_source(paths, source_lang)
    if document is None:
        return PageView(
            source_lang, source_name, view.code == source_lang, (), (), (), view.findings, note
        )
    by_key = _findings_by_key(view.findings)
    rows = _segment_rows(document, source_doc, by_key)
    placed = {r.key for r in rows if r.key in by_key}
    loose = tuple(f for f in view.findings if f.where not in placed)
    structure = source_doc or document
    return PageView(
        source_lang=source_lang,
        source_name=source_name,
        is_source=document.lang == source_lang,
        fields=tuple(r for r in rows if r.key.startswith("field.")),
        roles=tuple(r for r in rows if r.key.startswith("role.")),
        blocks=_blocks(structure, document, rows),
        loose_findings=loose,
        note=note,
    )


def _read_document(paths: IssuePaths, view: LanguageView) -> tuple[Document | None, str | None]:
    path = paths.out / view.document_file if view.document_file else None
    path = path or paths.lang_document_json(view.code)
    if not path.is_file():
        return None, f"{path.name} is missing for this language, so there is nothing to compare."
    try:
        return from_dict(read_json(path)), None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, f"{path} could not be read ({exc!r}); rebuild the issue."


def _read_source(paths: IssuePaths, source_lang: str) -> Document | None:
    for path in (paths.lang_document_json(source_lang), paths.document_json):
        try:
            return from_dict(read_json(path))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


def _findings_by_key(findings: Sequence[FindingView]) -> dict[str, list[FindingView]]:
    out: dict[str, list[FindingView]] = {}
    for finding in findings:
        if finding.where:
            out.setdefault(finding.where, []).append(finding)
    return out


def _segment_rows(
    doc: Document, source_doc: Document | None, by_key: Mapping[str, list[FindingView]]
) -> list[SegmentRow]:
    segments = list(doc.segments) or _segments_from_blocks(doc, source_doc)
    return [_row(s, tuple(by_key.get(s.key, ()))) for s in segments]


def _row(segment: Segment, findings: tuple[FindingView, ...]) -> SegmentRow:
    match = _BODY_KEY.match(segment.key)
    return SegmentRow(
        key=segment.key,
        anchor=anchor(segment.key),
        source=segment.source,
        text=segment.text,
        origin=segment.origin.kind,
        provenance=_provenance(segment),
        findings=findings,
        paragraph_start=bool(match and match.group(3) == "0"),
    )


def _provenance(segment: Segment) -> str:
    """Engine, model and pivot; the kind itself is shown beside it."""
    origin = segment.origin
    parts = [origin.engine or "", origin.model or "", f"via {origin.via}" if origin.via else ""]
    return " ".join(p for p in parts if p)


def _segments_from_blocks(doc: Document, source_doc: Document | None) -> list[Segment]:
    """No segments recorded (an ingested source): one row per paragraph."""
    from pipeline.document import Origin

    source = source_doc if source_doc and source_doc.blocks else doc
    kind = "source" if doc.is_source else "unknown"
    out = []
    for b, (block, src) in enumerate(zip(doc.blocks, source.blocks, strict=False)):
        for p, (text, src_text) in enumerate(zip(block.paragraphs, src.paragraphs, strict=False)):
            out.append(Segment(f"b{b}.p{p}.s0", src_text, text, Origin(kind)))  # type: ignore[arg-type]
    return out


def _blocks(
    structure: Document, doc: Document, rows: Sequence[SegmentRow]
) -> tuple[BlockView, ...]:
    grouped: dict[int, list[SegmentRow]] = {}
    for row in rows:
        match = _BODY_KEY.match(row.key)
        if match:
            grouped.setdefault(int(match.group(1)), []).append(row)
    views = []
    for index, block in enumerate(structure.blocks):
        source_speaker = structure.speaker(block.speaker)
        speaker = doc.speaker(block.speaker)
        views.append(
            BlockView(
                index=index,
                type=block.type,
                speaker=source_speaker.name if source_speaker else block.speaker,
                source_role=source_speaker.role if source_speaker else None,
                role=speaker.role if speaker else None,
                rows=tuple(sorted(grouped.get(index, []), key=_order)),
            )
        )
    return tuple(views)


def _order(row: SegmentRow) -> tuple[int, ...]:
    match = _BODY_KEY.match(row.key)
    return tuple(int(g) for g in match.groups()) if match else (0,)
