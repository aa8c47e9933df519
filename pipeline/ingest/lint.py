"""Source lint for editors: warnings (never errors) with line numbers.

Checks a space before punctuation ("the gig , and"), doubled words ("the the"), and unbalanced
quotes or brackets within a paragraph. French typography puts a space before ``; : ! ?`` and
inside « », so those are not flagged in French sources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class LintWarning:
    line: int
    message: str


_SPACE_BEFORE = re.compile(r"(?<=\w) ([,.;:!?])(?=\s|$)")
_DOUBLED = re.compile(r"\b(\w+) \1\b", re.IGNORECASE)
_PAIRS = (("(", ")"), ("[", "]"), ("“", "”"), ("«", "»"), ("„", "“"))


def lint_paragraphs(paragraphs: list[tuple[int, str]], lang: str) -> list[LintWarning]:
    """``paragraphs`` are (first line, text) with labels removed; line breaks already joined."""
    warnings: list[LintWarning] = []
    for line, text in paragraphs:
        warnings += _space_before_punctuation(line, text, lang)
        warnings += _doubled_words(line, text)
        warnings += _unbalanced(line, text, lang)
    return warnings


def _context(text: str, start: int, end: int) -> str:
    left = text.rfind(" ", 0, max(0, start - 8))
    right = text.find(" ", end + 6)
    return text[left + 1 : right if right != -1 else len(text)]


def _space_before_punctuation(line: int, text: str, lang: str) -> list[LintWarning]:
    out = []
    for match in _SPACE_BEFORE.finditer(text):
        mark = match.group(1)
        if lang == "fr" and mark in ";:!?":
            continue
        snippet = _context(text, match.start(), match.end())
        out.append(LintWarning(line, f"space before '{mark}' in '{snippet}'"))
    return out


def _doubled_words(line: int, text: str) -> list[LintWarning]:
    return [
        LintWarning(line, f"doubled word '{m.group(1)} {m.group(1)}'")
        for m in _DOUBLED.finditer(text)
        if not m.group(1).isdigit()
    ]


def _unbalanced(line: int, text: str, lang: str) -> list[LintWarning]:
    out = []
    for opening, closing in _PAIRS:
        if opening == "„" and lang not in (
            "de",
            "cs",
            "sk",
            "pl",
            "hu",
            "ro",
            "bg",
            "lt",
            "hr",
            "sl",
            "et",
            "lv",
        ):
            continue
        if opening == "“" and "„" in text:  # in German „…“ the “ closes
            continue
        if opening == "„" and text.count("„") == text.count("“") + text.count("”"):
            continue  # Polish, Hungarian and Romanian close „…” with ”
        if text.count(opening) != text.count(closing):
            out.append(
                LintWarning(
                    line,
                    f"unbalanced {opening}{closing}: {text.count(opening)} opening, "
                    f"{text.count(closing)} closing",
                )
            )
    if text.count('"') % 2:
        out.append(LintWarning(line, 'odd number of straight quotes (")'))
    return out
