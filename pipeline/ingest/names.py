"""People's names as interviews write them: initials, titles, the speakers an intro line names.

``Interview with Anne-Laure Desgris (ALD), Co-CEO of …`` declares ALD with a name and a role;
``… with Piotr Nowak, president of …, and Eva Berg, director of …`` declares two people without
initials. Names in the prose before the first turn (``We spoke to its coordinator, Jelena
Marković, in Belgrade``) are found by :func:`prose_names`. Polish intros decline the name
(``Rozmowa z Agnieszką Kowalczyk``): :func:`polish_nominative` gives it back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.document import Speaker

PARTICLES = {
    "de", "da", "das", "do", "dos", "del", "della", "di", "du", "la", "le", "van", "von",
    "der", "den", "ter", "ten", "y", "e", "el", "al", "bin", "ibn", "zu", "af", "av", "mac",
}  # fmt: skip
# Honorifics are not part of the name a label uses ("Dr. Maria Rossi" answers as "Maria Rossi").
_TITLES = {
    "dr", "prof", "mr", "mrs", "ms", "mx", "sir", "dame", "m", "mme", "mlle", "herr", "frau",
    "dott", "dott.ssa", "sig", "sig.ra", "sr", "sra", "srta", "don", "doña", "ing", "mag",
}  # fmt: skip
DECLARATION = re.compile(r"\((?P<init>[^\W_][\w.\-]{0,7})\)")
_CONJUNCTIONS = r"(?:and|et|und|e|y|en|i|och|og|ja|a|és)"
# A second person in an intro line: ", and Eva Berg," / " und Hans Meier." (two words or more).
_NEXT_PERSON = re.compile(
    rf"(?:,\s*|\s){_CONJUNCTIONS}\s+"
    rf"(?P<name>[^\W\d_][\w'’.\-]*(?:\s(?:[^\W\d_][\w'’.\-]*))+?)(?=\s*(?:,|\.?$))"
)


def initials(name: str) -> str:
    parts = re.split(r"[ \-]", name)
    return "".join(p[0] for p in parts if p and p[0].isupper())


def strip_title(name: str) -> str:
    """``Dr. Maria Rossi`` → ``Maria Rossi`` (a lone title is kept: it is all there is)."""
    words = name.split(" ")
    while len(words) > 1 and words[0].rstrip(".").casefold() in _TITLES:
        words.pop(0)
    return " ".join(words)


def intro_speakers(body: str, labels: set[str]) -> list[Speaker]:
    """The people an intro line introduces; ``body`` is the text after "Interview with".

    ``labels`` are the label names the text uses: without initials in the intro,
    a second person counts only when a label names them (German capitalises every noun, so
    "und Vorständin der Genossenschaft X" must not become a person).
    """
    used = {n.casefold() for n in labels}
    declarations = [
        m
        for m in DECLARATION.finditer(body)
        if m["init"].casefold() in used
        or strip_title(trailing_name(body[: m.start()].rstrip())).casefold() in used
        or not body[: m.start()].strip(" ,").count(",")  # the person the line starts with
    ]  # "(COCETA)" after an organisation's name, never used as a label, declares nobody
    if not declarations:
        return _undeclared_speakers(body, labels)
    speakers = []
    for i, match in enumerate(declarations):
        name = strip_title(trailing_name(body[: match.start()].rstrip()))
        end = declarations[i + 1].start() if i + 1 < len(declarations) else len(body)
        role_text = body[match.end() : end]
        if i + 1 < len(declarations):  # the next person's name is not part of this role
            role_text = role_text.rstrip()
            role_text = role_text[: len(role_text) - len(trailing_name(role_text))]
        if name:
            speakers.append(Speaker(match["init"], name, clean_role(role_text)))
    return speakers


def _undeclared_speakers(body: str, labels: set[str]) -> list[Speaker]:
    """``Piotr Nowak, president of …, and Eva Berg, director of …`` (no initials given)."""
    first = leading_name(body)
    if not first:
        return []
    starts = [(0, first)] + [
        (m.start("name"), strip_title(m["name"]))
        for m in _NEXT_PERSON.finditer(body)
        if _is_full_name(m["name"]) and _is_labelled(strip_title(m["name"]), labels)
    ]
    speakers = []
    for i, (start, name) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(body)
        role = body[start:end].split(",", 1)[1] if "," in body[start:end] else ""
        role = re.sub(rf"(?:,?\s+{_CONJUNCTIONS})?\s*$", "", role.strip())
        speakers.append(Speaker(name, name, clean_role(role)))
    return speakers


def _is_labelled(name: str, labels: set[str]) -> bool:
    words = name.split(" ")
    mine = {n.casefold() for n in (name, words[0], words[-1], initials(name))}
    return bool(mine & {n.casefold() for n in labels})


def _is_full_name(text: str) -> bool:
    words = text.split(" ")
    capitalised = [w for w in words if w[:1].isupper()]
    return len(capitalised) >= 2 and all(w[:1].isupper() or w in PARTICLES for w in words)


def leading_name(text: str) -> str:
    """The capitalised words at the start of ``text``, without a title ("Dr. Ana Sousa, …")."""
    taken: list[str] = []
    for word in text.split(" "):
        bare = word.rstrip(",;:")
        if not (bare[:1].isupper() or (bare in PARTICLES and taken)):
            break
        taken.append(bare)
        if bare != word:
            break  # the name ends at its punctuation ("Ana Sousa, chair")
    while taken and taken[-1] in PARTICLES:
        taken.pop()
    return strip_title(" ".join(taken).rstrip("."))


def trailing_name(text: str) -> str:
    """The capitalised words at the end of ``text`` ("… with Ana de Sousa" → "Ana de Sousa").

    They stop at punctuation and possessives ("Smart Belgium, Ana Sousa", "Smart's Ana Sousa").
    """
    words = text.split(" ")
    taken: list[str] = []
    for word in reversed(words):
        ends_clause = taken and (word[-1:] in ",;:" or _ends_sentence(word))
        stop = ends_clause or re.search(r"['’]s$", word) or not word[:1].isupper()
        if stop and not (word in PARTICLES and taken):
            break
        taken.insert(0, word)
    while taken and taken[0] in PARTICLES:
        taken.pop(0)
    return " ".join(taken).strip(",;")


def _ends_sentence(word: str) -> bool:
    """ "Belgium." ends a sentence; "Dr." and "J." do not."""
    bare = word.rstrip(".")
    return word.endswith(".") and len(bare) > 1 and bare.casefold() not in _TITLES


def clean_role(text: str) -> str | None:
    role = re.sub(r"^[\s,;:–—*_-]+|[\s,;.*_]+$", "", text)
    role = re.sub(rf"(?:,?\s+{_CONJUNCTIONS})$", "", role)
    return role or None


@dataclass(frozen=True)
class Person:
    """A full name in the prose before the first turn, and how much it looks like the guest."""

    name: str
    line: int
    role: str | None
    score: int  # 2 when set off by commas as in "its coordinator, Jelena Marković, in …"


_RUN = re.compile(
    r"(?<![\w'’])(?:(?:Dr|Prof|Mr|Mrs|Ms|Mme|M|Herr|Frau|Dott|Sr|Sra)\.? )?"
    r"(?P<name>[A-ZÀ-ÖØ-ÞĀ-ſ][\w'’\-]+(?: (?:(?:de|da|del|della|di|du|la|le|van|von|der|den|ter"
    r"|y|Van|Von|De|Del|Da|Di|Ó|O’|Mc)\ )*[A-ZÀ-ÖØ-ÞĀ-ſ][\w'’\-]+){1,3})"
)
# German nouns are capitalised: "mit ihrem Vorstandsvorsitzenden Josef Schneider".
_DETERMINERS = {
    "the", "a", "an", "our", "its", "their", "der", "die", "das", "dem", "den", "des", "ein",
    "eine", "einem", "einen", "einer", "ihrem", "ihren", "ihrer", "seinem", "seinen", "unserem",
    "unseren", "le", "la", "les", "du", "il", "lo", "el", "los", "las", "del",
}  # fmt: skip


def prose_people(text: str, line: int) -> list[Person]:
    """Full names (two to four capitalised words) in a paragraph of prose, with a role if any."""
    people = []
    for match in _RUN.finditer(text):
        name = _trim_nouns(text, match)
        words = name.split(" ")
        if words[0].rstrip(".").casefold() in _TITLES | _DETERMINERS:
            continue  # "Herr Schneider", "La Fageda": a title or an article starts no name
        if len(words) < 2 or any(w.isupper() or any(c.isdigit() for c in w) for w in words):
            continue  # "ICA", "COP29": acronyms and codes are no part of a person's name
        before = text[: match.start()].rstrip()
        after = text[match.end() :]
        described = after.startswith(", ") and after[2:3].islower()  # "…, president of …"
        apposition = before.endswith(",") and after[:1] in ",."  # "Son maire, Bernard Roux,"
        people.append(Person(name, line, None, 2 * described + apposition))
    return people


def _trim_nouns(text: str, match: re.Match[str]) -> str:
    """Drop a leading capitalised noun that follows a determiner (German) from a name run."""
    words = match["name"].split(" ")
    previous = text[: match.start("name")].rstrip().rsplit(" ", 1)[-1].casefold()
    if len(words) > 2 and previous in _DETERMINERS:
        words = words[1:]
    return " ".join(words)


_PL_ENDINGS = (("skim", "ski"), ("ckim", "cki"), ("dzkim", "dzki"), ("ą", "a"), ("iem", ""),
               ("em", ""))  # fmt: skip


def polish_nominative(speaker: Speaker) -> Speaker:
    """ "Rozmowa z Agnieszką Kowalczyk" names her in the instrumental: give back the nominative.

    Only the regular endings: -ą → -a (Agnieszką, Kowalską), -skim/-ckim → -ski/-cki,
    -em/-iem dropped after a consonant (Janem, Nowakiem). Other words are kept as written.
    """
    words = [_nominative(w) for w in speaker.name.split(" ")]
    name = " ".join(words)
    new_id = name if speaker.id == speaker.name else speaker.id
    return Speaker(new_id, name, speaker.role)


def _nominative(word: str) -> str:
    for ending, replacement in _PL_ENDINGS:
        stem = word[: len(word) - len(ending)]
        if word.endswith(ending) and len(stem) >= 2:
            if ending in ("em", "iem") and stem[-1:] in "aeiouyąęó":
                continue
            return stem + replacement
    return word
