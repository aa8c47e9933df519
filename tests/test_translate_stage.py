"""The translate stage with a deterministic fake engine: memory, pivots, coverage, parallelism."""

from __future__ import annotations

import re
import threading

import pytest

from pipeline import console
from pipeline.document import Origin, from_dict
from pipeline.errors import ConfigError, TranslationError
from pipeline.store import read_json
from pipeline.translate.engine import ENGINES, EngineSettings
from pipeline.translate.route import find_route
from pipeline.translate.stage import translate_issue
from tests.support.fake_engine import ARGOS_LIKE_PAIRS, FakeEngine, registered
from tests.support.translate import (
    Project,
    edit_paragraph,
    fake,
    project,
    source_document,
)

LANGS = ["en", "de", "fr"]


__all__ = ["fake", "project"]  # fixtures from tests.support.translate


def run(project: Project, langs: list[str], **kwargs: object) -> dict[str, object]:
    return translate_issue(  # type: ignore[return-value]
        project.config,
        project.paths,
        kwargs.pop("source", source_document()),  # type: ignore[arg-type]
        langs,
        engine="fake",
        **kwargs,  # type: ignore[arg-type]
    )


def test_first_run_translates_everything_in_one_call_per_language(
    project: Project, fake: FakeEngine
) -> None:
    results = translate_issue(
        project.config, project.paths, source_document(), LANGS, engine="fake"
    )
    assert list(results) == LANGS
    assert results["en"].status == "source"
    de = results["de"]
    assert (de.status, de.engine, de.model) == ("direct", "fake", "fake-en_de 1.0")
    assert len(fake.calls) == 2  # one per language, every segment at once
    assert de.document is not None
    assert de.document.blocks[2].paragraphs[0] == (
        "[de] The first was the creation of Smart in 1998. [de] The Sozialwirtschaft matters."
    )
    assert [s.name for s in de.document.speakers] == ["CECOP", "Anne-Laure Desgris"]
    assert de.document.speakers[1].role == "[de] Co-CEO of the cooperative Smart Belgium"
    assert de.document.fields["subject"].startswith("[de] ")
    assert set(de.document.fields) == {
        "title",
        "subject",
        "preheader",
        "pull_quote",
        "link.0",
        "link.1",
    }
    assert de.document.fields["link.0"] == "[de] Read more about CECOP"  # a button's label
    assert {s.origin for s in de.document.segments} == {Origin("engine", "fake", "fake-en_de 1.0")}
    assert de.stats["segments"] == de.stats["engine"] == len(de.document.segments)
    on_disk = from_dict(read_json(project.paths.lang_document_json("de")))
    assert on_disk == de.document
    source = results["en"].document
    assert source is not None and source.fields["title"] == project.config.title
    assert {s.origin.kind for s in source.segments} == {"source"}


def test_masked_terms_reach_the_engine_as_placeholders(project: Project, fake: FakeEngine) -> None:
    translate_issue(project.config, project.paths, source_document(), ["en", "de"], engine="fake")
    sent = fake.calls[0][2]
    assert "__0__ sat down with its member __1__." in sent
    assert not any("Smart" in s or "CECOP" in s for s in sent)
    assert len(sent) == len(set(sent))  # de-duplicated


def test_rebuild_with_nothing_changed_makes_no_engine_call(
    project: Project, fake: FakeEngine
) -> None:
    first = translate_issue(project.config, project.paths, source_document(), LANGS, engine="fake")
    calls = len(fake.calls)
    second = translate_issue(project.config, project.paths, source_document(), LANGS, engine="fake")
    assert len(fake.calls) == calls  # no model loaded, no engine call
    assert len(fake.loaded) == calls
    for lang in ("de", "fr"):
        doc1, doc2 = first[lang].document, second[lang].document
        assert doc1 is not None and doc2 is not None
        assert doc2.blocks == doc1.blocks and doc2.fields == doc1.fields
        assert {s.origin.kind for s in doc2.segments} == {"memory"}
        assert second[lang].stats["memory"] == second[lang].stats["segments"]


def test_editing_one_paragraph_retranslates_only_its_segments(
    project: Project, fake: FakeEngine
) -> None:
    translate_issue(project.config, project.paths, source_document(), ["en", "de"], engine="fake")
    edited = edit_paragraph(
        source_document(), 2, 0, "The first was the creation of Smart in 1998. It grew fast."
    )
    result = translate_issue(project.config, project.paths, edited, ["en", "de"], engine="fake")
    assert fake.calls[-1][2] == ["It grew fast."]
    doc = result["de"].document
    assert doc is not None
    kinds = {s.key: s.origin.kind for s in doc.segments}
    assert kinds["b2.p0.s1"] == "engine"
    assert sum(k == "engine" for k in kinds.values()) == 1


def test_a_new_model_version_misses_the_memory(project: Project) -> None:
    with registered(FakeEngine(version="1.0")):
        translate_issue(project.config, project.paths, source_document(), ["de"], engine="fake")
    with registered(FakeEngine(version="1.1")) as newer:
        result = translate_issue(
            project.config, project.paths, source_document(), ["de"], engine="fake"
        )
    assert len(newer.calls) == 1
    assert result["de"].model == "fake-en_de 1.1"


def test_pivot_through_english_records_both_hops(project: Project, fake: FakeEngine) -> None:
    assert find_route(ARGOS_LIKE_PAIRS, "fr", "et") is not None
    source = source_document()
    fr_source = type(source)("fr", source.speakers, source.blocks)
    one_at_a_time = EngineSettings(parallel_languages=1)
    results = translate_issue(
        project.config,
        project.paths,
        fr_source,
        ["fr", "et", "en"],
        engine="fake",
        settings=one_at_a_time,
    )
    et = results["et"]
    assert et.status == "pivot"
    assert et.model == "fake-fr_en 1.0 + fake-en_et 1.0"
    assert et.document is not None
    assert et.document.segments[0].origin == Origin("engine", "fake", et.model, via="en")
    assert et.document.segments[0].text.startswith("[et] [en] ")
    assert results["en"].status == "direct"
    # fr→en ran once for both: the direct "en" reused the pivot hop's memory rows.
    hops = [(a, b) for a, b, _ in fake.calls]
    assert hops.count(("fr", "en")) == 1 and hops.count(("en", "et")) == 1


def test_hr_and_mt_are_unavailable_and_the_build_goes_on(
    project: Project, fake: FakeEngine
) -> None:
    results = translate_issue(
        project.config, project.paths, source_document(), ["en", "hr", "de", "mt"], engine="fake"
    )
    assert results["de"].status == "direct"
    for lang in ("hr", "mt"):
        result = results[lang]
        assert (result.status, result.document, result.engine) == ("unavailable", None, None)
        assert result.message is not None and f"translations/{lang}.po" in result.message
        assert f"review export issues/2024-06-belgian-presidency --lang {lang}" in result.message
        assert not project.paths.lang_document_json(lang).exists()


def test_strict_makes_a_missing_language_an_error(project: Project, fake: FakeEngine) -> None:
    with pytest.raises(TranslationError) as caught:
        translate_issue(
            project.config,
            project.paths,
            source_document(),
            ["en", "de", "hr"],
            engine="fake",
            strict=True,
        )
    assert "hr" in caught.value.message
    assert fake.calls == []  # refused before any work


def test_languages_run_two_at_a_time(project: Project, fake: FakeEngine) -> None:
    fake.barrier = threading.Barrier(2)  # each call waits for another one to be running
    results = translate_issue(
        project.config,
        project.paths,
        source_document(),
        ["en", "de", "fr", "it", "nl"],
        engine="fake",
        settings=EngineSettings(parallel_languages=2),
    )
    assert fake.max_active == 2
    assert [r.status for r in results.values()] == ["source"] + ["direct"] * 4


def test_progress_prints_one_line_per_language_when_verbose(
    project: Project, fake: FakeEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    with console.at_level("verbose"):
        translate_issue(
            project.config, project.paths, source_document(), ["en", "de", "hr"], engine="fake"
        )
    err = capsys.readouterr().err
    assert "de: direct (0 human, 0 memory, " in err
    assert "hr: unavailable: " in err
    translate_issue(
        project.config, project.paths, source_document(), ["en", "de", "hr"], engine="fake"
    )
    assert "de: direct" not in capsys.readouterr().err  # the build's table says it once


def test_a_lost_placeholder_is_retranslated_unmasked_and_reported(project: Project) -> None:
    with registered(FakeEngine(lose_placeholders=True)) as lossy:
        result = translate_issue(
            project.config, project.paths, source_document(), ["de"], engine="fake"
        )
    de = result["de"]
    assert de.document is not None
    codes = {(f.code, f.where) for f in de.findings}
    assert ("placeholder-lost", "b0.p0.s0") in codes
    text = {s.key: s.text for s in de.document.segments}
    assert text["b0.p0.s0"] == "[de] CECOP sat down with its member Smart."
    assert "__" not in " ".join(text.values()) and "something" not in text["b0.p0.s0"]
    assert len(lossy.calls) == 2  # the batch, then one retry of the damaged segments
    with registered(FakeEngine(lose_placeholders=True)) as again:
        rerun = translate_issue(
            project.config, project.paths, source_document(), ["de"], engine="fake"
        )
    assert again.calls == []  # the unmasked retry was remembered under its own key
    redo = rerun["de"].document
    assert redo is not None and redo.blocks == de.document.blocks


def test_unknown_engine_is_a_config_error(project: Project) -> None:
    with pytest.raises(ConfigError, match="unknown translation engine 'nope'"):
        translate_issue(project.config, project.paths, source_document(), ["de"], engine="nope")


def test_engine_failure_marks_the_language_unavailable_unless_strict(project: Project) -> None:
    class Broken(FakeEngine):
        def translate(self, source_lang: str, target_lang: str, segments: object) -> list[str]:
            raise TranslationError(f"model for {target_lang} is broken")

    with registered(Broken()):
        results = translate_issue(
            project.config, project.paths, source_document(), ["de"], engine="fake"
        )
        assert results["de"].status == "unavailable"
        assert results["de"].message == "model for de is broken"
        with pytest.raises(TranslationError):
            translate_issue(
                project.config, project.paths, source_document(), ["de"], engine="fake", strict=True
            )


class ArgosLike(FakeEngine):
    name = "argos"


def test_install_missing_offline_says_so_once_and_builds_the_rest(
    project: Project, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline.translate import models

    def offline(**_: object) -> set[tuple[str, str]]:
        raise TranslationError("cannot read the argos package index (offline)")

    monkeypatch.setattr(models, "index_pairs", offline)
    eng = ArgosLike(pairs={("en", "de")})
    monkeypatch.setitem(ENGINES, "argos", lambda settings: eng)
    results = translate_issue(
        project.config,
        project.paths,
        source_document(),
        ["en", "de", "fr", "it"],
        install_missing=True,
    )
    assert [r.status for r in results.values()] == [
        "source",
        "direct",
        "unavailable",
        "unavailable",
    ]
    assert capsys.readouterr().err.count("offline") == 1
    assert results["fr"].message is not None
    assert results["fr"].message.startswith("no argos model for en→fr; run 'make models LANGS=fr'")


def test_install_missing_installs_what_the_index_offers(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.translate import models

    eng = ArgosLike(pairs=set())
    installed: list[list[tuple[str, str]]] = []

    def ensure_installed(pairs: list[tuple[str, str]], **kwargs: object) -> None:
        installed.append(list(pairs))
        eng._pairs |= set(pairs)

    monkeypatch.setattr(models, "index_pairs", lambda **_: {("en", "de"), ("en", "fr")})
    monkeypatch.setattr(models, "ensure_installed", ensure_installed)
    monkeypatch.setitem(ENGINES, "argos", lambda settings: eng)
    results = translate_issue(
        project.config, project.paths, source_document(), ["en", "de", "hr"], install_missing=True
    )
    assert installed == [[("en", "de")]]
    assert results["de"].status == "direct" and results["hr"].status == "unavailable"
    assert "the Argos index has no package for it" in (results["hr"].message or "")


PROTECTED = ("CECOP", "Smart", "Anne-Laure Desgris")


def weak_model(text: str) -> str:
    """Drops placeholder 0, and "translates" the brand names it can see."""
    text = text.replace("__0__", "")
    for term, translated in (("CECOP", "Cecop"), ("Smart", "Klug"), ("Desgris", "Grau")):
        text = text.replace(term, translated)
    return text


def test_terms_that_survived_masking_are_kept_when_another_placeholder_is_lost(
    project: Project,
) -> None:
    with registered(FakeEngine(mangle=weak_model)) as weak:
        de = run(project, ["de"])["de"]
    assert de.document is not None  # type: ignore[attr-defined]
    segments = de.document.segments  # type: ignore[attr-defined]
    text = {s.key: s.text for s in segments}
    # The lost CECOP was retried unmasked (and translated, reported); Smart stayed verbatim.
    assert text["b0.p0.s0"] == "[de] Cecop sat down with its member Smart."
    with_terms = [s for s in segments if len(_terms_in(s.source)) > 1]
    assert len(with_terms) >= 2
    for seg in with_terms:  # every term but the one whose placeholder was lost survives
        assert len(_terms_in(seg.text)) == len(_terms_in(seg.source)) - 1, seg
    findings = {(f.code, f.where) for f in de.findings}  # type: ignore[attr-defined]
    assert ("placeholder-lost", "b0.p0.s0") in findings
    assert ("protected-term-missing", "b0.p0.s0") in findings
    assert len(weak.calls) == 2  # the batch, then one retry of the damaged segments


def _terms_in(text: str) -> list[str]:
    return [t for t in PROTECTED if t in text]


def test_placeholders_split_into_pieces_are_put_back_without_a_retry(project: Project) -> None:
    def pieces(text: str) -> str:  # "__0__" → "0__", other placeholders → a bare "__"
        return re.sub(r"__(\d+)__", lambda m: "0__" if m[1] == "0" else "__", text)

    with registered(FakeEngine(mangle=pieces)) as engine:
        de = run(project, ["de"])["de"]
    assert len(engine.calls) == 1
    text = {s.key: s.text for s in de.document.segments}  # type: ignore[attr-defined]
    assert text["b0.p0.s0"] == "[de] CECOP sat down with its member Smart."
    assert "__" not in " ".join(text.values())
    lost = [f for f in de.findings if f.code == "placeholder-lost"]  # type: ignore[attr-defined]
    assert "b0.p0.s0" in {f.where for f in lost}
    assert all("put back where" in f.message for f in lost)
    assert not [f for f in de.findings if f.code.endswith("term-missing")]  # type: ignore[attr-defined]


def test_a_lost_fixed_translation_is_reported(project: Project) -> None:
    with registered(FakeEngine(lose_placeholders=True)):
        de = run(project, ["de"])["de"]
    codes = {(f.code, f.where) for f in de.findings}  # type: ignore[attr-defined]
    assert ("fixed-term-missing", "b2.p0.s1") in codes


def test_cold_and_warm_builds_report_the_same_findings(project: Project) -> None:
    with registered(FakeEngine(mangle=weak_model)):
        cold = run(project, ["de", "fr"])
    with registered(FakeEngine(mangle=weak_model)) as warm_engine:
        warm = run(project, ["de", "fr"])
    assert warm_engine.calls == []
    for lang in ("de", "fr"):
        assert warm[lang].findings == cold[lang].findings  # type: ignore[attr-defined]
        assert warm[lang].document.blocks == cold[lang].document.blocks  # type: ignore[attr-defined]
    assert any(f.code == "placeholder-lost" for f in cold["de"].findings)  # type: ignore[attr-defined]


def test_strict_names_the_first_missing_language_in_the_contract_wording(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    eng = ArgosLike(pairs={("en", "fr")})
    monkeypatch.setitem(ENGINES, "argos", lambda settings: eng)
    with pytest.raises(TranslationError) as caught:
        translate_issue(
            project.config,
            project.paths,
            source_document(),
            ["en", "de", "fr", "hr", "mt"],
            strict=True,
        )
    assert caught.value.message == "no argos model for en→de; run 'make models LANGS=de'"
    details = caught.value.details
    assert details[0].startswith("no argos model for en→de; run 'make models LANGS=de'")
    for lang, line in zip(("hr", "mt"), details[1:3], strict=True):
        assert line.startswith(f"no argos model for en→{lang}: the Argos index has no package")
        assert f"translations/{lang}.po" in line
    assert not any("en→fr" in line for line in details)
    assert eng.calls == []


def test_placeholder_debris_never_reaches_the_reader(project: Project) -> None:
    def debris(text: str) -> str:
        if "__0__" in text:  # the masked batch: placeholder 0 becomes ambiguous debris
            return text.replace("__0__", "__ __")
        return weak_model(text.replace("__1__", ""))  # the retry loses even more

    with registered(FakeEngine(mangle=debris)):
        de = run(project, ["de"])["de"]
    text = {s.key: s.text for s in de.document.segments}  # type: ignore[attr-defined]
    # The masked output kept more terms, but "__ __" must not be printed: the retry wins.
    assert text["b0.p0.s0"] == "[de] Cecop sat down with its member ."
    assert "__" not in " ".join(text.values())


def test_a_german_build_translates_the_link_labels(project: Project, fake: FakeEngine) -> None:
    """The buttons' labels were never segments: a German e-mail said "Read more about CECOP"
    with no warning. They go through the engine (masked), the memory and the render now."""
    from pipeline.render import render_email

    de = run(project, ["en", "de"])["de"]
    assert de.document is not None
    labels = {s.key: (s.source, s.text) for s in de.document.segments if "link" in s.key}
    assert labels == {
        "field.link.0": ("Read more about CECOP", "[de] Read more about CECOP"),
        "field.link.1": ("Discover Smart Belgium", "[de] Discover Smart Belgium"),
    }
    assert any("Read more about __0__" in text for text in fake.calls[0][2])  # masked
    email = render_email(project.config, de.document, provider="brevo", languages=["en", "de"])
    assert email.html.count("Read more about CECOP") == email.html.count("[de] Read more about")
    assert "[de] Discover Smart Belgium" in email.text
    assert not [f for f in email.findings if f.code == "field-untranslated"]


class CheapRetry(FakeEngine):
    """A fake whose second pass (lost placeholders) has a decoding of its own, like argos."""

    def __init__(self) -> None:
        super().__init__(lose_placeholders=True)
        self.retry = FakeEngine()

    def for_retry(self) -> tuple[FakeEngine, str]:
        return self.retry, " retry-beam1"


def test_the_second_pass_uses_the_engines_retry_decoding_with_its_own_memory_rows(
    project: Project,
) -> None:
    with registered(CheapRetry()) as eng:
        cold = run(project, ["en", "de"])["de"]
    assert eng.calls and eng.retry.calls  # first pass on the engine, the retry on its view
    retried = eng.retry.calls[0][2]
    assert retried and all("__" not in text for text in retried)  # every lost term unmasked
    # Warm: both passes come from the memory (the retry's rows under their own key), and the
    # text is the same as cold.
    with registered(CheapRetry()) as warm_eng:
        warm = run(project, ["en", "de"])["de"]
    assert warm_eng.calls == [] and warm_eng.retry.calls == []
    assert warm.document is not None and cold.document is not None
    assert [s.text for s in warm.document.segments] == [s.text for s in cold.document.segments]
    assert warm.findings == cold.findings
    # Without the glossary the first pass sends what the retry sent (nothing is masked): it is
    # not answered from the retry's rows, which were decoded differently.
    project.paths.glossary.write_text("protect = []\n", encoding="utf-8")
    with registered(FakeEngine()) as plain:
        run(project, ["en", "de"])
    assert plain.calls and set(retried) <= set(plain.calls[0][2])


def test_one_language_alone_gets_every_translator_thread() -> None:
    from pipeline.translate.engine import threads_for

    settings = EngineSettings()
    assert settings.inter_threads == 0  # auto
    assert threads_for(settings, 1).inter_threads == settings.parallel_languages
    assert threads_for(settings, 23).inter_threads == 1
    assert threads_for(EngineSettings(inter_threads=3), 1).inter_threads == 3  # as asked
