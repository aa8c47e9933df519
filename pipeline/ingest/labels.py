"""The words ingest recognises: speaker labels, notes, intro and credit lines, thanks, names.

Everything here looks at one line or one paragraph of normalised text and knows nothing of
the rest of the interview; :mod:`pipeline.ingest` decides what the matches mean in context.

- **Labels**: ``Full Name (INITIALS):``, ``INITIALS:``, ``Full Name:``, ``Q:``/``A:`` and their
  forms in other languages, optionally in markdown bold or italics with the colon inside or
  outside (``**CECOP:**``, ``**CECOP**:``, ``*Q:*``, or a whole turn in bold, ``**Q: …?**``)
  and a space before the colon (French typography).
- **Stock lines**: notes (``Readers note:``, ``Editor's note:``, ``NDLR :``, ``Nota de la
  redacción:`` …), the intro line (``Interview with …``, ``Entretien avec …``), credits and
  captions (``Interview by …``, ``Propos recueillis par …``, ``Photo: …``), separators
  (``* * *``) and thanks (``Thank you``, ``Merci``, …).
- **Names**: the speakers an intro line introduces, with their ids and roles.
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
_MARKUP = r"(?:\*\*|__|\*|_|\()?"
NOTE = re.compile(
    rf"^(?:#+ )?{_MARKUP}(?:"
    r"(?:readers?|editors?|editorial|translators?|publishers?)(?:['’]s|s['’]|['’])?(?: note)?"
    r"|note (?:to|for|from) (?:the |our )?(?:readers?|editors?|editor)"
    r"|note de la rédaction|note du traducteur|n\.? ?d\.? ?l\.? ?r\.?|n\.? ?d\.? ?t\.?"
    r"|anmerkung der redaktion|hinweis der redaktion|anm\. d\. red\.?"
    r"|nota (?:dell[ae] |de la |del )?(?:redazione|redacción|redaccion|editor|traduttore"
    r"|traductor|traducción)|n\.? ?d\.? ?r\.?"
    r"|note|nota|notiz|hinweis|huom(?:autus)?|n\.? ?b\.?)"
    rf"{_MARKUP}\s?{_MARKUP}[:.]",
    re.IGNORECASE,
)
INTRO = re.compile(
    r"^(?:#+ )?(?:\*\*|__|\*|_)?(?:an? )?(?:interview|in conversation|conversation|q&a"
    r"|a conversation|entretien|entrevue|rencontre|gespräch|im gespräch|intervista|entrevista"
    r"|rozmowa|rozhovor|haastattelu|intervju|συνέντευξη)\s+(?:with|avec|mit|con|a|com|met|z|s|med|kanssa|με)\s",
    re.IGNORECASE,
)
# Credits and captions stand alone wherever they are ("Interview by …", "Photo: …").
CREDIT = re.compile(
    r"^(?:\*\*|__|\*|_|\()?(?:(?:an? )?interview(?:ed)?(?: conducted)? by|questions by"
    r"|propos recueillis par|(?:entretien|interview) réalisée? par|(?:das )?(?:interview"
    r"|gespräch) führte|interview(?:t)? von|(?:intervista )?a cura di|intervista di"
    r"|(?:entrevista )?realizada por|entrevista de)\b"
    r"|^(?:\*\*|__|\*|_|\()?(?:photos?(?: credits?)?|photographs?|pictures?|images?|credits?"
    r"|crédits?(?: photos?)?|fotos?|bild(?:er|nachweis)?|source|quelle|fonte|fuente)\s?:",
    re.IGNORECASE,
)
SEPARATOR = re.compile(r"^[\W_]+$")  # "---", "* * *", "~": no letters or digits at all
DECLARATION = re.compile(r"\((?P<init>[^\W_][\w.\-]{0,7})\)")
THANKS = re.compile(
    r"^(?:thank|thanks|many thanks|merci|un grand merci|mille mercis|danke|vielen dank"
    r"|herzlichen dank|besten dank|grazie|gracias|muchas gracias|obrigad|dank je|dank u"
    r"|bedankt|dziękuj|děkuj|ďakuj|köszön|kiitos|tack|mange tak|ευχαριστ|благодар|aitäh|ačiū"
    r"|paldies|hvala|mul[țţt]umesc|grazzi|go raibh maith)",
    re.IGNORECASE,
)
# "Thanks to the new law, …": a thanks word meaning "because of".
BECAUSE_OF = re.compile(r"^(?:thanks to|grazie (?:a|al|alla|ai|agli|alle)|gracias a)\s", re.I)
# A thanks word anywhere: "Ich danke Ihnen", "Merci à vous", "Thanks for having me".
THANKS_ANYWHERE = re.compile(
    r"\b(?:thank|merci|remerci|dank|grazie|ringrazi|gracias|agradec|obrigad|bedank|dzięk"
    r"|děkuj|köszön|kiitos|tack|ευχαριστ)",
    re.IGNORECASE,
)
# The interviewee speaks as "I" ("Thank you for having me"); the interviewer is often an
# organisation and speaks as "we" ("Thank you for talking to us"), so plural is no sign.
FIRST_PERSON = re.compile(
    r"\b(?:i|me|my|moi|je|mon|ma|mes|ich|mich|mir|mein\w*|io|mio|mia|yo|mí)\b",
    re.IGNORECASE,
)
_CONJUNCTIONS = r"(?:and|et|und|e|y|en|i|och|og|ja|a|és)"
# A second person in an intro line: ", and Eva Berg," / " und Hans Meier." (two words or more).
_NEXT_PERSON = re.compile(
    rf"(?:,\s*|\s){_CONJUNCTIONS}\s+"
    rf"(?P<name>[^\W\d_][\w'’.\-]*(?:\s(?:[^\W\d_][\w'’.\-]*))+?)(?=\s*(?:,|\.?$))"
)


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
    declarations = list(DECLARATION.finditer(body))
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


def is_thanks(text: str, names: list[str], *, labelled: bool = False) -> bool:
    """The interviewer thanking: "Thank you, Anne-Laure!", "Merci, Claire !", "Vielen Dank!".

    "Thanks to the new law, …" is the interviewee's "because of", unless it names someone.
    """
    if not THANKS.match(text) or "?" in text:
        return False
    if mentions(text, names):
        return True
    short = len(text.split()) <= (25 if labelled else 12)
    return short and not FIRST_PERSON.search(text) and not BECAUSE_OF.match(text)


def mentions(text: str, names: list[str]) -> bool:
    return any(re.search(rf"\b{re.escape(name)}\b", text) for name in names)


def is_thanks_text(text: str) -> bool:
    """A short thanks anywhere in it: "Thank you for having me.", "Ich danke Ihnen."."""
    return bool(THANKS_ANYWHERE.search(text)) and "?" not in text and len(text.split()) <= 15
