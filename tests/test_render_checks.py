"""QA checks: each one made to fail on purpose, and a clean e-mail passes them all."""

from __future__ import annotations

import pytest

from pipeline.document import Block, Finding
from pipeline.errors import CheckError
from pipeline.render import RenderResult, render_email
from pipeline.render.qa import GMAIL_CLIP_BYTES, check_email, raise_on_errors
from tests.support import render as fx

BREVO = ("{{ unsubscribe }}", "{{ mirror }}")
GOOD = (
    '<html lang="de"><body><a href="https://x.example/">x</a> <a href="mailto:a@b.example">m</a>'
    '<a href="{{ unsubscribe }}">u</a><a href="{{ mirror }}">m</a>'
    '<img src="https://x/y.png" alt="">'
    "</body></html>"
)


def codes(html: str = GOOD, **kwargs: object) -> list[str]:
    args: dict[str, object] = {
        "lang": "de",
        "html": html,
        "subject": "A subject of a fine length",
        "preheader": "A preheader that is long enough to show well in the inbox.",
        "html_encoded_size": 1000,
        "placeholders": BREVO,
        "unsubscribe": "{{ unsubscribe }}",
    }
    args.update(kwargs)
    findings = check_email(**args)  # type: ignore[arg-type]
    assert all(f.lang == "de" for f in findings)
    return [f.code for f in findings]


def test_a_clean_email_passes() -> None:
    assert codes() == []


@pytest.mark.parametrize(
    ("html", "code"),
    [
        (GOOD.replace('alt=""', ""), "image-without-alt"),
        (GOOD.replace("https://x.example/", "http://x.example/"), "link-not-https"),
        (GOOD.replace("https://x.example/", "/relative"), "link-not-https"),
        (GOOD.replace("https://x.example/", "{{ unsubscribe_link }}"), "link-not-https"),
        (GOOD.replace(">x<", ">{{ name }}<"), "template-syntax-left"),
        (GOOD.replace(">x<", ">{% if a %}<"), "template-syntax-left"),
        (GOOD.replace(">x<", "><mj-colum>x</mj-colum><"), "unknown-mj-element"),
        (
            GOOD.replace('href="{{ unsubscribe }}"', 'href="https://u.example/"'),
            "unsubscribe-missing",
        ),
        (GOOD.replace(' lang="de"', ""), "lang-missing"),
    ],
)
def test_each_error_is_caught(html: str, code: str) -> None:
    assert code in codes(html)


def test_size_limit_after_transfer_encoding() -> None:
    assert codes(html_encoded_size=GMAIL_CLIP_BYTES + 1) == ["html-too-large"]
    assert codes(html_encoded_size=int(GMAIL_CLIP_BYTES * 0.95)) == ["html-near-limit"]


def test_subject_and_preheader_lengths_warn() -> None:
    assert codes(subject="x" * 79) == ["subject-long"]
    assert codes(preheader="too short") == ["preheader-length"]
    assert codes(preheader="y" * 131) == ["preheader-length"]


def test_an_oversized_issue_fails_its_checks() -> None:
    doc = fx.english()
    long_answer = Block("answer", "ALD", ("Cooperatives matter a great deal. " * 120,) * 30)
    doc = doc.__class__(
        doc.source_lang, doc.speakers, (*doc.blocks, long_answer), fields=doc.fields
    )
    result = render_email(fx.config(), doc, provider="brevo")
    assert "html-too-large" in [f.code for f in result.findings if f.level == "error"]
    with pytest.raises(CheckError) as info:
        raise_on_errors({"en": result})
    assert any(d.startswith("en: html-too-large:") for d in info.value.details)


def test_raise_on_errors_lists_every_error_with_its_language() -> None:
    good = render_email(fx.config(), fx.english(), provider="brevo")
    raise_on_errors({"en": good})  # warnings and infos do not raise
    bad = RenderResult(
        **{**good.__dict__, "lang": "mt", "findings": (
            Finding("error", "image-without-alt", "no alt", "mt"),
            Finding("error", "link-not-https", "http link", "mt"),
            Finding("warning", "subject-long", "long", "mt"),
        )}
    )  # fmt: skip
    with pytest.raises(CheckError, match="2 check errors in mt") as info:
        raise_on_errors({"en": good, "mt": bad})
    assert info.value.details == ["mt: image-without-alt: no alt", "mt: link-not-https: http link"]
