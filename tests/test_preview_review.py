"""The reviewers' loop in a real headless Chromium, from ``file://`` with no server: correct two
segments on the German page, see them marked, find them again after a reload, download de.po,
``newsletter review import`` it, rebuild, and find the corrections in the e-mail, the reviewed
share raised and the page's stored edits cleared. Skips without Chromium (fails under CI)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import polib
import pytest

from pipeline.browser import Browser, Page
from pipeline.build import BuildOptions, run_issue
from pipeline.cli import main
from pipeline.store import IssuePaths
from tests.support.fake_engine import FakeEngine, registered
from tests.support.translate import make_project
from tests.test_preview_browser import chromium

__all__ = ["chromium"]  # the fixture: skips (or fails under CI) without Chromium
pytestmark = pytest.mark.browser

TITLE = "field.title"  # "Smart Belgium on the Belgian Presidency of the Council of the EU"
FIRST = "b0.p0.s0"  # "CECOP had the chance to sit down with its member Smart and …"
NEW_TITLE = "Smart Belgium zur belgischen EU-Ratspräsidentschaft"
NEW_FIRST = "CECOP hatte die Gelegenheit, mit seinem Mitglied Smart zu sprechen."
STATUS_JS = "document.getElementById('review-status').textContent"


@pytest.fixture
def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IssuePaths:
    monkeypatch.setenv("NEWSLETTER_CACHE_DIR", str(tmp_path / "cache"))
    paths = make_project(tmp_path / "site").paths
    _rebuild(paths)
    return paths


def _rebuild(paths: IssuePaths) -> None:
    with registered(FakeEngine()):
        run_issue(paths.issue_dir, BuildOptions(engine="fake", langs=["de"], screenshots=False))


@pytest.fixture
def browser(chromium: str) -> Iterator[Browser]:
    with Browser(chromium) as opened:
        yield opened


def _correct(page: Page, key: str, text: str) -> None:
    """Select the segment's text in its editor and type over it, as a reviewer would."""
    box = f"document.querySelector('td.tgt[data-key=\"{key}\"] textarea')"
    page.evaluate(f"{box}.scrollIntoView(); {box}.focus(); {box}.select()")
    page.type_text(text)


def _share(paths: IssuePaths) -> float:
    report = json.loads(paths.report_json.read_text(encoding="utf-8"))
    return float(report["languages"]["de"]["reviewed_share"])


def test_edit_download_import_rebuild(build: IssuePaths, browser: Browser, tmp_path: Path) -> None:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.allow_downloads(downloads)
    page = browser.open()
    german = build.preview_dir / "de.html"
    before = _share(build)

    assert page.goto(german) is None
    assert page.evaluate("document.getElementById('review').hidden") is False
    assert page.evaluate(STATUS_JS) == "No changes yet."
    page.click("#review-toggle")
    _correct(page, FIRST, "Wir hatten die Gelegenheit, mit Smart zu sprechen.")
    warning = f"document.querySelector('td.tgt[data-key=\"{FIRST}\"] .keep-warning')"
    assert page.evaluate(f"{warning}.hidden") is False
    assert page.evaluate(f"{warning}.textContent") == "Keep as written: CECOP"
    _correct(page, FIRST, NEW_FIRST)
    assert page.evaluate(f"{warning}.hidden") is True
    _correct(page, TITLE, NEW_TITLE)
    edited = page.evaluate(
        "[...document.querySelectorAll('tr.edited td.key')].map(td => td.textContent)"
    )
    assert edited == [TITLE, FIRST]
    assert page.evaluate(STATUS_JS).startswith("2 segments changed or marked correct")

    assert page.goto(german) is None  # kept in the browser until downloaded
    assert page.evaluate(STATUS_JS).startswith("2 segments changed")
    assert (
        page.evaluate(f"document.querySelector('td.tgt[data-key=\"{TITLE}\"] .text').textContent")
        == NEW_TITLE
    )
    page.evaluate("document.getElementById('review-name').value = 'Jana \"JN\" Nováková\\\\'")
    page.evaluate("document.getElementById('review-name').dispatchEvent(new Event('input'))")
    page.click("#review-download")
    assert browser.wait_download() == "de.po"
    assert page.console_errors() == []
    downloaded = polib.pofile(str(downloads / "de.po"))
    assert downloaded.metadata["Last-Translator"] == 'Jana "JN" Nováková\\'  # escaped right
    reviewed = {e.msgctxt: e.msgstr for e in downloaded if not e.fuzzy}
    assert reviewed == {TITLE: NEW_TITLE, FIRST: NEW_FIRST}

    assert (
        main(["review", "import", str(downloads / "de.po"), "--issue", str(build.issue_dir)]) == 0
    )
    _rebuild(build)
    html = build.email_html("de").read_text(encoding="utf-8")
    assert NEW_TITLE in html and NEW_FIRST in html
    assert _share(build) > before

    assert page.goto(german) is None  # the build now has them: the browser forgets them
    assert page.evaluate(STATUS_JS) == "No changes yet."
    origin = f"document.querySelector('#seg-{FIRST.replace('.', '-')} .origin').textContent"
    assert page.evaluate(origin) == "human"


def test_marking_a_machine_translation_correct_reviews_it(
    build: IssuePaths, browser: Browser, tmp_path: Path
) -> None:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.allow_downloads(downloads)
    page = browser.open()
    assert page.goto(build.preview_dir / "de.html") is None
    page.click("#review-toggle")
    page.click(f'td.tgt[data-key="{FIRST}"] button.approve')
    badge = f"document.querySelector('td.tgt[data-key=\"{FIRST}\"] .edit-badge').textContent"
    assert page.evaluate(badge) == "marked correct by you"
    page.click("#review-download")
    assert browser.wait_download() == "de.po"
    po = polib.pofile(str(downloads / "de.po"))
    entry = next(e for e in po if e.msgctxt == FIRST)
    assert not entry.fuzzy and entry.msgstr == f"[de] {entry.msgid}"
    assert all(e.fuzzy for e in po if e.msgctxt != FIRST)
    page.click("#review-discard")
    page.click("#review-discard")  # the second click confirms
    assert page.evaluate(STATUS_JS) == "No changes yet."
