"""No text becomes template code, in any part, at any provider (issue 10, point 6).

Brevo reads ``{{ … }}``, ``{% … %}`` and ``{# … #}`` in the HTML, the subject and the preview
text; listmonk compiles the body, the altbody and the subject as Go templates (``{{``);
Mailchimp-style ``*|…|*`` is defused too. Whatever the interview and the issue's texts hold,
the rendered HTML, text, subject and preheader (and the MIME message the outbox writes) hold no
opener of a template language except the project's own placeholders.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.config import Link
from pipeline.document import Document
from pipeline.render.context import plain_text
from pipeline.render.stage import PLACEHOLDERS, render_email
from tests.support import render as fx

OPENERS = re.compile(r"\{\{|\{%|\{#|\*\|")
PROVIDERS = ("brevo", "listmonk", "outbox")
# Mostly the characters of template syntax, in any order and overlap; sometimes any text that
# can reach a template, control characters and line breaks included (a .po entry or an
# issue.toml string can carry them: render drops the invisible ones, keeps headers one line).
hostile = st.one_of(
    st.text(st.sampled_from(list("{}%#*|. xA\u200b<&>\"'\n$[]\x0b\x1f")), min_size=1, max_size=24),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=24),
)


def _own_placeholders_removed(text: str, provider: str) -> str:
    tags = PLACEHOLDERS.get(provider)
    for tag in (tags.unsubscribe, tags.mirror) if tags else ():
        text = text.replace(tag, "")
    return text


def _parts(provider: str, doc: Document, texts: list[str]) -> dict[str, str]:
    cfg = fx.config()
    cfg = dataclasses.replace(
        cfg,
        title=texts[0], subject=texts[1], preheader=texts[2], pull_quote=texts[3],
        links=tuple(Link(t, "https://www.cecop.coop/") for t in texts[4:6]),
        organisation=dataclasses.replace(cfg.organisation, name=texts[6], address=texts[7]),
    )  # fmt: skip
    result = render_email(cfg, doc, provider=provider, languages=("en", "de", "fr"))
    mail = email.message_from_bytes(result.eml, policy=email.policy.default)
    parts = {
        "html": result.html,
        "text": result.text,
        "subject": result.subject,
        "preheader": result.preheader,
        "eml subject": str(mail["Subject"]),
    }
    for part in mail.walk():  # type: ignore[attr-defined]
        if part.get_content_maintype() == "text":
            parts[f"eml {part.get_content_type()}"] = part.get_content()
    return parts


def _hostile_document(texts: list[str]) -> Document:
    """The German test document with hostile text in every kind of place content goes."""
    doc = fx.german()
    blocks = tuple(
        dataclasses.replace(b, paragraphs=(texts[i % len(texts)], *b.paragraphs[1:]))
        for i, b in enumerate(doc.blocks)
    )
    speakers = tuple(
        dataclasses.replace(s, name=f"{s.name} {texts[8]}", role=texts[9]) for s in doc.speakers
    )
    fields = {
        **doc.fields,
        "title": texts[0], "subject": texts[1], "preheader": texts[2], "pull_quote": texts[3],
        "link.0": texts[4], "link.1": texts[5],
    }  # fmt: skip
    return dataclasses.replace(doc, blocks=blocks, speakers=speakers, fields=fields)


def _one_line(texts: list[str]) -> list[str]:
    """Subject and preheader on one line: a line break in a subject is a mime.py traceback
    (ValueError from the e-mail package), reported to the lead, not this test's business."""
    return [t.replace("\n", " ") if i in (1, 2) else t for i, t in enumerate(texts)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hostile, min_size=10, max_size=10).map(_one_line))
@example(["{{{ .Subscriber.Email }}}", "{{{ x }}}", "{%{%", "*|*|UNSUB|*", "{#}", "{{", "{",
          "*", "}}{{", "{{ unsubscribe }}"])  # fmt: skip
def test_no_content_becomes_template_code(texts: list[str]) -> None:
    doc = _hostile_document(texts)
    for provider in PROVIDERS:
        for part, value in _parts(provider, doc, texts).items():
            left = _own_placeholders_removed(value, provider)
            found = OPENERS.search(left)
            assert found is None, f"{provider} {part}: {left[max(0, found.start() - 30) :][:80]!r}"


def test_the_project_placeholders_stay_and_content_lookalikes_do_not() -> None:
    """The one allowed kind of tag is the template's own: a look-alike in the text is defused,
    and counting placeholders shows it (before: ``{{{ x }}}`` kept a live ``{{ x }}``)."""
    doc = _hostile_document(["{{ UnsubscribeURL }} {{{ unsubscribe }}}"] * 10)
    parts = _parts("listmonk", doc, ["{{ MessageURL }}"] * 10)
    assert parts["text"].count("{{ UnsubscribeURL }}") == 1  # the footer's, not the content's
    assert parts["html"].count("{{ UnsubscribeURL }}") == 1


def test_plain_text_defuses_every_overlap() -> None:
    assert plain_text("{{{ x }}}") == "{\u200b{\u200b{ x }}}"
    assert plain_text("{%{#{{") == "{\u200b%{\u200b#{\u200b{"
    assert plain_text("**|*|") == "**\u200b|*\u200b|"
    assert OPENERS.search(plain_text("{{{{{ {%%{## *||*|")) is None


def test_a_link_url_with_template_syntax_is_refused_by_the_config() -> None:
    from pipeline.config import parse_issue
    from pipeline.errors import ConfigError

    data = {
        "title": "t", "subject": "s", "preheader": "p", "source_lang": "en",
        "languages": ["en"], "date": fx.config().date, "send_at": fx.config().send_at,
        "organisation": {"name": "n", "address": "a", "website": "https://x.org/{{ y }}"},
        "links": [{"label": "l", "url": "https://x.org/*|UNSUB|*"}],
        "send": {"provider": "brevo", "sender": {"name": "n", "email": "n@x.org"}},
    }  # fmt: skip
    try:
        parse_issue(data, fx.ISSUE_DIR / "issue.toml")
    except ConfigError as err:
        details = "\n".join(err.details)
    else:  # pragma: no cover - the assertion below reports it
        details = ""
    assert "'organisation.website' must not contain template syntax" in details
    assert "'links[0].url' must not contain template syntax" in details
