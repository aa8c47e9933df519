"""The argos engine on tiny real packages installed with ``newsletter models install``.

The tiny model's output is noise; these tests check the engine's mechanics (one batch per
language, bounded output, prefix handling, decoding, threads, errors), not translation quality.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sentencepiece as spm

from pipeline.errors import ModelMissingError
from pipeline.translate.argos import ArgosEngine, _decode
from pipeline.translate.engine import ENGINES, EngineSettings
from tests.support.argos_env import ArgosEnv, argos_env, argos_index, served_env
from tests.support.index_server import IndexServer
from tests.support.tinyargos import build_package, build_package_dir

__all__ = ["argos_env", "argos_index"]  # fixtures used below

SEGMENTS = [
    "CECOP had the chance to sit down with its member Smart.",
    "",
    "Cooperatives are enterprises owned by their members, who share the risks and the benefits.",
    "Numbers such as 2024 should come out unchanged.",
]

# Runs in the child process: a Translator wrapper that records every call it sees.
COUNTING = """
import json, sys, threading
import ctranslate2
import sentencepiece
from pipeline.translate.argos import ArgosEngine, model_files
from pipeline.translate.engine import EngineSettings

CALLS = []
LOADS = []

class Counting:
    def __init__(self, *args, **kwargs):
        LOADS.append(kwargs)
        self._inner = ctranslate2.Translator(*args, **kwargs)
    def translate_batch(self, sources, **kwargs):
        CALLS.append({"n": len(sources), "max_len": kwargs["max_decoding_length"],
                      "prefix": kwargs.get("target_prefix"), "beam": kwargs["beam_size"]})
        return self._inner.translate_batch(sources, **kwargs)

engine = ArgosEngine(EngineSettings(beam_size=2, length_ratio=1.0, length_extra=2),
                     translator_factory=Counting)
"""


def install(env: ArgosEnv, server: IndexServer, *langs: str) -> None:
    server.publish([("en", lang) for lang in langs])
    result = served_env(env, server).cli("models", "install", *langs)
    assert result.returncode == 0, result.stderr


def run_json(env: ArgosEnv, code: str) -> dict[str, Any]:
    result = env.python(COUNTING + code)
    assert result.returncode == 0, result.stderr
    value: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return value


def test_one_language_is_one_batch_with_bounded_outputs(
    argos_env: ArgosEnv, argos_index: IndexServer
) -> None:
    install(argos_env, argos_index, "de")
    out = run_json(
        argos_env,
        f"""
segments = {SEGMENTS!r}
texts = engine.translate("en", "de", segments)
sp = sentencepiece.SentencePieceProcessor(model_file=str(model_files("en", "de").sentencepiece))
lengths = [(len(sp.encode(s.strip(), out_type=str)), len(sp.encode(t, out_type=str)))
           for s, t in zip(segments, texts)]
print(json.dumps({{"texts": texts, "calls": CALLS, "loads": LOADS, "lengths": lengths,
                  "id": engine.model_id("en", "de"), "pairs": sorted(engine.pairs()),
                  "argos_translate": "argostranslate.translate" in sys.modules}}))
""",
    )
    texts = out["texts"]
    assert isinstance(texts, list) and len(texts) == len(SEGMENTS)
    assert texts[1] == ""  # an empty segment is not sent to the model
    lengths = out["lengths"]
    assert isinstance(lengths, list)
    longest = max(source for source, _ in lengths)
    assert out["calls"] == [{"n": 3, "max_len": longest + 2, "prefix": None, "beam": 2}]
    assert out["loads"] == [
        {"device": "cpu", "compute_type": "int8", "inter_threads": 1, "intra_threads": 1}
    ]
    # re-encoding the output may merge pieces, never add any: each is within its own bound
    assert all(target <= source + 2 for source, target in lengths)
    assert out["id"] == "translate-en_de 1.0"
    assert out["pairs"] == [["en", "de"]]
    assert out["argos_translate"] is False


def test_the_retry_view_decodes_greedily_with_the_loaded_model(
    argos_env: ArgosEnv, argos_index: IndexServer
) -> None:
    install(argos_env, argos_index, "de")
    out = run_json(
        argos_env,
        f"""
from pipeline.translate.engine import retry_engine
segments = {SEGMENTS!r}
with engine.hold_models() as held:
    held.translate("en", "de", segments)
    retry, tag = retry_engine(held)
    retry.translate("en", "de", segments[:1])
print(json.dumps({{"beams": [c["beam"] for c in CALLS], "loads": len(LOADS), "tag": tag}}))
""",
    )
    assert out == {"beams": [2, 1], "loads": 1, "tag": " retry-beam1"}


def test_two_languages_on_two_threads_match_the_sequential_run(
    argos_env: ArgosEnv, argos_index: IndexServer
) -> None:
    install(argos_env, argos_index, "de", "fr")
    out = run_json(
        argos_env,
        f"""
segments = {SEGMENTS!r}
sequential = {{lang: engine.translate("en", lang, segments) for lang in ("de", "fr")}}
parallel = {{}}
threads = [threading.Thread(target=lambda l=lang: parallel.__setitem__(
    l, engine.translate("en", l, segments))) for lang in ("de", "fr")]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({{"same": parallel == sequential, "calls": len(CALLS), "loads": len(LOADS),
                  "stats": engine.stats}}))
""",
    )
    assert out["same"] is True
    assert out["calls"] == 4 and out["loads"] == 4  # one load and one batch per translate()
    assert out["stats"] == {"models_loaded": 4, "batches": 4, "segments": 12}


def test_target_prefix_is_forced_and_stripped(tmp_path: Path, argos_env: ArgosEnv) -> None:
    path = build_package(tmp_path, "en", "de", target_prefix="__de__")
    assert argos_env.cli("models", "install-file", str(path)).returncode == 0
    out = run_json(
        argos_env,
        f"""
texts = engine.translate("en", "de", {SEGMENTS!r})
sp = sentencepiece.SentencePieceProcessor(model_file=str(model_files("en", "de").sentencepiece))
longest = max(len(sp.encode(s, out_type=str)) for s in {SEGMENTS!r})
print(json.dumps({{"texts": texts, "calls": CALLS, "longest": longest}}))
""",
    )
    (call,) = out["calls"]
    assert call["prefix"] == [["__de__"]] * 3
    assert call["max_len"] == out["longest"] + 2 + 1  # the prefix token comes on top
    assert not any("__de__" in text for text in out["texts"])


def test_the_newest_installed_version_is_used(tmp_path: Path, argos_env: ArgosEnv) -> None:
    for version in ("1.2", "1.10"):  # two folders side by side, as a manual copy leaves them
        build_package_dir(argos_env.packages_dir / f"en_de_{version}", "en", "de", version=version)
    out = run_json(argos_env, 'print(json.dumps({"id": engine.model_id("en", "de")}))')
    assert out["id"] == "translate-en_de 1.10"


def test_a_missing_pair_names_the_make_command(argos_env: ArgosEnv) -> None:
    result = argos_env.python(
        COUNTING
        + """
from pipeline.errors import ModelMissingError
try:
    engine.translate("en", "de", ["Hello."])
except ModelMissingError as exc:
    print(exc.exit_code, exc.message)
print(len(LOADS))
"""
    )
    assert result.stdout.splitlines() == [
        "2 no argos model for en→de; run 'make models LANGS=de'",
        "0",
    ]


def test_decoding_keeps_underscores_that_argos_would_turn_into_spaces(tmp_path: Path) -> None:
    folder = build_package_dir(tmp_path / "pkg")
    processor = spm.SentencePieceProcessor(model_file=str(folder / "sentencepiece.model"))
    text = "Write to news_desk@example.org about __PROTECTED_0__ today."
    pieces = processor.encode(text, out_type=str)
    assert _decode(processor, ["__de__", *pieces], "__de__", 1000) == text
    assert _decode(processor, pieces, "", 3) == processor.decode_pieces(pieces[:3]).strip()


def test_importing_the_module_registers_the_engine() -> None:
    engine = ENGINES["argos"](EngineSettings(beam_size=1))
    assert isinstance(engine, ArgosEngine)
    assert engine.name == "argos" and engine.settings.beam_size == 1
    assert ModelMissingError.exit_code == 2


def test_a_model_that_never_stops_is_cut_at_each_sources_own_bound(
    tmp_path: Path, argos_env: ArgosEnv
) -> None:
    path = build_package(tmp_path, "en", "de", eos_bias=-50.0)  # never emits </s>
    assert argos_env.cli("models", "install-file", str(path)).returncode == 0
    segments = ["Hello.", SEGMENTS[2]]
    out = run_json(
        argos_env,
        f"""
texts = engine.translate("en", "de", {segments!r})
sp = sentencepiece.SentencePieceProcessor(model_file=str(model_files("en", "de").sentencepiece))
sources = [len(sp.encode(s, out_type=str)) for s in {segments!r}]
pieces = [len(sp.encode(t, out_type=str)) for t in texts]
print(json.dumps({{"sources": sources, "pieces": pieces, "calls": CALLS}}))
""",
    )
    short, long = out["sources"]
    assert out["calls"][0]["max_len"] == long + 2
    short_out, long_out = out["pieces"]
    assert 0 < short_out <= short + 2 < long_out <= long + 2


# --- the benchmark's measurement and report (tests/bench) ----------------------------------


def test_the_bench_records_model_calls_however_they_are_reached(
    argos_env: ArgosEnv, argos_index: IndexServer
) -> None:
    install(argos_env, argos_index, "de")
    out = run_json(
        argos_env,
        f"""
from tests.bench.bench_translate import record_model_calls, summarise_calls
calls = record_model_calls()
segments = {SEGMENTS!r}
engine.translate("en", "de", segments)
with engine.hold_models() as held:  # the stage's way: the retry reuses the loaded model
    held.translate("en", "de", segments)
    held.translate("en", "de", segments[:1])
print(json.dumps({{"recorded": [[pair, len(s)] for pair, s, _ in calls],
                  "batches": len(CALLS), "summary": summarise_calls(calls)}}))
""",
    )
    assert out["recorded"] == [["en→de", 3], ["en→de", 3], ["en→de", 1]]
    assert out["batches"] == 3  # every translate_batch the model saw was recorded
    assert out["summary"]["model_calls"] == 3 and out["summary"]["retry_segments"] == 4


def stage_figures(seconds: float, calls: int, segments: int, retried: int) -> dict[str, Any]:
    return {
        "seconds": seconds,
        "languages": 24,
        "engine_segments": segments,
        "model_calls": calls,
        "model_segments": segments,
        "model_s": seconds,
        "retry_segments": retried,
        "languages_retried": 1 if retried else 0,
        "first_batch": segments - retried,
    }


def test_the_bench_report_says_na_instead_of_dividing_by_zero() -> None:
    from tests.bench.translate_report import markdown

    nothing = {**stage_figures(5.0, 0, 0, 0), "raw_s": 0.0, "segments": []}
    report = markdown(
        {
            "standin_build_s": 0.0,
            "total_s": 1.0,
            "engine_vs_raw": {"error": "boom"},
            "stage": {
                "de_cold": nothing,
                "all_cold": stage_figures(60.0, 2, 94, 26),
                "all_warm": stage_figures(0.2, 0, 0, 0),
            },
            "stage_noglossary": {"all_cold": stage_figures(40.0, 1, 68, 0)},
        }
    )
    assert "n/a (no model call was recorded" in report
    assert "26 of 94 segments were retries (placeholder lost) in 1 languages" in report
    assert "1 model calls, no retries" in report
    assert "empty glossary | **40.0 s**" in report
    assert "- engine_vs_raw failed: boom" in report


def test_the_paired_figure_is_the_median_of_whole_rounds_never_a_scaled_subset() -> None:
    from tests.bench.paired_argos import summarise
    from tests.bench.translate_report import markdown

    rounds = [
        {"argos": {"seconds": a}, "argos-1-thread": {"seconds": 10.0},
         "glossary": {"seconds": g}, "noglossary": {"seconds": 4.0}}
        for a, g in ((40.0, 5.0), (20.0, 4.0), (60.0, 5.0))
    ]  # fmt: skip
    figures = summarise(rounds, 32)
    assert figures["ratio_glossary"]["each"] == [8.0, 5.0, 12.0]
    assert figures["ratio_glossary"]["median"] == 8.0
    report = markdown({"standin_build_s": 0.0, "total_s": 1.0, "paired": figures})
    assert (
        "40.0 s (20.0–60.0) vs 5.0 s (4.0–5.0) = **8.0×** faster (median; rounds 8.0, 5.0" in report
    )
    assert "ARGOS_INTRA_THREADS=1 (10.0 s (10.0–10.0)): 2.0× (rounds 2.0, 2.5, 2.0)" in report
    failed = markdown({"standin_build_s": 0.0, "total_s": 1.0, "paired": {"error": "no uv"}})
    assert "| (b) vs stock argostranslate | not measured: no uv | |" in failed
