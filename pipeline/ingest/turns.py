"""Units → blocks: who asks, who answers, where the interview starts and ends.

Each unit gets a type and a speaker, and the *signal* that decided (shown by
``newsletter ingest --explain``); a decision a reviewer should check also gets a *doubt*.

1. **Before the first turn**: notes (``Readers note:`` and what follows it), the intro line,
   credits, captions and plain paragraphs.
2. **Turns.** A labelled unit starts a question or an answer (its speaker's role: the
   intro's interviewees answer; else the speaker whose turns ask questions asks). A question
   number (``1.``, ``Question 2:``), a paragraph wholly in bold that asks something, and a
   dialogue dash (alternating, starting with a question) start turns too. Labels always win.
3. **Unlabelled units** continue the turn, except when only one side is labelled: after a
   question that has reached its question mark they are the other speaker's answer; in a
   text whose only labels are answers, an unlabelled paragraph that asks is a question.
4. **The end.** After the last question, ``About …:``, ``Find out more:`` and notes stand
   alone as notes. The interviewer's thanks after the last answer, labelled or not, in the
   first or the third person, is the closing; the interviewee's short thanks back joins it;
   a link or an "About" paragraph after it is a note, anything else a paragraph.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.document import BlockType
from pipeline.ingest.layout import Unit
from pipeline.ingest.phrases import (
    CREDIT,
    INTRO,
    LINK,
    NOTE,
    SEPARATOR,
    is_aftermatter,
    is_thanks,
    is_thanks_text,
    mentions,
)


@dataclass
class Reading:
    """What the reader knows about the whole text before it reads unit by unit."""

    roles: dict[str, BlockType]  # labelled speaker id → question or answer
    answers_labelled: bool  # some answer carries a label (then unlabelled units continue)
    questions_labelled: bool  # some question carries a label or a number
    last_question: int  # index of the unit that starts the last question (-1: none)
    guest: str | None  # the speaker of unlabelled answers
    asker: str | None  # the speaker of unlabelled questions (a credit's interviewer)
    by_question_mark: bool  # no labels at all: the paragraphs that ask are the questions


@dataclass
class Building:
    """A block being assembled from units."""

    type: BlockType
    speaker: str | None
    units: list[Unit] = field(default_factory=list)


def ends_question(text: str) -> bool:
    return text.rstrip(" *_\"'”»)").endswith("?")


def turn_start(unit: Unit, reading: Reading, index: int) -> tuple[BlockType, str] | None:
    """(type, signal) when ``unit`` starts a turn by itself (see the module docstring)."""
    label = unit.label
    if label is not None and label.style == "number":
        return "question", f'question number "{label.shown}"'
    if label is not None and label.style != "dialogue":
        return None  # resolved by the caller, which knows the speaker
    if unit.bold and "?" in unit.text:
        return "question", "a paragraph in bold that asks → question"
    if reading.by_question_mark and ends_question(unit.text) and index > 0:
        unit.doubt = "read as a question only because it ends with a question mark"
        return "question", "unlabelled, asks a question, no labels in the text → question"
    return None


def read_turns(
    units: Sequence[Unit], speakers: Sequence[str | None], reading: Reading
) -> list[Building]:
    """Type every unit; ``speakers[i]`` is the resolved speaker of a labelled unit."""
    reader = _TurnReader(reading)
    for index, unit in enumerate(units):
        reader.read(index, unit, speakers[index])
    blocks = [b for b in reader.blocks if b.units]
    return blocks


class _TurnReader:
    def __init__(self, reading: Reading) -> None:
        self.reading = reading
        self.blocks: list[Building] = []
        self.in_turn = self.in_note = False
        self.dialogue_turns = 0

    @property
    def current(self) -> Building | None:
        return self.blocks[-1] if self.blocks else None

    def start(self, kind: BlockType, speaker: str | None, unit: Unit, signal: str) -> None:
        unit.signal = signal
        self.blocks.append(Building(kind, speaker, [unit]))
        self.in_turn = kind in ("question", "answer")
        self.in_note = kind == "note"

    def add(self, unit: Unit, signal: str) -> None:
        items = unit.text.count("\n") + 1
        unit.signal = f"a list of {items} items in the turn" if unit.is_list else signal
        assert self.current is not None
        self.current.units.append(unit)

    def read(self, index: int, unit: Unit, speaker: str | None) -> None:
        label = unit.label
        if label is not None and label.style == "dialogue":
            self._dialogue(unit)
        elif label is not None and label.style != "number":
            kind = self.reading.roles.get(speaker or "", "answer")
            self.start(kind, speaker, unit, f'label "{label.shown}" → {kind}')
        elif started := turn_start(unit, self.reading, index):
            kind, signal = started
            who = self.reading.asker if kind == "question" else self.reading.guest
            if label is not None and label.name:
                who = speaker
            self.start(kind, who, unit, signal)
        else:
            self._unlabelled(index, unit)

    def _dialogue(self, unit: Unit) -> None:
        kind: BlockType = "question" if self.dialogue_turns % 2 == 0 else "answer"
        self.dialogue_turns += 1
        who = self.reading.asker if kind == "question" else self.reading.guest
        if kind == "answer" and ends_question(unit.text):
            unit.doubt = "a dialogue turn read as an answer (turns alternate) asks a question"
        self.start(kind, who, unit, f"dialogue dash, turns alternate → {kind}")

    def _unlabelled(self, index: int, unit: Unit) -> None:
        text, current = unit.text, self.current
        after_questions = index > self.reading.last_question
        if NOTE.match(text):
            self.start("note", None, unit, "note heading → note")
        elif after_questions and self.blocks and is_aftermatter(text):
            self.start("note", None, unit, "after the last question, introduces more → note")
        elif INTRO.match(text) and not self.in_turn:
            self.start("intro", None, unit, "intro line → intro")
        elif CREDIT.match(text) or SEPARATOR.match(text):
            self.start("paragraph", None, unit, "credit, caption or separator → paragraph")
        elif current is None or not (self.in_turn or self.in_note):
            self.start("paragraph", None, unit, "before the first turn → paragraph")
        elif self.in_note:
            self.add(unit, "unlabelled after a note → the same note")
        elif current.type == "question":
            self._after_question(unit, current)
        else:
            self._after_answer(unit, current)

    def _after_question(self, unit: Unit, current: Building) -> None:
        if self.reading.answers_labelled:
            self.add(unit, "unlabelled after a question; answers are labelled → same question")
        elif not ends_question(current.units[-1].text) and ends_question(unit.text):
            self.add(unit, "unlabelled, the question goes on to its question mark → question")
        else:
            guest = self.reading.guest
            if guest is None:
                unit.doubt = "nobody is named as the interviewee, so the answer has no speaker"
            self.start("answer", guest, unit, "unlabelled after a question → answer")

    def _after_answer(self, unit: Unit, current: Building) -> None:
        asks = ends_question(unit.text) and not unit.is_list
        if asks and self.reading.answers_labelled and not self.reading.questions_labelled:
            unit.doubt = "read as a question because it asks one and only answers are labelled"
            who = self.reading.asker
            self.start("question", who, unit, "unlabelled, asks; only answers labelled → question")
            return
        if asks and current.type == "answer":
            unit.doubt = "ends with a question mark but was read as part of the answer"
        self.add(unit, "unlabelled after an answer → same turn")


# --- the end of the interview: closing and aftermatter ----------------------------------


def split_closing(blocks: list[Building], names: list[str]) -> None:
    """The interviewer's thanks after the last answer is the closing, not part of the answer.

    Walk back over the interviewee's thanks-back turns to the turn that holds the thanks: a
    labelled interviewer turn, or the end of the last answer. The thanks-backs join the
    closing; anything else after the thanks (a short bio, a link) stands on its own.
    """
    turns = [i for i, b in enumerate(blocks) if b.type in ("question", "answer")]
    if not turns:
        return
    k = len(turns) - 1
    while k > 0 and turns[k - 1] == turns[k] - 1 and _is_thanks_back(blocks[turns[k]]):
        k -= 1
    start = _closing_start(blocks[turns[k]], names)
    if start is None:
        return
    backs = [blocks.pop(i) for i in reversed(turns[k + 1 :])][::-1]
    at = _detach(blocks, turns[k], start, "closing", "thanks after the last answer → closing")
    for back in backs:
        for unit in back.units:
            unit.signal = "the interviewee's thanks back → closing"
        blocks[at].units += back.units
    units = blocks[at].units
    tail = next((i for i in range(1, len(units)) if not is_thanks_text(units[i].text)), None)
    if tail and not backs:  # (after thanks-backs, moving it would change the order)
        _detach(blocks, at, tail, "paragraph", "after the closing → paragraph")
    _aftermatter_notes(blocks, at)


def _aftermatter_notes(blocks: list[Building], closing: int) -> None:
    """Paragraphs after the closing that introduce the organisation or a link are notes."""
    for block in blocks[closing + 1 :]:
        text = block.units[0].text
        if block.type == "paragraph" and (is_aftermatter(text) or LINK.search(text)):
            block.type = "note"
            block.units[0].signal = "after the closing, a link or 'About …' → note"


def _detach(blocks: list[Building], at: int, start: int, kind: BlockType, signal: str) -> int:
    """Make units ``start:`` of ``blocks[at]`` a block of ``kind``; return its index."""
    block = blocks[at]
    block.units[start].signal = signal
    if start == 0:
        block.type = kind
        return at
    rest = Building(kind, None, block.units[start:])
    del block.units[start:]
    blocks.insert(at + 1, rest)
    return at + 1


def _closing_start(block: Building, names: list[str]) -> int | None:
    """Where the closing starts in ``block``: 0 for a labelled thanks, else an answer's tail."""
    texts = [u.text for u in block.units]
    if block.type == "question":
        return 0 if is_thanks(texts[0], names, labelled=True) else None
    for start in range(1, len(texts)):
        rest_is_thanks = all(map(is_thanks_text, texts[start + 1 :]))
        if is_thanks(texts[start], names) and (rest_is_thanks or mentions(texts[start], names)):
            return start
    return None


def _is_thanks_back(block: Building) -> bool:
    return (
        block.type == "answer"
        and len(block.units) <= 2
        and all(is_thanks_text(u.text) for u in block.units)
    )
