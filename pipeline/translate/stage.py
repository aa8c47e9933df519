"""The translate stage: a source Document → one Document per language, with provenance.

For each target language, in this order of precedence:
  1. a reviewer's entry in ``issues/<slug>/translations/<lang>.po`` (un-fuzzied, non-empty);
  2. the translation memory (machine text from an earlier run, same engine and model);
  3. ONE engine call with every remaining segment of the language, masked by the glossary
     (two calls, one per hop, when pivoting through English).
Coverage per language: ``source``, ``direct``, ``pivot`` (through en), ``human-only`` (no
engine path, but the PO file covers every segment) or ``unavailable`` (no engine path and no
complete PO file: a half-English newsletter is worse than none, so the build leaves the
language out and says how to fix it; ``strict`` makes that a TranslationError).
Languages run ``EngineSettings.parallel_languages`` at a time in threads. Each language's
Document goes to ``build/<slug>/<lang>/document.json``, written atomically.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Literal

from tqdm import tqdm

from pipeline.config import IssueConfig
from pipeline.document import Attribution, Document, Finding, Origin, Segment, to_dict
from pipeline.errors import ConfigError, TranslationError
from pipeline.store import IssuePaths, write_json
from pipeline.translate import review
from pipeline.translate.engine import ENGINES, Engine, EngineSettings, threads_for
from pipeline.translate.glossary import Glossary, load_glossary
from pipeline.translate.machine import machine_translate
from pipeline.translate.memory import TranslationMemory
from pipeline.translate.route import Route, find_route
from pipeline.translate.segment import SplitDocument, all_segments, assemble, split_document

Status = Literal["source", "direct", "pivot", "human-only", "unavailable"]
# Engines that live in their own module register themselves when imported.
_ENGINE_MODULES = {
    "argos": "pipeline.translate.argos",
    "marian": "pipeline.translate.marian",
    "libretranslate": "pipeline.translate.libretranslate",
}
_LOCAL_ENGINES = ("argos", "marian")  # local CTranslate2 models, installed by 'models install'


@dataclass(frozen=True)
class LanguageResult:
    lang: str
    status: Status
    document: Document | None  # None when unavailable; for "source": the source Document
    engine: str | None  # "argos", "libretranslate", None for source/human-only
    model: str | None  # model identity(ies), e.g. "translate-en_de 1.9"
    message: str | None  # why unavailable/partial, with the fix
    findings: tuple[Finding, ...]
    stats: Mapping[str, float]  # segments, human, memory, engine, seconds


@dataclass(frozen=True)
class _Issue:
    """What every language's worker shares (read-only)."""

    config: IssueConfig
    paths: IssuePaths
    source: Document
    split: SplitDocument
    segments: tuple[tuple[str, str], ...]
    glossary: Glossary
    memory: TranslationMemory


def translate_issue(
    config: IssueConfig,
    paths: IssuePaths,
    source: Document,
    langs: Sequence[str],
    *,
    engine: str = "argos",
    settings: EngineSettings | None = None,
    strict: bool = False,
    install_missing: bool = False,
    write: bool = True,
) -> dict[str, LanguageResult]:
    """Translate ``source`` into ``langs`` (the source language included) and write each
    language's document.json (``write=False``: touch no build file, e.g. for a PO export;
    the translation memory, a cache, is still filled). Results come back in the order of
    ``langs``."""
    targets = [lang for lang in dict.fromkeys(langs) if lang != source.source_lang]
    settings = threads_for(settings or EngineSettings(), len(targets))
    split = split_document(source)
    issue = _Issue(
        config,
        paths,
        source,
        split,
        tuple(all_segments(config, source, split)),
        load_glossary(paths.glossary),
        TranslationMemory(),
    )
    results: dict[str, LanguageResult] = {}
    if source.source_lang in langs:
        results[source.source_lang] = _source_result(issue)
    if targets:
        eng = make_engine(engine, settings)
        if install_missing:
            install_models(eng, source.source_lang, targets)
        try:
            results.update(_translate_targets(issue, eng, targets, settings, strict))
        finally:
            issue.memory.close()
    for lang, result in results.items() if write else ():
        _write(paths, lang, result)
    return {lang: results[lang] for lang in dict.fromkeys(langs) if lang in results}


def make_engine(name: str, settings: EngineSettings) -> Engine:
    """The registered engine called ``name`` (importing its module on first use)."""
    if name not in ENGINES and name in _ENGINE_MODULES:
        importlib.import_module(_ENGINE_MODULES[name])
    if name not in ENGINES:
        known = ", ".join(sorted({*ENGINES, *_ENGINE_MODULES}))
        raise ConfigError(f"unknown translation engine '{name}'; use one of: {known}")
    return ENGINES[name](settings)


def install_models(eng: Engine, source_lang: str, targets: Sequence[str]) -> None:
    """Install the models for languages with no route yet (offline: said once)."""
    have = eng.pairs()
    missing = [t for t in targets if find_route(have, source_lang, t) is None]
    if eng.name not in _LOCAL_ENGINES or not missing:
        return
    from pipeline.translate import installer

    installer.install_missing(getattr(eng, "kinds", ("argos",)), source_lang, missing, _say)


def _translate_targets(
    issue: _Issue, eng: Engine, targets: Sequence[str], settings: EngineSettings, strict: bool
) -> dict[str, LanguageResult]:
    pairs = eng.pairs()
    routes = {lang: find_route(pairs, issue.source.source_lang, lang) for lang in targets}
    reviews = {lang: review.load_review(issue.paths.po_file(lang)) for lang in targets}
    if strict:
        _refuse_missing(issue, eng, routes, reviews)
    results: dict[str, LanguageResult] = {}
    bar = tqdm(total=len(targets), desc="translate", unit="lang", file=sys.stderr, disable=None)

    def work(lang: str) -> LanguageResult:
        result = _translate_language(issue, eng, lang, routes[lang], reviews[lang], strict)
        tqdm.write(_progress_line(result), file=sys.stderr)
        bar.update(1)
        return result

    try:
        with ThreadPoolExecutor(max_workers=max(1, settings.parallel_languages)) as pool:
            for result in pool.map(work, targets):
                results[result.lang] = result
    finally:
        bar.close()
    return results


def _refuse_missing(
    issue: _Issue,
    eng: Engine,
    routes: Mapping[str, Route | None],
    reviews: Mapping[str, review.Review],
) -> None:
    """Under ``--strict``: the first missing language's reason (the contract's wording,
    ``no argos model for en→de; run 'make models LANGS=de'``) heads the error; every missing
    language, with its fix, is a detail line."""
    missing = [
        lang
        for lang, route in routes.items()
        if route is None and reviews[lang].missing(issue.segments)
    ]
    if missing:
        details = [_unavailable_message(issue, eng, lang, reviews[lang]) for lang in missing]
        details.append("(--strict: a language without a translation is an error)")
        raise TranslationError(_unavailable_head(issue, eng, missing[0]), details=details)


def _translate_language(
    issue: _Issue, eng: Engine, lang: str, route: Route | None, rev: review.Review, strict: bool
) -> LanguageResult:
    started = time.perf_counter()
    human = {k: t for k, s in issue.segments if (t := rev.lookup(k, s)) is not None}
    findings = list(rev.stale(issue.segments, lang))
    remaining = [(k, s) for k, s in issue.segments if k not in human]
    texts = dict(human)
    origins = dict.fromkeys(human, Origin("human"))
    engine_name: str | None = None
    model: str | None = None
    credits: tuple[Attribution, ...] = ()
    if route is None and remaining:
        return _unavailable(issue, eng, lang, rev, findings, started)
    if route is not None:
        engine_name = eng.name
        try:
            out = machine_translate(eng, issue.memory, issue.glossary, route, remaining, lang)
        except TranslationError as exc:
            if strict:
                raise
            return _unavailable(issue, eng, lang, rev, findings, started, exc.message)
        model, credits = out.model, out.attributions
        texts.update(out.texts)
        origins.update(out.origins)
        findings += out.findings
    status: Status = route.status if route is not None else "human-only"
    doc = replace(_document(issue, lang, texts, origins), attributions=credits)
    stats = _stats(issue, origins, started)
    return LanguageResult(lang, status, doc, engine_name, model, None, tuple(findings), stats)


def _unavailable(
    issue: _Issue,
    eng: Engine,
    lang: str,
    rev: review.Review,
    findings: list[Finding],
    started: float,
    reason: str | None = None,
) -> LanguageResult:
    message = reason or _unavailable_message(issue, eng, lang, rev)
    stats = {
        "segments": float(len(issue.segments)),
        "human": 0.0,
        "memory": 0.0,
        "engine": 0.0,
        "source": 0.0,
        "seconds": time.perf_counter() - started,
    }
    return LanguageResult(lang, "unavailable", None, None, None, message, tuple(findings), stats)


def _unavailable_message(issue: _Issue, eng: Engine, lang: str, rev: review.Review) -> str:
    po = issue.paths.po_file(lang)
    try:
        shown = po.relative_to(issue.paths.root)
    except ValueError:
        shown = po
    export = f"newsletter review export issues/{issue.paths.slug} --lang {lang}"
    head = _unavailable_head(issue, eng, lang)
    if rev.exists:
        missing = len(rev.missing(issue.segments))
        return (
            f"{head}; {shown} reviews {len(issue.segments) - missing} of "
            f"{len(issue.segments)} segments: translate the other {missing} there"
        )
    return f"{head}; or translate it by hand in {shown} ({export})"


def _unavailable_head(issue: _Issue, eng: Engine, lang: str) -> str:
    src = issue.source.source_lang
    if eng.name not in _LOCAL_ENGINES:
        return f"engine {eng.name} cannot translate {src}→{lang}"
    from pipeline.translate.argos import model_hint

    kinds = getattr(eng, "kinds", ("argos",))
    return model_hint(src, lang, kinds, f"make models LANGS={lang}")


def _source_result(issue: _Issue) -> LanguageResult:
    texts = dict(issue.segments)
    origins = dict.fromkeys(texts, Origin("source"))
    doc = _document(issue, issue.source.source_lang, texts, origins)
    stats = _stats(issue, origins, time.perf_counter())
    return LanguageResult(doc.lang, "source", doc, None, None, None, (), stats)


def _document(
    issue: _Issue, lang: str, texts: Mapping[str, str], origins: Mapping[str, Origin]
) -> Document:
    blocks, speakers, fields = assemble(issue.source, issue.split, texts)
    segments = tuple(Segment(k, s, texts[k], origins[k]) for k, s in issue.segments)
    return replace(
        issue.source, lang=lang, blocks=blocks, speakers=speakers, fields=fields, segments=segments
    )


def _stats(issue: _Issue, origins: Mapping[str, Origin], started: float) -> dict[str, float]:
    stats = {"segments": float(len(issue.segments))}
    for kind in ("human", "memory", "engine", "source"):
        stats[kind] = float(sum(1 for o in origins.values() if o.kind == kind))
    stats["seconds"] = round(time.perf_counter() - started, 3)
    return stats


def _write(paths: IssuePaths, lang: str, result: LanguageResult) -> None:
    target = paths.lang_document_json(lang)
    if result.document is None:
        target.unlink(missing_ok=True)  # a stale file must not be rendered as this build's
        return
    write_json(target, to_dict(result.document))


def _progress_line(result: LanguageResult) -> str:
    if result.status == "unavailable":
        return f"{result.lang}: unavailable: {result.message}"
    s = result.stats
    return (
        f"{result.lang}: {result.status} ({s['human']:.0f} human, {s['memory']:.0f} memory, "
        f"{s['engine']:.0f} engine; {s['seconds']:.1f} s)"
    )


_say: Callable[[str], None] = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
