"""A deterministic fake translation engine for the translate stage's tests.

It "translates" by prefixing ``[<target>] `` (placeholders, numbers and terms pass through),
serves only the pairs it is given, and counts what a real engine would cost: translate calls,
segments and model loads. ``lose_placeholders`` makes it drop ``__N__`` tokens, the way real
models sometimes do; ``mangle`` rewrites each input first, to play a weak model (one that
splits placeholders into pieces, or translates a brand name it can see).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from pipeline.errors import ModelMissingError
from pipeline.translate.engine import ENGINES, EngineSettings

EU_TARGETS = (
    "bg",
    "cs",
    "da",
    "de",
    "el",
    "es",
    "et",
    "fi",
    "fr",
    "ga",
    "hu",
    "it",
    "lt",
    "lv",
    "nl",
    "pl",
    "pt",
    "ro",
    "sk",
    "sl",
    "sv",
)
ARGOS_LIKE_PAIRS = frozenset(
    {("en", t) for t in EU_TARGETS} | {(t, "en") for t in EU_TARGETS} | {("pt", "es"), ("es", "pt")}
)


class FakeEngine:
    name = "fake"

    def __init__(
        self,
        pairs: Iterable[tuple[str, str]] = ARGOS_LIKE_PAIRS,
        *,
        version: str = "1.0",
        lose_placeholders: bool = False,
        mangle: Callable[[str], str] | None = None,
    ) -> None:
        self.mangle = mangle
        self._pairs = set(pairs)
        self.version = version
        self.lose_placeholders = lose_placeholders
        self.calls: list[tuple[str, str, list[str]]] = []
        self.loaded: list[tuple[str, str]] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        self.barrier: threading.Barrier | None = None  # set to prove languages overlap

    def pairs(self) -> set[tuple[str, str]]:
        return set(self._pairs)

    def model_id(self, source_lang: str, target_lang: str) -> str:
        return f"fake-{source_lang}_{target_lang} {self.version}"

    def translate(self, source_lang: str, target_lang: str, segments: Sequence[str]) -> list[str]:
        if (source_lang, target_lang) not in self._pairs:
            raise ModelMissingError(f"no fake model for {source_lang}→{target_lang}")
        with self._lock:
            self.calls.append((source_lang, target_lang, list(segments)))
            self.loaded.append((source_lang, target_lang))
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            if self.barrier is not None:
                self.barrier.wait(timeout=10)
            return [self._one(target_lang, s) for s in segments]
        finally:
            with self._lock:
                self.active -= 1

    def _one(self, target_lang: str, text: str) -> str:
        if self.lose_placeholders:
            text = re.sub(r"__\d+__", "something", text)
        if self.mangle is not None:
            text = self.mangle(text)
        return f"[{target_lang}] {text}"

    @property
    def segments_translated(self) -> int:
        return sum(len(c[2]) for c in self.calls)


@contextmanager
def registered(engine: FakeEngine, name: str = "fake") -> Iterator[FakeEngine]:
    """Register ``engine`` in ENGINES under ``name`` for the duration of a test."""

    def factory(settings: EngineSettings) -> FakeEngine:
        return engine

    previous = ENGINES.get(name)
    ENGINES[name] = factory
    try:
        yield engine
    finally:
        if previous is None:
            ENGINES.pop(name, None)
        else:
            ENGINES[name] = previous
