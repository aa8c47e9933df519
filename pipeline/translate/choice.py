"""Which engine translates which language: ``--engine`` and ``[translate] engines``.

The candidates for a target language are its entry in issue.toml's ``[translate] engines``
(``hr = ["marian", "apertium"]``), else ``--engine``, else the table's ``default``, else
``argos`` (:meth:`pipeline.config.TranslateConfig.engines_for`). The first candidate with a
route for the language (direct, or through English: :func:`~pipeline.translate.route.find_route`)
wins. A candidate that cannot even say what it translates (a LibreTranslate server that is
down) is passed over with its reason when the language has other candidates; when it is the
only one, its error stops the build, as ``--engine`` alone always has: the reason is the fix.

Engines are made once per build and shared by every language that chose them; the chosen
name is what ``report.json`` records and what the translation memory is keyed by.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.config import IssueConfig
from pipeline.errors import ConfigError, PipelineError
from pipeline.translate.engine import ENGINES, Engine, EngineSettings
from pipeline.translate.route import Pair, Route, find_route

# Engines that live in their own module register themselves when imported.
ENGINE_MODULES = {
    "argos": "pipeline.translate.argos",
    "marian": "pipeline.translate.marian",
    "libretranslate": "pipeline.translate.libretranslate",
    "apertium": "pipeline.translate.apertium",
}


def make_engine(name: str, settings: EngineSettings) -> Engine:
    """The registered engine called ``name`` (importing its module on first use)."""
    if name not in ENGINES and name in ENGINE_MODULES:
        importlib.import_module(ENGINE_MODULES[name])
    if name not in ENGINES:
        raise ConfigError(f"unknown translation engine '{name}'; use one of: {known_engines()}")
    return ENGINES[name](settings)


def known_engines() -> str:
    return ", ".join(sorted({*ENGINES, *ENGINE_MODULES}))


@dataclass(frozen=True)
class Choice:
    """The engine (and route) a language gets, or None with the reasons."""

    lang: str
    candidates: tuple[str, ...]
    engine: Engine | None = None
    route: Route | None = None
    passed_over: tuple[str, ...] = ()  # "marian: no model for en→hr", one per candidate tried

    @property
    def first(self) -> str:
        return self.candidates[0]


class EngineChooser:
    """Makes each named engine once and picks the first that can translate a language."""

    def __init__(self, config: IssueConfig, default: str | None, settings: EngineSettings) -> None:
        self.config = config
        self.default = default
        self.settings = settings
        self._engines: dict[str, Engine] = {}
        self._pairs: dict[str, set[Pair] | PipelineError] = {}

    def candidates(self, lang: str) -> tuple[str, ...]:
        return self.config.translate.engines_for(lang, self.default)

    def check_names(self, langs: Sequence[str]) -> None:
        """Every candidate of ``langs`` is a known engine (else one ConfigError naming the key)."""
        for lang in langs:
            unknown = [n for n in self.candidates(lang) if n not in {*ENGINES, *ENGINE_MODULES}]
            if unknown and lang in self.config.translate.engines:
                raise ConfigError(
                    f"{self.config.path}: '[translate] engines.{lang}' names unknown engine "
                    f"'{unknown[0]}'; use one of: {known_engines()}"
                )
            if unknown:
                make_engine(unknown[0], self.settings)  # raises the plain message

    def engine(self, name: str) -> Engine:
        if name not in self._engines:
            self._engines[name] = make_engine(name, self.settings)
        return self._engines[name]

    def pairs(self, name: str) -> set[Pair] | PipelineError:
        """What ``name`` translates now, or why it cannot say (asked once per build)."""
        if name not in self._pairs:
            try:
                self._pairs[name] = self.engine(name).pairs()
            except PipelineError as exc:
                self._pairs[name] = exc
        return self._pairs[name]

    def forget_pairs(self, name: str) -> None:
        """After installing models: ask ``name`` again."""
        self._pairs.pop(name, None)

    def choose(self, source_lang: str, lang: str) -> Choice:
        names = self.candidates(lang)
        passed: list[str] = []
        for name in names:
            pairs = self.pairs(name)
            if isinstance(pairs, PipelineError):
                if len(names) == 1:
                    raise pairs
                passed.append(f"{name}: {pairs.message}")
                continue
            route = find_route(pairs, source_lang, lang)
            if route is not None:
                return Choice(lang, names, self.engine(name), route, tuple(passed))
            passed.append(f"{name}: no model for {source_lang}→{lang}")
        return Choice(lang, names, passed_over=tuple(passed))

    def reachable_before(self, name: str, source_lang: str, lang: str) -> bool:
        """Whether a candidate listed before ``name`` already translates ``lang``."""
        names = self.candidates(lang)
        for earlier in names[: names.index(name)] if name in names else names:
            pairs = self.pairs(earlier)
            if not isinstance(pairs, PipelineError) and find_route(pairs, source_lang, lang):
                return True
        return False
