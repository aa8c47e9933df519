"""Interviews as editors paste them (tests/data/ingest/pasted/): each read as its sidecar says.

The texts and their ``.expected`` files were written before the reader was changed, as a
careful human reads them (see the folder's README.md for the format).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pipeline.document import Document, list_items
from pipeline.ingest.reader import IngestResult, ingest_file
from pipeline.ingest.source import normalise
from tests.test_ingest import assert_nothing_lost

PASTED = Path(__file__).resolve().parent / "data" / "ingest" / "pasted"
LEFTOVERS = ("&amp;", "&nbsp;", "&rsquo;", "<p>", "</p>", "<br>", "<strong>", "\u00ad", "\u200b")


@dataclass
class Expected:
    lang: str = "en"
    speakers: set[str] = field(default_factory=set)
    cleanup: set[str] = field(default_factory=set)
    contains: list[str] = field(default_factory=list)
    blocks: list[tuple[str, str, str, str]] = field(default_factory=list)


def read_expected(path: Path) -> Expected:
    expected = Expected()
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition(": ")
        if " | " in line and key not in ("speakers", "cleanup"):
            kind, speaker, paragraphs, first = (p.strip() for p in line.split(" | ", 3))
            expected.blocks.append((kind, speaker, paragraphs, first))
        elif key == "lang":
            expected.lang = value.strip()
        elif key in ("speakers", "cleanup"):
            setattr(expected, key, {v.strip() for v in value.split("|")})
        elif key == "contains":
            expected.contains.append(value.strip())
    return expected


def paragraph_kinds(paragraphs: tuple[str, ...]) -> str:
    kinds = []
    for text in paragraphs:
        items = list_items(text)
        kinds.append(f"list{len(items.items)}" if items else "p")
    return ",".join(kinds) if "list" in "".join(kinds) else str(len(kinds))


def speaker_matches(doc: Document, speaker_id: str | None, expected: str) -> bool:
    if expected == "-":
        return speaker_id is None
    speaker = doc.speaker(speaker_id)
    return expected in (speaker_id, speaker.name if speaker else None)


def observed(result: IngestResult) -> list[tuple[str, str | None, str, str]]:
    doc = result.document
    return [(b.type, b.speaker, paragraph_kinds(b.paragraphs), b.paragraphs[0]) for b in doc.blocks]


NAMES = sorted(p.stem for p in PASTED.glob("*.txt"))


def test_there_are_enough_texts_in_enough_languages() -> None:
    langs = {read_expected(PASTED / f"{n}.expected").lang for n in NAMES}
    assert len(NAMES) >= 20
    assert {"en", "de", "fr", "it", "es", "pl"} <= langs


@pytest.mark.parametrize("name", NAMES)
def test_pasted_interview_reads_as_a_careful_human_reads_it(name: str) -> None:
    expected = read_expected(PASTED / f"{name}.expected")
    path = PASTED / f"{name}.txt"
    result = ingest_file(path, source_lang=expected.lang)
    doc = result.document
    got = observed(result)
    shown = "\n".join(f"{t} | {s} | {n} | {f[:50]}" for t, s, n, f in got)
    assert len(got) == len(expected.blocks), shown
    for (kind, speaker, count, first), (want_kind, want_speaker, want_count, want_first) in zip(
        got, expected.blocks, strict=True
    ):
        assert (kind, count) == (want_kind, want_count), shown
        assert speaker_matches(doc, speaker, want_speaker), shown
        assert first.startswith(want_first), shown
    named = {b.speaker for b in doc.blocks if b.speaker}
    for want in expected.speakers:
        assert any(speaker_matches(doc, sid, want) for sid in named), (want, named)
    assert len(named) == len(expected.speakers), named
    assert {k.kind for k in result.cleanup_notes} == expected.cleanup
    text = "\n".join(p for b in doc.blocks for p in b.paragraphs)
    for fragment in expected.contains:
        assert fragment in text
    assert not [x for x in LEFTOVERS if x in text]
    assert not [w for w in result.warnings if "unbalanced" in w.message]  # list markers "a)"
    assert_nothing_lost(normalise(path.read_bytes().decode("utf-8")), result)
