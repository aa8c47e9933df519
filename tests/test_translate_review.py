"""Human post-edits: PO export and merge, reviewed entries win, stale entries, human-only."""

from __future__ import annotations

import json
from pathlib import Path

import polib
import pytest

from pipeline.cli import main
from pipeline.errors import ConfigError
from pipeline.translate.review import export_po, load_review
from pipeline.translate.stage import LanguageResult, translate_issue
from tests.support.fake_engine import FakeEngine, registered
from tests.support.translate import (
    Project,
    edit_paragraph,
    fake,
    project,
    source_document,
)

__all__ = ["fake", "project"]  # fixtures from tests.support.translate


def build(project: Project, langs: list[str], **kwargs: object) -> dict[str, LanguageResult]:
    source = kwargs.pop("source", source_document())
    return translate_issue(project.config, project.paths, source, langs, engine="fake")  # type: ignore[arg-type]


def export(project: Project, lang: str) -> polib.POFile:
    result = build(project, ["en", lang])
    doc = result[lang].document or result["en"].document
    assert doc is not None
    export_po(project.paths.po_file(lang), lang, doc.segments, source_lang="en")
    return polib.pofile(str(project.paths.po_file(lang)))


def review(project: Project, lang: str, key: str, text: str) -> None:
    """What a reviewer does: edit msgstr and remove the fuzzy flag."""
    po = polib.pofile(str(project.paths.po_file(lang)))
    entry = next(e for e in po if e.msgctxt == key)
    entry.msgstr = text
    entry.flags.remove("fuzzy")
    po.save()


def test_export_writes_fuzzy_machine_entries_with_key_and_model(
    project: Project, fake: FakeEngine
) -> None:
    po = export(project, "de")
    entry = next(e for e in po if e.msgctxt == "b0.p0.s0")
    assert entry.msgid == "CECOP sat down with its member Smart."
    assert entry.msgstr == "[de] CECOP sat down with its member Smart."
    assert entry.fuzzy
    assert "fake fake-en_de 1.0" in entry.comment
    assert po.metadata["Language"] == "de"
    assert len(po) == 14  # 4 fields + 2 link labels + 1 role + 7 sentences, each its own msgctxt
    link = next(e for e in po if e.msgctxt == "field.link.0")
    assert (link.msgid, link.msgstr) == ("Read more about CECOP", "[de] Read more about CECOP")


def test_a_reviewed_entry_wins_over_memory_and_engine_for_good(
    project: Project, fake: FakeEngine
) -> None:
    export(project, "de")  # the memory now holds the machine text
    review(project, "de", "b0.p0.s0", "CECOP traf sich mit seinem Mitglied Smart.")
    calls = len(fake.calls)
    result = build(project, ["en", "de"])["de"]
    assert len(fake.calls) == calls  # everything else still comes from the memory
    assert result.document is not None
    first = result.document.segments[7]
    assert (first.key, first.text, first.origin.kind) == (
        "b0.p0.s0",
        "CECOP traf sich mit seinem Mitglied Smart.",
        "human",
    )
    assert result.document.blocks[0].paragraphs[0].startswith("CECOP traf sich")
    assert result.stats["human"] == 1
    # Re-exporting keeps the reviewer's entry; a new engine version does not override it.
    export(project, "de")
    with registered(FakeEngine(version="2.0")):
        again = build(project, ["en", "de"])["de"]
    assert again.document is not None
    assert again.document.segments[7].text == "CECOP traf sich mit seinem Mitglied Smart."
    po = polib.pofile(str(project.paths.po_file("de")))
    kept = next(e for e in po if e.msgctxt == "b0.p0.s0")
    assert not kept.fuzzy and kept.msgstr.startswith("CECOP traf")


def test_changed_source_reports_stale_entries_and_export_obsoletes_them(
    project: Project, fake: FakeEngine
) -> None:
    export(project, "de")
    review(project, "de", "b2.p1.s0", "Danke, Anne-Laure!")
    edited = edit_paragraph(source_document(), 2, 1, "Thank you very much, Anne-Laure!")
    result = translate_issue(project.config, project.paths, edited, ["en", "de"], engine="fake")
    stale = [f for f in result["de"].findings if f.code == "stale-review"]
    assert len(stale) == 1 and stale[0].where == "b2.p1.s0" and "de.po:" in stale[0].message
    doc = result["de"].document
    assert doc is not None and doc.blocks[2].paragraphs[1].startswith("[de] Thank you very much")
    result_doc = result["de"].document
    assert result_doc is not None
    export_po(project.paths.po_file("de"), "de", result_doc.segments, source_lang="en")
    po = polib.pofile(str(project.paths.po_file("de")))
    assert [e.msgid for e in po.obsolete_entries()] == ["Thank you, Anne-Laure!"]
    after = translate_issue(project.config, project.paths, edited, ["en", "de"], engine="fake")
    assert not [f for f in after["de"].findings if f.code == "stale-review"]


def test_a_broken_po_file_is_a_config_error_naming_it(project: Project, fake: FakeEngine) -> None:
    path = project.paths.po_file("de")
    path.parent.mkdir(parents=True)
    path.write_text('msgid "a"\nmsgstr "b"\nthis is not PO\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"translations/de\.po: not a valid PO file"):
        load_review(path)
    with pytest.raises(ConfigError):
        build(project, ["en", "de"])


def test_hr_with_a_complete_po_file_is_human_only(project: Project, fake: FakeEngine) -> None:
    po = export(project, "hr")
    assert all(e.msgstr == "" and not e.fuzzy for e in po)
    assert "please translate" in po[0].comment
    partial = build(project, ["en", "hr"])["hr"]
    assert partial.status == "unavailable"
    assert partial.message is not None and "reviews 0 of 14 segments" in partial.message
    for entry in po:
        entry.msgstr = f"(hr) {entry.msgid}"
    po.save(str(project.paths.po_file("hr")))
    result = build(project, ["en", "hr"])["hr"]
    assert (result.status, result.engine, result.model) == ("human-only", None, None)
    assert result.document is not None
    assert result.document.fields["title"] == f"(hr) {project.config.title}"
    assert {s.origin.kind for s in result.document.segments} == {"human"}
    assert project.paths.lang_document_json("hr").is_file()


def test_review_export_command(
    project: Project, fake: FakeEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    issue = str(project.paths.issue_dir)
    assert main(["review", "export", issue, "--lang", "de", "--engine", "fake"]) == 0
    po = polib.pofile(str(project.paths.po_file("de")))
    assert len(po) > 60 and all(e.fuzzy for e in po)
    assert "entries (0 reviewed" in capsys.readouterr().err
    assert main(["review", "export", issue, "--lang", "en", "--engine", "fake"]) == 2
    assert "source language" in capsys.readouterr().err


EXPORT_DE = ["--lang", "de", "--engine", "fake"]


def _seed_build(project: Project, engine: FakeEngine) -> bytes:
    """Build de from the seed interview (what 'newsletter build' leaves); its document.json."""
    from pipeline.ingest import ingest_file

    source = ingest_file(project.paths.interview, source_lang="en").document
    with registered(engine):
        translate_issue(project.config, project.paths, source, ["en", "de"], engine="fake")
    return project.paths.lang_document_json("de").read_bytes()


def test_export_reads_the_build_and_never_changes_or_deletes_it(project: Project) -> None:
    built = _seed_build(project, FakeEngine())
    # An engine that cannot translate de any more: the old export deleted the build's file.
    with registered(FakeEngine(pairs=set())) as engine:
        assert main(["review", "export", str(project.paths.issue_dir), *EXPORT_DE]) == 0
    assert engine.calls == []
    assert project.paths.lang_document_json("de").read_bytes() == built
    po = polib.pofile(str(project.paths.po_file("de")))
    assert all(e.msgstr.startswith("[de] ") and e.fuzzy for e in po)


def test_export_without_a_build_writes_no_build_file(project: Project, fake: FakeEngine) -> None:
    issue = str(project.paths.issue_dir)
    assert main(["review", "export", issue, "--lang", "de", "--engine", "fake"]) == 0
    assert not project.paths.lang_document_json("de").exists()
    assert not project.paths.lang_document_json("en").exists()
    assert len(fake.calls) == 1


def test_export_of_an_out_of_date_build_computes_without_writing(project: Project) -> None:
    built = _seed_build(project, FakeEngine())
    with registered(FakeEngine(version="2.0")) as engine:  # the build no longer matches
        stale = project.paths.lang_document_json("de")
        data = json.loads(stale.read_text(encoding="utf-8"))
        data["segments"][-1]["source"] = "A sentence the interview no longer has."
        stale.write_text(json.dumps(data), encoding="utf-8")
        built = stale.read_bytes()
        assert main(["review", "export", str(project.paths.issue_dir), *EXPORT_DE]) == 0
    assert len(engine.calls) == 1
    assert project.paths.lang_document_json("de").read_bytes() == built
    po = polib.pofile(str(project.paths.po_file("de")))
    assert all("fake-en_de 2.0" in e.comment for e in po)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('msgctxt "k1"\nmsgid "a"\nmsgstr "b\n\nmsgctxt "k2"\nmsgid "c"\nmsgstr "d"\n', 3),
        ('msgid "a"\nmsgstr ""\n"unterminated\n', 3),
        ('msgid "a"\nmsgstr "b" trailing\n', 2),
    ],
)
def test_a_malformed_po_file_names_the_file_and_line(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "de.po"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_review(path)
    assert f"{path}: not a valid PO file at line {line}" in caught.value.message
    assert "close the quote" in caught.value.message


def test_a_duplicate_po_entry_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "de.po"
    path.write_text('msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"de\.po: not a valid PO file"):
        load_review(path)


def test_a_well_formed_po_file_with_comments_and_continuations_loads(tmp_path: Path) -> None:
    path = tmp_path / "de.po"
    path.write_text(
        '# comment\n#. machine\n#, fuzzy\nmsgctxt "k"\nmsgid ""\n"a \\"quoted\\" "\n"word"\n'
        'msgstr "b"\n\n#~ msgid "old"\n#~ msgstr "alt"\n',
        encoding="utf-8",
    )
    review = load_review(path)
    assert review.exists and [(k, s) for k, s, _ in review.active] == [("k", 'a "quoted" word')]
