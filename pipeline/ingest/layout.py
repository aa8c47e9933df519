"""From cleaned lines to the reader's units: paragraphs, reflowed lines, lists and label lines.

A *unit* is what becomes one paragraph of a block: text with its label removed, or a list.

- **Paragraphs** are runs of non-blank lines.
- **Hard-wrapped text** (an e-mail paste broken at ~70 columns) is recognised by its line
  lengths (:func:`wrap_width`); a break is *soft* when the next line's first word would not
  have fitted on the line before. Lines of a paragraph are joined (a word broken after its
  own hyphen, "worker-\\nowned", is joined without a space), except list items and lines that
  start a turn.
- **A label at a line start** starts a turn when the line starts a paragraph, or follows a
  finished sentence, or the break before it is a real one; a label-like word at the start of
  a wrapped line in mid-sentence ("…our European federation,\\nCECOP: they had read…") is text.
- **Lists**: two or more lines in a row that start with a marker (``- ``, ``• ``, ``1) ``,
  ``a) ``, letters ``A:``/``B:``/``C:`` in order) are one list unit, whose text keeps one
  ``marker item`` per line (see :func:`pipeline.document.list_items`). A line before them
  (the lead-in) and after them is a unit of its own. Single-item paragraphs in a row with
  the same bullet are one list too.
- **Bold turns**: a paragraph wholly in ``**…**``, or a markdown heading (``### …``), loses
  the markup (reported as removed, like labels) and is marked ``bold``: a question, when it
  asks one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from statistics import median

from pipeline.document import LIST_MARKER
from pipeline.ingest.cleanup import Line
from pipeline.ingest.labels import ANSWER_LABELS, QUESTION_LABELS, Label, match_label

_SENTENCE_END = re.compile(r"[.!?…:;]['’\"”»)\]*_]*$")
_BULLETS = "-–—•*·▪◦‣"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9}
_DIALOGUE = re.compile(r"^(?:[–—] ?|- )(?=\S)")  # "– Why?", "—¿Por qué?" (Spanish: no space)
_BOLD = re.compile(r"^(\*\*|__)(?!\s)(.+?)(?<!\s)\1$")
_HEADING = re.compile(r"^#{1,6} ")
QA = {w.casefold() for w in QUESTION_LABELS | ANSWER_LABELS}
QUESTION_WORDS = {w.casefold() for w in QUESTION_LABELS}


@dataclass
class Unit:
    """One paragraph-to-be: its first source line, its text, how it is labelled."""

    line: int
    text: str
    label: Label | None = None
    is_list: bool = False
    bold: bool = False
    removed: list[tuple[int, str]] = field(default_factory=list)  # markup taken off the text
    signal: str = ""
    doubt: str | None = None


@dataclass(frozen=True)
class Layout:
    """Facts about the whole text that decide how lines are read."""

    wrap: int | None  # the width the text is hard-wrapped at, or None
    dialogue: bool  # turns start with a dialogue dash ("– Why?" / "– Because.")


@dataclass
class _Item:
    line: Line
    marker: str


def paragraphs(lines: Sequence[Line]) -> list[list[Line]]:
    """Runs of non-blank lines."""
    out: list[list[Line]] = []
    current: list[Line] = []
    for line in lines:
        if line.text:
            current.append(line)
        elif current:
            out.append(current)
            current = []
    return [*out, current] if current else out


def wrap_width(paras: Sequence[Sequence[Line]]) -> int | None:
    """The column the text is hard-wrapped at, when most lines inside paragraphs end near it."""
    inner = [len(line.text) for para in paras for line in para[:-1]]
    if len(inner) < 3:
        return None
    width = max(len(line.text) for para in paras for line in para)
    near = sum(1 for n in inner if n >= width * 0.7)
    if width > 100 or near < 0.6 * len(inner) or median(inner) < 20:
        return None
    return width


def is_soft_break(before: str, after: str, wrap: int | None) -> bool:
    """The line break was made by a wrapping program: the next word would not have fitted."""
    if wrap is None:
        return False
    space = 0 if before.endswith("-") else 1  # "self-" + "employed": no space between them
    return len(before) + space + len(after.split(" ", 1)[0]) > wrap


def ends_sentence(text: str) -> bool:
    return bool(_SENTENCE_END.search(text))


def detect_layout(paras: Sequence[Sequence[Line]]) -> Layout:
    """Hard wrapping, and whether turns are dialogue dashes (three or more, asking and not)."""
    starts = [p for p in paras if _DIALOGUE.match(p[0].text) and len(_items_of(p)) < 2]
    asks = sum(1 for p in starts if p[-1].text.rstrip("*_ ").endswith("?"))
    dialogue = len(starts) >= 3 and 0 < asks < len(starts)
    return Layout(wrap_width(paras), dialogue)


def _items_of(para: Sequence[Line]) -> list[Line]:
    return [line for line in para if LIST_MARKER.match(line.text)]


def split_units(
    paras: Sequence[Sequence[Line]],
    layout: Layout,
    starts_turn: Callable[[Label], bool],
    notes: list[tuple[int, str]],
) -> list[Unit]:
    """Every paragraph cut into units at list items and at the labels that start a turn.

    ``notes`` gets (line, note) for a label-like word read as text and a list letter that
    is also a speaker's label, for the reviewers.
    """
    units: list[Unit] = []
    for para in paras:
        units += _para_units(para, layout, starts_turn, notes)
    units = _merge_label_only(units)
    units = _merge_lone_items(units)
    for unit in units:
        _strip_bold(unit)
    return units


def _para_units(
    para: Sequence[Line],
    layout: Layout,
    starts_turn: Callable[[Label], bool],
    notes: list[tuple[int, str]],
) -> list[Unit]:
    items = _list_lines(para, layout.wrap)
    units: list[Unit] = []
    prev: Line | None = None
    for index, line in enumerate(para):
        label = None
        dash = _DIALOGUE.match(line.text) if index == 0 and layout.dialogue else None
        if dash:
            label = Label(dash.group(), "", None, "dialogue")
        marker = items.get(index)
        if marker is not None and marker.endswith(":") and _labels(line.text, starts_turn):
            notes.append(
                (
                    line.number,
                    f"'{marker}' read as a list letter (A:, B:, C: in a row), not as a label",
                )
            )
        if marker is not None:
            units.append(Unit(line.number, f"{marker} {line.text[len(marker) :].strip()}"))
            units[-1].is_list = True
        elif label is not None or (label := _turn_label(para, index, layout, starts_turn, notes)):
            units.append(Unit(line.number, line.text[len(label.raw) :], label))
        elif units and _answer_follows(units[-1], para, index, layout, starts_turn):
            units.append(Unit(line.number, line.text))  # the question's line ended: answer
        elif units and not (units[-1].is_list and not _continues(prev, line, layout)):
            units[-1].text = _join(units[-1].text, line.text, prev, layout)
        else:
            units.append(Unit(line.number, line.text))
        prev = line
    return _group_lists(units)


def _labels(text: str, starts_turn: Callable[[Label], bool]) -> bool:
    label = match_label(text)
    return label is not None and starts_turn(label)


def _turn_label(
    para: Sequence[Line],
    index: int,
    layout: Layout,
    starts_turn: Callable[[Label], bool],
    notes: list[tuple[int, str]],
) -> Label | None:
    """The label of line ``index`` if it starts a turn there (see the module docstring)."""
    line = para[index].text
    label = match_label(line)
    if label is None or not starts_turn(label):
        return None
    if index == 0:
        return label
    if label.style == "number":
        # A question number counts at the start of a paragraph, or on a line of its own that
        # asks and goes on from the number before it ("1. …?", an answer, "2. …?" with no
        # blank lines between, as e-mail pastes have them); elsewhere "2." is text.
        return label if _next_question(para, index, label) else None
    before = para[index - 1].text
    clear = bool(label.init) or label.raw.startswith(("**", "__")) or label.name.casefold() in QA
    mid_sentence = _wrapped(before, line, layout.wrap) and not ends_sentence(before)
    if mid_sentence and not clear:
        notes.append(
            (
                para[index].number,
                f"'{label.shown}' starts a wrapped line in mid-sentence: read as text",
            )
        )
        return None
    return label


def _next_question(para: Sequence[Line], index: int, label: Label) -> bool:
    """Line ``index`` asks, and its number follows the paragraph's last question number."""
    if not para[index].text.rstrip().endswith("?") or not ends_sentence(para[index - 1].text):
        return False
    for line in reversed(para[:index]):
        before = match_label(line.text)
        if before is not None and before.style == "number":
            return before.number is not None and label.number == before.number + 1
    return False


def _answer_follows(
    unit: Unit,
    para: Sequence[Line],
    index: int,
    layout: Layout,
    starts_turn: Callable[[Label], bool],
) -> bool:
    """After a line that asks under a question number or a question word ("1. Why …?",
    "Q: Why …?"), the next lines are the answer, as e-mail pastes put it right under its
    question without a blank line; unless the break is a wrapper's, or those lines ask too
    (a question over two lines). Named labels ("CECOP: …?") are left alone: which side a
    name is on is not known here."""
    label = unit.label
    if label is None or unit.is_list or "\n" in unit.text or not unit.text.endswith("?"):
        return False
    if label.style != "number" and label.name.casefold() not in QUESTION_WORDS:
        return False
    before, after = para[index - 1].text, para[index].text
    if layout.wrap is not None and is_soft_break(before, after, layout.wrap):
        return False  # a wrapped text broke the question's line here: the question goes on
    rest = []
    for line in para[index:]:
        if _labels(line.text, starts_turn):
            break
        rest.append(line.text)
    return bool(rest) and not rest[-1].rstrip().endswith("?")


def _wrapped(before: str, after: str, wrap: int | None) -> bool:
    """The break looks made by a wrapping program. Without a measured width (a short text),
    a long line was wrapped: a line break an editor types follows a short line."""
    return is_soft_break(before, after, wrap) if wrap else len(before) >= 50


def _continues(prev: Line | None, line: Line, layout: Layout) -> bool:
    """A line after a list item continues the item when the text is wrapped and it was."""
    return prev is not None and is_soft_break(prev.text, line.text, layout.wrap)


def _join(text: str, line: str, prev: Line | None, layout: Layout) -> str:
    last = text.rsplit("\n", 1)[-1]
    soft = prev is not None and _wrapped(prev.text, line, layout.wrap)
    if soft and re.search(r"\w-$", last) and line[:1].isalpha():
        return text + line  # "worker-" + "owned": a wrapper broke the line after a hyphen
    return f"{text} {line}" if not text.endswith(" ") else text + line


def _list_lines(para: Sequence[Line], wrap: int | None) -> dict[int, str]:
    """{index in the paragraph: marker} for the lines that are list items."""
    found: dict[int, str] = {}
    for run in (part for whole in _runs(para, wrap) for part in _by_family(whole)):
        if len(run) >= 2 and _in_sequence([item.marker for _, item in run]):
            found.update((index, item.marker) for index, item in run)
    return found


def _by_family(run: list[tuple[int, _Item]]) -> list[list[tuple[int, _Item]]]:
    """Split a run where the kind of marker changes ("R: …" then "a) …", "b) …")."""
    parts: list[list[tuple[int, _Item]]] = []
    for entry in run:
        if parts and _family(parts[-1][-1][1].marker) == _family(entry[1].marker):
            parts[-1].append(entry)
        else:
            parts.append([entry])
    return parts


def _family(marker: str) -> str:
    return marker[0] if marker[0] in _BULLETS else marker[-1]


def _runs(para: Sequence[Line], wrap: int | None) -> list[list[tuple[int, _Item]]]:
    """Runs of marker lines, allowing a wrapped item's continuation lines in between."""
    runs: list[list[tuple[int, _Item]]] = []
    current: list[tuple[int, _Item]] = []
    for index, line in enumerate(para):
        marker = _marker(line.text)
        if marker:
            current.append((index, _Item(line, marker)))
        elif current and is_soft_break(para[index - 1].text, line.text, wrap):
            continue
        elif current:
            runs.append(current)
            current = []
    return [*runs, current] if current else runs


def _marker(text: str) -> str:
    match = LIST_MARKER.match(text)
    if match:
        return match.group(0)
    colon = re.match(r"^[A-Za-z]:(?= \S)", text)  # letter lists: "A: …", "B: …"
    return colon.group(0) if colon else ""


def _in_sequence(markers: Sequence[str]) -> bool:
    """Bullets all alike, or numbers/letters/roman numerals counting up by one."""
    if markers[0][0] in _BULLETS:
        return all(m == markers[0] for m in markers)
    if any(m[-1] != markers[0][-1] for m in markers):
        return False
    values = [m.strip("().:") for m in markers]
    for ordinal in (_number, _letter, _roman):
        counted = [ordinal(v) for v in values]
        first = counted[0]
        if first is not None and counted == list(range(first, first + len(counted))):
            return True
    return False


def _number(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _letter(value: str) -> int | None:
    return ord(value.lower()) - ord("a") + 1 if len(value) == 1 and value.isalpha() else None


def _roman(value: str) -> int | None:
    return _ROMAN.get(value.lower()) if value.islower() else None


def _group_lists(units: list[Unit]) -> list[Unit]:
    """Consecutive item units become one list unit (one ``marker item`` per line)."""
    out: list[Unit] = []
    for unit in units:
        if unit.is_list and out and out[-1].is_list:
            out[-1].text = f"{out[-1].text}\n{unit.text}"
        else:
            out.append(unit)
    return out


def _merge_label_only(units: list[Unit]) -> list[Unit]:
    """A label alone on its line labels the paragraph after it."""
    out: list[Unit] = []
    for unit in units:
        prev = out[-1] if out else None
        if prev and prev.label and not prev.text.strip() and unit.label is None:
            prev.text, prev.is_list = unit.text, unit.is_list
        else:
            out.append(unit)
    for unit in out:
        unit.text = unit.text.strip()
    return out


def _merge_lone_items(units: list[Unit]) -> list[Unit]:
    """Paragraphs of one bullet item each, in a row, are one list ("•" items pasted apart)."""
    out: list[Unit] = []
    for unit in units:
        prev = out[-1] if out else None
        if prev and _lone_bullet(prev) and _lone_bullet(unit) and prev.text[0] == unit.text[0]:
            prev.text, prev.is_list = f"{prev.text}\n{unit.text}", True
        else:
            out.append(unit)
    return out


def _lone_bullet(unit: Unit) -> bool:
    first = unit.text[:1]
    return (
        unit.label is None
        and first in _BULLETS
        and unit.text[1:2] == " "
        and (unit.is_list or "\n" not in unit.text)
        and not unit.text.rstrip().endswith("?")
    )


def _strip_bold(unit: Unit) -> None:
    """``**Why?**`` → ``Why?`` (bold turn); ``**Q: Why?**`` keeps its label's opening ``**``."""
    if unit.is_list:
        return
    opened = unit.label is not None and unit.label.raw.lstrip().startswith(("**", "__"))
    closer = unit.label.raw.strip()[:2] if unit.label else ""
    if opened and unit.text.endswith(closer) and closer not in unit.text[:-2]:
        unit.text = unit.text[:-2].rstrip()
        unit.removed.append((unit.line, closer))
        unit.bold = True
        return
    heading = _HEADING.match(unit.text)
    if unit.label is None and heading and "\n" not in unit.text:  # "### How did it start?"
        unit.removed.append((unit.line, heading.group().strip()))
        unit.text, unit.bold = unit.text[heading.end() :], True
    match = _BOLD.match(unit.text)
    if unit.label is None and match and match[1] not in match[2]:
        unit.removed += [(unit.line, match[1]), (unit.line, match[1])]
        unit.text, unit.bold = match[2], True
