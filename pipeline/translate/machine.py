"""Machine text for one language: glossary masking, memory lookups, one engine call per hop.

Segments are masked (protected and fixed terms → ``__0__``…), looked up in the memory by
their masked form, and only the misses go to the engine, de-duplicated, in one call per hop
(two hops through English when pivoting; the first hop has its own memory rows, so a second
pivot language reuses it). An engine that hands back finished batches (a server: see
:func:`~pipeline.translate.engine.translate_in_batches`) has each batch stored at once, so a
later batch's failure loses nothing. The memory stores the engine's raw output for each
input, damaged or not, so everything below is a function of the content, never of what the
cache held: a cold and a warm build give the same text and the same findings.

Lost placeholders (what a real model does to ``__0__`` is described in
:mod:`pipeline.translate.glossary`). :meth:`Masker.recover` first puts back every term the
output still has a trace of. For a segment whose output still lacks some terms, the engine is
asked once more (one call for all such segments) with *only those terms* unmasked: the terms
that survived masking stay masked and so stay verbatim, and the lost ones at least reach the
engine as words. Of the two outputs the one missing the fewest terms wins (the retry on a
tie, since it carries the lost terms' meaning), unless it holds placeholder debris, which a
reader must never see. The second pass decodes greedily where the engine offers it (see
:func:`pipeline.translate.engine.retry_engine`): it is a fallback for a few segments, and at
beam 4 it was a quarter of a language's model time in the bench. A ``placeholder-lost``
warning says what happened; ``protected-term-missing`` and ``fixed-term-missing`` come from
the QA of the final text, so they stay truthful.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from pipeline.document import Attribution, Finding, Origin
from pipeline.translate.engine import (
    Engine,
    attribution,
    held_models,
    retry_engine,
    translate_in_batches,
)
from pipeline.translate.glossary import (
    Glossary,
    Masked,
    Masker,
    Recovered,
    check_translation,
    has_leftovers,
)
from pipeline.translate.memory import MemoryKey, TranslationMemory
from pipeline.translate.route import Route


@dataclass
class MachineOutput:
    model: str
    texts: dict[str, str] = field(default_factory=dict)
    origins: dict[str, Origin] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    attributions: tuple[Attribution, ...] = ()  # the route's models that ask to be named


@dataclass
class _Fetcher:
    """Engine output per input text: the memory first, then one engine call per hop."""

    eng: Engine
    memory: TranslationMemory
    key: MemoryKey
    models: list[str]
    route: Route
    fresh: set[str] = field(default_factory=set)  # inputs the engine translated this run

    def __call__(self, inputs: list[str]) -> dict[str, str]:
        found = self.memory.get_many(self.key, inputs)
        missing = [t for t in dict.fromkeys(inputs) if t not in found]
        # Each finished batch is stored at once: a later batch's failure loses nothing.
        for batch_inputs, outputs in run_route(
            self.eng, self.memory, self.models, self.route, missing
        ):
            fresh = dict(zip(batch_inputs, outputs, strict=True))
            self.memory.put_many(self.key, fresh)
            found.update(fresh)
            self.fresh.update(fresh)
        return found


def machine_translate(
    eng: Engine,
    memory: TranslationMemory,
    glossary: Glossary,
    route: Route,
    segments: Sequence[tuple[str, str]],
    lang: str,
) -> MachineOutput:
    """Machine text for ``segments`` ((key, source) pairs) in ``lang`` along ``route``."""
    models = [eng.model_id(a, b) for a, b in route.hops]
    out = MachineOutput(" + ".join(models))
    if not segments:
        return out
    credits = (attribution(eng, a, b) for a, b in route.hops)
    out.attributions = tuple(c for c in credits if c is not None)
    key = MemoryKey(eng.name, out.model, route.hops[0][0], lang)
    masker = glossary.masker(lang)
    masked = {k: masker.mask(s) for k, s in segments}
    with held_models(eng) as held:  # the retry reuses the loaded model
        fetch = _Fetcher(held, memory, key, models, route)
        first = fetch([m.text for m in masked.values()])
        recovered = {k: masker.recover(m, first[m.text]) for k, m in masked.items()}
        retry = {k: masker.partial(masked[k], r.lost) for k, r in recovered.items() if r.lost}
        again = _retry_fetcher(held, memory, key, models, route)
        second = again([m.text for m in retry.values()]) if retry else {}
        fetch.fresh |= again.fresh
    for k, s in segments:
        m = masked[k]
        finding: Finding | None
        text, used, finding = _choose(masker, s, m, recovered[k], retry.get(k), second)
        kind: Literal["engine", "memory"] = "engine" if used in fetch.fresh else "memory"
        out.texts[k] = text
        out.origins[k] = Origin(kind, eng.name, out.model, route.via)
        out.findings += [replace(finding, lang=lang, where=k)] if finding else []
        fixed = glossary.terms.get(lang, {})
        out.findings += check_translation(k, lang, s, text, glossary.protect, fixed)
    return out


def _retry_fetcher(
    held: Engine, memory: TranslationMemory, key: MemoryKey, models: list[str], route: Route
) -> _Fetcher:
    """The second pass: the engine's retry decoding (greedy for CTranslate2; the main text
    keeps its beam), with memory rows of its own so the two passes never answer each other."""
    eng, tag = retry_engine(held)
    tagged = [model + tag for model in models]
    return _Fetcher(eng, memory, replace(key, model=key.model + tag), tagged, route)


def _choose(
    masker: Masker,
    source: str,
    masked: Masked,
    first: Recovered,
    retry: Masked | None,
    second: dict[str, str],
) -> tuple[str, str, Finding | None]:
    """(final text, the engine input it came from, a placeholder-lost finding or None)."""
    if retry is None:
        if not first.guessed:
            return first.text, masked.text, None
        message = (
            f"the engine lost the placeholder of {_terms(masked, first.guessed)}; put back "
            "where a bare number or underscores of it were left: check its position"
        )
        return first.text, masked.text, Finding("warning", "placeholder-lost", message)
    again = masker.recover(retry, second[retry.text])
    take_retry = has_leftovers(source, first.text) or (
        not has_leftovers(source, again.text)
        and _missing(masked, again.text) <= _missing(masked, first.text)
    )
    lost = _terms(masked, first.lost)
    if take_retry:
        message = f"the engine lost the placeholder of {lost}; translated again with it unmasked"
        if again.lost:
            message += f" (and then lost {_terms(masked, again.lost)})"
        text, used = again.text, retry.text
    else:
        message = (
            f"the engine lost the placeholder of {lost}, and translated it when unmasked; "
            "kept the masked translation, which lacks it"
        )
        text, used = first.text, masked.text
    return text, used, Finding("warning", "placeholder-lost", message)


def _missing(masked: Masked, text: str) -> int:
    """How many of the segment's terms ``text`` lacks (counting repeats)."""
    need = Counter(masked.values[i] for i in masked.indices())
    return sum(max(0, n - text.count(term)) for term, n in need.items())


def _terms(masked: Masked, indices: Sequence[int]) -> str:
    return ", ".join(f'"{masked.values[i]}"' for i in indices)


def run_route(
    eng: Engine,
    memory: TranslationMemory | None,
    models: list[str],
    route: Route,
    texts: list[str],
) -> Iterator[tuple[list[str], list[str]]]:
    """Translate ``texts`` along the route; (inputs, outputs) per finished batch of the last
    hop. A pivot hop is looked up in (and stored to, batch by batch) the memory under its own
    model."""
    if not texts:
        return
    current = texts
    for i, (a, b) in enumerate(route.hops[:-1]):
        current = _pivot_hop(eng, memory, MemoryKey(eng.name, models[i], a, b), current)
    a, b = route.hops[-1]
    done = 0
    for _inputs, outputs in translate_in_batches(eng, a, b, current):
        yield texts[done : done + len(outputs)], outputs
        done += len(outputs)


def _pivot_hop(
    eng: Engine, memory: TranslationMemory | None, key: MemoryKey, texts: list[str]
) -> list[str]:
    found = memory.get_many(key, texts) if memory is not None else {}
    missing = list(dict.fromkeys(t for t in texts if t not in found))
    for inputs, outputs in translate_in_batches(eng, key.source_lang, key.target_lang, missing):
        new = dict(zip(inputs, outputs, strict=True))
        if memory is not None:
            memory.put_many(key, new)
        found.update(new)
    return [found[t] for t in texts]
