"""The .eml carries the headers a real send has, and the send paths never add a second copy.

A To (the list's address, else the sender), Date, Message-ID, MIME-Version, List-Unsubscribe
(+ List-Unsubscribe-Post where the provider does RFC 8058 one-click); the preheader hidden
without a text colour. Brevo and listmonk get only HTML and text (they write their own
List-Unsubscribe); the outbox copies the .eml, whose header must stay single.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import json
import re
from email.message import Message
from pathlib import Path

import httpx
import pytest

from pipeline.render import render_email
from pipeline.send.plan import SendOptions
from pipeline.send.run import send_issue
from tests.support import render as fx
from tests.support.send_fakes import (
    BREVO_KEY,
    LISTMONK_TOKEN,
    LISTMONK_USER,
    FakeBrevo,
    FakeClock,
    FakeListmonk,
)
from tests.support.send_fixtures import SLUG, make_send_build

LANGS = ("en", "de")


def parse(data: bytes) -> Message:
    return email.message_from_bytes(data, policy=email.policy.default)


def test_brevo_message_has_to_list_unsubscribe_and_one_click() -> None:
    result = render_email(fx.config(), fx.german(), provider="brevo", languages=LANGS)
    msg = parse(result.eml)
    assert msg["To"] == "CECOP <news@cecop.coop>"  # no [send] to: the list's own address
    assert msg["List-Unsubscribe"] == "<{{ unsubscribe }}>"  # Brevo writes the real one
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for name in ("Date", "Message-ID", "MIME-Version", "From", "Reply-To", "Subject"):
        assert msg[name], name


def test_listmonk_names_its_own_placeholder() -> None:
    result = render_email(fx.config(), fx.german(), provider="listmonk", languages=LANGS)
    msg = parse(result.eml)
    assert msg["List-Unsubscribe"] == "<{{ UnsubscribeURL }}>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_outbox_links_the_configured_address_without_claiming_one_click() -> None:
    cfg = fx.config()
    cfg = dataclasses.replace(cfg, send=dataclasses.replace(cfg.send, to="Readers <list@x.org>"))
    msg = parse(render_email(cfg, fx.english(), provider="outbox", languages=LANGS).eml)
    assert msg["To"] == "Readers <list@x.org>"
    assert msg["List-Unsubscribe"] == "<https://www.cecop.coop/unsubscribe?list=news&lang=all>"
    assert msg["List-Unsubscribe-Post"] is None  # our own send cannot promise RFC 8058


def test_preheader_is_hidden_without_a_text_colour() -> None:
    """A hidden text coloured like its background is what HTML_FONT_LOW_CONTRAST scores."""
    html = render_email(fx.config(), fx.german(), provider="brevo", languages=LANGS).html
    found = re.search(r'<div class="preheader" style="([^"]*)">', html)
    assert found is not None
    style = found.group(1)
    assert "display:none" in style and "mso-hide:all" in style
    assert "color" not in style
    assert html.count(fx.GERMAN_FIELDS["preheader"]) == 1  # mj-preview's copy is gone


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A send build whose .eml files are the real render stage's (List-Unsubscribe in them)."""
    issue = make_send_build(tmp_path, langs=LANGS)
    for lang in LANGS:
        doc = fx.english() if lang == "en" else fx.german()
        eml = render_email(fx.config(), doc, provider="brevo", languages=LANGS).eml
        (tmp_path / "build" / SLUG / lang / "email.eml").write_bytes(eml)
    return issue


def _send(
    issue: Path, provider: str, fake: FakeBrevo | FakeListmonk, env: dict[str, str]
) -> list[bytes]:
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        return fake.handler(request)

    fake.validate = False  # the shape is the contract tests' business; here: what is sent
    client = httpx.Client(transport=httpx.MockTransport(handler))
    send_issue(
        issue, SendOptions(provider), env=env, client=client, clock=FakeClock(),
        log=lambda _: None,
    )  # fmt: skip
    return bodies


def test_brevo_upload_carries_no_list_unsubscribe_header(built: Path) -> None:
    eml = built.parents[1] / "build" / SLUG / "de" / "email.eml"
    assert b"List-Unsubscribe" in eml.read_bytes()
    bodies = _send(built, "brevo", FakeBrevo(), {"BREVO_API_KEY": BREVO_KEY})
    assert any(b"htmlContent" in body for body in bodies)
    assert not any(b"List-Unsubscribe" in body for body in bodies)


def test_listmonk_upload_carries_no_list_unsubscribe_header(tmp_path: Path) -> None:
    issue = make_send_build(tmp_path, provider="listmonk", langs=LANGS)
    for lang in LANGS:
        doc = fx.english() if lang == "en" else fx.german()
        eml = render_email(fx.config(), doc, provider="listmonk", languages=LANGS).eml
        (tmp_path / "build" / SLUG / lang / "email.eml").write_bytes(eml)
    env = {
        "LISTMONK_URL": "https://lists.example.org",
        "LISTMONK_USER": LISTMONK_USER,
        "LISTMONK_TOKEN": LISTMONK_TOKEN,
    }
    bodies = _send(issue, "listmonk", FakeListmonk(), env)
    campaigns = [json.loads(b) for b in bodies if b and b'"altbody"' in b]
    assert campaigns and all("List-Unsubscribe" not in json.dumps(c) for c in campaigns)


def test_outbox_keeps_a_single_list_unsubscribe_and_to(tmp_path: Path) -> None:
    issue = make_send_build(tmp_path, provider="outbox", langs=LANGS)
    eml = render_email(fx.config(), fx.german(), provider="outbox", languages=LANGS).eml
    (tmp_path / "build" / SLUG / "de" / "email.eml").write_bytes(eml)
    send_issue(
        issue, SendOptions("outbox", now=True), env={}, clock=FakeClock(), log=lambda _: None
    )
    sent = parse((tmp_path / "build" / SLUG / "outbox" / f"{SLUG}-de.eml").read_bytes())
    assert len(sent.get_all("List-Unsubscribe") or []) == 1
    assert len(sent.get_all("To") or []) == 1
