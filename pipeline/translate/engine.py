"""The translation engine protocol and the ``ENGINES`` registry.

An engine turns a batch of source sentences into target sentences for one language pair.
It knows nothing of Documents, memory, glossary or review: the translate stage
(:mod:`pipeline.translate.stage`) does that around it, and hands the engine only the
segments the memory and the reviewers could not supply, already masked.

Engines are registered by name in :data:`ENGINES` (a plain dict of factories), as mailing
providers are in :data:`pipeline.send.providers.PROVIDERS`. Tests register a deterministic fake.

An engine that sends its work in several requests (a server) may also offer
``translate_batches``, yielding each batch as soon as it is done: the stage stores every
finished batch in the memory at once (:func:`translate_in_batches`), so a failure in a later
batch loses nothing that was already translated.

Beyond the protocol, an engine may offer ``hold_models()`` (see :func:`held_models`),
``attribution(source_lang, target_lang)`` (see :func:`attribution`) and ``for_retry()`` (see
:func:`retry_engine`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Protocol

from pipeline.document import Attribution
from pipeline.errors import TranslationError


@dataclass(frozen=True)
class EngineSettings:
    """Decoding and threading settings; the defaults are the measured best on 2 cores."""

    beam_size: int = 4
    # The second pass over segments whose glossary placeholders the engine lost (see
    # pipeline.translate.machine) decodes greedily: it is a fallback, the main text keeps its
    # beam, and with the bench's stand-in it was a quarter of a language's model time at beam 4.
    retry_beam_size: int = 1
    max_batch_size: int = 16  # measured: as fast as 64 here, and a third of the memory
    length_ratio: float = 2.0  # max decoding length = ratio * source tokens + length_extra
    length_extra: int = 10
    compute_type: str = "int8"
    # Batches translated at once by one language's translator; 0: the cores not used by other
    # languages (a build of one language uses both cores, of many: one each; see the stage).
    inter_threads: int = 0
    intra_threads: int = 1
    parallel_languages: int = 2  # languages translated at once (one translator each)


class Engine(Protocol):
    name: str

    def pairs(self) -> set[tuple[str, str]]:
        """The (from, to) language pairs this engine can translate right now."""

    def model_id(self, source_lang: str, target_lang: str) -> str:
        """Identity and version of the model for a pair, e.g. "translate-en_de 1.9".

        Part of the translation memory key: a new model version misses the memory.
        """

    def translate(self, source_lang: str, target_lang: str, segments: Sequence[str]) -> list[str]:
        """Translate every segment in one go (same order, same length).

        Raises ModelMissingError when the pair is not available.
        """


class BatchedEngine(Engine, Protocol):
    def translate_batches(
        self, source_lang: str, target_lang: str, segments: Sequence[str]
    ) -> Iterator[list[str]]:
        """The translations of consecutive slices of ``segments``, each as soon as it is done
        (together: same order, same length as ``segments``)."""


def translate_in_batches(
    engine: Engine, source_lang: str, target_lang: str, segments: Sequence[str]
) -> Iterator[tuple[list[str], list[str]]]:
    """(inputs, outputs) per finished batch: per request for a :class:`BatchedEngine`, else
    the one ``translate`` call. Raises TranslationError if an engine miscounts."""
    if not segments:
        return
    batches = getattr(engine, "translate_batches", None)
    results = (
        batches(source_lang, target_lang, segments)
        if batches is not None
        else iter([engine.translate(source_lang, target_lang, segments)])
    )
    done = 0
    for outputs in results:
        inputs = list(segments[done : done + len(outputs)])
        if len(inputs) != len(outputs) or not outputs:
            break
        done += len(outputs)
        yield inputs, list(outputs)
    if done != len(segments):
        raise TranslationError(
            f"engine {engine.name} returned {done} segments for {len(segments)} "
            f"({source_lang}→{target_lang}); this is a bug in the engine"
        )


@contextmanager
def held_models(engine: Engine) -> Iterator[Engine]:
    """Within the block, each model is loaded at most once, however many calls it serves.

    The translate stage wraps one language in it, so a retry (a segment whose placeholder
    the engine lost, translated again unmasked) reuses the loaded model instead of loading it
    a second time. Engines without models to hold (HTTP, fakes) are used as they are.
    """
    hold = getattr(engine, "hold_models", None)
    if hold is None:
        yield engine
        return
    with hold() as held:
        yield held


def attribution(engine: Engine, source_lang: str, target_lang: str) -> Attribution | None:
    """The credit the pair's model asks for where its translation is published (a CC-BY
    model: name and licence), or None. Engines without such models need not implement it."""
    credit = getattr(engine, "attribution", None)
    return None if credit is None else credit(source_lang, target_lang)


def retry_engine(engine: Engine) -> tuple[Engine, str]:
    """The engine for the second pass over segments whose placeholders were lost, and a tag
    that keeps its memory rows apart from the first pass's (they decode differently).

    Engines with a cheaper decoding for it offer ``for_retry() -> (engine, tag)``; the others
    are used as they are, with no tag."""
    view = getattr(engine, "for_retry", None)
    return (engine, "") if view is None else view()


def threads_for(settings: EngineSettings, languages: int) -> EngineSettings:
    """``settings`` with ``inter_threads`` 0 (auto) resolved: the languages translated at once
    share ``parallel_languages`` threads, so one language alone gets all of them."""
    if settings.inter_threads:
        return settings
    at_once = max(1, min(settings.parallel_languages, languages))
    return replace(settings, inter_threads=max(1, settings.parallel_languages // at_once))


EngineFactory = Callable[[EngineSettings], Engine]
ENGINES: dict[str, EngineFactory] = {}


def register(name: str, factory: EngineFactory) -> None:
    ENGINES[name] = factory
