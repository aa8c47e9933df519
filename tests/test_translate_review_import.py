"""``newsletter review import``: a reviewer's PO file checked and merged, then used by the build.

The reviewer's files here are written the way reviewers produce them: exported with
``review export`` and edited (msgstr changed, fuzzy removed, Last-Translator set), as a PO
editor does; the browser test (tests/test_preview_review.py) does the same from the preview.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import polib
import pytest

from pipeline.build import BuildOptions, run_issue
from pipeline.cli import main
from pipeline.translate import verbatim
from tests.support.fake_engine import FakeEngine, registered
from tests.support.translate import SLUG, make_project

TITLE_KEY = "field.title"
SMART_KEY = "b0.p0.s0"  # "CECOP had the chance to sit down with its member Smart and …"


@pytest.fixture
def issue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSLETTER_CACHE_DIR", str(tmp_path / "cache"))
    issue_dir = make_project(tmp_path / "site").paths.issue_dir
    with registered(FakeEngine()):
        run_issue(issue_dir, BuildOptions(engine="fake", langs=["de", "fr"], screenshots=False))
    return issue_dir


def _exported(issue: Path, lang: str, tmp_path: Path) -> polib.POFile:
    """The reviewer's copy of an exported file (the issue's own file is removed)."""
    with contextlib.redirect_stderr(io.StringIO()):
        assert main(["review", "export", str(issue), "--lang", lang]) == 0
    own = issue / "translations" / f"{lang}.po"
    copy = tmp_path / "downloads" / f"{lang}.po"
    copy.parent.mkdir(exist_ok=True)
    copy.write_bytes(own.read_bytes())
    own.unlink()
    return polib.pofile(str(copy), wrapwidth=0)


def _edit(po: polib.POFile, key: str, text: str) -> polib.POEntry:
    entry = next(e for e in po if e.msgctxt == key)
    entry.msgstr = text
    entry.flags = [f for f in entry.flags if f != "fuzzy"]
    return entry


def _report(issue: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        (issue.parents[1] / "build" / SLUG / "report.json").read_text(encoding="utf-8")
    )
    return data


def _share(issue: Path, lang: str) -> float:
    languages = _report(issue)["languages"]
    assert isinstance(languages, dict)
    return float(languages[lang]["reviewed_share"])


def _smart_sentence(po: polib.POFile) -> polib.POEntry:
    return next(e for e in po if e.msgctxt == SMART_KEY)


def _line(po: polib.POFile, key: str) -> int:
    """The line of ``key``'s entry in the saved file, as a PO editor would show it."""
    return int(next(e for e in polib.pofile(po.fpath) if e.msgctxt == key).linenum)


def test_imported_edits_reach_the_email_and_raise_the_reviewed_share(
    issue: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    po = _exported(issue, "de", tmp_path)
    _edit(po, TITLE_KEY, "Smart Belgium und die belgische Ratspräsidentschaft")
    question = _smart_sentence(po).msgid
    _edit(po, SMART_KEY, question.replace("Smart", "Smart (geprüft)", 1))
    po.metadata["Last-Translator"] = "Jana Novak"
    po.save()
    before = _share(issue, "de")

    assert main(["review", "import", po.fpath, "--issue", str(issue)]) == 0
    err = capsys.readouterr().err
    assert "translations/de.po: 2 newly reviewed, 0 corrected, 0 unchanged; 0 stale" in err
    merged = polib.pofile(str(issue / "translations" / "de.po"))
    title = next(e for e in merged if e.msgctxt == TITLE_KEY)
    assert not title.fuzzy and "reviewed by Jana Novak" in title.tcomment
    assert merged.metadata["Last-Translator"] == "Jana Novak"

    with registered(FakeEngine()) as engine:
        run_issue(issue, BuildOptions(engine="fake", langs=["de", "fr"], screenshots=False))
    assert engine.calls == []
    html = (issue.parents[1] / "build" / SLUG / "de" / "email.html").read_text("utf-8")
    assert "Smart Belgium und die belgische Ratspräsidentschaft" in html
    assert "Smart (geprüft)" in html
    assert _share(issue, "de") > before


def test_importing_twice_changes_nothing_and_a_correction_is_counted(
    issue: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    po = _exported(issue, "de", tmp_path)
    _edit(po, TITLE_KEY, "Smart Belgium: ein Titel")
    po.save()
    assert main(["review", "import", po.fpath, "--issue", str(issue)]) == 0
    own = issue / "translations" / "de.po"
    first = own.read_bytes()
    assert main(["review", "import", po.fpath, "--issue", str(issue)]) == 0
    assert own.read_bytes() == first
    _edit(po, TITLE_KEY, "Smart Belgium: ein besserer Titel")
    po.save()
    assert main(["review", "import", po.fpath, "--issue", str(issue)]) == 0
    err = capsys.readouterr().err
    assert "0 newly reviewed, 0 corrected, 1 unchanged" in err
    assert "0 newly reviewed, 1 corrected, 0 unchanged" in err


def test_the_issues_other_reviewed_entries_are_kept(issue: Path, tmp_path: Path) -> None:
    po = _exported(issue, "de", tmp_path)
    _edit(po, TITLE_KEY, "Smart Belgium, Titel von Jana")
    po.save()
    assert main(["review", "export", str(issue), "--lang", "de"]) == 0  # the issue's own file
    own = polib.pofile(str(issue / "translations" / "de.po"), wrapwidth=0)
    _edit(own, "field.subject", "Smart Belgium, Betreff von Piet")
    own.save()
    assert main(["review", "import", po.fpath, "--issue", str(issue)]) == 0
    merged = {e.msgctxt: e for e in polib.pofile(str(issue / "translations" / "de.po"))}
    assert (merged["field.subject"].msgstr, merged["field.subject"].fuzzy) == (
        "Smart Belgium, Betreff von Piet",
        False,
    )
    assert (merged[TITLE_KEY].msgstr, merged[TITLE_KEY].fuzzy) == (
        "Smart Belgium, Titel von Jana",
        False,
    )
    assert merged["field.preheader"].fuzzy  # the machine text stays for review


def test_a_stale_entry_is_reported_and_the_rest_merged(
    issue: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    po = _exported(issue, "de", tmp_path)
    _edit(po, TITLE_KEY, "Smart Belgium: neuer Titel")
    gone = _edit(po, SMART_KEY, "Ein Satz über CECOP und Smart.")
    gone.msgid = "A sentence the editor has since deleted, about Smart."
    po.save()
    assert main(["review", "import", po.fpath, "--issue", str(issue)]) == 0
    err = capsys.readouterr().err
    assert "1 newly reviewed, 0 corrected, 0 unchanged; 1 stale (not imported)" in err
    assert f'stale: de.po:{_line(po, SMART_KEY)}: "A sentence the editor has since deleted' in err
    merged = polib.pofile(str(issue / "translations" / "de.po"))
    assert [e.msgctxt for e in merged if not e.fuzzy] == [TITLE_KEY]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s.replace("Smart", "Klug"), 'protected term "Smart" is missing'),
        (lambda s: s + " {{ unsubscribe }}", "placeholder {{ unsubscribe }} is not in the source"),
        (lambda s: s.replace("Smart", "__0__"), "it holds a masking token like __0__"),
    ],
)
def test_a_broken_entry_is_rejected_with_its_line_and_nothing_is_merged(
    issue: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: object,
    expected: str,
) -> None:
    po = _exported(issue, "de", tmp_path)
    _edit(po, TITLE_KEY, "Smart Belgium: ein guter Titel")
    _edit(po, SMART_KEY, change(_smart_sentence(po).msgid))  # type: ignore[operator]
    po.save()
    assert main(["review", "import", po.fpath, "--issue", str(issue)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "nothing was merged" in err and "Traceback" not in err
    assert f"de.po:{_line(po, SMART_KEY)} ({SMART_KEY}): {expected}" in err
    assert not (issue / "translations" / "de.po").exists()


def test_a_file_for_another_issue_or_language_is_refused(
    issue: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    po = _exported(issue, "de", tmp_path)
    _edit(po, TITLE_KEY, "Smart Belgium: Titel")
    for key, value, expected in [
        ("Project-Id-Version", "2024-09-other-issue", "is for issue '2024-09-other-issue', not"),
        ("Language", "en", "is for language 'en' (Language in its header), which is not a target"),
        ("Language", "xx", "is for language 'xx'"),
        (
            "X-Source-Language",
            "fr",
            "translates from 'fr', but the issue's source language is 'en'",
        ),
        ("Language", "", "the header has no Language"),
    ]:
        copy = polib.pofile(po.fpath, wrapwidth=0)
        copy.metadata[key] = value
        copy.save(str(tmp_path / "wrong.po"))
        assert main(["review", "import", str(tmp_path / "wrong.po"), "--issue", str(issue)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and expected in err, (key, err)
    assert not (issue / "translations" / "de.po").exists()


def test_without_issue_the_header_names_it(
    issue: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    po = _exported(issue, "fr", tmp_path)
    _edit(po, TITLE_KEY, "Smart Belgium et la présidence belge")
    po.save()
    monkeypatch.chdir(tmp_path)  # no issues/ folder here
    assert main(["review", "import", po.fpath]) == 2
    assert "name the issue with --issue DIR" in capsys.readouterr().err
    monkeypatch.chdir(issue.parents[1])
    assert main(["review", "import", po.fpath]) == 0
    assert "Smart Belgium et la présidence belge" in (issue / "translations" / "fr.po").read_text(
        encoding="utf-8"
    )


def test_a_broken_po_file_names_its_line(
    issue: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "de.po"
    broken.write_text('msgid ""\nmsgstr "unterminated\n', encoding="utf-8")
    assert main(["review", "import", str(broken), "--issue", str(issue)]) == 2
    assert "not a valid PO file at line 2" in capsys.readouterr().err


def test_what_a_translation_must_keep() -> None:
    protect = ("Smart Belgium", "Smart", "CECOP")
    source = (
        "Write to info@smart.coop or see https://smartbe.be/en/about. "
        "Smart Belgium thanks CECOP; {{ unsubscribe }}"
    )
    assert verbatim.must_keep(source, protect) == [
        "info@smart.coop",
        "https://smartbe.be/en/about",
        "{{ unsubscribe }}",
        "Smart Belgium",
        "Smart",
        "CECOP",
    ]
    good = (
        "Schreiben Sie an info@smart.coop oder https://smartbe.be/en/about. "
        "Smart Belgium dankt CECOP; {{ unsubscribe }}"
    )
    assert verbatim.problems(source, good, protect) == []
    bad = "Schreiben Sie an info@smart.be. Kluges Belgien dankt CECOP; *|UNSUB|*"
    assert verbatim.problems(source, bad, protect) == [
        "placeholder info@smart.coop is missing (the source has it 1×)",
        "placeholder https://smartbe.be/en/about is missing (the source has it 1×)",
        "placeholder {{ unsubscribe }} is missing (the source has it 1×)",
        "placeholder info@smart.be is not in the source",
        "placeholder *|UNSUB|* is not in the source",
        'protected term "Smart Belgium" is missing; keep it as written',
        'protected term "Smart" is missing; keep it as written',
    ]
    assert verbatim.problems("Smart is smart.", "Smart ist klug.", protect) == []
