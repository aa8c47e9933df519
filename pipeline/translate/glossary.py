"""The glossary (``issues/glossary.toml``): masking protected terms around an engine, and QA.

``protect = [...]`` lists terms that must come out verbatim (brands, people's names);
``[terms.<lang>] "source term" = "fixed translation"`` fixes a term's translation per language.
Before a segment goes to an engine every such term (longest first, on word boundaries;
protected terms case-sensitive, since "Smart" the brand is not "smart" the adjective) is
replaced with a placeholder ``__0__``, ``__1__``… numbered per segment. SentencePiece models
keep digits and underscores; argos real models are known to mangle brand names. The engine's
output gets the term (or its fixed translation) back. Because numbering is per segment, the
masked text is a template ("__0__ was founded in 1998.") that the memory can reuse safely.

QA (:func:`check_translation`) reports, as warning Findings: a protected term missing from the
target, numbers that differ, a length ratio far from 1.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.document import Finding
from pipeline.errors import ConfigError
from pipeline.languages import EU_LANGUAGES

# What the engine may have made of "__3__": "__3__", "_3_", "__ 3 __". Recovered leniently.
_PLACEHOLDER = re.compile(r"_{1,2}\s?(\d{1,3})\s?_{1,2}")
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
        return Masked("".join(out), tuple(values))

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

    def unmask(self, masked: Masked, translated: str) -> tuple[str, tuple[str, ...]]:
        """(text with terms put back, the values whose placeholder the engine lost)."""
        if not masked.values:
            return translated, ()
        seen: set[int] = set()

        def put_back(m: re.Match[str]) -> str:
            index = int(m.group(1))
            if index >= len(masked.values):
                return m.group(0)
            seen.add(index)
            return masked.values[index]

        text = _PLACEHOLDER.sub(put_back, translated)
        lost = tuple(v for i, v in enumerate(masked.values) if i not in seen)
        return text, lost


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


def parse_glossary(data: Mapping[str, Any], path: Path) -> Glossary:
    problems: list[str] = []
    for key in data:
        if key not in ("protect", "terms"):
            problems.append(f"'{key}' is not a glossary key: use protect = [...] or [terms.<lang>]")
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
    key: str, lang: str, source: str, target: str, protect: tuple[str, ...]
) -> list[Finding]:
    """QA warnings for one machine-translated segment."""
    findings = []
    for term in protect:
        pattern = rf"(?<!\w){re.escape(term)}(?!\w)"
        if re.search(pattern, source) and not re.search(pattern, target):
            message = f'protected term "{term}" is missing from the translation'
            findings.append(Finding("warning", "protected-term-missing", message, lang, key))
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
