"""The review site from a fixture build: rows, statuses, findings, escaping, self-containment,
screenshots with a fake Chromium (tests/support/fake_chromium.py), and the note when there is
none."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.errors import ConfigError
from pipeline.preview import write_preview
from pipeline.store import IssuePaths, read_json, write_json
from tests.support import fake_chromium
from tests.support.preview_fixtures import HOSTILE, make_build


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of <style> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data


def _tags(path: Path) -> _Tags:
    parser = _Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture
def build(tmp_path: Path) -> IssuePaths:
    return make_build(tmp_path)


@pytest.fixture
def no_chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("CHROMIUM", raising=False)


def _fake_chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str = "ok") -> Path:
    folder = tmp_path / "fake-bin"
    monkeypatch.setenv("CHROMIUM", str(fake_chromium.install(folder)))
    monkeypatch.setenv("FAKE_CHROMIUM_MODE", mode)
    return folder


def _row(index_html: str, lang: str) -> str:
    match = re.search(rf'<tr id="lang-{lang}".*?</tr>', index_html, re.S)
    assert match, f"no row for {lang}"
    return match.group(0)


def test_the_index_has_one_row_per_language_with_its_facts(
    build: IssuePaths, no_chromium: None
) -> None:
    index = write_preview(build).read_text(encoding="utf-8")
    assert re.findall(r'<tr id="lang-(\w+)"', index) == ["en", "de", "el", "fr", "hr"]
    de = _row(index, "de")
    assert '<a class="name" href="de.html" lang="de">Deutsch</a>' in de
    assert "state-complete" in de and "argos" in de and "translate-en_de 1.9" in de
    assert "9 % reviewed by a human (1 of 11 segments)" in de
    assert "3 warnings" in de and "Protected term missing" in de
    assert 'href="de.html#seg-b2-p0-s0"' in de
    assert 'lang="de">Belgische Ratspräsidentschaft: ein Gespräch mit Smart Belgium<' in de
    assert 'href="de-600.html"' in de and 'href="de-375.html"' in de
    assert 'href="../de/email.txt"' in de and 'href="../de/email.eml"' in de
    assert re.search(r"\d+\.\d kB", de)
    assert "100 % reviewed" in _row(index, "fr")
    assert '<span class="name" lang="el">' not in index  # el is a link, not plain text


def test_statuses_say_why_a_language_is_partial_or_unavailable(
    build: IssuePaths, no_chromium: None
) -> None:
    index = write_preview(build).read_text(encoding="utf-8")
    el, hr = _row(index, "el"), _row(index, "hr")
    assert "state-partial" in el and "Gmail clips at 102 KB" in el and "1 error" in el
    assert "state-unavailable" in hr and "no argos model for en→hr" in hr
    assert "href=" not in hr  # nothing to open, so no dead links
    assert not (build.preview_dir / "hr.html").exists()


def test_a_missing_file_makes_a_language_partial_without_a_dead_link(
    build: IssuePaths, no_chromium: None
) -> None:
    build.email_eml("fr").unlink()
    fr = _row(write_preview(build).read_text(encoding="utf-8"), "fr")
    assert "state-partial" in fr and "email.eml is missing" in fr
    assert "email.eml" not in re.sub(r"email\.eml is missing", "", fr)


def test_findings_are_highlighted_on_the_segment_they_concern(
    build: IssuePaths, no_chromium: None
) -> None:
    write_preview(build)
    page = (build.preview_dir / "de.html").read_text(encoding="utf-8")
    rows = dict(re.findall(r'<tr id="(seg-[\w-]+)" class="([^"]*)"', page))
    assert "has-warning" in rows["seg-b2-p0-s0"]  # protected term
    assert "has-warning" in rows["seg-b2-p0-s1"]  # numbers
    assert "has-warning" in rows["seg-b1-p0-s0"]  # length
    assert "has-" not in rows["seg-b2-p1-s0"]
    numbers = re.search(r'<tr id="seg-b2-p0-s1".*?</tr>', page, re.S)
    assert numbers and "numbers differ: source 35,000; translation 53.000" in numbers.group(0)
    assert 'lang="en">We now count 35,000 members.<' in numbers.group(0)
    assert (
        'lang="de" data-key="b2.p0.s1"><span class="text">Wir zählen heute 53.000 Mitglieder.<'
        in (numbers.group(0))
    )


def test_the_language_page_shows_provenance_speakers_and_paragraphs(
    build: IssuePaths, no_chromium: None
) -> None:
    write_preview(build)
    page = (build.preview_dir / "de.html").read_text(encoding="utf-8")
    assert page.count('class="origin origin-human"') >= 2  # b0.p0.s0 and the legend
    assert "memory · unreviewed" in page and "engine · unreviewed" in page
    assert "argos translate-en_de 1.9" in page
    assert '<span class="speaker">Anne-Laure Desgris</span>' in page
    assert 'lang="de">· Co-CEO von Smart Belgium</span>' in page
    assert re.search(r'<tr id="seg-b2-p1-s0" class="para-start', page)  # second paragraph
    assert page.index('id="seg-b2-p0-s0"') < page.index('id="seg-b2-p0-s1"')
    assert page.index('id="seg-b2-p1-s1"') < page.index('id="seg-b3-p0-s0"')


def test_a_document_without_segments_is_shown_paragraph_by_paragraph(
    build: IssuePaths, no_chromium: None
) -> None:
    doc = read_json(build.lang_document_json("fr"))
    del doc["segments"]
    write_json(build.lang_document_json("fr"), doc)
    write_preview(build)
    page = (build.preview_dir / "fr.html").read_text(encoding="utf-8")
    assert 'id="seg-b2-p1-s0"' in page and "Les élections comptent." in page
    assert "The elections matter." in page and "origin-unknown" in page


EDITABLE_PAGES = ("de.html", "el.html", "fr.html")  # the translations, not the source


def _scripts(page: str) -> str:
    """The contents of every script element, each followed by its end tag."""
    return "".join(
        m.group(1) + "</script>" for m in re.finditer(r"<script[^>]*>(.*?)</script>", page, re.S)
    )


def test_hostile_text_shows_as_text(build: IssuePaths, no_chromium: None) -> None:
    write_preview(build)
    escaped = "&lt;script&gt;window.__pwned = 1&lt;/script&gt;"
    for page in build.preview_dir.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        # The editor's own two scripts are the only ones; the data it reads is JSON in which
        # "<" is escaped, so the text cannot end the script element.
        ours = ['<script type="application/json" id="review-data">', "<script>\n// The reviewer"]
        assert text.count("<script") == (2 if page.name in EDITABLE_PAGES else 0), page.name
        assert all(tag in text for tag in ours) or page.name not in EDITABLE_PAGES
        assert "<" not in _scripts(text).split("</script>")[0], page.name  # the JSON
        markup = re.sub(r"<script[^>]*>.*?</script>", "", text, flags=re.S)
        assert "onerror=" not in markup.replace("onerror=&#34;", ""), page.name
    for name in ("index.html", "de.html", "en.html", "el.html"):
        assert escaped in (build.preview_dir / name).read_text(encoding="utf-8"), name
    assert HOSTILE.startswith("<script>")


def test_pages_are_self_contained_for_file_urls(build: IssuePaths, no_chromium: None) -> None:
    write_preview(build)
    pages = sorted(build.preview_dir.glob("*.html"))
    assert len(pages) == 13
    for page in pages:
        parsed = _tags(page)
        assert parsed.style.strip(), f"{page.name}: CSS must be inline"
        assert "url(" not in parsed.style and "@import" not in parsed.style
        for tag, attrs in parsed.tags:
            loads = tag == "link" or (tag == "script" and "src" in attrs)
            assert not loads, f"{page.name}: <{tag}> loads something"
            for name in ("src", "href"):
                value = attrs.get(name) or ""
                assert not re.match(r"^(https?:)?//", value), f"{page.name}: {tag} {value}"
                if value and not value.startswith("#"):
                    target = (page.parent / value.split("#")[0]).resolve()
                    assert target.is_file(), f"{page.name}: {value} does not exist"


def test_pages_name_their_languages_and_offer_a_skip_link(
    build: IssuePaths, no_chromium: None
) -> None:
    write_preview(build)
    for page in build.preview_dir.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert text.startswith('<!doctype html>\n<html lang="en">'), page.name
        assert '<a class="skip" href="#main">' in text and '<main id="main"' in text
        assert re.search(r"<h1[ >]", text), page.name
    el = (build.preview_dir / "el.html").read_text(encoding="utf-8")
    assert (
        'class="tgt" lang="el" data-key="b2.p0.s1"><span class="text">Σήμερα έχουμε 35.000 μέλη.'
        in el
    )


def test_no_chromium_gives_a_note_not_a_crash(
    build: IssuePaths, no_chromium: None, capsys: pytest.CaptureFixture[str]
) -> None:
    index = write_preview(build, screenshots=True).read_text(encoding="utf-8")
    assert "Screenshots were not taken: no Chromium found" in index
    assert "apt-get install chromium" in index
    assert "warning: Screenshots were not taken" in capsys.readouterr().err


def test_a_chromium_variable_pointing_nowhere_is_named_in_the_note(
    build: IssuePaths, no_chromium: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHROMIUM", "/nowhere/chrome")
    index = write_preview(build).read_text(encoding="utf-8")
    assert "CHROMIUM=/nowhere/chrome is not an executable" in index
    assert not list((build.preview_dir / "shots").glob("*.png"))


def _shots(build: IssuePaths) -> dict[str, int]:
    """PNG name → inode in the preview's shots folder."""
    return {p.name: p.stat().st_ino for p in (build.preview_dir / "shots").glob("*.png")}


def test_screenshots_of_every_language_at_both_widths_in_one_browser(
    build: IssuePaths,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = _fake_chromium(tmp_path, monkeypatch)
    index = write_preview(build).read_text(encoding="utf-8")  # None: Chromium is present
    names = sorted(_shots(build))
    assert [re.sub(r"-[0-9a-f]{16}\.png$", "", n) for n in names] == [
        f"{lang}-{w}" for lang in ("de", "el", "en", "fr") for w in (375, 600)
    ]
    de600 = next(n for n in names if n.startswith("de-600-"))
    assert f'<a class="w600" href="shots/{de600}"><img src="shots/{de600}"' in index
    assert "Screenshots were not taken" not in index and "failed" not in index
    assert "Screenshots show each whole e-mail" in index
    calls = fake_chromium.calls(folder)
    # One browser: each e-mail loaded once, photographed at both widths, the whole page.
    assert [c for c in calls if c.startswith("navigate")] == [
        f"navigate {build.email_html(lang).as_uri()}" for lang in ("en", "de", "el", "fr")
    ]
    assert calls.count("capture 600") == calls.count("capture 375") == 4
    assert f"viewport 375 {fake_chromium.CONTENT_HEIGHT}" in calls
    assert "screenshots: 0 kept, 8 taken" in capsys.readouterr().err


def test_unchanged_emails_keep_their_screenshots_and_changed_ones_are_retaken(
    build: IssuePaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _fake_chromium(tmp_path, monkeypatch)
    write_preview(build)
    first = _shots(build)
    (folder / "calls.log").unlink()
    write_preview(build)
    assert _shots(build) == first  # the same files, not even copied
    assert fake_chromium.calls(folder) == []  # and no browser started
    email = build.email_html("fr")
    email.write_text(email.read_text(encoding="utf-8").replace("Merci", "Merci bien"), "utf-8")
    write_preview(build)
    now = _shots(build)
    assert [c for c in fake_chromium.calls(folder) if c.startswith("navigate")] == [
        f"navigate {email.as_uri()}"
    ]
    assert {n for n in now if n.startswith("fr-")}.isdisjoint(first)
    assert {n: i for n, i in now.items() if not n.startswith("fr-")} == {
        n: i for n, i in first.items() if not n.startswith("fr-")
    }


def test_no_screenshots_keeps_the_unchanged_ones_and_drops_stale_ones(
    build: IssuePaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_chromium(tmp_path, monkeypatch)
    write_preview(build, screenshots=True)
    email = build.email_html("fr")
    email.write_text(email.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    index = write_preview(build, screenshots=False).read_text(encoding="utf-8")
    kept = sorted(_shots(build))
    assert len(kept) == 6 and not [n for n in kept if n.startswith("fr-")]
    assert "2 screenshots were not taken (--no-screenshots)" in index


def test_a_chromium_that_cannot_start_is_reported_not_raised(
    build: IssuePaths,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = _fake_chromium(tmp_path, monkeypatch, mode="refuse")
    index = write_preview(build, screenshots=True).read_text(encoding="utf-8")
    assert "8 of 8 screenshots failed: Chromium closed the DevTools pipe" in index
    assert "it said: cannot open display" in index
    assert "warning: 8 of 8 screenshots failed" in capsys.readouterr().err
    assert _shots(build) == {} and fake_chromium.calls(folder) == []


def test_a_chromium_crash_costs_one_email_and_a_fresh_browser_goes_on(
    build: IssuePaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_chromium(tmp_path, monkeypatch, mode="crash-once-at-3")  # the first shot of de
    index = write_preview(build, screenshots=True).read_text(encoding="utf-8")
    assert "2 of 8 screenshots failed: Chromium closed the DevTools pipe" in index
    assert "SEGV_MAPERR" in index
    assert sorted(n[:2] for n in _shots(build)) == ["el", "el", "en", "en", "fr", "fr"]
    write_preview(build, screenshots=True)  # the next run takes only what is missing
    assert sorted(n[:2] for n in _shots(build)) == ["de", "de", "el", "el", "en", "en", "fr", "fr"]


def test_rewriting_replaces_the_whole_folder_and_leaves_no_temporaries(
    build: IssuePaths, no_chromium: None
) -> None:
    write_preview(build)
    (build.preview_dir / "stale.html").write_text("old", encoding="utf-8")
    write_preview(build)
    assert not (build.preview_dir / "stale.html").exists()
    assert [p.name for p in build.out.iterdir() if p.name.startswith(".")] == []


def test_a_missing_report_is_a_config_error_naming_the_build_command(tmp_path: Path) -> None:
    issue = tmp_path / "issues" / "2024-01-x"
    issue.mkdir(parents=True)
    (issue / "issue.toml").write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"Build the issue first: newsletter build .*2024-01-x"):
        write_preview(IssuePaths.for_issue(issue))


def test_the_cli_rewrites_the_preview_and_exits_2_without_a_build(
    build: IssuePaths, no_chromium: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["preview", str(build.issue_dir), "--no-screenshots"]) == 0
    out = capsys.readouterr().out.strip()
    assert out == (build.preview_dir / "index.html").as_uri()
    build.report_json.unlink()
    assert main(["preview", str(build.issue_dir)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "newsletter build" in err and "Traceback" not in err


def test_a_broken_report_is_a_config_error(build: IssuePaths) -> None:
    build.report_json.write_text(json.dumps({"issue": "x"}), encoding="utf-8")
    with pytest.raises(ConfigError, match="no 'languages' table"):
        write_preview(build)
