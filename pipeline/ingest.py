"""Interview text → :class:`~pipeline.document.Document`, without losing a word.

The parser works on paragraphs (runs of non-blank lines) of the normalised text:

1. **Labels.** A line may start with a speaker label: ``Full Name (INITIALS):`` (declares the
   initials), ``INITIALS:`` or ``Full Name:``, ``Q:`` / ``A:`` (and their French, German, …
   forms), optionally in markdown bold (``**CECOP:**``) and with a space before the colon
   (French typography). A line that starts with a label starts a new paragraph even without a
   blank line before it. To tell ``Maria Rossi:`` from ``Update:``, a plain name label counts
   only when it is declared, named in the intro line, or used at least twice.
2. **Speakers.** Declarations come from ``Name (ID):`` labels and from the intro line
   (``Interview with Anne-Laure Desgris (ALD), Co-CEO of …``, which also gives the role). A
   label used before the line that declares it is an error.
3. **Blocks.** Before the first turn: ``note`` (``Readers note:``, ``Editor's note:``, … and the
   paragraphs that follow it), ``intro`` and ``paragraph``. A labelled paragraph starts a
   ``question`` (interviewer) or ``answer`` (interviewee: named in the intro, else anyone but the
   first speaker); unlabelled paragraphs continue the turn. The interviewer's thanks after the
   last answer is the ``closing``.

Labels are removed from the text; everything else is kept, so the blocks' words are exactly
the source's words minus the labels (a property test checks it).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.document import Block, BlockType, Document, Speaker
from pipeline.errors import SourceError
from pipeline.lint import LintWarning, lint_paragraphs
from pipeline.source import read_source

__all__ = ["IngestResult", "LintWarning", "ingest_file", "ingest_text"]

_PARTICLES = {
    "de", "da", "das", "do", "dos", "del", "della", "di", "du", "la", "le", "van", "von",
    "der", "den", "ter", "ten", "y", "e", "el", "al", "bin", "ibn", "zu", "af", "av", "mac",
}  # fmt: skip
_NAME_WORD = r"[^\W\d_][\w'’.\-]*"
_LABEL = re.compile(
    rf"""^(?P<open>\*\*|__)?[ ]?
    (?P<name>{_NAME_WORD}(?:[ ]{_NAME_WORD}){{0,5}})
    (?:[ ]?\((?P<init>[^\W_][\w.\-]{{0,7}})\))?
    [ ]?(?P<close>\*\*|__)?[ ]?:(?P<after>\*\*|__)?(?=[ ]|$)[ ]?""",
    re.VERBOSE,
)
_QUESTION_LABELS = {
    "q", "question", "f", "frage", "d", "domanda", "p", "pregunta", "pergunta", "v", "vraag",
    "k", "kysymys", "fråga", "spørgsmål", "pytanie", "otázka", "ερώτηση",
}  # fmt: skip
_ANSWER_LABELS = {
    "a", "answer", "r", "réponse", "reponse", "antwort", "risposta", "respuesta", "resposta",
    "antwoord", "vastaus", "svar", "odpowiedź", "odpověď", "απάντηση",
}  # fmt: skip
_NOTE = re.compile(
    r"^(?:\*\*|__)?(?:readers?['’]?s?|editor['’]?s?|editorial|translator['’]?s?"
    r"|note de la rédaction|anmerkung der redaktion|nota (?:dell[ae] |de la |del )?redac?zione"
    r"|nota del editor|ndlr|n\.?b\.?"
    r"|note|nota|notiz|huom(?:autus)?)(?: note)?(?:\*\*|__)?\s?[:.]",
    re.IGNORECASE,
)
_INTRO = re.compile(
    r"^(?:an? )?(?:interview|in conversation|conversation|a conversation|entretien|entrevue"
    r"|interview|gespräch|im gespräch|intervista|entrevista|rozmowa|rozhovor|haastattelu"
    r"|intervju|συνέντευξη)\s+(?:with|avec|mit|con|a|com|met|z|s|med|kanssa|με)\s",
    re.IGNORECASE,
)
_INTRO_DECLARATION = re.compile(r"\((?P<init>[^\W_][\w.\-]{0,7})\)")
_THANKS = re.compile(
    r"^(?:thank|thanks|many thanks|merci|danke|vielen dank|grazie|gracias|muchas gracias|obrigad"
    r"|dank je|dank u|bedankt|dziękuj|děkuj|ďakuj|köszön|kiitos|tack|tak|mange tak|ευχαριστ"
    r"|благодар|aitäh|ačiū|paldies|hvala|mul[țţt]umesc|grazzi|go raibh maith)",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:me|us|moi|nous|mich|uns|mi|ci|nos)\b", re.IGNORECASE)


@dataclass(frozen=True)
class IngestResult:
    document: Document
    warnings: tuple[LintWarning, ...]
    labels: tuple[tuple[int, str], ...]  # (line, label text removed), in source order


@dataclass
class _Para:
    line: int
    text: str
    label: _Label | None = None


@dataclass(frozen=True)
class _Label:
    raw: str  # exactly what is removed from the line, trailing space included
    name: str
    init: str | None


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
        for alias in (speaker.id, speaker.name, _initials(speaker.name)):
            self.aliases.setdefault(alias.casefold(), speaker.id)


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


def _match_label(line: str) -> _Label | None:
    match = _LABEL.match(line)
    if not match or bool(match["open"]) != bool(match["close"] or match["after"]):
        return None
    name = match["name"]
    words = name.split(" ")
    if not words[0][:1].isupper() or not all(w[:1].isupper() or w in _PARTICLES for w in words):
        return None
    if _NOTE.match(line) or _INTRO.match(line):
        return None
    return _Label(match.group(0), name, match["init"])


def _initials(name: str) -> str:
    parts = re.split(r"[ \-]", name)
    return "".join(p[0] for p in parts if p and p[0].isupper())


def _declare_intro_speakers(paras: list[_Para], cast: _Cast) -> None:
    """Speakers named in the intro line ("Interview with Name (ID), role.")."""
    for para in paras:
        if not _INTRO.match(para.text):
            continue
        text = para.text.replace("\n", " ")
        body = text[_INTRO.match(text).end() :]  # type: ignore[union-attr]
        for speaker in _intro_speakers(body):
            cast.declare(speaker, para.line)
            cast.interviewees.append(speaker.id)
        return


def _declare_prose_speakers(paras: list[_Para], cast: _Cast) -> None:
    """``Name (ID)`` in the text before the first turn declares ID when ID is used as a label.

    ("This month we spoke to Maria Rossi (MR), …" then "MR: …".) Unlike the intro line, this
    does not say who is interviewed.
    """
    used = {lab.name for p in paras for line in p.text.split("\n") if (lab := _match_label(line))}
    for para in paras:
        if _match_label(para.text):
            return
        text = para.text.replace("\n", " ")
        for match in _INTRO_DECLARATION.finditer(text):
            name = _trailing_name(text[: match.start()].rstrip())
            if match["init"] in used and name and match["init"] not in cast.speakers:
                cast.declare(Speaker(match["init"], name), para.line)


def _intro_speakers(body: str) -> list[Speaker]:
    declarations = list(_INTRO_DECLARATION.finditer(body))
    if not declarations:
        name, _, role = body.partition(",")
        name = _trailing_name(name.strip().rstrip("."))
        return [Speaker(name, name, _clean_role(role))] if name else []
    speakers = []
    for i, match in enumerate(declarations):
        name = _trailing_name(body[: match.start()].rstrip())
        end = declarations[i + 1].start() if i + 1 < len(declarations) else len(body)
        role_text = body[match.end() : end]
        if i + 1 < len(declarations):  # the next person's name is not part of this role
            role_text = role_text.rstrip()
            role_text = role_text[: len(role_text) - len(_trailing_name(role_text))]
        if name:
            speakers.append(Speaker(match["init"], name, _clean_role(role_text)))
    return speakers


def _trailing_name(text: str) -> str:
    """The capitalised words at the end of ``text`` ("… with Dr. Ana de Sousa" → that name)."""
    words = text.split(" ")
    taken: list[str] = []
    for word in reversed(words):
        if word[:1].isupper() or (word in _PARTICLES and taken):
            taken.insert(0, word)
        else:
            break
    while taken and taken[0] in _PARTICLES:
        taken.pop(0)
    return " ".join(taken).strip(",;")


def _clean_role(text: str) -> str | None:
    role = re.sub(r"^[\s,;:–—-]+|[\s,;.]+$", "", text)
    role = re.sub(r"(?:,?\s+(?:and|et|und|e|y|en|i|a|och|og|ja))$", "", role)
    return role or None


def _accepted_labels(paras: list[_Para], cast: _Cast) -> set[str]:
    """Label names that really are speaker labels, by the rules in the module docstring."""
    found = [lab for p in paras for line in p.text.split("\n") if (lab := _match_label(line))]
    counts = Counter(lab.name.casefold() for lab in found)
    accepted = set()
    for lab in found:
        key = lab.name.casefold()
        if (
            lab.init
            or key in _QUESTION_LABELS | _ANSWER_LABELS
            or key in cast.aliases
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
            label = _match_label(line)
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
        speaker_id = cast.aliases.get(key)
        if speaker_id and cast.declared_at[speaker_id] > para.line:
            raise SourceError(
                f"{name}:{para.line}: the label '{label.name}:' is used before its speaker is "
                f"introduced (line {cast.declared_at[speaker_id]}). Introduce the speaker at "
                f"their first label, as 'Full Name ({label.name}):', or in the intro line."
            )
        if not speaker_id and key not in _QUESTION_LABELS | _ANSWER_LABELS:
            cast.declare(Speaker(label.name, label.name), para.line)


def _speaker_of(label: _Label, cast: _Cast) -> tuple[str, BlockType | None]:
    """Speaker id of a label, and the block type when the label itself says (Q:/A:)."""
    key = label.name.casefold()
    if label.init:
        return label.init, None
    if key in cast.aliases:
        return cast.aliases[key], None
    if key in _QUESTION_LABELS:
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
        elif _NOTE.match(para.text):
            kind, in_turn, in_note = "note", False, True
        elif _INTRO.match(para.text) and not in_turn:
            kind, in_note = "intro", False
        elif not (in_turn or in_note) or not building:
            kind = "paragraph"
        if kind:
            building.append(_Building(kind, speaker, [], []))
        building[-1].add(para)
    building = [b for b in building if any(b.paragraphs)]
    _split_closing(building, cast)
    blocks = [Block(b.type, b.speaker, tuple(b.paragraphs), b.lines[0]) for b in building]
    return blocks, order


def _turn_type(speaker: str, order: list[str], cast: _Cast) -> BlockType:
    if cast.interviewees:
        return "answer" if speaker in cast.interviewees else "question"
    return "question" if speaker == order[0] else "answer"


def _split_closing(blocks: list[_Building], cast: _Cast) -> None:
    """The interviewer's thanks after the last answer is the closing, not part of the answer."""
    answers = [i for i, b in enumerate(blocks) if b.type == "answer"]
    if not answers:
        return
    last = answers[-1]
    names = [n for sid in cast.interviewees for n in _names_of(cast.speakers[sid])]
    answer = blocks[last]
    if len(answer.paragraphs) > 1 and _is_thanks(answer.paragraphs[-1], names):
        closing = _Building("closing", None, [answer.paragraphs.pop()], [answer.lines.pop()])
        blocks.insert(last + 1, closing)
        return
    for block in blocks[last + 1 :]:
        if block.type == "question" and _is_thanks(block.paragraphs[0], names, labelled=True):
            block.type = "closing"
            return


def _names_of(speaker: Speaker) -> list[str]:
    return [speaker.name, speaker.name.split(" ")[0]]


def _is_thanks(text: str, names: list[str], *, labelled: bool = False) -> bool:
    if not _THANKS.match(text) or "?" in text:
        return False
    if any(name and name in text for name in names):
        return True
    short = len(text.split()) <= (25 if labelled else 6)
    return short and not _FIRST_PERSON.search(text)
