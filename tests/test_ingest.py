"""Ingest: the seed, every label style, normalisation, bad input, and nothing lost."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.document import to_dict
from pipeline.errors import SourceError
from pipeline.ingest import IngestResult, ingest_file, ingest_text
from pipeline.source import normalise

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "ingest"
SEED = ROOT / "issues" / "2024-06-belgian-presidency" / "interview.txt"


def shape(result: IngestResult) -> list[tuple[str, str | None, int]]:
    return [(b.type, b.speaker, len(b.paragraphs)) for b in result.document.blocks]


def test_seed_structure() -> None:
    result = ingest_file(SEED)
    doc = result.document
    assert [(s.id, s.name, s.role) for s in doc.speakers] == [
        ("C", "CECOP", None),
        ("ALD", "Anne-Laure Desgris",
         "Co-CEO of the cooperative Smart Belgium, and Board member of CECOP"),
    ]  # fmt: skip
    types = [b.type for b in doc.blocks]
    assert types.count("question") == 6
    assert all(b.speaker == "C" for b in doc.blocks if b.type == "question")
    answers = [b for b in doc.blocks if b.type == "answer"]
    assert [len(b.paragraphs) for b in answers] == [2, 4, 2, 2, 2, 1]
    assert all(b.speaker == "ALD" for b in answers)
    assert types[:3] == ["paragraph", "note", "intro"]
    assert doc.blocks[1].paragraphs[0].startswith("Readers note: European readers")
    assert doc.blocks[2].paragraphs[0].startswith("Interview with Anne-Laure Desgris (ALD)")
    assert doc.blocks[-1].type == "closing"
    assert doc.blocks[-1].paragraphs == ("Thank you, Anne-Laure!",)
    assert doc.blocks[-1].line == 49


def test_seed_keeps_every_word_and_typography() -> None:
    result = ingest_file(SEED)
    source = normalise(SEED.read_text(encoding="utf-8"))
    assert_nothing_lost(source, result)
    text = " ".join(p for b in result.document.blocks for p in b.paragraphs)
    assert "Council’s political priorities" in text
    assert "This also represents an opportunity" in text  # runs of spaces normalised


def test_seed_lint_finds_the_space_before_comma() -> None:
    warnings = ingest_file(SEED).warnings
    assert [(w.line, w.message) for w in warnings] == [
        (17, "space before ',' in 'automation, the gig , and a'")
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("full_names.txt", [("paragraph", None, 1), ("question", "CECOP", 1),
                            ("answer", "Maria Rossi", 2), ("question", "CECOP", 1),
                            ("answer", "Maria Rossi", 1), ("closing", "CECOP", 1)]),
        ("q_and_a.txt", [("note", None, 1), ("intro", None, 1), ("question", "Q", 1),
                         ("answer", "Jan de Vries", 1), ("question", "Q", 1),
                         ("answer", "Jan de Vries", 1), ("closing", None, 1)]),
        ("bold_labels.txt", [("question", "C", 1), ("answer", "AS", 2), ("question", "C", 1),
                             ("answer", "AS", 1), ("closing", "C", 1)]),
        ("french.txt", [("intro", None, 1), ("question", "CECOP", 1), ("answer", "CM", 2),
                        ("closing", "CECOP", 1)]),
        ("prose_declaration.txt", [("paragraph", None, 1), ("question", "CECOP", 1),
                                   ("answer", "MR", 1), ("question", "CECOP", 1),
                                   ("answer", "MR", 1)]),
        ("trailing_spaces_intro_only.txt", [("paragraph", None, 1), ("intro", None, 1),
                                            ("question", "C", 1), ("answer", "PN", 1),
                                            ("answer", "EB", 1), ("closing", "C", 1)]),
    ],
)  # fmt: skip
def test_label_styles(name: str, expected: list[tuple[str, str | None, int]]) -> None:
    path = DATA / name
    result = ingest_file(path)
    assert shape(result) == expected
    assert_nothing_lost(normalise(path.read_text(encoding="utf-8")), result)


def test_intro_declares_names_and_roles() -> None:
    doc = ingest_file(DATA / "trailing_spaces_intro_only.txt").document
    people = {s.id: (s.name, s.role) for s in doc.speakers}
    assert people["PN"] == ("Piotr Nowak", "president of a Polish cooperative")
    assert people["EB"] == ("Eva Berg", "director of a Swedish one")
    q_and_a = ingest_file(DATA / "q_and_a.txt").document
    jan = q_and_a.speaker("Jan de Vries")
    assert jan is not None
    assert jan.role == "chair of the Dutch federation of worker cooperatives"


def test_french_typography_is_normalised_and_kept() -> None:
    doc = ingest_file(DATA / "french.txt", source_lang="fr").document
    assert doc.blocks[1].paragraphs == ("Quelle est la priorité pour 2025 ?",)
    assert doc.blocks[2].paragraphs[0] == "L’emploi des jeunes, d’abord."
    assert ingest_file(DATA / "french.txt", source_lang="fr").warnings == ()


@pytest.mark.parametrize("name", ["crlf.txt", "bom.txt", "utf16.txt"])
def test_encodings_and_line_ends(name: str) -> None:
    doc = ingest_file(DATA / name).document
    assert [b.type for b in doc.blocks] == ["paragraph", "question", "answer"]
    assert doc.blocks[0].paragraphs == ("A short interview.",)
    assert doc.speakers[1].name == "Anne Smith"


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("empty.txt", "has no paragraphs"),
        ("blank.txt", "has no paragraphs"),
        ("binary.txt", "binary file (NUL byte at byte offset 8)"),
        ("latin1.txt", "latin1.txt:1: not valid UTF-8 (byte 0xe9 at byte offset 3)"),
        ("label_before_intro.txt", "label_before_intro.txt:3: the label 'ALD:' is used before"),
        ("missing.txt", "no such file"),
    ],
)
def test_bad_input_is_a_clear_source_error(name: str, fragment: str) -> None:
    with pytest.raises(SourceError) as info:
        ingest_file(DATA / name)
    assert fragment in info.value.message
    assert str(DATA / name) in info.value.message


def test_cli_json_matches_contract() -> None:
    proc = run_cli("ingest", str(SEED), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["source_lang"] == "en"
    assert set(data["blocks"][0]) >= {"type", "speaker", "paragraphs"}
    assert data == json.loads(json.dumps(to_dict(ingest_file(SEED).document)))
    assert "17: warning: space before ','" in proc.stderr


def test_cli_bad_input_exits_2_without_traceback() -> None:
    proc = run_cli("ingest", str(DATA / "binary.txt"), "--json")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=ROOT
    )


def assert_nothing_lost(normalised: str, result: IngestResult) -> None:
    """Blocks' words + removed labels' words == the source's words, and blocks keep order."""
    block_words = [w for b in result.document.blocks for p in b.paragraphs for w in p.split()]
    label_words = [w for _, label in result.labels for w in label.split()]
    assert Counter(block_words) + Counter(label_words) == Counter(normalised.split())
    source_words = iter(normalised.split())
    assert all(word in source_words for word in block_words)  # a subsequence, in order


FRAGMENTS = st.sampled_from([
    "CECOP (C):", "C:", "Q:", "A:", "**CECOP:**", "**C**:", "Maria Rossi:", "MR:", "ALD :",
    "Readers note:", "Editor's note:", "Interview with Ana Sousa (AS), chair.", "Thank you, Ana!",
    "Interview with Jan de Vries, chair.", "(", ")", "“", "*", "__", ":", "?", "\u00a0", "\u202f",
    "\t", " ", "  ", "\n", "\n\n", "\r\n", "\r", "word", "Word", "Anne-Laure", "the the", "gig ,",
])  # fmt: skip
TEXTS = st.lists(st.one_of(FRAGMENTS, st.text(max_size=8)), max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_property_nothing_lost_and_only_source_errors(raw: str) -> None:
    text = normalise(raw)
    try:
        result = ingest_text(text)
    except SourceError:
        return
    assert_nothing_lost(text, result)
    for block in result.document.blocks:
        assert all(p and p == p.strip() and "\n" not in p for p in block.paragraphs)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_property_any_bytes_give_a_document_or_a_source_error(raw: bytes) -> None:
    from pipeline.source import decode

    with contextlib.suppress(SourceError):
        ingest_text(normalise(decode(raw, Path("x.txt"))))
