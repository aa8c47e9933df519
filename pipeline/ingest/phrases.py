"""Stock phrases ingest recognises: notes, intro and credit lines, thanks, aftermatter.

Each pattern looks at one paragraph of normalised text and knows nothing of the rest of the
interview; :mod:`pipeline.ingest.turns` decides what a match means in context.

- **Notes**: ``Readers note:``, ``Editor's note:``, ``NDLR :``, ``Nota de la redacción:`` …
- **Intro and credits**: ``Interview with …``, ``Entretien avec …``, ``Rozmowa z …``; ``Interview
  by …``, ``Propos recueillis par …``, ``Photo: …``; separators (``* * *``).
- **Thanks**: ``Thank you``, ``Merci``, ``Vielen Dank``, and in the third person (``CECOP thanks
  X for …``, ``Der ZdK dankt …``, ``La CG Scop remercie …``).
- **Aftermatter**: ``About …:``, ``Find out more:``, ``More information:`` and their usual
  translations; a paragraph with a web address.
"""

from __future__ import annotations

import re

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
    r"|rozmowa|rozhovor|haastattelu|intervju|συνέντευξη)\s+(?:with|avec|mit|con|a|com|met|z|s|med|kanssa|με)\s"
    # Polish: "Z Janem Nowickim, …, rozmawia Ewa Mazur." (with X talks Y)
    r"|^ze?\s(?=[^.?!]*\brozmawia(?:ł|ła|li|ły)?\s)",
    re.IGNORECASE,
)
# Credits and captions stand alone wherever they are ("Interview by …", "Photo: …").
# The interviewer's credit: "Interview by …", "Propos recueillis par …", "Das Gespräch führte …".
BYLINE = re.compile(
    r"^(?:\*\*|__|\*|_|\()?(?:(?:an? )?interview(?:ed)?(?: conducted)? by|questions by"
    r"|propos recueillis par|(?:entretien|interview) réalisée? par|(?:das )?(?:interview"
    r"|gespräch) führte|interview(?:t)? von|(?:intervista )?a cura di|intervista di"
    r"|(?:entrevista )?realizada por|entrevista de|rozmawia(?:ł|ła|li|ły)?)\b",
    re.IGNORECASE,
)
_CAPTION = (
    r"^(?:\*\*|__|\*|_|\()?(?:photos?(?: credits?)?|photographs?|pictures?|images?|credits?"
    r"|crédits?(?: photos?)?|fotos?|bild(?:er|nachweis)?|source|quelle|fonte|fuente)\s?:"
)
# Credits and captions stand alone wherever they are ("Interview by …", "Photo: …").
CREDIT = re.compile(rf"{BYLINE.pattern}|{_CAPTION}", re.IGNORECASE)
SEPARATOR = re.compile(r"^[\W_]+$")  # "---", "* * *", "~": no letters or digits at all
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

# The interviewer, named by the interviewer's words for it: "the interviewer", "we" (credit lines).
INTERVIEWER_NAME = re.compile(r"\brozmawia(?:ł|ła|li|ły)?\s+(?P<name>\S+(?: \S+)+?)\.?$")
# Aftermatter after the last answer: "About CECOP:", "Find out more:", and their translations.
ABOUT = re.compile(
    r"^(?:\*\*|__|\*|_)?(?:about|à propos d[eu'’]|a propos d[eu'’]|über|sobre|acerca de"
    r"|informazioni su|chi è|chi siamo|o (?=[A-ZŁŚŻ])|who (?:is|are)|qui est|qui sommes-nous"
    r"|quiénes somos|kim jest|wer ist|over)\b[^:]{0,60}?\s?:",
    re.IGNORECASE,
)
MORE = re.compile(
    r"^(?:\*\*|__|\*|_)?(?:find out more|more information|more info|further information"
    r"|learn more|read more|for more information|useful links?|links?|websites?|contacts?"
    r"|weitere informationen|mehr (?:informationen|erfahren|infos?|unter)|kontakt"
    r"|pour en savoir plus|en savoir plus|plus d['’]informations?|pour plus d['’]informations?"
    r"|per saperne di più|per maggiori informazioni|maggiori informazioni|più informazioni"
    r"|contatti|más información|para saber más|más info|contacto|więcej informacji"
    r"|dowiedz się więcej|kontakt|meer informatie|lees meer)(?:\s?:|,? (?:visit|see|go to|unter"
    r"|sur|su|en|na|auf)\b)",
    re.IGNORECASE,
)
LINK = re.compile(r"(?:https?://|\bwww\.)[^\s<>]+", re.IGNORECASE)
# The thanks word within the first words: "Ingrid, Marco, thank you both.", "Der ZdK dankt …".
_THANKS_NEAR_START = 7


def is_aftermatter(text: str) -> bool:
    """A paragraph that introduces the organisation, a link or more information."""
    return bool(ABOUT.match(text) or MORE.match(text))


def is_thanks(text: str, names: list[str], *, labelled: bool = False) -> bool:
    """The interviewer thanking: "Thank you, Anne-Laure!", "Merci, Claire !", "Vielen Dank!".

    Also with the thanks inside ("Ingrid, Marco, thank you both.") and in the third person
    ("CECOP thanks Giovanni Ferraro for …", "Der ZdK dankt Birgit Hansen …"). "Thanks to the
    new law, …" is the interviewee's "because of", unless it names someone.
    """
    if "?" in text or not (THANKS.match(text) or _thanks_near_start(text)):
        return False
    if mentions(text, names):
        return True
    short = len(text.split()) <= (25 if labelled else 12)
    return short and not FIRST_PERSON.search(text) and not BECAUSE_OF.match(text)


def _thanks_near_start(text: str) -> bool:
    match = THANKS_ANYWHERE.search(text)
    return match is not None and len(text[: match.start()].split()) < _THANKS_NEAR_START


def mentions(text: str, names: list[str]) -> bool:
    return any(re.search(rf"\b{re.escape(name)}\b", text) for name in names)


# The interviewee's reply to the thanks: "Sehr gern.", "Avec plaisir !", "A vosotros.".
THANKS_BACK = re.compile(
    r"^(?:sehr gerne?|gerne?|gern geschehen|(?:it was )?(?:my|a) pleasure|with pleasure"
    r"|you['’]?re welcome|avec plaisir|de rien|(?:merci )?à vous|a vous|prego|con piacere"
    r"|a voi|de nada|a vosotr[oa]s|a usted(?:es)?|a ti|nawzajem|graag gedaan)\b",
    re.IGNORECASE,
)


def is_thanks_text(text: str) -> bool:
    """A short thanks anywhere in it: "Thank you for having me.", "Ich danke Ihnen."."""
    if "?" in text:
        return False
    if THANKS_BACK.match(text) and len(text.split()) <= 6:
        return True
    return bool(THANKS_ANYWHERE.search(text)) and len(text.split()) <= 15
