"""Sentence segmentation: exact round trip for any text, keys that map back, offline splitters."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ingest import ingest_file
from pipeline.translate.segment import (
    PYSBD_LANGUAGES,
    all_segments,
    assemble,
    split_document,
    split_text,
)
from tests.support.translate import SEED_ISSUE, make_project, source_document

TOKENS = [*"abcXYZÑ .!?…\"'”“„«»()\n\t19", "Dr.", "1.", "  ", "Smart ", "e.g. ", "A. "]
TEXT = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=TEXT | st.text(max_size=60), lang=st.sampled_from(["en", "de", "fr", "cs", "hr", "fi"]))
def test_split_then_join_is_the_original_paragraph(text: str, lang: str) -> None:
    split = split_text(text, lang)
    assert split.join() == text
    assert len(split.gaps) == len(split.sentences) + 1
    assert all(s.strip() == s and s for s in split.sentences)
    assert all(not g.strip() for g in split.gaps)


MARKERS = st.sampled_from(["-", "•", "–", "1)", "a)", "A:", "ii)"])
LISTS = st.lists(
    st.tuples(MARKERS, TEXT.filter(lambda t: t.strip() and "\n" not in t)), min_size=2, max_size=5
).map(lambda items: "\n".join(f"{m} {t.strip()}" for m, t in items))


@settings(max_examples=200, deadline=None)
@given(text=LISTS, lang=st.sampled_from(["en", "de", "pl", "hr"]))
def test_a_list_splits_item_by_item_with_markers_in_the_gaps(text: str, lang: str) -> None:
    """Every sentence lies within one item; the gaps hold only the markers and whitespace."""
    split = split_text(text, lang)
    assert split.join() == text
    assert all("\n" not in s and s.strip() == s and s for s in split.sentences)
    markers = {line.split(" ", 1)[0] for line in text.split("\n")}
    for gap in split.gaps:
        assert not (set(gap.split()) - markers)
    assert split.join(["X"] * len(split.sentences)).count("\n") == text.count("\n")


@settings(max_examples=100, deadline=None)
@given(text=TEXT)
def test_join_puts_new_sentences_in_the_same_gaps(text: str) -> None:
    split = split_text(text, "en")
    marked = [f"<{i}>" for i in range(len(split.sentences))]
    rebuilt = split.join(marked)
    assert rebuilt.count("<") == len(split.sentences)
    assert split_text(rebuilt, "en").gaps[:1] == split.gaps[:1]


def test_pysbd_splits_the_english_seed_into_64_sentences() -> None:
    doc = ingest_file(SEED_ISSUE / "interview.txt", source_lang="en").document
    split = split_document(doc)
    assert len(list(split.segments())) == 64
    for b, block in enumerate(doc.blocks):
        for p, text in enumerate(block.paragraphs):
            assert split.paragraphs[(b, p)].join() == text


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("cs", "Dne 1. července začalo předsednictví. Smart to vítá!", 2),
        ("hr", "Dr. Horvat je došao. Rekao je: „Dobro.“ Zatim je otišao.", 3),
        ("fi", "A. Virtanen kirjoitti. Se oli hyvä", 2),
        ("pt", "Custa 2.5 euros. É pouco?  Sim… Muito pouco", 4),
        ("hu", "2024. június 1-jén kezdődött.", 1),
    ],
)
def test_regex_fallback_for_languages_pysbd_lacks(lang: str, text: str, expected: int) -> None:
    assert lang not in PYSBD_LANGUAGES
    split = split_text(text, lang)
    assert len(split.sentences) == expected, split.sentences
    assert split.join() == text


def test_keys_map_back_to_block_and_paragraph(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    doc = source_document()
    split = split_document(doc)
    segments = dict(all_segments(project.config, doc, split))
    assert segments["b2.p0.s1"] == "The social economy matters."
    assert segments["b2.p1.s0"] == "Thank you, Anne-Laure!"
    assert segments["role.ALD"] == "Co-CEO of the cooperative Smart Belgium"
    assert "role.C" not in segments  # no role, nothing to translate
    assert {"field.title", "field.subject", "field.preheader", "field.pull_quote"} <= set(segments)
    assert not any(text == "CECOP" for text in segments.values())  # names are not segments

    texts = {k: v.upper() for k, v in segments.items()}
    blocks, speakers, fields = assemble(doc, split, texts)
    assert blocks[2].paragraphs == (
        "THE FIRST WAS THE CREATION OF SMART IN 1998. THE SOCIAL ECONOMY MATTERS.",
        "THANK YOU, ANNE-LAURE!",
    )
    assert [s.name for s in speakers] == ["CECOP", "Anne-Laure Desgris"]
    assert speakers[1].role == "CO-CEO OF THE COOPERATIVE SMART BELGIUM"
    assert fields["subject"] == project.config.subject.upper()
