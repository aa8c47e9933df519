"""Machine text for one language: glossary masking, memory lookups, one engine call per hop.

Segments are masked (protected and fixed terms → ``__0__``…), looked up in the memory by
their masked form, and only the misses go to the engine, de-duplicated, in one call per hop
(two hops through English when pivoting; the first hop has its own memory rows, so a second
pivot language reuses it). Output whose placeholders all came back is unmasked and stored.

When the engine loses a placeholder, the segment is translated again *unmasked* in one more
call (the term may then be translated, which the QA reports) and stored under a separate
``[unmasked]`` memory key, so the masked template stays clean for other segments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pipeline.document import Finding, Origin
from pipeline.errors import TranslationError
from pipeline.translate.engine import Engine, held_models
from pipeline.translate.glossary import Glossary, Masked, Masker, check_translation
from pipeline.translate.memory import MemoryKey, TranslationMemory

UNMASKED = "[unmasked] "


@dataclass(frozen=True)
class Route:
    status: Literal["direct", "pivot"]
    hops: tuple[tuple[str, str], ...]  # (from, to) per engine call

    @property
    def via(self) -> str | None:
        return self.hops[0][1] if len(self.hops) > 1 else None


@dataclass
class MachineOutput:
    model: str
    texts: dict[str, str] = field(default_factory=dict)
    origins: dict[str, Origin] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


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
    key = MemoryKey(eng.name, out.model, route.hops[0][0], lang)
    masker = glossary.masker(lang)
    masked = {k: masker.mask(s) for k, s in segments}
    memory_origin = Origin("memory", eng.name, out.model, route.via)
    engine_origin = Origin("engine", eng.name, out.model, route.via)
    todo = _from_memory(memory, key, masker, segments, masked, out, memory_origin)
    if todo:
        with held_models(eng) as held:  # the retry reuses the loaded model
            lost = _from_engine(
                held, memory, key, models, route, masker, todo, masked, out, engine_origin
            )
            if lost:
                _unmasked_retry(held, memory, key, models, route, lost, out, engine_origin)
    for k, s in segments:
        out.findings += check_translation(k, lang, s, out.texts[k], glossary.protect)
    return out


def _from_memory(
    memory: TranslationMemory,
    key: MemoryKey,
    masker: Masker,
    segments: Sequence[tuple[str, str]],
    masked: dict[str, Masked],
    out: MachineOutput,
    origin: Origin,
) -> list[tuple[str, str]]:
    """Fill ``out`` from the memory; return the segments it does not hold."""
    wanted = {m.text for m in masked.values()}
    wanted |= {UNMASKED + s for k, s in segments if masked[k].values}
    found = memory.get_many(key, wanted)
    todo = []
    for k, s in segments:
        m = masked[k]
        text, lost = masker.unmask(m, found[m.text]) if m.text in found else (None, ())
        if text is None or lost:
            text = found.get(UNMASKED + s) if m.values else None
        if text is None:
            todo.append((k, s))
            continue
        out.texts[k] = text
        out.origins[k] = origin
    return todo


def _from_engine(
    eng: Engine,
    memory: TranslationMemory,
    key: MemoryKey,
    models: list[str],
    route: Route,
    masker: Masker,
    todo: list[tuple[str, str]],
    masked: dict[str, Masked],
    out: MachineOutput,
    origin: Origin,
) -> list[tuple[str, str]]:
    """Translate the misses in one call per hop; return the segments that lost a placeholder."""
    unique = list(dict.fromkeys(masked[k].text for k, _ in todo))
    fresh = dict(zip(unique, run_route(eng, memory, models, route, unique), strict=True))
    keep: dict[str, str] = {}
    lost_segments = []
    for k, s in todo:
        m = masked[k]
        text, lost = masker.unmask(m, fresh[m.text])
        if lost:
            lost_segments.append((k, s))
            message = f"the engine lost the placeholder of {', '.join(lost)}; translated unmasked"
            out.findings.append(Finding("warning", "placeholder-lost", message, key.target_lang, k))
            continue
        keep[m.text] = fresh[m.text]
        out.texts[k] = text
        out.origins[k] = origin
    memory.put_many(key, keep)
    return lost_segments


def _unmasked_retry(
    eng: Engine,
    memory: TranslationMemory,
    key: MemoryKey,
    models: list[str],
    route: Route,
    lost: list[tuple[str, str]],
    out: MachineOutput,
    origin: Origin,
) -> None:
    sources = list(dict.fromkeys(s for _, s in lost))
    fresh = dict(zip(sources, run_route(eng, None, models, route, sources), strict=True))
    for k, s in lost:
        out.texts[k] = fresh[s]
        out.origins[k] = origin
    memory.put_many(key, {UNMASKED + s: t for s, t in fresh.items()})


def run_route(
    eng: Engine,
    memory: TranslationMemory | None,
    models: list[str],
    route: Route,
    texts: list[str],
) -> list[str]:
    """Translate ``texts`` along the route: one engine call per hop; the pivot hop is
    looked up in (and stored to) the memory under its own model."""
    current = texts
    for i, (a, b) in enumerate(route.hops):
        if i == len(route.hops) - 1 or memory is None:
            current = _call(eng, a, b, current)
            continue
        hop_key = MemoryKey(eng.name, models[i], a, b)
        found = memory.get_many(hop_key, current)
        missing = list(dict.fromkeys(t for t in current if t not in found))
        if missing:
            new = dict(zip(missing, _call(eng, a, b, missing), strict=True))
            memory.put_many(hop_key, new)
            found.update(new)
        current = [found[t] for t in current]
    return current


def _call(eng: Engine, source_lang: str, target_lang: str, texts: list[str]) -> list[str]:
    result = eng.translate(source_lang, target_lang, texts)
    if len(result) != len(texts):
        raise TranslationError(
            f"engine {eng.name} returned {len(result)} segments for {len(texts)} "
            f"({source_lang}→{target_lang}); this is a bug in the engine"
        )
    return list(result)
