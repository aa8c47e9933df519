"""Helpers for the deliverability tests and benchmark."""

from __future__ import annotations

import email
import email.policy
import os
from collections.abc import Sequence
from email.message import EmailMessage
from typing import NoReturn

import pytest

from pipeline.document import Finding

OLD_STYLE = 'style="display:none;font-size:1px;'


def before_the_fix(eml: bytes) -> bytes:
    """A built .eml as the build wrote it before the spam check existed: no To header, and the
    hidden preheader coloured #ffffff like MJML's mj-preview paints it (what SpamAssassin
    scored 4.0: REPLYTO_WITHOUT_TO_CC, MISSING_HEADERS, HTML_FONT_LOW_CONTRAST)."""
    message = email.message_from_bytes(eml, policy=email.policy.SMTP)
    assert isinstance(message, EmailMessage)
    del message["To"]
    for part in message.walk():
        if part.get_content_type() == "text/html":
            assert isinstance(part, EmailMessage)
            html = part.get_content().replace(OLD_STYLE, OLD_STYLE + "color:#ffffff;", 1)
            cte = str(part["Content-Transfer-Encoding"])
            part.set_content(html, subtype="html", charset="utf-8", cte=cte)
    return message.as_bytes()


def unavailable(reason: str) -> NoReturn:
    """Skip a test whose tool is missing here; fail it in CI, where .ci/run installs the tools."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this must run: .ci/run and make install it)")
    pytest.skip(reason)


def tool_notes(notes: Sequence[Finding]) -> list[Finding]:
    """The notes about the tools, without those for checks a test left out on purpose."""
    return [note for note in notes if "NEWSLETTER_SKIP_CHECKS" not in note.message]
