"""Glossary: validation, masking round trip, fixed terms, lost placeholders and QA findings."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import ConfigError
from pipeline.translate.glossary import Glossary, Recovered, check_translation, load_glossary
from tests.support.translate import REPO

GLOSSARY = load_glossary(REPO / "issues" / "glossary.toml")
WORDS = [
    "CECOP",
    "Smart",
    "Smart Belgium",
    "smart",
    "Anne-Laure",
    "Desgris",
    "social economy",
    "Social economy",
    "SmartX",
    "the",
    " ",
    ".",
    "'s",
    "__",
    "_1_",
    "1998",
    "\n",
]


def test_the_project_glossary_loads() -> None:
    assert "Smart Belgium" in GLOSSARY.protect
    assert GLOSSARY.terms["de"]["social economy"] == "Sozialwirtschaft"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=25).map("".join) | st.text(max_size=40))
def test_mask_then_recover_gives_the_text_back(text: str) -> None:
    masker = Glossary(GLOSSARY.protect).masker("de")
    masked = masker.mask(text)
    if masked.values:  # (a text already holding "_1_"-like tokens is sent unmasked)
        for term in GLOSSARY.protect:
            assert f" {term} " not in f" {masked.text} "
    assert masker.recover(masked, masked.text) == Recovered(text)


def test_longest_term_first_word_boundaries_and_case() -> None:
    masker = GLOSSARY.masker("en")
    masked = masker.mask("Smart Belgium is smart; SmartX is not Smart's.")
    assert masked.text == "__0__ is smart; SmartX is not __1__'s."
    assert masked.values == ("Smart Belgium", "Smart")


def test_fixed_terms_are_applied_per_language_keeping_a_capital() -> None:
    masker = GLOSSARY.masker("de")
    masked = masker.mask("Social economy and the social economy of CECOP.")
    assert masked.text == "__0__ and the __1__ of __2__."
    engine_output = "__0__ und die __1__ von __2__."
    assert masker.recover(masked, engine_output) == Recovered(
        "Sozialwirtschaft und die Sozialwirtschaft von CECOP."
    )
    assert GLOSSARY.masker("it").mask("the social economy").values == ()


def test_lost_and_mangled_placeholders() -> None:
    masker = GLOSSARY.masker("fr")
    masked = masker.mask("CECOP thanks Smart.")
    assert masker.recover(masked, "_0_ remercie __ 1 __.") == Recovered("CECOP remercie Smart.")
    assert masker.recover(masked, "__0__ remercie intelligent.") == Recovered(
        "CECOP remercie intelligent.", lost=(1,)
    )


def test_a_source_that_already_looks_like_a_placeholder_is_not_masked() -> None:
    masked = GLOSSARY.masker("de").mask("Use __0__ with Smart.")
    assert masked.values == ()


@pytest.mark.parametrize(
    ("toml", "fragment"),
    [
        ('protect = "CECOP"', "'protect' must be a list"),
        ('protect = ["", "x"]', "'protect' must be a list of non-empty strings"),
        ('[terms.xx]\n"a" = "b"', "'terms.xx'"),
        ('[terms.de]\n"a" = 3', "'terms.de.\"a\"'"),
        ("colour = 1", "'colour' is not a known key here"),
        (
            'protected = ["CECOP"]',
            "'protected' is not a known key here (a typo is never "
            "ignored). Did you mean 'protect'?",
        ),
        (
            '[term.de]\n"a" = "b"',
            "'term' is not a known table here (a typo is never ignored). Did you mean 'terms'?",
        ),
        ("protect = [", "not valid TOML"),
    ],
)
def test_glossary_errors_name_the_file_the_key_and_the_fix(
    tmp_path: Path, toml: str, fragment: str
) -> None:
    path = tmp_path / "glossary.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_glossary(path)
    text = caught.value.message + " ".join(caught.value.details)
    assert str(path) in caught.value.message
    assert fragment in text


def test_missing_glossary_is_empty(tmp_path: Path) -> None:
    assert load_glossary(tmp_path / "nope.toml") == Glossary()


def test_qa_findings() -> None:
    protect = GLOSSARY.protect
    source, target = "Smart was founded in 1998.", "Smart wurde 1998 gegründet."
    ok = check_translation("k", "de", source, target, protect)
    assert ok == []
    codes = {
        f.code
        for f in check_translation(
            "b1.p0.s0", "de", "Smart was founded in 1998 by 25 people.", "Klug 1999.", protect
        )
    }
    assert codes == {"protected-term-missing", "numbers-differ", "length-ratio"}
    long = check_translation("k", "de", "A sentence of some length.", "Lang " * 30, protect)
    assert [f.code for f in long] == ["length-ratio"]
    assert all(f.level == "warning" and f.lang == "de" for f in long)


@pytest.mark.parametrize(
    ("output", "text", "lost", "guessed"),
    [
        # SentencePiece pieces kept with their number, on one side only: certain.
        ("0__ remercie __1__ pour __2__.", "CECOP remercie Smart pour économie sociale.", (), ()),
        ("__0 remercie 1__ pour _2_.", "CECOP remercie Smart pour économie sociale.", (), ()),
        # A bare number or bare underscores left behind: put back, and recorded as a guess.
        ("__ remercie 1 pour __2__.", "CECOP remercie Smart pour économie sociale.", (), (0, 1)),
        # No trace at all: the term is reported lost, the rest is kept.
        (
            "__0__ remercie intelligent pour __2__.",
            "CECOP remercie intelligent pour économie sociale.",
            (1,),
            (),
        ),
        # Two underscore runs for three lost terms: ambiguous, so nothing is guessed.
        ("X remercie __ pour __ .", "X remercie __ pour __ .", (0, 1, 2), ()),
    ],
)
def test_recover_puts_back_every_term_the_output_has_a_trace_of(
    output: str, text: str, lost: tuple[int, ...], guessed: tuple[int, ...]
) -> None:
    masker = GLOSSARY.masker("fr")
    masked = masker.mask("CECOP thanks Smart for the social economy.")
    recovered = masker.recover(masked, output)
    assert (recovered.text, recovered.lost, recovered.guessed) == (text, lost, guessed)


def test_a_bare_number_the_source_has_is_not_taken_for_a_placeholder() -> None:
    masker = GLOSSARY.masker("de")
    masked = masker.mask("1 of 2 members is Smart.")
    assert masked.text == "1 of 2 members is __0__."
    assert (
        masker.recover(masked, "1 von 2 Mitgliedern ist 0.").text
        == "1 von 2 Mitgliedern ist Smart."
    )
    masked = masker.mask("0 members left Smart.")
    assert masker.recover(masked, "0 Mitglieder verließen.").lost == (0,)


def test_partial_unmasks_only_the_lost_terms_in_their_source_words() -> None:
    masker = GLOSSARY.masker("de")
    masked = masker.mask("CECOP and Smart build the social economy.")
    partial = masker.partial(masked, (0, 2))
    assert partial.text == "CECOP and __1__ build the social economy."
    assert partial.indices() == (1,)
    recovered = masker.recover(partial, "CECOP und __1__ bauen die soziale Wirtschaft.")
    assert (recovered.text, recovered.lost) == ("CECOP und Smart bauen die soziale Wirtschaft.", ())


def test_a_lost_fixed_translation_is_a_finding() -> None:
    fixed = GLOSSARY.terms["de"]
    source = "The social economy matters."
    kept = check_translation("k", "de", source, "Die Sozialwirtschaft zählt.", (), fixed)
    assert kept == []
    lost = check_translation("k", "de", source, "Die soziale Wirtschaft zählt.", (), fixed)
    assert [(f.code, f.where) for f in lost] == [("fixed-term-missing", "k")]
    assert '"Sozialwirtschaft"' in lost[0].message
