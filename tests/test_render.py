"""Render stage: placeholders, hostile text, localisation, the notice, files and errors."""

from __future__ import annotations

import dataclasses
import re

import pytest

from pipeline.config import parse_issue
from pipeline.document import Origin
from pipeline.errors import ConfigError, RenderError
from pipeline.render.stage import PLACEHOLDERS, compile_mjml, render_email, render_issue
from pipeline.store import IssuePaths
from tests.support import render as fx

LANGS = ("en", "de", "fr")
HOSTILE = "<script>alert(1)</script> Tom & Jerry {{ x }} {% if %} *|UNSUB|* <mj-text>hi</mj-text>"


def errors(result: object) -> list[str]:
    return [f"{f.code}: {f.message}" for f in result.findings if f.level == "error"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("provider", sorted(PLACEHOLDERS))
def test_provider_placeholders_come_out_byte_for_byte(provider: str) -> None:
    tags = PLACEHOLDERS[provider]
    result = render_email(fx.config(), fx.german(), provider=provider, languages=LANGS)
    assert f'href="{tags.unsubscribe}"' in result.html
    assert result.html.count(f'href="{tags.mirror}"') == 2  # top "read online" and footer
    assert f": {tags.unsubscribe}\n" in result.text
    assert f": {tags.mirror}\n" in result.text
    for mangled in ("%7B", "%7C", "&#123;&#123; unsubscribe", "&#42;|UNSUB"):
        assert mangled not in result.html
    assert errors(result) == []


def utm(lang: str) -> str:
    """The campaign parameters every link of a ``lang`` e-mail carries, as the HTML has them."""
    return (
        "?utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=issue-2024-06-test"
        f"&amp;utm_content={lang}"
    )


def test_outbox_renders_plain_links_from_the_config() -> None:
    result = render_email(fx.config(), fx.english(), provider="outbox", languages=LANGS)
    assert 'href="https://www.cecop.coop/unsubscribe?list=news&amp;lang=all"' in result.html
    web = f"https://www.cecop.coop/newsletter/issue-2024-06-test/en/{utm('en')}"
    assert f'href="{web}"' in result.html  # the web version, tracked: no placeholder here
    assert "{{" not in result.html and "*|" not in result.html
    assert "Unsubscribe: https://www.cecop.coop/unsubscribe?list=news&lang=all" in result.text
    assert errors(result) == []


def test_outbox_without_settings_falls_back_to_a_mailto_link() -> None:
    cfg = fx.config(web_url=None)
    cfg = dataclasses.replace(cfg, send=dataclasses.replace(cfg.send, options={}))
    result = render_email(cfg, fx.english(), provider="outbox", languages=LANGS)
    assert 'href="mailto:info@cecop.coop?subject=Unsubscribe"' in result.html
    assert errors(result) == []


def test_unknown_provider_is_a_render_error() -> None:
    with pytest.raises(RenderError, match="unknown provider 'sendgrid'"):
        render_email(fx.config(), fx.english(), provider="sendgrid")


@pytest.mark.parametrize("provider", ["brevo", "listmonk", "outbox"])
@pytest.mark.parametrize("make", [fx.english, fx.german], ids=["source", "translation"])
def test_hostile_text_renders_as_text(provider: str, make: object) -> None:
    doc = fx.with_text(make(), 3, HOSTILE)  # type: ignore[operator]
    doc = dataclasses.replace(doc, fields={**doc.fields, "title": HOSTILE})
    result = render_email(fx.config(), doc, provider=provider, languages=LANGS)
    assert "<script" not in result.html and "<mj-text>hi" not in result.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Tom &amp; Jerry &#123;&#123; x }}" in result.html
    assert "&#123;% if %}" in result.html and "&#42;|UNSUB|*" in result.html
    assert "&lt;mj-text&gt;hi&lt;/mj-text&gt;" in result.html
    tags = PLACEHOLDERS.get(provider)
    stripped = result.html
    for tag in (tags.unsubscribe, tags.mirror) if tags else ():
        stripped = stripped.replace(tag, "")
    assert "{{" not in stripped and "{%" not in stripped and "*|" not in stripped
    # the plain text keeps the words but defuses the provider syntax
    assert "<script>alert(1)</script> Tom & Jerry {\u200b{ x }}" in result.text
    assert errors(result) == []


def test_hostile_speaker_and_organisation_names_are_escaped() -> None:
    doc = fx.german()
    doc = dataclasses.replace(
        doc,
        speakers=(doc.speakers[0], dataclasses.replace(doc.speakers[1], name="A <b>&</b> {{ B }}")),
    )
    org = dataclasses.replace(fx.config().organisation, name="C&O <i>")
    result = render_email(fx.config(organisation=org), doc, provider="brevo", languages=LANGS)
    assert "A &lt;b&gt;&amp;&lt;/b&gt; &#123;&#123; B }}" in result.html
    assert "C&amp;O &lt;i&gt;" in result.html and "<i>" not in result.html
    assert errors(result) == []


def test_html_has_lang_dir_title_and_a_padded_preheader() -> None:
    result = render_email(fx.config(), fx.german(), provider="brevo", languages=LANGS)
    assert '<html lang="de" dir="ltr"' in result.html
    assert f"<title>{fx.GERMAN_FIELDS['subject']}</title>" in result.html
    preview = re.search(
        r'<div class="preheader" style="display:none;[^"]*">(.*?)</div>', result.html, re.DOTALL
    )
    assert preview is not None
    assert preview.group(1).startswith(fx.GERMAN_FIELDS["preheader"])
    assert preview.group(1).count("&#847;&zwnj;&nbsp;") >= 60
    assert result.subject == fx.GERMAN_FIELDS["subject"]
    assert result.preheader == fx.GERMAN_FIELDS["preheader"]


def test_german_is_localised() -> None:
    result = render_email(fx.config(), fx.german(), provider="brevo", languages=LANGS)
    for words in (
        "3. Juni 2024",
        "Abmelden",
        "Online lesen",
        "Hinweis für die Leserschaft",
        "1 Minute Lesezeit",
        "Mehr über CECOP erfahren",
        ROLE_DE_ESCAPED,
    ):
        assert words in result.html, words
    assert "Unsubscribe" not in result.html and "Reader’s note" not in result.html
    assert "Auch verfügbar auf:" in result.text
    assert [f.code for f in result.findings if f.code == "template-string-missing"] == []


ROLE_DE_ESCAPED = "Co-CEO der Genossenschaft Smart Belgium und Vorstandsmitglied von CECOP"


def test_blocks_appear_in_order_with_speaker_labels() -> None:
    result = render_email(fx.config(), fx.english(), provider="brevo", languages=LANGS)
    html = result.html
    order = [
        "CECOP had the chance",  # the lede
        "Reader’s note",
        "Anne-Laure Desgris</div>",  # the intro card's name
        "Congratulations to Smart",
        "The first major achievement",
        "more than an imperative",  # the pull quote, after the middle answer
        "In June 2024",
        "Thank you, Anne-Laure!",
        "Read more about CECOP",
        "Unsubscribe",
    ]
    positions = [html.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert html.count(">CECOP</div>") == 2  # the interviewer's label on both questions
    assert html.count(">Anne-Laure Desgris</div>") == 3  # intro card + two answers
    assert ">>> CECOP:" not in result.text and ">> CECOP:" in result.text


@pytest.mark.parametrize(("kind", "notice"), [("engine", True), ("memory", True), ("human", False)])
def test_machine_translation_notice_in_the_readers_language(kind: str, notice: bool) -> None:
    result = render_email(fx.config(), fx.german(kind), provider="brevo", languages=LANGS)
    text = "Diese Fassung wurde maschinell übersetzt und noch nicht geprüft."
    assert (text in result.html) is notice
    assert (text in " ".join(result.text.split())) is notice  # wrapped at 72
    link = (
        f'href="https://www.cecop.coop/newsletter/issue-2024-06-test/en/{utm("de")}" '
        'style="color:#0b5cab;">Originalfassung lesen (Englisch)'
    )
    assert (link in result.html) is notice


def test_the_source_has_no_notice() -> None:
    result = render_email(fx.config(), fx.english(), provider="brevo", languages=LANGS)
    assert "translated by machine" not in result.html


def test_notice_without_web_url_says_so_and_warns() -> None:
    result = render_email(fx.config(web_url=None), fx.german(), provider="brevo", languages=LANGS)
    assert "Diese Fassung wurde maschinell übersetzt" in result.html
    assert "Originalfassung lesen" not in result.html
    assert "original-not-linked" in [f.code for f in result.findings]
    assert "Auch verfügbar auf" not in result.html  # no web versions to link to


def test_other_languages_are_linked_by_their_own_names() -> None:
    result = render_email(fx.config(), fx.german(), provider="brevo", languages=LANGS)
    assert (
        f'href="https://www.cecop.coop/newsletter/issue-2024-06-test/fr/{utm("de")}" '
        'lang="fr" hreflang="fr"' in result.html
    )
    assert ">Français</a>" in result.html and ">English</a>" in result.html
    assert ">Deutsch</a>" not in result.html


def test_untranslated_fields_fall_back_to_the_source_and_warn() -> None:
    doc = dataclasses.replace(fx.german(), fields={"title": "Titel"})
    result = render_email(fx.config(), doc, provider="brevo", languages=LANGS)
    assert result.subject == fx.config().subject
    codes = [f.where or f.message for f in result.findings if f.code == "field-untranslated"]
    assert len(codes) == 5  # subject, preheader, pull_quote and the two link labels
    assert codes[-2:] == ["field.link.0", "field.link.1"]  # anchored at their segments
    assert "Mehr über CECOP erfahren" not in result.html  # link labels fall back too
    assert "Read more about CECOP" in result.html


def test_render_issue_writes_the_three_files(tmp_path: object) -> None:
    paths = IssuePaths.for_issue(fx.ISSUE_DIR, tmp_path)  # type: ignore[arg-type]
    results = render_issue(
        fx.config(), paths, {"en": fx.english(), "de": fx.german()}, provider="brevo"
    )
    assert sorted(results) == ["de", "en"]
    for lang, result in results.items():
        assert paths.email_html(lang).read_text(encoding="utf-8") == result.html
        assert paths.email_txt(lang).read_text(encoding="utf-8") == result.text
        assert paths.email_eml(lang).read_bytes() == result.eml
    assert "Deutsch</a>" in results["en"].html


def test_render_issue_refuses_a_document_under_the_wrong_language(tmp_path: object) -> None:
    paths = IssuePaths.for_issue(fx.ISSUE_DIR, tmp_path)  # type: ignore[arg-type]
    with pytest.raises(RenderError, match="de: the Document given for de is in 'en'"):
        render_issue(fx.config(), paths, {"de": fx.english()}, provider="brevo")


def test_broken_mjml_names_the_language_and_the_line() -> None:
    source = "<mjml>\n<mj-head>\n<mj-preview>a <b>x</b></mj-preview>\n</mj-head>\n</mjml>"
    with pytest.raises(
        RenderError, match=r"^mt: MJML failed: .*generated MJML line 3: '<mj-preview>"
    ):
        compile_mjml(source, "mt")
    with pytest.raises(RenderError, match=r"^mt: MJML failed: unexpected end of stream"):
        compile_mjml("<mjml><mj-body>", "mt")


def test_rendering_is_deterministic() -> None:
    first = render_email(fx.config(), fx.german(), provider="brevo", languages=LANGS)
    second = render_email(fx.config(), fx.german(), provider="brevo", languages=LANGS)
    assert first.eml == second.eml and first.html == second.html


def test_web_url_must_name_the_language() -> None:
    import tomllib

    data = tomllib.loads((fx.ISSUE_DIR / "issue.toml").read_text(encoding="utf-8"))
    data["web_url"] = "https://example.org/news/"
    with pytest.raises(ConfigError) as info:
        parse_issue(data, fx.ISSUE_DIR / "issue.toml")
    assert any("'web_url' must contain {lang}" in d for d in info.value.details)
    data["web_url"] = "http://example.org/{lang}/"
    with pytest.raises(ConfigError):
        parse_issue(data, fx.ISSUE_DIR / "issue.toml")


def test_origin_kinds_other_than_machine_do_not_trigger_the_notice() -> None:
    doc = fx.german("human")
    segments = tuple(dataclasses.replace(s, origin=Origin("source")) for s in doc.segments)
    result = render_email(
        fx.config(), dataclasses.replace(doc, segments=segments), provider="brevo"
    )
    assert "maschinell" not in result.html


def test_hostile_link_labels_and_pull_quote_are_escaped() -> None:
    doc = fx.german()
    doc = dataclasses.replace(doc, fields={**doc.fields, "link.0": HOSTILE, "pull_quote": HOSTILE})
    result = render_email(fx.config(), doc, provider="listmonk", languages=LANGS)
    assert result.html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2
    assert "<script" not in result.html
    assert errors(result) == []


def test_a_template_error_names_the_language_and_the_template_line() -> None:
    from pipeline.render.catalogs import translations_for
    from pipeline.render.stage import render_template

    with pytest.raises(
        RenderError, match=r"^ga: templates/email\.mjml\.j2:\d+: 'lang' is undefined"
    ):
        render_template("email.mjml.j2", {}, translations_for("ga"))
