"""The translate stage: a source Document → one Document per language, with provenance.

For each target language, in this order of precedence:
  1. a reviewer's entry in ``issues/<slug>/translations/<lang>.po`` (un-fuzzied, non-empty);
  2. the translation memory (machine text from an earlier run, same engine and model);
  3. the language's engine (``--engine``, or chosen per language by ``[translate] engines``:
     :mod:`pipeline.translate.choice`) with every remaining segment, masked by the glossary:
     ONE call (one per hop when pivoting through English), or batch by batch for an engine
     that hands back finished batches (a server), each stored in the memory at once.
Coverage per language: ``source``, ``direct``, ``pivot`` (through en), ``human-only`` (no
engine path, but the PO file covers every segment) or ``unavailable`` (no engine path and no
complete PO file: a half-English newsletter is worse than none, so the build leaves the
language out and says how to fix it; ``strict`` makes that a TranslationError).
Languages run ``EngineSettings.parallel_languages`` at a time in threads. Each language's
Document goes to ``build/<slug>/<lang>/document.json``, written atomically.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Literal

from tqdm import tqdm

from pipeline import console
from pipeline.config import IssueConfig
from pipeline.document import Attribution, Document, Finding, Origin, Segment, to_dict
from pipeline.errors import TranslationError
from pipeline.store import IssuePaths, write_json
from pipeline.translate import review
from pipeline.translate.choice import Choice, EngineChooser
from pipeline.translate.engine import Engine, EngineSettings, threads_for
from pipeline.translate.glossary import Glossary, load_glossary
from pipeline.translate.machine import machine_translate
from pipeline.translate.memory import TranslationMemory
from pipeline.translate.route import find_route
from pipeline.translate.segment import SplitDocument, all_segments, assemble, split_document

Status = Literal["source", "direct", "pivot", "human-only", "unavailable"]
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
    # the engines the language could have had, in order, and why the ones before were not used
    candidates: tuple[str, ...] = ()
    passed_over: tuple[str, ...] = ()
    no_model: bool = False  # unavailable because no engine model reaches it (not a failure)


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
    engine: str | None = None,
    settings: EngineSettings | None = None,
    strict: bool = False,
    install_missing: bool = False,
    write: bool = True,
) -> dict[str, LanguageResult]:
    """Translate ``source`` into ``langs`` (the source language included) and write each
    language's document.json (``write=False``: touch no build file, e.g. for a PO export;
    the translation memory, a cache, is still filled). ``engine`` (``--engine``) is the
    default engine; ``[translate] engines`` in issue.toml chooses per language
    (:mod:`pipeline.translate.choice`). Results come back in the order of ``langs``."""
    targets = [lang for lang in dict.fromkeys(langs) if lang != source.source_lang]
    settings = threads_for(settings or EngineSettings(), len(targets))
    split = split_document(source)
    chooser = EngineChooser(config, engine, settings)
    chooser.check_names(targets)
    results: dict[str, LanguageResult] = {}
    with TranslationMemory() as memory:
        issue = _Issue(
            config,
            paths,
            source,
            split,
            tuple(all_segments(config, source, split)),
            load_glossary(paths.glossary),
            memory,
        )
        if source.source_lang in langs:
            results[source.source_lang] = _source_result(issue)
        if targets:
            if install_missing:
                _install_for(chooser, source.source_lang, targets)
            results.update(_translate_targets(issue, chooser, targets, settings, strict))
    for lang, result in results.items() if write else ():
        _write(paths, lang, result)
    return {lang: results[lang] for lang in dict.fromkeys(langs) if lang in results}


def _install_for(chooser: EngineChooser, source_lang: str, targets: Sequence[str]) -> None:
    """Install local models for the languages that would use argos or marian but lack a
    route (and that no engine listed before it already translates)."""
    for name in _LOCAL_ENGINES:
        wanted = [
            lang
            for lang in targets
            if name in chooser.candidates(lang)
            and not chooser.reachable_before(name, source_lang, lang)
        ]
        if wanted:
            install_models(chooser.engine(name), source_lang, wanted)
            chooser.forget_pairs(name)


def install_models(eng: Engine, source_lang: str, targets: Sequence[str]) -> None:
    """Install the models for languages with no route yet (offline: said once)."""
    have = eng.pairs()
    missing = [t for t in targets if find_route(have, source_lang, t) is None]
    if eng.name not in _LOCAL_ENGINES or not missing:
        return
    from pipeline.translate import installer

    installer.install_missing(getattr(eng, "kinds", ("argos",)), source_lang, missing, console.say)


def _translate_targets(
    issue: _Issue,
    chooser: EngineChooser,
    targets: Sequence[str],
    settings: EngineSettings,
    strict: bool,
) -> dict[str, LanguageResult]:
    choices = {lang: chooser.choose(issue.source.source_lang, lang) for lang in targets}
    reviews = {lang: review.load_review(issue.paths.po_file(lang)) for lang in targets}
    if strict:
        _refuse_missing(issue, choices, reviews)
    results: dict[str, LanguageResult] = {}
    quiet = console.level() == "quiet"
    bar = tqdm(
        total=len(targets), desc="translate", unit="lang", file=sys.stderr, disable=quiet or None
    )

    def work(lang: str) -> LanguageResult:
        result = _translate_language(issue, choices[lang], reviews[lang], strict)
        if console.is_verbose():  # through tqdm, so the bar is not torn
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
    choices: Mapping[str, Choice],
    reviews: Mapping[str, review.Review],
) -> None:
    """Under ``--strict``: the first missing language's reason (the contract's wording,
    ``no argos model for en→de; run 'make models LANGS=de'``) heads the error; every missing
    language, with its fix, is a detail line."""
    missing = [
        lang
        for lang, choice in choices.items()
        if choice.route is None and reviews[lang].missing(issue.segments)
    ]
    if missing:
        details = [_unavailable_message(issue, choices[lang], reviews[lang]) for lang in missing]
        details.append("(--strict: a language without a translation is an error)")
        raise TranslationError(_unavailable_head(issue, choices[missing[0]]), details=details)


def _translate_language(
    issue: _Issue, choice: Choice, rev: review.Review, strict: bool
) -> LanguageResult:
    started = time.perf_counter()
    lang, eng, route = choice.lang, choice.engine, choice.route
    human = {k: t for k, s in issue.segments if (t := rev.lookup(k, s)) is not None}
    findings = list(rev.stale(issue.segments, lang))
    remaining = [(k, s) for k, s in issue.segments if k not in human]
    texts = dict(human)
    origins = dict.fromkeys(human, Origin("human"))
    engine_name: str | None = None
    model: str | None = None
    credits: tuple[Attribution, ...] = ()
    if route is None and remaining:
        return _unavailable(issue, choice, rev, findings, started)
    if route is not None and eng is not None:
        engine_name = eng.name
        try:
            out = machine_translate(eng, issue.memory, issue.glossary, route, remaining, lang)
        except TranslationError as exc:
            if strict:
                raise
            return _unavailable(issue, choice, rev, findings, started, exc.message)
        model, credits = out.model, out.attributions
        texts.update(out.texts)
        origins.update(out.origins)
        findings += out.findings
    status: Status = route.status if route is not None else "human-only"
    doc = replace(_document(issue, lang, texts, origins), attributions=credits)
    stats = _stats(issue, origins, started)
    return LanguageResult(
        lang, status, doc, engine_name, model, None, tuple(findings), stats,
        choice.candidates, choice.passed_over,
    )  # fmt: skip


def _unavailable(
    issue: _Issue,
    choice: Choice,
    rev: review.Review,
    findings: list[Finding],
    started: float,
    reason: str | None = None,
) -> LanguageResult:
    message = reason or _unavailable_message(issue, choice, rev)
    stats = {
        "segments": float(len(issue.segments)),
        "human": 0.0,
        "memory": 0.0,
        "engine": 0.0,
        "source": 0.0,
        "seconds": time.perf_counter() - started,
    }
    return LanguageResult(
        choice.lang, "unavailable", None, None, None, message, tuple(findings), stats,
        choice.candidates, choice.passed_over, reason is None,
    )  # fmt: skip


def _unavailable_message(issue: _Issue, choice: Choice, rev: review.Review) -> str:
    lang = choice.lang
    po = issue.paths.po_file(lang)
    try:
        shown = po.relative_to(issue.paths.root)
    except ValueError:
        shown = po
    export = f"newsletter review export issues/{issue.paths.slug} --lang {lang}"
    head = _unavailable_head(issue, choice)
    if rev.exists:
        missing = len(rev.missing(issue.segments))
        return (
            f"{head}; {shown} reviews {len(issue.segments) - missing} of "
            f"{len(issue.segments)} segments: translate the other {missing} there"
        )
    return f"{head}; or translate it by hand in {shown} ({export})"


def _unavailable_head(issue: _Issue, choice: Choice) -> str:
    src, lang = issue.source.source_lang, choice.lang
    if len(choice.candidates) > 1:
        return f"no engine can translate {src}→{lang} ({'; '.join(choice.passed_over)})"
    if choice.first not in _LOCAL_ENGINES:
        return f"engine {choice.first} cannot translate {src}→{lang}"
    from pipeline.translate.argos import model_hint

    kinds = ("marian",) if choice.first == "marian" else ("argos", "marian")
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


def _installable(source_lang: str, lang: str) -> bool:
    """Whether 'make models' can install a model for the pair: an argos package (the public
    index has one for every EU language but hr and mt) or a Marian model of the catalogue."""
    from pipeline.translate.argos import NO_ARGOS_PACKAGE
    from pipeline.translate.catalogue import offers

    return NO_ARGOS_PACKAGE.isdisjoint({lang, source_lang}) or offers(source_lang, lang)


def missing_models_line(
    results: Mapping[str, LanguageResult], *, slug: str, engine: str, source_lang: str
) -> str | None:
    """The languages left out for want of a model, in ONE line with the command that
    installs them (and what to do for those no package reaches); None when there are none."""
    missing = [r.lang for r in results.values() if r.no_model]
    if not missing:
        return None
    if engine != "argos":
        return f"engine {engine} has no model for {', '.join(missing)}: try another --engine"
    installable = [lang for lang in missing if _installable(source_lang, lang)]
    by_hand = [lang for lang in missing if lang not in installable]
    fixes = []
    if installable:
        which = "them" if not by_hand else str(len(installable))
        fixes.append(f"make models ISSUE={slug} LANGS={','.join(installable)} installs {which}")
    if by_hand:
        export = f"newsletter review export issues/{slug} --lang {by_hand[0]}"
        which = "" if not installable else f"for {' '.join(by_hand)} "
        fixes.append(f"{which}no index or catalogue has one: translate by hand ({export})")
    count = f"{len(missing)} language{'s' if len(missing) > 1 else ''}"
    return f"no model for {count} ({' '.join(missing)}): {'; '.join(fixes)}"
