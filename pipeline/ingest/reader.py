"""Interview text → :class:`~pipeline.document.Document`, without losing a word.

The parser works on paragraphs (runs of non-blank lines) of the normalised text; what a
label, note, intro, credit or thanks line looks like is in :mod:`pipeline.ingest.labels`.

1. **Labels.** A line that starts with a speaker label starts a new paragraph even without a
   blank line before it; a label alone on its line labels the paragraph after it. To tell
   ``Maria Rossi:`` from ``Update:``, a plain name label counts only when it is declared,
   named in the intro line (also by first or last name), or used at least twice.
2. **Speakers.** Declarations come from ``Name (ID):`` labels, from the intro line
   (``Interview with Anne-Laure Desgris (ALD), Co-CEO of …``, or ``… with Piotr Nowak,
   president of …, and Eva Berg, director of …``, which also give roles), from ``Name (ID)``
   in the prose before the first turn and from a credit (``Interview by Jeanne Leroy`` then
   ``JL:``). A short label (initials, a first name) used before the line that declares it is an
   error; a full name used so (a headline "Maria Rossi: a life for cooperatives") is no label.
3. **Blocks.** Before the first turn: ``note`` (``Readers note:``, ``Editor's note:``, … and
   the paragraphs that follow it), ``intro`` and ``paragraph``. A labelled paragraph starts a
   ``question`` (interviewer) or ``answer`` (interviewee: named in the intro, else anyone but
   the first speaker); unlabelled paragraphs continue the turn, except notes, credits,
   captions and separators, which stand alone wherever they are.
4. **Closing.** The interviewer's thanks after the last answer (labelled, or an unlabelled
   paragraph at the end of the last answer) is the ``closing``; the interviewee's short
   thanks back ("Thank you for having me", "Merci à vous") joins it rather than counting as
   an answer.

Labels are removed from the text; everything else is kept, so the blocks' words are exactly
the source's words minus the labels (a property test checks it).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.document import Block, BlockType, Document, Speaker
from pipeline.errors import SourceError
from pipeline.ingest.labels import ANSWER_LABELS, QUESTION_LABELS, Label, match_label
from pipeline.ingest.lint import LintWarning, lint_paragraphs
from pipeline.ingest.names import (
    DECLARATION,
    initials,
    intro_speakers,
    leading_name,
    strip_title,
    trailing_name,
)
from pipeline.ingest.phrases import (
    CREDIT,
    INTRO,
    NOTE,
    SEPARATOR,
    is_thanks,
    is_thanks_text,
    mentions,
)
from pipeline.ingest.source import read_source

__all__ = ["IngestResult", "LintWarning", "ingest_file", "ingest_text"]
_QA_LABELS = QUESTION_LABELS | ANSWER_LABELS


@dataclass(frozen=True)
class IngestResult:
    document: Document
    warnings: tuple[LintWarning, ...]
    labels: tuple[tuple[int, str], ...]  # (line, label text removed), in source order


@dataclass
class _Para:
    line: int
    text: str
    label: Label | None = None


@dataclass
class _Cast:
    """Who speaks: declared speakers by id, and how labels resolve to them."""

    speakers: dict[str, Speaker] = field(default_factory=dict)
    declared_at: dict[str, int] = field(default_factory=dict)  # id → line of declaration
    interviewees: list[str] = field(default_factory=list)  # ids named in the intro line
    aliases: dict[str, str] = field(default_factory=dict)  # label text → speaker id

    def declare(self, speaker: Speaker, line: int) -> None:
        if speaker.id not in self.speakers or (speaker.role and not self.speakers[speaker.id].role):
            self.speakers[speaker.id] = speaker
        self.declared_at.setdefault(speaker.id, line)
        for alias in (speaker.id, speaker.name, initials(speaker.name), *_short_names(speaker)):
            self.aliases.setdefault(alias.casefold(), speaker.id)

    def lookup(self, label_name: str) -> str | None:
        """The speaker a label names, with or without a title ("Dr. Maria Rossi:")."""
        key = label_name.casefold()
        return self.aliases.get(key) or self.aliases.get(strip_title(key))


def _short_names(speaker: Speaker) -> list[str]:
    """First and last name, by which a label or a thanks may call a person ("Lena:")."""
    words = strip_title(speaker.name).split(" ")
    return [words[0], words[-1]] if len(words) > 1 else []


def ingest_file(path: Path, source_lang: str | None = None) -> IngestResult:
    """Read, normalise and parse an interview file (``source_lang`` defaults from issue.toml)."""
    text = read_source(path)
    lang = source_lang or _sibling_source_lang(path) or "en"
    return ingest_text(text, source_lang=lang, name=str(path))


def ingest_text(text: str, *, source_lang: str = "en", name: str = "<text>") -> IngestResult:
    """Parse already-normalised text; ``name`` is used in messages."""
    paras = _paragraphs(text)
    if not paras:
        raise SourceError(
            f"{name}: has no paragraphs (the file is empty or blank). "
            "Put the interview text in it, paragraphs separated by blank lines."
        )
    cast = _Cast()
    _declare_intro_speakers(paras, cast)
    _declare_prose_speakers(paras, cast)
    accepted = _accepted_labels(paras, cast)
    paras = _split_at_labels(paras, accepted)
    _resolve_labels(paras, cast, name)
    blocks, order = _blocks(paras, cast)
    if not blocks:
        raise SourceError(
            f"{name}: has speaker labels but no text. Add the interview's paragraphs."
        )
    speakers = tuple(cast.speakers[i] for i in order) + tuple(
        s for i, s in cast.speakers.items() if i not in order
    )
    document = Document(source_lang=source_lang, speakers=speakers, blocks=tuple(blocks))
    labels = tuple((p.line, p.label.raw.strip()) for p in paras if p.label)
    warnings = lint_paragraphs([(p.line, p.text) for p in paras], source_lang)
    return IngestResult(document, tuple(warnings), labels)


def _sibling_source_lang(path: Path) -> str | None:
    import tomllib

    toml = path.parent / "issue.toml"
    try:
        value = tomllib.loads(toml.read_text(encoding="utf-8")).get("source_lang")
    except (OSError, ValueError):
        return None
    return value if isinstance(value, str) else None


def _paragraphs(text: str) -> list[_Para]:
    """Runs of non-blank lines, each remembered with its first line number (1-based)."""
    paras: list[_Para] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line:
            if not current:
                start = number
            current.append(line)
        elif current:
            paras.append(_Para(start, "\n".join(current)))
            current = []
    if current:
        paras.append(_Para(start, "\n".join(current)))
    return paras


def _declare_intro_speakers(paras: list[_Para], cast: _Cast) -> None:
    """Speakers named in the intro line ("Interview with Name (ID), role.")."""
    for para in paras:
        match = INTRO.match(para.text)
        if not match:
            continue
        body = para.text.replace("\n", " ")[match.end() :]
        for speaker in intro_speakers(body, _label_names(paras)):
            cast.declare(speaker, para.line)
            cast.interviewees.append(speaker.id)
        return


def _declare_prose_speakers(paras: list[_Para], cast: _Cast) -> None:
    """``Name (ID)`` in the text before the first turn declares ID when ID is used as a label.

    ("This month we spoke to Maria Rossi (MR), …" then "MR: …"; "Interview by Jeanne Leroy"
    then "JL: …".) Unlike the intro line, this does not say who is interviewed.
    """
    found = [lab for p in paras for line in p.text.split("\n") if (lab := match_label(line))]
    counts = Counter(lab.name for lab in found)
    used = set(counts)
    for para in paras:
        first = match_label(para.text)
        if first and (first.init or first.name.casefold() in _QA_LABELS or counts[first.name] > 1):
            return  # the first turn: a headline ("WORKER BUYOUTS: A SECOND LIFE") is not one
        text = para.text.replace("\n", " ")
        for init, name in _prose_declarations(text):
            if init in used and name and init not in cast.speakers:
                cast.declare(Speaker(init, name), para.line)


def _label_names(paras: list[_Para]) -> set[str]:
    """Every name used in a label-like position, as written."""
    return {lab.name for p in paras for line in p.text.split("\n") if (lab := match_label(line))}


def _prose_declarations(text: str) -> list[tuple[str, str]]:
    """(id, name) pairs: "Name (ID)" anywhere, and the initials of a credit's name."""
    pairs = [
        (m["init"], strip_title(trailing_name(text[: m.start()].rstrip())))
        for m in DECLARATION.finditer(text)
    ]
    credit = CREDIT.match(text)
    if credit:
        name = leading_name(text[credit.end() :].strip())
        pairs.append((initials(name), name))
    return pairs


def _accepted_labels(paras: list[_Para], cast: _Cast) -> set[str]:
    """Label names that really are speaker labels, by the rules in the module docstring."""
    found = [lab for p in paras for line in p.text.split("\n") if (lab := match_label(line))]
    counts = Counter(lab.name.casefold() for lab in found)
    accepted = set()
    for lab in found:
        key = lab.name.casefold()
        if (
            lab.init
            or key in _QA_LABELS
            or cast.lookup(key)
            or counts[key] >= 2
            or any(other.init and other.init.casefold() == key for other in found)
        ):
            accepted.add(key)
    return accepted


def _split_at_labels(paras: list[_Para], accepted: set[str]) -> list[_Para]:
    """Give every labelled line its own paragraph; strip the label from the text."""
    out: list[_Para] = []
    for para in paras:
        current: _Para | None = None
        for offset, line in enumerate(para.text.split("\n")):
            label = match_label(line)
            if label and label.name.casefold() in accepted:
                current = _Para(para.line + offset, line[len(label.raw) :], label)
                out.append(current)
            elif current is None:
                current = _Para(para.line + offset, line)
                out.append(current)
            else:
                current.text = f"{current.text}\n{line}" if current.text else line
    # A label alone on its line labels the paragraph after it.
    merged: list[_Para] = []
    for para in out:
        prev = merged[-1] if merged else None
        if prev and prev.label and not prev.text and para.label is None:
            prev.text = para.text
        else:
            merged.append(para)
    for para in merged:
        para.text = para.text.replace("\n", " ").strip()
    return merged


def _resolve_labels(paras: list[_Para], cast: _Cast, name: str) -> None:
    """Declare speakers from ``Name (ID):`` labels; refuse labels used before declaration."""
    for para in paras:
        label = para.label
        if label and label.init:
            cast.declare(Speaker(label.init, label.name), para.line)
            cast.aliases[label.name.casefold()] = label.init
    for para in paras:
        label = para.label
        if not label or label.init:
            continue
        key = label.name.casefold()
        speaker_id = cast.lookup(key)
        if speaker_id and cast.declared_at[speaker_id] > para.line:
            if strip_title(key) == cast.speakers[speaker_id].name.casefold():  # a headline
                para.text, para.label = f"{label.raw.rstrip()} {para.text}".strip(), None
                continue
            raise SourceError(
                f"{name}:{para.line}: the label '{label.name}:' is used before its speaker is "
                f"introduced (line {cast.declared_at[speaker_id]}). Introduce the speaker at "
                f"their first label, as 'Full Name ({label.name}):', or in the intro line."
            )
        if not speaker_id and key not in _QA_LABELS:
            cast.declare(Speaker(label.name, label.name), para.line)


def _speaker_of(label: Label, cast: _Cast) -> tuple[str, BlockType | None]:
    """Speaker id of a label, and the block type when the label itself says (Q:/A:)."""
    key = label.name.casefold()
    if label.init:
        return label.init, None
    if speaker_id := cast.lookup(key):
        return speaker_id, None
    if key in QUESTION_LABELS:
        cast.speakers.setdefault(label.name, Speaker(label.name, label.name))
        return label.name, "question"
    if len(cast.interviewees) == 1:  # "A:" is the one person the intro names
        return cast.interviewees[0], "answer"
    cast.speakers.setdefault(label.name, Speaker(label.name, label.name))
    return label.name, "answer"


@dataclass
class _Building:
    """A block being assembled, with the source line of each of its paragraphs."""

    type: BlockType
    speaker: str | None
    paragraphs: list[str]
    lines: list[int]

    def add(self, para: _Para) -> None:
        self.paragraphs.append(para.text)
        self.lines.append(para.line)


def _blocks(paras: list[_Para], cast: _Cast) -> tuple[list[Block], list[str]]:
    building: list[_Building] = []
    order: list[str] = []  # speaker ids in order of first turn
    in_turn = in_note = False
    for para in paras:
        kind: BlockType | None = None
        speaker: str | None = None
        if para.label:
            speaker, kind = _speaker_of(para.label, cast)
            if speaker not in order:
                order.append(speaker)
            kind = kind or _turn_type(speaker, order, cast)
            in_turn, in_note = True, False
        elif NOTE.match(para.text):
            kind, in_turn, in_note = "note", False, True
        elif INTRO.match(para.text) and not in_turn:
            kind, in_note = "intro", False
        elif _stands_alone(para.text) or not (in_turn or in_note) or not building:
            kind, in_turn, in_note = "paragraph", False, False
        if kind:
            building.append(_Building(kind, speaker, [], []))
        building[-1].add(para)
    building = [b for b in building if any(b.paragraphs)]
    _split_closing(building, _answer_names(building, cast))
    blocks = [Block(b.type, b.speaker, tuple(b.paragraphs), b.lines[0]) for b in building]
    return blocks, order


def _stands_alone(text: str) -> bool:
    """Credits, captions and separators are never part of a turn, wherever they are."""
    return bool(CREDIT.match(text) or SEPARATOR.match(text))


def _turn_type(speaker: str, order: list[str], cast: _Cast) -> BlockType:
    if cast.interviewees:
        return "answer" if speaker in cast.interviewees else "question"
    return "question" if speaker == order[0] else "answer"


def _answer_names(blocks: list[_Building], cast: _Cast) -> list[str]:
    """The names a closing may thank: every interviewee's full, first and last name."""
    ids = set(cast.interviewees) | {b.speaker for b in blocks if b.type == "answer" and b.speaker}
    people = [cast.speakers[i] for i in ids if i in cast.speakers]
    return [n for p in people for n in (p.name, *_short_names(p)) if len(n) > 1]


def _split_closing(blocks: list[_Building], names: list[str]) -> None:
    """The interviewer's thanks after the last answer is the closing, not part of the answer.

    Walk back over the interviewee's thanks-back turns to the turn that holds the thanks: a
    labelled interviewer turn, or the end of the last answer. The thanks-backs join the closing;
    anything else after the thanks (a short bio, a date) is a plain paragraph.
    """
    turns = [i for i, b in enumerate(blocks) if b.type in ("question", "answer")]
    k = len(turns) - 1
    while k > 0 and turns[k - 1] == turns[k] - 1 and _is_thanks_back(blocks[turns[k]]):
        k -= 1
    start = _closing_start(blocks[turns[k]], names) if turns else None
    if start is None:
        return
    backs = [blocks.pop(i) for i in reversed(turns[k + 1 :])][::-1]
    at = _detach(blocks, turns[k], start, "closing")
    for back in backs:
        blocks[at].paragraphs += back.paragraphs
        blocks[at].lines += back.lines
    paras = blocks[at].paragraphs
    tail = next((i for i in range(1, len(paras)) if not is_thanks_text(paras[i])), None)
    if tail and not backs:  # (after thanks-backs, moving it would change the order)
        _detach(blocks, at, tail, "paragraph")


def _detach(blocks: list[_Building], at: int, start: int, kind: BlockType) -> int:
    """Make paragraphs ``start:`` of ``blocks[at]`` a block of ``kind``; return its index."""
    block = blocks[at]
    if start == 0:
        block.type = kind
        return at
    rest = _Building(kind, None, block.paragraphs[start:], block.lines[start:])
    del block.paragraphs[start:], block.lines[start:]
    blocks.insert(at + 1, rest)
    return at + 1


def _closing_start(block: _Building, names: list[str]) -> int | None:
    """Where the closing starts in ``block``: 0 for a labelled thanks, else an answer's tail."""
    if block.type == "question":
        return 0 if is_thanks(block.paragraphs[0], names, labelled=True) else None
    paras = block.paragraphs
    for start in range(1, len(paras)):
        rest_is_thanks = all(map(is_thanks_text, paras[start + 1 :]))
        if is_thanks(paras[start], names) and (rest_is_thanks or mentions(paras[start], names)):
            return start
    return None


def _is_thanks_back(block: _Building) -> bool:
    return (
        block.type == "answer"
        and len(block.paragraphs) <= 2
        and all(map(is_thanks_text, block.paragraphs))
    )
