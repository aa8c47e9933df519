"""Accessibility in the build: axe-core on every built e-mail, one Chromium for all of them.

Needs Chromium and axe-core (``make`` fetches it into ``.cache/axe``); without them the real
checks skip (fail with CI set) and the build says so in one note.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.browser import find_chromium
from pipeline.render import render_email
from pipeline.render.a11y import check_accessibility, find_axe
from pipeline.render.deliver import DeliveryOptions, check_delivery
from pipeline.store import IssuePaths, write_atomic
from tests.support import render as fx
from tests.support.deliver import tool_notes, unavailable

BAD_EMAIL = """<!doctype html><html lang="en"><head><title>Bad</title></head>
<body style="background:#ffffff">
<p style="color:#f4f4f4">Grey on white that nobody can read.</p>
<img src="https://example.org/logo.png">
<a href="https://example.org/"></a>
</body></html>
"""


@pytest.fixture(scope="module")
def tools() -> tuple[str, Path]:
    chromium, axe = find_chromium(), find_axe()
    if chromium is None:
        unavailable("no Chromium (apt-get install chromium, or set CHROMIUM)")
    if axe is None:
        unavailable("no axe-core in .cache/axe (make test fetches it with npm)")
    return chromium, axe


@pytest.mark.browser
@pytest.mark.deliverability
def test_built_emails_pass_and_a_broken_one_is_caught_in_one_session(
    tools: tuple[str, Path], tmp_path: Path
) -> None:
    emails = {}
    for lang, doc in (("en", fx.english()), ("de", fx.german())):
        result = render_email(fx.config(), doc, provider="brevo", languages=("en", "de"))
        emails[lang] = tmp_path / lang / "email.html"
        write_atomic(emails[lang], result.html)
    emails["xx"] = tmp_path / "bad.html"
    write_atomic(emails["xx"], BAD_EMAIL)
    chromium, axe = tools
    found = check_accessibility(emails, chromium=chromium, axe=axe)
    assert found["en"] == [] and found["de"] == []
    rules = {f.where: f for f in found["xx"]}
    assert {"image-alt", "link-name", "color-contrast"} <= set(rules)
    assert {rules[r].level for r in ("image-alt", "link-name", "color-contrast")} == {"error"}
    assert rules["image-alt"].lang == "xx" and rules["image-alt"].code == "accessibility"
    assert (
        "img" in rules["image-alt"].message and "dequeuniversity.com" in rules["image-alt"].message
    )


def test_without_chromium_the_check_is_skipped_with_one_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "no-chromium"))
    result = render_email(fx.config(), fx.german(), provider="brevo", languages=("en", "de"))
    checks = DeliveryOptions(skip=frozenset({"spam", "clients"}))
    paths = IssuePaths.for_issue(fx.ISSUE_DIR, tmp_path)
    checked = check_delivery(fx.config(), paths, {"de": result}, checks)
    [note] = tool_notes(checked.notes)
    assert (note.level, note.code) == ("info", "accessibility-check-skipped")
    assert "no Chromium" in note.message
    assert checked.results["de"].findings == result.findings
