"""The values that flow between stages: Document, Speaker, Block, Segment, Finding.

Plain frozen dataclasses with no I/O. ``to_dict``/``from_dict`` give the JSON shape that
``newsletter ingest --json`` prints and that ``build/<slug>/**/document.json`` holds.

A *source* Document comes from ingest (``lang == source_lang``, no segments). A *translated*
Document has the same blocks and speakers with translated text, ``fields`` holding the
translated issue fields (title, subject, preheader, pull_quote, ``link.N`` for the link
labels) and ``segments`` recording, for every sentence, its source, its text and where that
text came from (:class:`Origin`). Its ``attributions`` name the models whose licence asks to
be named where their translation is published (CC-BY): the e-mail names them beside its
machine-translation notice.

**Lists.** A paragraph is normally one line of text. A list is a paragraph with one item per
line, each line starting with its marker as the editor wrote it (``- ``, ``• ``, ``1) ``,
``a) ``, ``A: ``): ``"- first item\n- second item"``. :func:`list_items` reads it back; a
paragraph without a line break is never a list, so documents without lists are unchanged.

Segment keys name the place a sentence belongs to:
``b{block}.p{paragraph}.s{sentence}`` for the body, ``field.{name}`` for issue fields
(``field.link.{index}`` for the label of a ``[[links]]`` button) and ``role.{speaker_id}`` for
a speaker's role.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

BlockType = Literal["paragraph", "note", "intro", "question", "answer", "closing"]
OriginKind = Literal["source", "memory", "human", "engine"]
Level = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Speaker:
    id: str
    name: str
    role: str | None = None


@dataclass(frozen=True)
class Block:
    type: BlockType
    speaker: str | None
    paragraphs: tuple[str, ...]
    line: int = 0  # 1-based line of the block's first paragraph in the source (0: unknown)


# A list item's marker: a bullet, or a number or letter with ")", "." or ":" (letter lists).
LIST_MARKER = re.compile(r"^(?:[-–—•*·▪◦‣]|\(?(?:\d{1,2}|[A-Za-z]|[ivx]{1,4})[.):])(?= )")


@dataclass(frozen=True)
class ListItem:
    marker: str  # as written: "-", "•", "1)", "a)", "A:"
    text: str


@dataclass(frozen=True)
class ListParagraph:
    """A paragraph that is a list: its items, and how an HTML ``<ol>`` should number them."""

    items: tuple[ListItem, ...]

    @property
    def ordered(self) -> bool:
        return bool(self.items) and self.items[0].marker[:1] not in "-–—•*·▪◦‣"

    @property
    def numbering(self) -> str:
        """``type`` of an HTML ``<ol>``: "1", "a", "A" or "i" (unordered lists: "")."""
        if not self.ordered:
            return ""
        first = self.items[0].marker.strip("().:")
        if first.isdigit():
            return "1"
        if first in ("i", "ii") and len(self.items) > 1 and self.items[1].marker.startswith("ii"):
            return "i"
        return "A" if first.isupper() else "a"


def list_items(paragraph: str) -> ListParagraph | None:
    """The list a paragraph holds (one item a line), or None for an ordinary paragraph."""
    if "\n" not in paragraph:
        return None
    items = []
    for line in paragraph.split("\n"):
        match = LIST_MARKER.match(line)
        marker = match.group(0) if match else ""
        items.append(ListItem(marker, line[len(marker) :].strip()))
    return ListParagraph(tuple(items))


def join_list(items: tuple[ListItem, ...] | list[ListItem]) -> str:
    """The paragraph text of a list: one ``marker text`` line per item."""
    return "\n".join(f"{i.marker} {i.text}" if i.marker else i.text for i in items)


@dataclass(frozen=True)
class Origin:
    """Where a segment's text came from: the source itself, a human, the memory or an engine."""

    kind: OriginKind
    engine: str | None = None  # "argos", "libretranslate", ...
    model: str | None = None  # e.g. "translate-en_de 1.9"; pivots: "translate-fr_en 1.9 + ..."
    via: str | None = None  # pivot language, e.g. "en"


@dataclass(frozen=True)
class Attribution:
    """A model whose licence asks to be named where its translation is published."""

    model: str  # the model identity, as in Origin.model ("hplt-en-hr-v1.0@e3360cdbdfa9")
    name: str  # what readers see ("HPLT MT v1.0 English–Croatian")
    licence: str  # SPDX identifier ("CC-BY-4.0")
    url: str | None = None


@dataclass(frozen=True)
class Segment:
    key: str
    source: str
    text: str
    origin: Origin


@dataclass(frozen=True)
class Finding:
    """A QA observation. ``error`` blocks the build (or the send); the others are reported."""

    level: Level
    code: str
    message: str
    lang: str | None = None
    where: str | None = None  # a segment key, "file:line", a URL, ...


@dataclass(frozen=True)
class Document:
    source_lang: str
    speakers: tuple[Speaker, ...]
    blocks: tuple[Block, ...]
    lang: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)
    segments: tuple[Segment, ...] = ()
    attributions: tuple[Attribution, ...] = ()

    def __post_init__(self) -> None:
        if not self.lang:
            object.__setattr__(self, "lang", self.source_lang)

    def speaker(self, speaker_id: str | None) -> Speaker | None:
        return next((s for s in self.speakers if s.id == speaker_id), None)

    @property
    def is_source(self) -> bool:
        return self.lang == self.source_lang


def to_dict(doc: Document) -> dict[str, Any]:
    """The JSON shape of CONTRACT.md (plus ``lang``, ``line``, ``fields``, ``segments``)."""
    out: dict[str, Any] = {
        "source_lang": doc.source_lang,
        "lang": doc.lang,
        "speakers": [{"id": s.id, "name": s.name, "role": s.role} for s in doc.speakers],
        "blocks": [
            {"type": b.type, "speaker": b.speaker, "paragraphs": list(b.paragraphs), "line": b.line}
            for b in doc.blocks
        ],
    }
    if doc.fields:
        out["fields"] = dict(doc.fields)
    if doc.segments:
        out["segments"] = [
            {
                "key": s.key,
                "source": s.source,
                "text": s.text,
                "origin": {k: v for k, v in vars(s.origin).items() if v is not None},
            }
            for s in doc.segments
        ]
    if doc.attributions:
        out["attributions"] = [
            {k: v for k, v in vars(a).items() if v is not None} for a in doc.attributions
        ]
    return out


def from_dict(data: Mapping[str, Any]) -> Document:
    return Document(
        source_lang=data["source_lang"],
        lang=data.get("lang", data["source_lang"]),
        speakers=tuple(Speaker(s["id"], s["name"], s.get("role")) for s in data["speakers"]),
        blocks=tuple(
            Block(b["type"], b.get("speaker"), tuple(b["paragraphs"]), b.get("line", 0))
            for b in data["blocks"]
        ),
        fields=dict(data.get("fields", {})),
        segments=tuple(
            Segment(s["key"], s["source"], s["text"], Origin(**s["origin"]))
            for s in data.get("segments", [])
        ),
        attributions=tuple(Attribution(**a) for a in data.get("attributions", [])),
    )


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    return {k: v for k, v in vars(finding).items() if v is not None}
