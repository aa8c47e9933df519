"""What the e-mail templates see: one language's Document and issue settings as values.

Builds the template context (the lede, the body items with speaker labels and the pull quote,
the machine-translation notice, links to the other languages, the provider's placeholders)
without any I/O. Content is escaped by the caller-chosen ``text`` function: :func:`html_text`
for the HTML part (escaped, with ``{`` and ``*|`` as character references so content never
becomes a live Brevo/listmonk/Mailchimp tag) or :func:`plain_text` for the text part.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date
from markupsafe import Markup, escape

from pipeline.config import IssueConfig
from pipeline.document import Document, Finding, Speaker, list_items
from pipeline.errors import RenderError
from pipeline.languages import babel_locale, native_name
from pipeline.render.utm import campaign_links

FONT_STACK = (
    "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, "
    "'Noto Sans', sans-serif"
)
# Invisible filler after the preheader so body text does not trail into the inbox preview.
# Newlines keep the HTML's lines short (SMTP's 998-byte limit); in a hidden div they are blank.
PREHEADER_PADDING = Markup("\n".join(["&#847;&zwnj;&nbsp;" * 15] * 6))
MACHINE_KINDS = frozenset({"memory", "engine"})
WORDS_PER_MINUTE = 200


class ProviderTag(Markup):
    """A provider placeholder (``{{ unsubscribe }}``, ``*|UNSUB|*``): emitted verbatim."""


@dataclass(frozen=True)
class Placeholders:
    unsubscribe: str
    mirror: str


PLACEHOLDERS: dict[str, Placeholders] = {
    "brevo": Placeholders("{{ unsubscribe }}", "{{ mirror }}"),
    "listmonk": Placeholders("{{ UnsubscribeURL }}", "{{ MessageURL }}"),
}


@dataclass(frozen=True)
class Item:
    """One piece of the body as the templates see it."""

    kind: str  # paragraph, note, intro, question, answer, quote, closing
    paragraphs: tuple[str, ...]
    label: str = ""
    name: str = ""
    role: str = ""


@dataclass(frozen=True)
class ListEntry:
    marker: Any  # as the source wrote it ("-", "a)"); the text part shows it
    text: Any


@dataclass(frozen=True)
class ListView:
    """A list paragraph as the templates see it (``entries`` is what tells it from a text)."""

    ordered: bool
    numbering: str  # an <ol>'s type: "1", "a", "A", "i"
    entries: tuple[ListEntry, ...]


def paragraph_view(value: str, text: Callable[[str], Any]) -> Any:
    """A paragraph for the templates: escaped text, or a :class:`ListView` for a list."""
    items = list_items(value)
    if items is None:
        return text(value)
    entries = tuple(ListEntry(text(i.marker), text(i.text)) for i in items.items)
    return ListView(items.ordered, items.numbering, entries)


@dataclass(frozen=True)
class Credit:
    """A translation model named beside the notice, because its licence asks (CC-BY)."""

    name: Any
    licence: Any
    url: str | None


@dataclass(frozen=True)
class Disclaimer:
    language: str  # the original's language, named in the reader's language
    url: str | None  # the original's web version, when web_url is set
    credits: tuple[Credit, ...] = ()


@dataclass(frozen=True)
class OtherLanguage:
    lang: str
    name: str
    url: str


@dataclass
class Notes:
    """Findings gathered while building the context (untranslated fields, missing links)."""

    lang: str
    findings: list[Finding] = field(default_factory=list)

    def add(self, level: Any, code: str, message: str, where: str | None = None) -> None:
        self.findings.append(Finding(level, code, message, self.lang, where))


# ---------------------------------------------------------------- placeholders and text


def placeholders_for(provider: str, config: IssueConfig, lang: str) -> Placeholders:
    """The provider's own tags; ``outbox`` (plain e-mail) gets real links instead."""
    if provider in PLACEHOLDERS:
        return PLACEHOLDERS[provider]
    if provider != "outbox":
        known = ", ".join([*PLACEHOLDERS, "outbox"])
        raise RenderError(f"unknown provider '{provider}'. Use one of {known}.")
    options = config.send.options.get("outbox", {})
    contact = config.send.reply_to or config.send.sender.email
    unsubscribe = options.get("unsubscribe_url") or f"mailto:{contact}?subject=Unsubscribe"
    mirror = web_url(config, lang) or config.organisation.website
    return Placeholders(str(unsubscribe), mirror)


def web_url(config: IssueConfig, lang: str) -> str | None:
    if not config.web_url:
        return None
    return config.web_url.format(slug=config.slug, lang=lang)


# C0 controls other than tab and line feed, DEL, C1 controls and the noncharacters U+FFFE/F:
# invisible, invalid in XML (MJML refuses them) and in e-mail headers. A .po entry or an
# issue.toml string can carry one in from a paste; it is dropped, as a reader would not see it.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")


def printable(value: str) -> str:
    return _CONTROL.sub("", value)


def one_line(value: str) -> str:
    """A header value (subject, preheader): one line, whitespace runs as single spaces."""
    return " ".join(printable(value).split())


def html_text(value: str) -> Markup:
    """Escape content for HTML and defuse provider syntax (``{`` and ``*|``)."""
    escaped = str(escape(printable(value)))
    return Markup(escaped.replace("{", "&#123;").replace("*|", "&#42;|"))


# A zero-width space goes after every "{" that opens "{{", "{%" or "{#", and every "*" that
# opens "*|". A lookahead, so overlapping runs ("{{{ x }}}") are all split, not every second.
_OPENER = re.compile(r"(?<=\{)(?=[{%#])|(?<=\*)(?=\|)")


def plain_text(value: str) -> str:
    """Defuse provider syntax in the plain-text part with an invisible zero-width space."""
    return _OPENER.sub("\u200b", printable(value))


# ---------------------------------------------------------------- the context


_NOTE_HEADING = re.compile(r"^(?P<heading>[^:.!?]{2,40}?) ?: (?P<rest>.+)$", re.DOTALL)


def _note_item(paragraphs: tuple[str, ...]) -> Item:
    """A note that starts with its own heading ("Readers note: …") shows that as the heading.

    Ingest keeps the heading in the text (nothing is lost and it is translated with the
    rest); the template's generic "Reader's note" is used only when the text has none.
    """
    match = _NOTE_HEADING.match(paragraphs[0]) if paragraphs else None
    if not match:
        return Item("note", paragraphs)
    return Item("note", (match["rest"], *paragraphs[1:]), label=match["heading"])


def build_items(config: IssueConfig, doc: Document, pull_quote: str | None) -> list[Item]:
    """The body after the lede, in order, with the pull quote in the middle of the answers."""
    blocks = list(doc.blocks)
    start = _lede_length(doc)
    answers = [i for i, b in enumerate(blocks) if b.type == "answer"]
    quote_after = answers[(len(answers) - 1) // 2] if answers else None
    interviewee = _interviewee(doc)
    items: list[Item] = []
    for index in range(start, len(blocks)):
        block = blocks[index]
        speaker = doc.speaker(block.speaker)
        if block.type == "question":
            items.append(Item("question", block.paragraphs, label=config.organisation.name))
        elif block.type == "answer":
            label = speaker.name if speaker else (block.speaker or "")
            items.append(Item("answer", block.paragraphs, label=label))
        elif block.type == "intro" and interviewee is not None and interviewee.role:
            # The card shows name and role, which is what the intro sentence says.
            items.append(Item("intro", (), name=interviewee.name, role=interviewee.role))
        elif block.type == "intro":
            name = interviewee.name if interviewee else ""
            items.append(Item("intro", block.paragraphs, name=name))
        elif block.type == "note":
            items.append(_note_item(block.paragraphs))
        else:
            items.append(Item(block.type, block.paragraphs))
        if index == quote_after and pull_quote:
            name = interviewee.name if interviewee else ""
            items.append(Item("quote", (pull_quote,), label=name))
    return items


def _lede_length(doc: Document) -> int:
    count = 0
    while count < len(doc.blocks) and doc.blocks[count].type == "paragraph":
        count += 1
    return count


def _interviewee(doc: Document) -> Speaker | None:
    answer = next((b for b in doc.blocks if b.type == "answer"), None)
    return doc.speaker(answer.speaker) if answer else None


def reading_minutes(doc: Document) -> int:
    words = sum(len(p.split()) for b in doc.blocks for p in b.paragraphs)
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def is_machine_translated(doc: Document) -> bool:
    return any(s.origin.kind in MACHINE_KINDS for s in doc.segments)


def _field(config: IssueConfig, doc: Document, name: str, notes: Notes) -> str | None:
    value = doc.fields.get(name)
    fallback: str | None = getattr(config, name)
    if value:
        return value
    if fallback and not doc.is_source:
        notes.add("warning", "field-untranslated", f"'{name}' has no translation; using the source")
    return fallback


def _link_label(doc: Document, index: int, label: str, notes: Notes) -> str:
    """A ``[[links]]`` button's label in the document's language (translated as
    ``field.link.<index>``); the source label, with a warning, when it has none."""
    value = doc.fields.get(f"link.{index}")
    if value:
        return value
    if not doc.is_source:
        message = f"the link label {label!r} has no translation; using the source"
        notes.add("warning", "field-untranslated", message, f"field.link.{index}")
    return label


def _disclaimer(config: IssueConfig, doc: Document, notes: Notes) -> Disclaimer | None:
    if not is_machine_translated(doc):
        return None
    language = _language_name(doc.source_lang, doc.lang)
    url = web_url(config, doc.source_lang)
    if url is None:
        notes.add(
            "warning",
            "original-not-linked",
            "the machine-translation notice cannot link the original: "
            'add web_url = "https://…/{slug}/{lang}/" to issue.toml',
        )
    credits = tuple(Credit(a.name, a.licence, a.url) for a in doc.attributions)
    return Disclaimer(language, url, credits)


@lru_cache(maxsize=64)
def _native_name(lang: str) -> str:
    return native_name(lang)


@lru_cache(maxsize=1024)
def _language_name(lang: str, in_lang: str) -> str:
    """``lang``'s name in ``in_lang`` (Babel's locale data is slow to look up)."""
    names = Locale.parse(babel_locale(in_lang)).languages
    return str(names.get(lang) or native_name(lang))


def _other_languages(
    config: IssueConfig, lang: str, languages: Sequence[str]
) -> list[OtherLanguage]:
    out = []
    for other in languages:
        url = web_url(config, other)
        if other != lang and url:
            out.append(OtherLanguage(other, _native_name(other), url))
    return out


def build_context(
    config: IssueConfig,
    doc: Document,
    *,
    provider: str,
    languages: Sequence[str],
    text: Callable[[str], Any],
    notes: Notes,
) -> dict[str, Any]:
    """Every value the templates use; ``text`` escapes content for the part being written.

    Every real link carries the language's campaign parameters (``track``); the unsubscribe
    link and the provider's placeholders never do.
    """
    tags = placeholders_for(provider, config, doc.lang)
    track = campaign_links(config, doc.lang)
    pull_quote = _field(config, doc, "pull_quote", notes)
    disclaimer = _disclaimer(config, doc, notes)
    items = [
        Item(
            item.kind,
            tuple(paragraph_view(p, text) for p in item.paragraphs),
            text(item.label),
            text(item.name),
            text(item.role),
        )
        for item in build_items(config, doc, pull_quote)
    ]
    org = config.organisation
    return {
        "lang": doc.lang,
        "dir": "ltr",  # all 24 EU languages are written left to right
        "font_stack": FONT_STACK,
        "subject": text(one_line(_field(config, doc, "subject", notes) or "")),
        "preheader": text(one_line(_field(config, doc, "preheader", notes) or "")),
        "preheader_padding": PREHEADER_PADDING,
        "title": text(_field(config, doc, "title", notes) or ""),
        "date_text": format_date(config.date, "long", locale=babel_locale(doc.lang)),
        "reading_minutes": reading_minutes(doc),
        "org": {
            "name": text(org.name),
            "address": text(org.address),
            "website": track(org.website),
            "website_label": text(re.sub(r"^https://(www\.)?|/$", "", org.website)),
        },
        "lede": [
            paragraph_view(p, text) for b in doc.blocks[: _lede_length(doc)] for p in b.paragraphs
        ],
        "items": items,
        "links": [
            {"label": text(_link_label(doc, i, link.label, notes)), "url": track(link.url)}
            for i, link in enumerate(config.links)
        ],
        "disclaimer": disclaimer and _escaped(disclaimer, text, track),
        "other_languages": [
            OtherLanguage(o.lang, text(o.name), track(o.url))
            for o in _other_languages(config, doc.lang, languages)
        ],
        "unsubscribe": _tag(tags.unsubscribe, provider, text),
        # the web version: a placeholder at Brevo and listmonk, a real (tracked) link otherwise
        "mirror": _tag(
            tags.mirror if provider in PLACEHOLDERS else track(tags.mirror), provider, text
        ),
    }


def _escaped(
    disclaimer: Disclaimer, text: Callable[[str], Any], track: Callable[[str], str]
) -> Disclaimer:
    """The notice's words escaped for the part; the original's link with campaign tags
    (the models' own pages are not ours to tag)."""
    credits = tuple(Credit(text(c.name), text(c.licence), c.url) for c in disclaimer.credits)
    url = disclaimer.url and track(disclaimer.url)
    return Disclaimer(text(disclaimer.language), url, credits)


def _tag(value: str, provider: str, text: Callable[[str], Any]) -> Any:
    if provider in PLACEHOLDERS:
        return ProviderTag(value) if text is html_text else value
    # outbox: a real URL, escaped like any value (& becomes &amp; in an attribute)
    return escape(value) if text is html_text else value
