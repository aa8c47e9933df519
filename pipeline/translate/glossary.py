"""The glossary (``issues/glossary.toml``): masking protected terms around an engine, and QA.

``protect = [...]`` lists terms that must come out verbatim (brands, people's names);
``[terms.<lang>] "source term" = "fixed translation"`` fixes a term's translation per language.
Before a segment goes to an engine every such term (longest first, on word boundaries;
protected terms case-sensitive, since "Smart" the brand is not "smart" the adjective) is
replaced with a placeholder ``__0__``, ``__1__``… numbered per segment. SentencePiece models
keep digits and underscores; argos real models are known to mangle brand names. The engine's
output gets the term (or its fixed translation) back. Because numbering is per segment, the
masked text is a template ("__0__ was founded in 1998.") that the memory can reuse safely.

What a real OPUS-MT model makes of ``__0__``: SentencePiece splits it into pieces ("▁__", "0",
"__"), and the decoder may keep them all, fuse or space them ("_0_", "__ 0 __"), keep only
some ("0__", "__0", a bare "0", a bare "__") or drop them all. :meth:`Masker.recover` puts a
term back (1) wherever a placeholder with its number survives, even spaced or one-sided, then
(2) in place of a bare number equal to a lost index (only when the source has no such number)
or of bare underscores (only when their count equals the number of terms still lost and the
source has none), recording the latter as guesses. :meth:`Masker.partial` gives the masked
text with only some terms unmasked, for a retry of the terms the engine lost.

QA (:func:`check_translation`) reports, as warning Findings: a protected term missing from the
target, a fixed term translation missing from it, numbers that differ, a length ratio far
from 1.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline.document import Finding
from pipeline.errors import ConfigError
from pipeline.languages import EU_LANGUAGES
from pipeline.tomlcheck import unknown_keys

# What the engine may have made of "__3__": "__3__", "_3_", "__ 3 __". Recovered leniently.
_PLACEHOLDER = re.compile(r"_{1,2}\s?(\d{1,3})\s?_{1,2}")
_EXACT = re.compile(r"__(\d{1,3})__")
# Bare underscores standing alone: what is left of a placeholder whose number was dropped.
_UNDERSCORES = re.compile(r"(?<![^\W_])_+(?![^\W_])")
_NUMBER = re.compile(r"\d+")
LENGTH_RATIO_BOUNDS = (0.4, 2.5)
LENGTH_RATIO_MIN_CHARS = 25


def placeholder(index: int) -> str:
    return f"__{index}__"


@dataclass(frozen=True)
class Masked:
    """A segment with its terms replaced; ``values[i]`` is what placeholder i becomes."""

    text: str
    values: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # the source words each placeholder replaced

    def indices(self) -> tuple[int, ...]:
        """The placeholder numbers this text holds (all of them, unless it is a partial)."""
        if not self.values:
            return ()
        return tuple(sorted({int(m.group(1)) for m in _EXACT.finditer(self.text)}))


@dataclass(frozen=True)
class Recovered:
    """An engine output with the terms put back: ``lost`` and ``guessed`` are indices."""

    text: str
    lost: tuple[int, ...] = ()  # no trace of the placeholder: the term is not in ``text``
    guessed: tuple[int, ...] = ()  # put back in place of a bare "0" or "__" left behind


@dataclass(frozen=True)
class Glossary:
    protect: tuple[str, ...] = ()
    terms: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def masker(self, lang: str) -> Masker:
        return Masker(self.protect, self.terms.get(lang, {}))


class Masker:
    """Masks protected terms and ``lang``'s fixed terms in source segments, and unmasks."""

    def __init__(self, protect: tuple[str, ...], fixed: Mapping[str, str]) -> None:
        self.protect = protect
        self._fixed = {k.lower(): v for k, v in fixed.items()}
        self._protect_re = _alternation(protect, flags=0)
        self._fixed_re = _alternation(tuple(fixed), flags=re.IGNORECASE)

    def mask(self, text: str) -> Masked:
        # A source that already looks like a placeholder is sent as it is: unmasking it
        # would otherwise turn the author's text into a term.
        if _PLACEHOLDER.search(text) or (self._protect_re is None and self._fixed_re is None):
            return Masked(text)
        spans = self._spans(text)
        if not spans:
            return Masked(text)
        out: list[str] = []
        values: list[str] = []
        cursor = 0
        for start, end, value in spans:
            out += [text[cursor:start], placeholder(len(values))]
            values.append(value)
            cursor = end
        out.append(text[cursor:])
        sources = tuple(text[start:end] for start, end, _ in spans)
        return Masked("".join(out), tuple(values), sources)

    def _spans(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, replacement), protected terms first, then fixed ones."""
        spans: list[tuple[int, int, str]] = []
        if self._protect_re is not None:
            spans += [(m.start(), m.end(), m.group(0)) for m in self._protect_re.finditer(text)]
        if self._fixed_re is not None:
            for m in self._fixed_re.finditer(text):
                if not any(s < m.end() and m.start() < e for s, e, _ in spans):
                    spans.append((m.start(), m.end(), self._fixed_value(m.group(0))))
        return sorted(spans)

    def _fixed_value(self, matched: str) -> str:
        value = self._fixed[matched.lower()]
        # Keep a sentence-initial capital: "Social economy is" → "Économie sociale est".
        return value[:1].upper() + value[1:] if matched[:1].isupper() else value

    def recover(self, masked: Masked, translated: str) -> Recovered:
        """Put every term back that the output still has a trace of (see the module doc)."""
        expected = masked.indices()
        if not expected:
            return Recovered(translated)
        seen: set[int] = set()

        def put_back(m: re.Match[str]) -> str:
            index = int(m.group(1))
            if index not in expected:
                return m.group(0)
            seen.add(index)
            return masked.values[index]

        text = _PLACEHOLDER.sub(put_back, translated)
        for i in expected:  # one-sided remains that still carry the number: "0__", "__0"
            if i not in seen:
                one_sided = rf"(?<![^\W_])(?:_{{1,2}}\s?{i}(?!\w)|{i}\s?_{{1,2}}(?![^\W_]))"
                text, n = re.subn(one_sided, _literal(masked.values[i]), text, count=1)
                seen.update([i] if n else [])
        lost = [i for i in expected if i not in seen]
        text, guessed = _guess(masked, text, lost)
        return Recovered(text, tuple(i for i in lost if i not in guessed), guessed)

    def partial(self, masked: Masked, unmask: tuple[int, ...]) -> Masked:
        """``masked`` with the terms numbered ``unmask`` back in their source words."""
        drop = set(unmask)

        def source_words(m: re.Match[str]) -> str:
            index = int(m.group(1))
            return masked.sources[index] if index in drop else m.group(0)

        return replace(masked, text=_EXACT.sub(source_words, masked.text))


def _guess(masked: Masked, text: str, lost: list[int]) -> tuple[str, tuple[int, ...]]:
    """Put lost terms where only a bare number or bare underscores of them were left."""
    plain = _EXACT.sub(" ", masked.text)  # the source words around the placeholders
    guessed: list[int] = []
    for i in lost:
        bare = rf"(?<![\w.,]){i}(?![\w]|[.,]\d)"
        if not re.search(bare, plain) and len(re.findall(bare, text)) == 1:
            text = re.sub(bare, _literal(masked.values[i]), text)
            guessed.append(i)
    rest = [i for i in lost if i not in guessed]
    if rest and "_" not in plain and len(_UNDERSCORES.findall(text)) == len(rest):
        values = iter(masked.values[i] for i in rest)
        text = _UNDERSCORES.sub(lambda _m: next(values), text)
        guessed += rest
    return text, tuple(sorted(guessed))


def _literal(value: str) -> Callable[[re.Match[str]], str]:
    return lambda _match: value  # a function, so that re.sub takes no "\\1" in value as a group


def has_leftovers(source: str, text: str) -> bool:
    """Whether ``text`` still holds placeholder debris that ``source`` did not have."""
    return bool(_PLACEHOLDER.search(text) or ("__" in text and "__" not in source))


def _alternation(terms: tuple[str, ...], flags: int) -> re.Pattern[str] | None:
    if not terms:
        return None
    ordered = sorted(terms, key=len, reverse=True)  # longest first: "Smart Belgium" > "Smart"
    body = "|".join(re.escape(t) for t in ordered)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", flags)


def load_glossary(path: Path) -> Glossary:
    """Read and validate the glossary; a missing file is an empty glossary."""
    if not path.is_file():
        return Glossary()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}. Fix the syntax at that line.") from None
    return parse_glossary(data, path)


# The keys glossary.toml may hold (see pipeline.config.ISSUE_KEYS): [terms] is a table of
# languages, each a table of terms, so its keys are data and not listed.
GLOSSARY_KEYS: dict[str, frozenset[str]] = {"": frozenset({"protect", "terms"})}


def parse_glossary(data: Mapping[str, Any], path: Path) -> Glossary:
    problems = unknown_keys(data, GLOSSARY_KEYS)
    protect = data.get("protect", [])
    if not isinstance(protect, list) or not all(isinstance(t, str) and t.strip() for t in protect):
        problems.append("'protect' must be a list of non-empty strings, like protect = [\"CECOP\"]")
        protect = []
    terms = _terms(data.get("terms", {}), problems)
    if problems:
        count = len(problems)
        raise ConfigError(
            f"{path}: {count} problem{'s' if count > 1 else ''} in the glossary", details=problems
        )
    return Glossary(tuple(t.strip() for t in protect), terms)


def _terms(table: Any, problems: list[str]) -> dict[str, dict[str, str]]:
    if not isinstance(table, dict):
        problems.append('\'terms\' must be tables, like [terms.de] "social economy" = "..."')
        return {}
    terms: dict[str, dict[str, str]] = {}
    for lang, entries in table.items():
        if lang not in EU_LANGUAGES:
            problems.append(f"'terms.{lang}': \"{lang}\" is not an EU language code")
            continue
        if not isinstance(entries, dict):
            problems.append(f'\'terms.{lang}\' must be a table of "source term" = "translation"')
            continue
        bad = [k for k, v in entries.items() if not (k.strip() and isinstance(v, str) and v)]
        for key in bad:
            problems.append(f"'terms.{lang}.\"{key}\"' must map a term to a non-empty string")
        terms[lang] = {k: v for k, v in entries.items() if k not in bad}
    return terms


def check_translation(
    key: str,
    lang: str,
    source: str,
    target: str,
    protect: tuple[str, ...],
    fixed: Mapping[str, str] | None = None,
) -> list[Finding]:
    """QA warnings for one machine-translated segment (``fixed``: ``lang``'s fixed terms)."""
    findings = []
    for term in protect:
        pattern = rf"(?<!\w){re.escape(term)}(?!\w)"
        if re.search(pattern, source) and not re.search(pattern, target):
            message = f'protected term "{term}" is missing from the translation'
            findings.append(Finding("warning", "protected-term-missing", message, lang, key))
    for term, fixed_as in (fixed or {}).items():
        in_source = re.search(rf"(?<!\w){re.escape(term)}(?!\w)", source, re.IGNORECASE)
        if in_source and not re.search(rf"(?<!\w){re.escape(fixed_as)}(?!\w)", target, re.I):
            message = f'"{term}" should be translated as "{fixed_as}", which is missing'
            findings.append(Finding("warning", "fixed-term-missing", message, lang, key))
    if Counter(_NUMBER.findall(source)) != Counter(_NUMBER.findall(target)):
        message = (
            f"numbers differ: source {_NUMBER.findall(source)}, target {_NUMBER.findall(target)}"
        )
        findings.append(Finding("warning", "numbers-differ", message, lang, key))
    low, high = LENGTH_RATIO_BOUNDS
    if len(source) >= LENGTH_RATIO_MIN_CHARS and not low <= len(target) / len(source) <= high:
        ratio = len(target) / len(source)
        message = f"target is {ratio:.2f}× the source length (expected {low}–{high}×)"
        findings.append(Finding("warning", "length-ratio", message, lang, key))
    return findings
