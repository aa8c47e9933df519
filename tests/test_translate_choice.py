"""The engine per language: ``[translate] engines`` in issue.toml and ``--engine``.

Two fake engines stand for real ones that cover different languages (as argos lacks hr and
Apertium has it): "fake" serves the argos-like pairs, "other" only en→hr and en→es.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.config import TranslateConfig, load_issue
from pipeline.errors import ConfigError, TranslationError
from pipeline.translate.stage import LanguageResult, translate_issue
from tests.support.fake_engine import FakeEngine, registered
from tests.support.translate import Project, project, source_document

__all__ = ["project"]  # a fixture from tests.support.translate


@pytest.fixture
def engines() -> Iterator[tuple[FakeEngine, FakeEngine]]:
    other = FakeEngine(pairs={("en", "hr"), ("en", "es")}, version="2.0")
    other.name = "other"
    with registered(FakeEngine(), "fake") as fake, registered(other, "other"):
        yield fake, other


def run(
    project: Project, table: dict[str, tuple[str, ...]], langs: list[str], **kwargs: object
) -> dict[str, LanguageResult]:
    config = replace(project.config, translate=TranslateConfig(table))
    return translate_issue(config, project.paths, source_document(), langs, **kwargs)  # type: ignore[arg-type]


def test_the_first_engine_that_can_translate_a_language_wins(
    project: Project, engines: tuple[FakeEngine, FakeEngine]
) -> None:
    fake, other = engines
    results = run(project, {"hr": ("fake", "other")}, ["en", "de", "hr"], engine="fake")
    hr = results["hr"]
    assert (hr.status, hr.engine, hr.model) == ("direct", "other", "fake-en_hr 2.0")
    assert hr.candidates == ("fake", "other")
    assert hr.passed_over == ("fake: no model for en→hr",)
    assert results["de"].engine == "fake"  # --engine is the default for the rest
    assert [c[1] for c in fake.calls] == ["de"] and [c[1] for c in other.calls] == ["hr"]


def test_the_language_entry_wins_over_the_command_line(
    project: Project, engines: tuple[FakeEngine, FakeEngine]
) -> None:
    results = run(project, {"es": ("other",)}, ["es", "de"], engine="fake")
    assert (results["es"].engine, results["de"].engine) == ("other", "fake")


def test_the_table_default_applies_without_engine(
    project: Project, engines: tuple[FakeEngine, FakeEngine]
) -> None:
    results = run(project, {"default": ("other",), "de": ("fake",)}, ["es", "de"])
    assert (results["es"].engine, results["de"].engine) == ("other", "fake")


def test_the_engine_is_part_of_the_memory_key(
    project: Project, engines: tuple[FakeEngine, FakeEngine]
) -> None:
    fake, other = engines
    fake._pairs.add(("en", "hr"))
    run(project, {"hr": ("fake",)}, ["hr"])
    run(project, {"hr": ("fake",)}, ["hr"])
    assert len(fake.calls) == 1  # the second build came from the memory
    switched = run(project, {"hr": ("other",)}, ["hr"])
    assert len(other.calls) == 1 and switched["hr"].stats["memory"] == 0


def test_no_candidate_can_translate_the_language(
    project: Project, engines: tuple[FakeEngine, FakeEngine]
) -> None:
    results = run(project, {"mt": ("fake", "other")}, ["mt"])
    assert results["mt"].status == "unavailable"
    assert (results["mt"].message or "").startswith(
        "no engine can translate en→mt (fake: no model for en→mt; other: no model for en→mt)"
    )


def test_an_engine_that_cannot_answer_is_passed_over_when_another_follows(
    project: Project, engines: tuple[FakeEngine, FakeEngine]
) -> None:
    class Down(FakeEngine):
        def pairs(self) -> set[tuple[str, str]]:
            raise TranslationError("LibreTranslate at http://lt.test: connection failed")

    with registered(Down(), "down"):
        results = run(project, {"hr": ("down", "other")}, ["hr"])
        assert results["hr"].engine == "other"
        assert results["hr"].passed_over == (
            "down: LibreTranslate at http://lt.test: connection failed",
        )
        with pytest.raises(TranslationError, match="connection failed"):
            run(project, {}, ["hr"], engine="down")  # alone, its error is the build's


def test_an_unknown_engine_in_the_table_names_the_key(
    project: Project, engines: tuple[FakeEngine, FakeEngine]
) -> None:
    with pytest.raises(
        ConfigError, match=r"'\[translate\] engines.hr' names unknown engine 'marain'"
    ):
        run(project, {"hr": ("marain", "other")}, ["hr"])


def test_the_report_records_the_choice(
    project: Project, engines: tuple[FakeEngine, FakeEngine]
) -> None:
    from pipeline.build import build_report

    results = run(project, {"hr": ("fake", "other")}, ["en", "hr"], engine="fake")
    entry = build_report(project.config, "brevo", results, {})["languages"]["hr"]
    assert entry["engine"] == "other"
    assert entry["engine_candidates"] == ["fake", "other"]
    assert entry["engines_passed_over"] == ["fake: no model for en→hr"]


def test_only_languages_that_would_use_argos_get_argos_packages(
    project: Project, engines: tuple[FakeEngine, FakeEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.translate import models

    argos = FakeEngine(pairs=set())
    argos.name = "argos"
    asked: list[set[str]] = []
    monkeypatch.setattr(models, "index_pairs", lambda **_: {("en", "de"), ("en", "es")})
    monkeypatch.setattr(models, "ensure_installed", lambda pairs, **kw: asked.append(set(pairs)))
    with registered(argos, "argos"):
        run(
            project,
            {"es": ("other", "argos"), "hr": ("other",)},
            ["de", "es", "hr"],
            install_missing=True,
        )
    assert asked == [{("en", "de")}]  # es has "other" first, hr does not use argos


# -- issue.toml ------------------------------------------------------------------------------

TABLE = """
[translate]
engines = { hr = ["marian", "apertium"], default = "argos", xx = ["argos"], mt = [] }
"""


def _issue(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "issue.toml"
    seed = Path(__file__).parent.parent / "issues" / "2024-06-belgian-presidency" / "issue.toml"
    path.write_text(seed.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


def test_the_table_is_read_from_issue_toml(tmp_path: Path) -> None:
    path = _issue(
        tmp_path, '\n[translate]\nengines = { hr = ["marian", "apertium"], default = "argos" }\n'
    )
    translate = load_issue(path).translate
    assert translate.engines == {"hr": ("marian", "apertium"), "default": ("argos",)}
    assert translate.engines_for("hr", "libretranslate") == ("marian", "apertium")
    assert translate.engines_for("de", "libretranslate") == ("libretranslate",)
    assert translate.engines_for("de") == ("argos",)
    assert TranslateConfig().engines_for("de") == ("argos",)


def test_problems_in_the_table_are_reported_with_the_others(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_issue(_issue(tmp_path, TABLE))
    problems = "\n".join(caught.value.details)
    assert '\'translate.engines.xx\' "xx" is not an EU language code or "default"' in problems
    assert "'translate.engines.mt' must be a list of engine names" in problems
    assert len(caught.value.details) == 2
