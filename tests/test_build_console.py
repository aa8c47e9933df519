"""What ``newsletter build`` (``make issue``) prints: the stages, one line per language in the
final table, the languages without a model as ONE line with the command that installs them;
``--quiet`` and ``--verbose``. The machine here "has no models": the fake engine, registered
as argos, reaches no language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.languages import EU_LANGUAGES
from pipeline.translate.stage import LanguageResult, missing_models_line
from tests.support.fake_engine import FakeEngine, registered
from tests.support.translate import SLUG, make_project

STAGES = ("issue ", "ingest: ", "translate: ", "render: ", "preview: ")


@pytest.fixture
def issue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSLETTER_CACHE_DIR", str(tmp_path / "cache"))
    return make_project(tmp_path / "site").paths.issue_dir


def _build(issue: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> list[str]:
    engine = FakeEngine(pairs=())
    engine.name = "argos"  # as the real argos engine on a machine with no package installed
    with registered(engine, name="argos"):
        code = main(["build", str(issue), "--no-screenshots", *flags])
    assert code == 0
    return capsys.readouterr().err.splitlines()


def _table(lines: list[str]) -> dict[str, str]:
    """Table rows by language code: lines like '  de German   unavailable …'."""
    rows = [m for line in lines if (m := re.match(r"^  ([a-z]{2}) \w", line))]
    return {m.group(1): m.string for m in rows}


def test_without_models_a_build_prints_stages_a_table_and_one_line_to_install_them(
    issue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _build(issue, capsys)
    for stage in STAGES:
        assert sum(line.startswith(stage) for line in lines) == 1, stage
    table = _table(lines)
    assert sorted(table) == sorted(EU_LANGUAGES)  # one line per language, each once
    assert "source" in table["en"] and "100 %" in table["en"]
    assert all(
        "unavailable" in table[lang] and "no model" in table[lang] for lang in table if lang != "en"
    )
    about_models = [line for line in lines if re.search(r"no model|make models|unavailable", line)]
    about_models = [line for line in about_models if not line.startswith("  ")]
    assert len(about_models) == 1, about_models
    # Argos packages for 21 languages, the model catalogue's Marian models for hr and mt.
    installable = [lang for lang in EU_LANGUAGES if lang != "en"]
    assert about_models[0] == (
        "warning: no model for 23 languages (" + " ".join(installable) + "): "
        f"make models ISSUE={SLUG} LANGS={','.join(installable)} installs them"
    )
    # One note per deliverability check left out (the tests leave the slow ones out), each once.
    notes = [line for line in lines if line.startswith("note: ")]
    assert len(notes) == len(set(notes)) <= 3
    assert (
        len(lines) - len(notes) <= len(STAGES) + 2 + 1 + len(EU_LANGUAGES) + 2
    )  # + lint, blank, header


def test_quiet_prints_only_what_asks_for_action(
    issue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _build(issue, capsys, "--quiet")
    assert len(lines) == 1 and lines[0].startswith("warning: no model for 23 languages")


def test_verbose_adds_each_languages_progress_and_full_reasons(
    issue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _build(issue, capsys, "--verbose")
    reason = "de: unavailable: no argos model for en→de; run 'make models LANGS=de'"
    assert [line for line in lines if line.startswith(reason)]
    assert sorted(_table(lines)) == sorted(EU_LANGUAGES)


def test_quiet_and_verbose_exclude_each_other(
    issue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["build", str(issue), "--quiet", "--verbose"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def _left_out(*langs: str) -> dict[str, LanguageResult]:
    return {
        lang: LanguageResult(lang, "unavailable", None, None, None, "…", (), {}, no_model=True)
        for lang in langs
    }


def test_the_missing_models_line_says_what_to_do_in_each_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def line(engine: str, *langs: str) -> str | None:
        return missing_models_line(_left_out(*langs), slug="s", engine=engine, source_lang="en")

    assert line("argos") is None
    assert (
        line("argos", "de")
        == "no model for 1 language (de): make models ISSUE=s LANGS=de installs them"
    )
    # The built-in model catalogue names Marian models for Croatian and Maltese.
    assert line("argos", "de", "hr", "mt") == (
        "no model for 3 languages (de hr mt): make models ISSUE=s LANGS=de,hr,mt installs them"
    )
    empty = tmp_path / "catalogue.toml"
    empty.write_text("# no models\n", encoding="utf-8")
    monkeypatch.setenv("NEWSLETTER_MODEL_CATALOGUE", str(empty))
    assert line("argos", "hr", "mt") == (
        "no model for 2 languages (hr mt): no index or catalogue has one: translate by hand "
        "(newsletter review export issues/s --lang hr)"
    )
    assert line("libretranslate", "de", "hr") == (
        "engine libretranslate has no model for de, hr: try another --engine"
    )
