"""Benchmark of the translate stage on a stand-in argos model with real dimensions.

The stand-in (tests/support/tinyargos with REAL dims: 6+6 layers, d_model 512, 8 heads, FFN
2048, 32k vocabulary, int8) has random weights and a "clock" that stops decoding after about
as many tokens as an average source sentence, so outputs have realistic lengths; its output is
noise and says nothing about quality. The same model is installed for every language. Each
measurement runs in a child process (argostranslate reads its settings at import), with
``python -m tests.bench.bench_translate JOB``. The stand-in is cached under build/bench/.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pipeline.languages import EU_LANGUAGES
from tests.bench import BenchSection

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "build" / "bench" / "translate"
ISSUE = ROOT / "issues" / "2024-06-belgian-presidency"
SEED = ISSUE / "interview.txt"  # the seed interview (same text as shared/seeds/000_…)
STOP_AFTER = 40  # tokens; about the seed's mean sentence length in the stand-in's vocabulary
STANDIN = CACHE / f"standin-real-stop{STOP_AFTER}-v1"
TARGETS = [lang for lang in EU_LANGUAGES if lang != "en"]  # 23
Job = Callable[[], dict[str, Any]]
Call = tuple[str, list[str], float]  # (pair "en→de", non-empty segments, seconds)
JOB_ORDER = (
    "engine_vs_raw",
    "sweep",
    "rss5",
    "engine_cold23",
    "stage",
    "stage_noglossary",
)


# --- the parent: build, install, run the jobs, write the section ---------------------------


def run() -> BenchSection:
    from tests.bench.translate_report import markdown

    started = time.perf_counter()
    built = ensure_standin()
    install_standin(TARGETS)
    r: dict[str, Any] = {"standin_build_s": built}
    for job in JOB_ORDER:
        r[job] = child(job)
    r["paired"] = paired()
    r["total_s"] = round(time.perf_counter() - started, 1)
    return BenchSection("Translate (argos engine, stand-in model)", markdown(r), r)


def ensure_standin() -> float:
    """Build the stand-in package folder once; return the seconds it took (0 when cached)."""
    if (STANDIN / "metadata.json").exists():
        return 0.0
    from tests.support.tinyargos import REAL, build_package_dir

    started = time.perf_counter()
    partial = STANDIN.with_name(STANDIN.name + ".partial")
    build_package_dir(
        partial, "en", "xx", dims=REAL, corpus=SEED.read_text("utf-8"), stop_after=STOP_AFTER
    )
    partial.rename(STANDIN)
    return round(time.perf_counter() - started, 1)


def install_standin(langs: Sequence[str]) -> None:
    """One package folder per language, each linking to the same stand-in model."""
    for lang in langs:
        folder = CACHE / "argos" / "packages" / f"translate-en_{lang}-bench"
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("model", "sentencepiece.model"):
            if not (folder / name).exists():
                (folder / name).symlink_to(STANDIN / name)
        metadata = {
            "package_version": "0.0",
            "argos_version": "1.9.0",
            "from_code": "en",
            "to_code": lang,
            "from_name": "English",
            "to_name": lang,
            "code": f"translate-en_{lang}-standin",
        }
        (folder / "metadata.json").write_text(json.dumps(metadata), "utf-8")


def child_env(job: str) -> dict[str, str]:
    home = CACHE / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARGOS_", "XDG_"))}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        ARGOS_PACKAGES_DIR=str(CACHE / "argos" / "packages"),
        ARGOS_PACKAGE_INDEX="http://127.0.0.1:9/",  # nothing may be downloaded
        NEWSLETTER_CACHE_DIR=str(CACHE / f"memory-{job}"),
        PYTHONPATH=str(ROOT),
    )
    return env


def paired() -> dict[str, Any]:
    """(b) against stock argostranslate, whole processes (see tests/bench/paired_argos.py)."""
    from tests.bench import paired_argos

    print(f"bench: translate/paired ({paired_argos.ROUNDS} rounds) …", file=sys.stderr, flush=True)
    env = child_env("paired")
    env["NEWSLETTER_MODEL_CATALOGUE"] = str(CACHE / "no-marian-models.toml")
    (CACHE / "no-marian-models.toml").write_text("# argos packages only\n", "utf-8")
    try:
        return paired_argos.run(CACHE, ROOT, env)
    except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
        return {"error": str(exc)}


def child(job: str) -> dict[str, Any]:
    print(f"bench: translate/{job} …", file=sys.stderr, flush=True)
    proc = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_translate", job],
        cwd=ROOT,
        env=child_env(job),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1]}
    value: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return value


# --- the child: the measurements -----------------------------------------------------------


def paragraphs() -> list[str]:
    return [line.strip() for line in SEED.read_text("utf-8").splitlines() if line.strip()]


def sentences() -> list[str]:
    import pysbd

    splitter = pysbd.Segmenter(language="en", clean=False)
    return [s.strip() for p in paragraphs() for s in splitter.segment(p) if s.strip()]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def settings(languages: int = 1, **changes: Any) -> Any:
    """The engine's settings for ``languages`` translated at once, threads resolved as the
    stage resolves them (one language alone gets both cores)."""
    from pipeline.translate.engine import EngineSettings, threads_for

    return threads_for(EngineSettings(**changes), languages)


def job_engine_vs_raw() -> dict[str, Any]:
    """(a) engine.translate (load, tokenise, one batch, decode) against the bare batch call."""
    import ctranslate2
    import sentencepiece as spm

    from pipeline.translate.argos import ArgosEngine, model_files

    s = settings(inter_threads=1)  # one thread: the throughput row is per core
    texts = sentences()
    files = model_files("en", "de")
    sp = spm.SentencePieceProcessor(model_file=str(files.sentencepiece))
    tokens = [sp.encode(t, out_type=str) for t in texts]
    load_s, translator = timed(
        lambda: ctranslate2.Translator(
            str(files.model_dir),
            compute_type=s.compute_type,
            inter_threads=s.inter_threads,
            intra_threads=s.intra_threads,
        )
    )
    bound = int(s.length_ratio * max(map(len, tokens))) + s.length_extra
    kwargs = dict(
        beam_size=s.beam_size,
        max_batch_size=s.max_batch_size,
        batch_type="examples",
        max_decoding_length=bound,
        replace_unknowns=True,
        length_penalty=0.2,
    )
    engine = ArgosEngine(s)
    runs: dict[str, list[float]] = {"engine": [], "raw": []}
    for _ in range(2):
        runs["engine"].append(timed(lambda: engine.translate("en", "de", texts))[0])
        raw_s, results = timed(lambda: translator.translate_batch(tokens, **kwargs))
        runs["raw"].append(raw_s)
    out_tokens = sum(len(r.hypotheses[0]) for r in results)
    engine_s, raw_s = min(runs["engine"]), min(runs["raw"])
    return {
        "sentences": len(texts),
        "source_tokens": sum(map(len, tokens)),
        "output_tokens": out_tokens,
        "engine_s": engine_s,
        "raw_s": raw_s,
        "load_s": load_s,
        "ratio": engine_s / raw_s if raw_s else None,
        "runs": runs,
        "output_tokens_per_s": out_tokens / raw_s,
    }


def job_sweep() -> dict[str, Any]:
    """Thread and batch settings for one language (whole engine.translate call). Batch sizes
    run in ascending order, so the peak RSS read after each is that size's peak."""
    from pipeline.translate.argos import ArgosEngine

    texts = sentences()
    out: dict[str, dict[str, float]] = {}
    runs = [(f"batch{n}", settings(max_batch_size=n, inter_threads=1)) for n in (16, 32, 64)]
    runs += [
        ("intra2", settings(inter_threads=1, intra_threads=2)),
        ("inter2", settings(inter_threads=2)),
        ("greedy", settings(inter_threads=1, beam_size=1)),
    ]
    for label, s in runs:
        seconds = timed(functools.partial(ArgosEngine(s).translate, "en", "de", texts))[0]
        out[label] = {"seconds": seconds, "peak_rss_mb": _peak_rss_mb()}
    return out


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def translate_parallel(langs: Sequence[str], s: Any) -> dict[str, Any]:
    """Languages two at a time (settings.parallel_languages threads), as the stage runs them."""
    from pipeline.translate.argos import ArgosEngine

    texts, engine = sentences(), ArgosEngine(s)
    cpu = time.process_time()
    with ThreadPoolExecutor(max_workers=s.parallel_languages) as pool:
        seconds, _ = timed(
            lambda: list(pool.map(lambda lang: engine.translate("en", lang, texts), langs))
        )
    return {
        "languages": len(langs),
        "seconds": seconds,
        "per_language_s": seconds / len(langs),
        "cores_busy": (time.process_time() - cpu) / seconds,
    }


def job_engine_cold23() -> dict[str, Any]:
    return translate_parallel(TARGETS, settings(len(TARGETS)))


def job_rss5() -> dict[str, Any]:
    """(d) Peak RSS of this process translating 5 languages (two at a time)."""
    result = translate_parallel(["de", "fr", "it", "pl", "sv"], settings(5))
    result["peak_rss_mb"] = _peak_rss_mb()
    return result


def job_stage() -> dict[str, Any]:
    """translate_issue with the issue's glossary: en+de cold (against raw translate_batch over
    the same segments), all 24 languages cold, then all 24 warm (from the memory)."""
    calls = record_model_calls()
    out: dict[str, Any] = {}
    with stage_runner() as (run, languages):
        for label, langs, memory in (
            ("de_cold", ["en", "de"], "one"),
            ("all_cold", languages, "all"),
            ("all_warm", languages, "all"),
        ):
            out[label] = {**run(langs, memory), **summarise_calls(calls)}
            if label == "de_cold":
                out[label].update(_raw_over(calls))
            calls.clear()
    return out


def job_stage_noglossary() -> dict[str, Any]:
    """All 24 languages cold through the stage with an EMPTY glossary: nothing is masked, so
    no placeholder can be lost and no segment is re-translated (the comparison for job_stage).
    """
    import pipeline.translate.stage as stage
    from pipeline.translate.glossary import Glossary

    stage.load_glossary = lambda path: Glossary()  # type: ignore[assignment]  # bench only
    calls = record_model_calls()
    with stage_runner() as (run, languages):
        return {"all_cold": {**run(languages, "noglossary"), **summarise_calls(calls)}}


StageRun = Callable[[list[str], str], dict[str, Any]]


@contextlib.contextmanager
def stage_runner() -> Iterator[tuple[StageRun, list[str]]]:
    """(run(langs, memory name) → figures, the issue's languages), in a temporary build folder."""
    import tempfile

    from pipeline.config import load_issue
    from pipeline.ingest import ingest_file
    from pipeline.store import IssuePaths
    from pipeline.translate.engine import EngineSettings
    from pipeline.translate.stage import translate_issue

    config = load_issue(ISSUE / "issue.toml")
    source = ingest_file(SEED).document
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        paths = IssuePaths.for_issue(ISSUE, Path(tmp) / "out")

        def run(langs: list[str], memory: str) -> dict[str, Any]:
            os.environ["NEWSLETTER_CACHE_DIR"] = str(Path(tmp) / memory)
            # unresolved threads: the stage gives one language alone both cores, as in a build
            call = functools.partial(translate_issue, settings=EngineSettings())
            cpu = time.process_time()
            seconds, results = timed(functools.partial(call, config, paths, source, langs))
            return {
                "seconds": seconds,
                "cores_busy": (time.process_time() - cpu) / seconds,
                "languages": len(langs),
                "statuses": sorted({r.status for r in results.values()}),
                "engine_segments": sum(r.stats.get("engine", 0) for r in results.values()),
                "placeholder_lost": sum(
                    1 for r in results.values() for f in r.findings if f.code == "placeholder-lost"
                ),
            }

        yield run, list(config.languages)


def record_model_calls() -> list[Call]:
    """Record every batch that reaches a loaded model: pair, segments, seconds.

    The hook is ArgosEngine._translate_loaded, which both ``engine.translate`` and the stage's
    model-holding view (``hold_models()``) go through; wrapping ``translate`` alone misses the
    stage's calls."""
    from pipeline.translate.argos import ArgosEngine

    calls: list[Call] = []
    original = ArgosEngine._translate_loaded

    def recording(
        self: Any,
        files: Any,
        translator: Any,
        segments: Sequence[str],
        pair: str,
        beam_size: int | None = None,
    ) -> list[str]:
        seconds, out = timed(lambda: original(self, files, translator, segments, pair, beam_size))
        calls.append((pair, [t for t in segments if t.strip()], seconds))
        return out  # type: ignore[no-any-return]

    ArgosEngine._translate_loaded = recording  # type: ignore[method-assign]
    return calls


def summarise_calls(calls: list[Call]) -> dict[str, Any]:
    """Model calls per pair: the first is the language's batch, any later one a retry."""
    by_pair: dict[str, list[int]] = {}
    for pair, segments, _ in calls:
        by_pair.setdefault(pair, []).append(len(segments))
    retried = {pair: sum(sizes[1:]) for pair, sizes in by_pair.items() if len(sizes) > 1}
    return {
        "model_calls": len(calls),
        "model_segments": sum(len(segments) for _, segments, _ in calls),
        "model_s": sum(seconds for *_, seconds in calls),
        "retry_segments": sum(retried.values()),
        "languages_retried": len(retried),
        "first_batch": max((sizes[0] for sizes in by_pair.values()), default=0),
    }


def _raw_over(calls: list[Call]) -> dict[str, Any]:
    """Raw translate_batch calls over exactly the segments the stage sent the model, with the
    stage's threads for one language and its beams (a pair's later calls are retries)."""
    import ctranslate2
    import sentencepiece as spm

    from pipeline.translate.argos import model_files

    s, raw_s, seen = settings(1), 0.0, set()
    for pair, segments, _ in calls:
        beam = s.retry_beam_size if pair in seen else s.beam_size
        seen.add(pair)
        if not segments:
            continue
        files = model_files(*pair.split("→"))
        sp = spm.SentencePieceProcessor(model_file=str(files.sentencepiece))
        tokens = [sp.encode(t.strip(), out_type=str) for t in segments]
        translator = ctranslate2.Translator(
            str(files.model_dir),
            compute_type=s.compute_type,
            inter_threads=s.inter_threads,
            intra_threads=s.intra_threads,
        )
        bound = int(s.length_ratio * max(map(len, tokens))) + s.length_extra
        batch = functools.partial(
            translator.translate_batch,
            tokens,
            beam_size=beam,
            replace_unknowns=True,
            max_batch_size=s.max_batch_size,
            max_decoding_length=bound,
            length_penalty=0.2,
        )
        raw_s += timed(batch)[0]
    return {"segments": [len(segments) for _, segments, _ in calls], "raw_s": raw_s}


JOBS: dict[str, Job] = {
    name.removeprefix("job_"): fn
    for name, fn in globals().items()
    if name.startswith("job_") and callable(fn)
}


if __name__ == "__main__":
    print(json.dumps(JOBS[sys.argv[1]](), default=str))
