"""Interview text → :class:`~pipeline.document.Document`, without losing a word.

The stages of reading, each in its own module:

1. :mod:`.cleanup` — web-paste clean-up (entities, tags, soft hyphens, zero-width
   characters, ``&nbsp;`` spacer lines), every change recorded with its line.
2. :mod:`.layout` — paragraphs, hard-wrapped lines joined, lists, label lines, bold turns.
3. :mod:`.labels` and :mod:`.cast` — which label-like words are speaker labels (declared,
   named in the intro or the prose, Q/A words, used twice, numbered in order), who each
   label is, who asks and who answers.
4. :mod:`.turns` — every unit typed (note, intro, question, answer, closing, paragraph) with
   the signal that decided; the closing and the aftermatter at the end.

Labels and markup are removed from the text and everything else is kept: the blocks' words
are the source's words minus the removed labels and what the clean-up report names (a
property test checks it). :class:`IngestResult` carries the document and everything a
reviewer may want to see: lint warnings, clean-up notes, the decisions and their doubts.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pipeline.document import Block, Document, Speaker, list_items
from pipeline.errors import SourceError
from pipeline.ingest import cleanup
from pipeline.ingest.cast import (
    Cast,
    accepted_labels,
    assign_roles,
    declare_credits,
    declare_intro,
    declare_prose,
    interviewee,
    link_first_names,
    resolve,
)
from pipeline.ingest.labels import QUESTION_LABELS, Label, match_label, number_label
from pipeline.ingest.layout import Layout, Unit, detect_layout, paragraphs, split_units
from pipeline.ingest.lint import LintWarning, lint_paragraphs
from pipeline.ingest.source import read_source
from pipeline.ingest.turns import Building, Reading, ends_question, read_turns, split_closing

__all__ = ["Decision", "IngestResult", "LintWarning", "ingest_file", "ingest_text"]


@dataclass(frozen=True)
class Decision:
    """How one paragraph was read: its type and speaker, the signal that decided, a doubt."""

    line: int
    type: str
    speaker: str | None
    signal: str
    text: str
    doubt: str | None = None  # why a reviewer should check it, when the reading is uncertain


@dataclass(frozen=True)
class IngestResult:
    document: Document
    warnings: tuple[LintWarning, ...]
    labels: tuple[tuple[int, str], ...]  # (line, label or markup removed), in source order
    edits: tuple[cleanup.Edit, ...] = ()  # what the clean-up changed
    decisions: tuple[Decision, ...] = ()  # one per paragraph of the document, in order
    notes: tuple[tuple[int, str], ...] = ()  # (line, what the reader inferred) for reviewers

    @property
    def cleanup_notes(self) -> list[cleanup.CleanupNote]:
        return cleanup.notes(self.edits)


def ingest_file(path: Path, source_lang: str | None = None) -> IngestResult:
    """Read, normalise and parse an interview file (``source_lang`` defaults from issue.toml)."""
    text = read_source(path)
    lang = source_lang or _sibling_source_lang(path) or "en"
    return ingest_text(text, source_lang=lang, name=str(path))


def ingest_text(text: str, *, source_lang: str = "en", name: str = "<text>") -> IngestResult:
    """Parse already-normalised text; ``name`` is used in messages."""
    lines, edits = cleanup.clean(text)
    paras = paragraphs(lines)
    if not paras:
        raise SourceError(
            f"{name}: has no paragraphs (the file is empty or blank). "
            "Put the interview text in it, paragraphs separated by blank lines."
        )
    layout = detect_layout(paras)
    cast = Cast()
    notes: list[tuple[int, str]] = []
    every = _units(paras, layout, cast, source_lang, notes)
    units = [u for u in every if u.text]  # a label with no text after it ("Q:" at the end)
    speakers = resolve(units, cast, name)
    reading = _reading(units, speakers, cast)
    blocks = read_turns(units, speakers, reading)
    closing_names = cast.names_of([*cast.interviewees, *_answerers(blocks)])
    split_closing(blocks, closing_names)
    _refuse_without_turns(blocks, name)
    document = Document(source_lang, _speakers_in_order(blocks, cast), _blocks(blocks))
    return IngestResult(
        document,
        tuple(lint_paragraphs([(u.line, _lint_text(u)) for u in units], source_lang)),
        tuple(sorted(_removed(every), key=lambda r: r[0])),
        tuple(edits),
        tuple(_decisions(blocks, cast)),
        tuple(sorted([*notes, *cast.notes])),
    )


def _units(
    paras: list[list[cleanup.Line]],
    layout: Layout,
    cast: Cast,
    lang: str,
    notes: list[tuple[int, str]],
) -> list[Unit]:
    """Declare who speaks from the text before the turns, then cut it into units."""
    found = [lab for para in paras for line in para if (lab := match_label(line.text))]
    found = [lab for lab in found if lab.style != "number"]
    rough = [
        Unit(p[0].number, " ".join(line.text for line in p), match_label(p[0].text)) for p in paras
    ]
    declare_intro(rough, cast, {lab.name for lab in found}, lang)
    declare_prose(rough, cast, found)
    declare_credits(rough, cast)
    link_first_names(cast, found)
    accepted = accepted_labels(found, cast)
    numbers = _question_numbers(paras)

    def starts_turn(label: Label) -> bool:
        if label.style == "number":
            return label.number in numbers
        return label.name.casefold() in accepted

    return split_units(paras, layout, starts_turn, notes)


def _question_numbers(paras: list[list[cleanup.Line]]) -> set[int | None]:
    """Numbers that count as question labels: 1, 2, 3 … mostly asking, each at a paragraph
    start or, in a paste without blank lines, on a line of its own that asks."""
    numbered = []
    for para in paras:
        if _is_list_paragraph(para):
            continue
        for index, line in enumerate(para):
            label = number_label(line.text)
            if label and (index == 0 or line.text.rstrip().endswith("?")):
                rest = para[index:] if index == 0 else [line]
                numbered.append((label.number, " ".join(x.text for x in rest)))
    numbers = [n for n, _ in numbered]
    asking = sum(1 for _, text in numbered if "?" in text)
    if len(numbers) < 2 or numbers != list(range(1, len(numbers) + 1)) or asking * 2 < len(numbers):
        return set()
    return set(numbers)


def _is_list_paragraph(para: list[cleanup.Line]) -> bool:
    """Two or more numbered lines, unless each asks and answers stand between them (numbered
    questions pasted without blank lines)."""
    at = [i for i, line in enumerate(para) if number_label(line.text)]
    if len(at) < 2:
        return False
    asking = all(para[i].text.rstrip().endswith("?") for i in at)
    apart = all(b - a > 1 for a, b in itertools.pairwise(at))
    return not (asking and apart)


def _reading(units: list[Unit], speakers: list[str | None], cast: Cast) -> Reading:
    """Facts about the turns of the whole text, gathered before reading unit by unit."""
    roles = assign_roles(units, speakers, cast)
    labelled = [(u, s) for u, s in zip(units, speakers, strict=True) if u.label]
    answers = any(roles.get(s or "") == "answer" for _, s in labelled)
    questions = any(
        roles.get(s or "") == "question" or u.label.style == "number"
        for u, s in labelled
        if u.label
    )
    starts = any(u.label or u.bold for u in units)
    # No labels at all: questions are the paragraphs that ask, if there are two or more.
    asking = sum(1 for u in units[1:] if ends_question(u.text))
    last = max(
        (i for i, (u, s) in enumerate(zip(units, speakers, strict=True)) if _asks(u, s, roles)),
        default=-1,
    )
    addressed = " ".join(u.text for u, s in zip(units, speakers, strict=True) if _asks(u, s, roles))
    end = " ".join(u.text for u in units[-3:])
    if answers:
        guest = cast.interviewees[0] if len(cast.interviewees) == 1 else None
    else:
        guest = interviewee(cast, addressed, end)
    by_question_mark = not starts and asking >= 2
    return Reading(roles, answers, questions, last, guest, cast.interviewer, by_question_mark)


def _asks(unit: Unit, speaker: str | None, roles: Mapping[str, str]) -> bool:
    label = unit.label
    if label is not None and label.style in ("number", "dialogue"):
        return True
    if label is not None:
        return roles.get(speaker or "") == "question" or label.name.casefold() in QUESTION_LABELS
    return unit.bold and "?" in unit.text


def _answerers(blocks: list[Building]) -> list[str]:
    return [b.speaker for b in blocks if b.type == "answer" and b.speaker]


def _refuse_without_turns(blocks: list[Building], name: str) -> None:
    """An interview has questions and answers; say what was found and how to label turns."""
    if not blocks:
        raise SourceError(
            f"{name}: has speaker labels but no text. Add the interview's paragraphs."
        )
    types = [b.type for b in blocks]
    if "question" in types and "answer" in types:
        return
    if "closing" in types and ("question" in types or "answer" in types):
        return
    found = ", ".join(
        f"{types.count(t)} {t}{'s' if types.count(t) > 1 else ''}" for t in dict.fromkeys(types)
    )
    missing = (
        "no answer"
        if "question" in types
        else "no question"
        if "answer" in types
        else "no question and no answer"
    )
    raise SourceError(
        f"{name}: found {found} but {missing}. Label the turns: start each question with the "
        "interviewer's name and a colon ('CECOP: …?') and each answer with the interviewee's "
        "('Maria Rossi: …'), or use 'Q:' and 'A:'; labels always win."
    )


def _speakers_in_order(blocks: list[Building], cast: Cast) -> tuple[Speaker, ...]:
    order = list(dict.fromkeys(b.speaker for b in blocks if b.speaker))
    known = [cast.speakers[i] for i in order if i in cast.speakers]
    return tuple(known) + tuple(s for i, s in cast.speakers.items() if i not in order)


def _blocks(blocks: list[Building]) -> tuple[Block, ...]:
    return tuple(
        Block(b.type, b.speaker, tuple(u.text for u in b.units), b.units[0].line) for b in blocks
    )


def _lint_text(unit: Unit) -> str:
    """What the lint reads: a list's items without their markers ("a)" opens no bracket)."""
    items = list_items(unit.text) if unit.is_list else None
    return " ".join(i.text for i in items.items) if items else unit.text


def _removed(units: list[Unit]) -> list[tuple[int, str]]:
    out = [(u.line, u.label.raw.strip()) for u in units if u.label]
    return out + [r for u in units for r in u.removed]


def _decisions(blocks: list[Building], cast: Cast) -> list[Decision]:
    out = []
    for block in blocks:
        speaker = cast.speakers.get(block.speaker or "")
        who = speaker.name if speaker else block.speaker
        for unit in block.units:
            out.append(Decision(unit.line, block.type, who, unit.signal, unit.text, unit.doubt))
    return out


def _sibling_source_lang(path: Path) -> str | None:
    import tomllib

    toml = path.parent / "issue.toml"
    try:
        value = tomllib.loads(toml.read_text(encoding="utf-8")).get("source_lang")
    except (OSError, ValueError):
        return None
    return value if isinstance(value, str) else None
