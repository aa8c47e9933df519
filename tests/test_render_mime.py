"""The MIME message: structure, headers, encodings, and the HTML re-wrapping behind 8bit."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser

from pipeline.render import render_email
from pipeline.render.mime import MAX_LINE_BYTES, longest_line, transfer_encoding, wrap_html
from tests.support import render as fx


def parse(data: bytes):  # type: ignore[no-untyped-def]
    return BytesParser(policy=policy.default).parsebytes(data)


def test_eml_is_multipart_alternative_text_first_then_html() -> None:
    result = render_email(fx.config(), fx.german(), provider="brevo", languages=("en", "de"))
    msg = parse(result.eml)
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    assert parts[0].get_content().replace("\r\n", "\n") == result.text  # SMTP line ends
    assert parts[1].get_content().replace("\r\n", "\n") == result.html
    assert parts[1]["Content-Transfer-Encoding"] == result.transfer_encoding == "8bit"


def test_eml_headers() -> None:
    result = render_email(fx.config(), fx.german(), provider="brevo", languages=("en", "de"))
    msg = parse(result.eml)
    assert msg["Subject"] == fx.GERMAN_FIELDS["subject"]
    raw_subject = re.search(rb"^Subject: (.*(?:\r\n[ \t].*)*)", result.eml, re.M)
    assert raw_subject is not None and raw_subject.group(1).isascii()
    assert b"=?utf-8?" in raw_subject.group(1)  # RFC 2047 for "Gespräch"
    assert msg["Content-Language"] == "de"
    assert msg["From"] == "CECOP <news@cecop.coop>"
    assert msg["Reply-To"] == "info@cecop.coop"
    assert msg["Date"] == "Mon, 03 Jun 2024 09:00:00 +0200"
    assert re.fullmatch(r"<issue-2024-06-test\.de\.[0-9a-f]{16}@cecop\.coop>", msg["Message-ID"])
    assert msg["MIME-Version"] == "1.0"


def test_every_line_of_the_message_fits_smtp() -> None:
    doc = fx.relabel(fx.seed_document(), "el", "greek")
    result = render_email(fx.config(), doc, provider="brevo")
    assert max(len(line) for line in result.eml.split(b"\r\n")) <= MAX_LINE_BYTES
    assert result.transfer_encoding == "8bit"
    assert result.sizes["html_encoded"] < result.sizes["html"] * 1.05  # CRLF only


def test_wrap_html_breaks_only_where_whitespace_is_free() -> None:
    words = " ".join(f"wörd{i}" for i in range(400))
    html = f'<div><p style="a: b; c: d">{words}</p><span>x</span><span>y</span></div>'
    wrapped = wrap_html(html, limit=200)
    assert longest_line(wrapped) <= 200 + 60  # the word that crosses, the tags after
    assert re.sub(r"\s+", " ", wrapped.replace(">\n<", "><")).strip() == html
    assert '<p style="a: b; c: d">' in wrapped  # never inside a tag
    assert "</span><span>" in wrapped  # never between inline elements


def test_transfer_encoding_falls_back_when_lines_are_too_long() -> None:
    assert transfer_encoding("short ascii\n") == "7bit"
    assert transfer_encoding("kurz, grün\n") == "8bit"
    assert transfer_encoding("x" * 2000) == "quoted-printable"
    assert transfer_encoding("Ελληνικά" * 300) == "base64"  # QP would be larger


def test_links_to_every_language_with_campaign_parameters_still_travel_8bit() -> None:
    """24 language links, each ~250 bytes with utm_* parameters, in one footer line: the
    wrapping must break before a line passes the limit, not only after."""
    from pipeline.languages import EU_LANGUAGES

    cfg = fx.config(languages=EU_LANGUAGES)
    for lang, script in (("de", None), ("el", "greek")):
        doc = fx.relabel(fx.seed_document(), lang, script)
        result = render_email(cfg, doc, provider="brevo", languages=EU_LANGUAGES)
        assert result.html.count("utm_content=") >= 24
        assert longest_line(result.html) <= MAX_LINE_BYTES, lang
        assert result.transfer_encoding == "8bit", lang


def test_a_pasted_line_break_or_control_character_never_reaches_a_header() -> None:
    """A reviewer's .po entry can carry a line break into the subject: the header stays one
    line (the e-mail package would refuse it), and invisible control characters are dropped."""
    import dataclasses

    doc = fx.german()
    fields = {**doc.fields, "subject": "Belgische\nPräsidentschaft\x0b", "preheader": "a\r\nb\x1f"}
    result = render_email(fx.config(), dataclasses.replace(doc, fields=fields), provider="brevo")
    assert result.subject == "Belgische Präsidentschaft" and result.preheader == "a b"
    assert parse(result.eml)["Subject"] == "Belgische Präsidentschaft"
    assert "\x0b" not in result.html and "\x1f" not in result.text
