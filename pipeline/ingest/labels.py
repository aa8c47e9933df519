"""What a speaker label looks like at the start of a line (no context used).

- ``Full Name (INITIALS):``, ``INITIALS:``, ``Full Name:``, ``Q:``/``A:`` and their forms in
  other languages, optionally in markdown bold or italics with the colon inside or outside
  (``**CECOP:**``, ``**CECOP**:``, ``*Q:*``, or a whole turn in bold, ``**Q: …?**``) and a space
  before the colon (French typography).
- Dash labels: ``CECOP — …``, ``KWN – …``, ``Dirk - …`` (a name, a spaced dash).
- Numbered questions: ``1. …``, ``Question 2: …``, ``Q3: …``, ``Pregunta 4. …``.
- Question and answer letters with a period: ``P. ¿…?`` / ``R. …`` (Spanish press).

:mod:`pipeline.ingest.reader` decides which matches really are labels in context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.ingest.names import PARTICLES
from pipeline.ingest.phrases import ABOUT, CREDIT, INTRO, NOTE

_NAME_WORD = r"[^\W\d_][\w'’.\-]*"
_EMPHASIS = r"\*\*|__|\*|_"
_LABEL = re.compile(
    rf"""^(?P<open>{_EMPHASIS})?[ ]?
    (?P<name>{_NAME_WORD}(?:[ ]{_NAME_WORD}){{0,5}})
    (?:[ ]?\((?P<init>[^\W_][\w.\-]{{0,7}})\))?
    [ ]?(?P<close>{_EMPHASIS})?[ ]?:(?P<after>{_EMPHASIS})?(?=[ ]|$)[ ]?""",
    re.VERBOSE,
)
QUESTION_LABELS = {
    "q", "question", "f", "frage", "d", "domanda", "p", "pregunta", "pergunta", "v", "vraag",
    "k", "kysymys", "fråga", "spørgsmål", "pytanie", "otázka", "ερώτηση",
}  # fmt: skip
ANSWER_LABELS = {
    "a", "answer", "r", "réponse", "reponse", "antwort", "risposta", "respuesta", "resposta",
    "antwoord", "vastaus", "svar", "sv", "s", "o", "odpowiedź", "odpověď", "απάντηση",
}  # fmt: skip

# "CECOP — …", "KWN – …", "Dirk - …": a name and a spaced dash (no initials, no markup inside).
_DASH_LABEL = re.compile(
    rf"^(?P<open>\*\*)?(?P<name>{_NAME_WORD}(?:[ ]{_NAME_WORD}){{0,4}})(?P<close>\*\*)?"
    r" (?P<dash>[–—]|-{1,2}) (?=\S)"
)
_QUESTION_WORDS = (
    "q|question|frage|pregunta|domanda|pytanie|vraag|kysymys|fråga|spørgsmål|otázka|pergunta"
    "|a|answer|antwort|r|réponse|risposta|respuesta|odpowiedź"  # "A1:" answers numbered too
)
# "1. …", "Question 2: …", "Q3: …", "**4.** …": a question number at the start of a paragraph.
_NUMBER_LABEL = re.compile(
    rf"^(?P<open>\*\*)?(?:(?P<word>{_QUESTION_WORDS})[ ]?)?(?P<num>\d{{1,2}})"
    r"(?:[ ]?[.:)](?P<close>\*\*)?|(?P<close2>\*\*)?[ ][–—-]) (?=\S)",
    re.IGNORECASE,
)
# "P. ¿…?" / "R. …": the Spanish and Portuguese press write Q and A letters with a period.
_LETTER_PERIOD = re.compile(r"^(?P<name>[A-Z])\. (?=\S)")
_SENTENCE_END = re.compile(r"[.!?…](?:\s|$)")


@dataclass(frozen=True)
class Label:
    raw: str  # exactly what is removed from the line, trailing space included
    name: str  # "" for a bare question number
    init: str | None
    style: str = "colon"  # colon | dash | number | dialogue
    number: int | None = None  # the question number of a numbered label

    @property
    def shown(self) -> str:
        """The label as an editor wrote it, for messages: ``"CECOP —"``, ``"1."``."""
        return self.raw.strip()


def match_label(line: str) -> Label | None:
    """The speaker label at the start of ``line``, if it looks like one (no context used)."""
    return number_label(line) or _colon_label(line) or _dash_label(line) or _period_label(line)


def _colon_label(line: str) -> Label | None:
    match = _LABEL.match(line)
    if not match or ((match["close"] or match["after"]) and not match["open"]):
        return None  # "CECOP**:" is a typo, but "**CECOP: question?**" bolds the whole turn
    name = match["name"]
    if not _is_name(name) or _is_stock_line(line):
        return None
    return Label(match.group(0), name, match["init"])


def _dash_label(line: str) -> Label | None:
    match = _DASH_LABEL.match(line)
    if not match or bool(match["open"]) != bool(match["close"]) or not _is_name(match["name"]):
        return None
    rest = line[match.end() :]
    first_sentence = _SENTENCE_END.split(rest, maxsplit=1)[0]
    if f" {match['dash']} " in first_sentence or _is_stock_line(line):
        return None  # "KWN – Kooperativa Women's Network – is a …" is an apposition
    return Label(match.group(0), match["name"], None, "dash")


def number_label(line: str) -> Label | None:
    """A numbered question's label: ``1.``, ``Question 2:``, ``Q3:`` (its word is its name)."""
    match = _NUMBER_LABEL.match(line)
    whole_bold = bool(match and match["open"]) and line.rstrip().endswith("**")  # "**1. …?**"
    if not match or (
        bool(match["open"]) != bool(match["close"] or match["close2"]) and not whole_bold
    ):
        return None
    word = match["word"] or ""
    # "Q3:", "A3:", "Question 3:" name their side like "Q:" does; a bare "3." only asks.
    return Label(match.group(0), word, None, "colon" if word else "number", int(match["num"]))


def _period_label(line: str) -> Label | None:
    match = _LETTER_PERIOD.match(line)
    if not match or match["name"].casefold() not in QUESTION_LABELS | ANSWER_LABELS:
        return None
    return Label(match.group(0), match["name"], None, "period")


def _is_name(name: str) -> bool:
    words = name.split(" ")
    return words[0][:1].isupper() and all(w[:1].isupper() or w in PARTICLES for w in words)


def _is_stock_line(line: str) -> bool:
    return bool(NOTE.match(line) or INTRO.match(line) or CREDIT.match(line) or ABOUT.match(line))
