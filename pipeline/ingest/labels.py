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
from pipeline.ingest.phrases import CREDIT, INTRO, NOTE

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

@dataclass(frozen=True)
class Label:
    raw: str  # exactly what is removed from the line, trailing space included
    name: str
    init: str | None


def match_label(line: str) -> Label | None:
    """The speaker label at the start of ``line``, if it looks like one (no context used)."""
    match = _LABEL.match(line)
    if not match or ((match["close"] or match["after"]) and not match["open"]):
        return None  # "CECOP**:" is a typo, but "**CECOP: question?**" bolds the whole turn
    name = match["name"]
    words = name.split(" ")
    if not words[0][:1].isupper() or not all(w[:1].isupper() or w in PARTICLES for w in words):
        return None
    if NOTE.match(line) or INTRO.match(line) or CREDIT.match(line):
        return None
    return Label(match.group(0), name, match["init"])


