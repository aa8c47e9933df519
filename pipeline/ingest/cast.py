"""Who speaks in an interview: the declared speakers, how labels resolve to them, who asks.

Speakers are declared by ``Name (ID):`` labels, by the intro line (``Interview with Anne-Laure
Desgris (ALD), Co-CEO of …``, which also marks them as the interviewees), by ``Name (ID)`` in
the prose before the first turn, by a credit (``Interview by Jeanne Leroy`` then ``JL:``) and
by a full name in that prose that a first-name or surname label uses (``Jelena –`` after
"its coordinator, Jelena Marković"). Unlabelled answers belong to the interviewee: the one
the intro line names, else the person the prose names whom the questions or the closing
address ("Frau Hansen, …", "CECOP thanks Giovanni Ferraro").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.document import BlockType, Speaker
from pipeline.errors import SourceError
from pipeline.ingest.labels import ANSWER_LABELS, QUESTION_LABELS, Label
from pipeline.ingest.layout import Unit
from pipeline.ingest.names import (
    DECLARATION,
    Person,
    initials,
    intro_speakers,
    leading_name,
    polish_nominative,
    prose_people,
    strip_title,
    trailing_name,
)
from pipeline.ingest.phrases import BYLINE, INTERVIEWER_NAME, INTRO

QA_LABELS = QUESTION_LABELS | ANSWER_LABELS


@dataclass
class Cast:
    """Who speaks: declared speakers by id, and how labels resolve to them."""

    speakers: dict[str, Speaker] = field(default_factory=dict)
    declared_at: dict[str, int] = field(default_factory=dict)  # id → line of declaration
    interviewees: list[str] = field(default_factory=list)  # ids named in the intro line
    aliases: dict[str, str] = field(default_factory=dict)  # label text → speaker id
    interviewer: str | None = None  # id of the person a credit names as the interviewer
    people: list[Person] = field(default_factory=list)  # full names in the prose before turns
    notes: list[tuple[int, str]] = field(default_factory=list)  # (line, what was inferred)

    def declare(self, speaker: Speaker, line: int) -> None:
        if speaker.id not in self.speakers or (speaker.role and not self.speakers[speaker.id].role):
            self.speakers[speaker.id] = speaker
        self.declared_at.setdefault(speaker.id, line)
        for alias in (speaker.id, speaker.name, initials(speaker.name), *short_names(speaker)):
            self.aliases.setdefault(alias.casefold(), speaker.id)

    def lookup(self, label_name: str) -> str | None:
        """The speaker a label names, with or without a title ("Dr. Maria Rossi:")."""
        key = label_name.casefold()
        return self.aliases.get(key) or self.aliases.get(strip_title(key))

    def names_of(self, ids: Sequence[str]) -> list[str]:
        """Full, first and last names of these speakers (what a closing may thank)."""
        people = [self.speakers[i] for i in ids if i in self.speakers]
        return [n for p in people for n in (p.name, *short_names(p)) if len(n) > 1]


def short_names(speaker: Speaker) -> list[str]:
    """First and last name, by which a label or a thanks may call a person ("Lena:")."""
    words = strip_title(speaker.name).split(" ")
    return [words[0], words[-1]] if len(words) > 1 else []


def declare_intro(units: Sequence[Unit], cast: Cast, used: set[str], lang: str) -> None:
    """Speakers named in the intro line ("Interview with Name (ID), role."), the interviewees.

    A declaration nobody's label uses names an organisation ("… of the Confederación …
    (COCETA)"): then the intro's leading name is the person.
    """
    for unit in units:
        match = INTRO.match(unit.text)
        if not match:
            continue
        body = unit.text[match.end() :]
        interviewer = INTERVIEWER_NAME.search(body)
        if interviewer:  # "Z Janem Nowickim, …, rozmawia Ewa Mazur."
            body = body[: interviewer.start()].rstrip(" ,")
            _declare_interviewer(cast, interviewer["name"], unit.line)
        for speaker in intro_speakers(body, used):
            if lang == "pl" and match.group().strip().casefold() in ("z", "ze", "rozmowa z"):
                speaker = polish_nominative(speaker)
            cast.declare(speaker, unit.line)
            cast.interviewees.append(speaker.id)
        return


def declare_credits(units: Sequence[Unit], cast: Cast) -> None:
    """A credit anywhere ("Das Gespräch führte Thomas Berg.") names the interviewer."""
    for unit in units:
        credit = BYLINE.match(unit.text)
        if credit and cast.interviewer is None:
            name = leading_name(unit.text[credit.end() :].strip(" :"))
            if " " in name:
                _declare_interviewer(cast, name, unit.line)


def declare_prose(units: Sequence[Unit], cast: Cast, found: Sequence[Label]) -> None:
    """``Name (ID)`` and credits in the text before the first turn; the people it names.

    ("This month we spoke to Maria Rossi (MR), …" then "MR: …"; "Interview by Jeanne Leroy"
    then "JL: …".) Unlike the intro line, this does not say who is interviewed.
    """
    counts = Counter(lab.name for lab in found)
    used = set(counts)
    for unit in units:
        first = unit.label
        if first and (first.init or first.name.casefold() in QA_LABELS or counts[first.name] > 1):
            return  # the first turn: a headline ("WORKER BUYOUTS: A SECOND LIFE") is not one
        bold_question = unit.text.startswith(("**", "__", "#")) and "?" in unit.text
        if bold_question or (first and first.style == "number"):
            return  # a question in bold, a numbered question: the turns have begun
        if unit.label is None or counts[unit.label.name] < 2:  # "Zur Person: Martina Vogel …"
            cast.people += prose_people(unit.text, unit.line)
        for init, name in _prose_declarations(unit.text):
            if init in used and name and init not in cast.speakers:
                cast.declare(Speaker(init, name), unit.line)


def _declare_interviewer(cast: Cast, name: str, line: int) -> None:
    name = strip_title(name.rstrip(".").strip())
    cast.declare(Speaker(name, name), line)
    cast.interviewer = name


def _prose_declarations(text: str) -> list[tuple[str, str]]:
    """(id, name) pairs: "Name (ID)" anywhere, and the initials of a credit's name."""
    pairs = [
        (m["init"], strip_title(trailing_name(text[: m.start()].rstrip())))
        for m in DECLARATION.finditer(text)
    ]
    credit = BYLINE.match(text)
    if credit:
        name = leading_name(text[credit.end() :].strip())
        pairs.append((initials(name), name))
    return pairs


def link_first_names(cast: Cast, found: Sequence[Label]) -> None:
    """A one-word label that is the first or last name of someone the prose names is them."""
    for label in found:
        key = label.name.casefold()
        if " " in key or key in QA_LABELS or cast.lookup(key) or not label.name:
            continue
        person = next(
            (p for p in cast.people if key in (*_first_last(p.name), initials(p.name).casefold())),
            None,
        )
        if person:  # the label is the id, as in "Full Name (ID):"
            cast.declare(Speaker(label.name, person.name, person.role), person.line)
            cast.notes.append(
                (person.line, f"the label '{label.shown}' is {person.name}, named on this line")
            )


def _first_last(name: str) -> tuple[str, str]:
    words = name.casefold().split(" ")
    return words[0], words[-1]


def accepted_labels(found: Sequence[Label], cast: Cast) -> set[str]:
    """Label names that really are speaker labels: declared, Q/A, named, or used twice."""
    counts = Counter(lab.name.casefold() for lab in found)
    accepted = set()
    people = {n for p in cast.people for n in (*_first_last(p.name), initials(p.name).casefold())}
    for lab in found:
        key = lab.name.casefold()
        if lab.style == "period" and counts[key] < 2:
            continue  # "A. Smith said": one initial with a period is no label
        if (
            lab.init
            or (key in QA_LABELS and lab.style != "dash")
            or cast.lookup(key)
            or counts[key] >= 2
            or key in people
            or any(other.init and other.init.casefold() == key for other in found)
        ):
            accepted.add(key)
    return accepted


def _guest_score(person: Person, addressed: str, end: str) -> int:
    """Set off by commas, called by name in a question, thanked by name at the end."""
    thanked = re.search(rf"\b{re.escape(person.name)}\b", end) is not None
    return person.score + 3 * (_addressed(person.name, addressed + " " + end) or thanked)


def interviewee(cast: Cast, addressed: str, end: str) -> str | None:
    """Who answers unlabelled answers: the intro's one interviewee, else the prose's person.

    ``addressed`` is the text of the questions, ``end`` the end of the interview, where the
    interviewer calls or thanks the interviewee by name ("Giovanni, how did …", "Frau
    Hansen, …", "CECOP thanks Giovanni Ferraro").
    """
    if len(cast.interviewees) == 1:
        return cast.interviewees[0]
    taken = {s.name.casefold() for s in cast.speakers.values()}
    people = [p for p in cast.people if p.name.casefold() not in taken]
    if not people:
        return None
    best = max(people, key=lambda p: (_guest_score(p, addressed, end), -p.line))
    cast.declare(Speaker(best.name, best.name, best.role), best.line)
    cast.notes.append((best.line, f"unlabelled answers are {best.name}'s, named on this line"))
    return best.name


_ADDRESS_TITLES = (
    r"(?:Herr|Frau|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Prof\.?|Mme|M\.|Monsieur|Madame|Signor|Signora"
    r"|Dott\.(?:ssa)?|Sr\.|Sra\.|Señor|Señora|Pan|Pani|Panie)"
)


def _addressed(name: str, text: str) -> bool:
    """The text calls this person by first name ("Giovanni, …"), or by title and surname."""
    words = name.split(" ")
    first, last = re.escape(words[0]), re.escape(words[-1])
    return bool(
        re.search(rf"\b{first}\s?[,!]", text) or re.search(rf"\b{_ADDRESS_TITLES} {last}\b", text)
    )


def resolve(units: Sequence[Unit], cast: Cast, name: str) -> list[str | None]:
    """The speaker id of every labelled unit (None for the others); declares label speakers.

    A short label (initials, a first name) used before the line that declares it is an
    error; a full name used so (a headline "Maria Rossi: a life for cooperatives") is no label.
    """
    for unit in units:
        label = unit.label
        if label and label.init:
            cast.declare(Speaker(label.init, label.name), unit.line)
            cast.aliases[label.name.casefold()] = label.init
    for unit in units:
        if unit.label and unit.label.style in ("colon", "dash", "period") and not unit.label.init:
            _check_declared(unit, cast, name)
    return [_speaker_of(u.label, cast) if u.label else None for u in units]


def _check_declared(unit: Unit, cast: Cast, name: str) -> None:
    label = unit.label
    assert label is not None
    key = label.name.casefold()
    speaker_id = cast.lookup(key)
    if speaker_id and cast.declared_at[speaker_id] > unit.line:
        if strip_title(key) == cast.speakers[speaker_id].name.casefold():  # a headline
            unit.text, unit.label = f"{label.raw.rstrip()} {unit.text}".strip(), None
            return
        raise SourceError(
            f"{name}:{unit.line}: the label '{label.name}:' is used before its speaker is "
            f"introduced (line {cast.declared_at[speaker_id]}). Introduce the speaker at "
            f"their first label, as 'Full Name ({label.name}):', or in the intro line."
        )
    if not speaker_id and key not in QA_LABELS:
        cast.declare(Speaker(label.name, label.name), unit.line)


def _speaker_of(label: Label, cast: Cast) -> str | None:
    """Speaker id of a label; Q/A words are speakers of their own ("Q", "Frage", "Question")."""
    key = label.name.casefold()
    if label.style == "dialogue" or (label.style == "number" and not label.name):
        return None
    if label.init:
        return label.init
    if speaker_id := cast.lookup(key):
        return speaker_id
    if key in ANSWER_LABELS and len(cast.interviewees) == 1:
        return cast.interviewees[0]  # "A:" is the one person the intro names
    cast.speakers.setdefault(label.name, Speaker(label.name, label.name))
    return label.name


def assign_roles(
    units: Sequence[Unit], speakers: Sequence[str | None], cast: Cast
) -> dict[str, BlockType]:
    """Who asks and who answers, for every labelled speaker.

    Q/A words say it themselves. The intro's interviewees answer and the others ask; without
    an intro, the first speaker asks. When only one speaker is labelled, their turns decide:
    a speaker whose turns mostly ask is the interviewer (even when an intro line named them,
    as "Im Gespräch mit dem ZdK … erklärt Birgit Hansen" does).
    """
    roles: dict[str, BlockType] = {}
    turns: dict[str, list[str]] = {}
    for unit, speaker in zip(units, speakers, strict=True):
        if speaker is None or unit.label is None:
            continue
        key = unit.label.name.casefold()
        if key in ANSWER_LABELS and key not in QUESTION_LABELS:
            roles[speaker] = "answer"
        elif key in QUESTION_LABELS or unit.label.style == "number":
            roles[speaker] = "question"
        else:
            turns.setdefault(speaker, []).append(unit.text)
    named = list(turns)
    if len(named) == 1:
        roles[named[0]] = _role_by_turns(named[0], turns[named[0]], cast)
        return roles
    for speaker in named:
        if cast.interviewees:
            roles[speaker] = "answer" if speaker in cast.interviewees else "question"
        else:
            roles[speaker] = "question" if speaker == named[0] else "answer"
    return roles


def _role_by_turns(speaker: str, texts: list[str], cast: Cast) -> BlockType:
    """The only labelled speaker asks when most of their turns end with a question mark."""
    asks = sum(1 for t in texts if t.rstrip(" *_\"'”»)").endswith("?"))
    if asks * 2 < len(texts):
        return "answer"
    if speaker in cast.interviewees:  # the intro named the interviewer: no guest, no role
        cast.interviewees.remove(speaker)
        asker = cast.speakers[speaker]
        cast.speakers[speaker] = Speaker(asker.id, asker.name)
    return "question"
