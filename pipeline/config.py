"""``issue.toml`` → a validated, frozen :class:`IssueConfig`.

Validation collects every problem before raising one :class:`ConfigError`, so an editor fixes
the file in one go. Each message names the file, the key and the fix. A key or table that is
not in :data:`ISSUE_KEYS` is a problem too, with a suggestion (``requir_review`` → did you
mean ``require_review``?): a typo must never switch a gate off silently.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from pipeline.config_delivery import (
    DEFAULT_EMAIL_CLIENTS,
    DEFAULT_MAX_SPAM_SCORE,
    DEFAULT_UTM,
    Utm,
    parse_email_clients,
    parse_max_spam_score,
    parse_utm,
)
from pipeline.errors import ConfigError
from pipeline.languages import EU_LANGUAGES
from pipeline.tomlcheck import Collector, unknown_entries

# The providers that render *and* send. Mailchimp's merge tags are known, but until a Mailchimp
# client exists it is refused everywhere, with one message, rather than rendered and then
# refused by send.
PROVIDER_NAMES = ("brevo", "listmonk", "outbox")
DEFAULT_ENGINE = "argos"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def unsupported_provider(name: object) -> str:
    return f"{name!r} is not supported; use one of {', '.join(PROVIDER_NAMES)}."


def check_provider(name: str, where: str = "--provider") -> str:
    """``name`` if the pipeline can render and send with it, else a ConfigError."""
    if name not in PROVIDER_NAMES:
        raise ConfigError(f"{where}: provider {unsupported_provider(name)}")
    return name


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Sender:
    name: str
    email: str


@dataclass(frozen=True)
class Organisation:
    name: str
    address: str
    website: str


@dataclass(frozen=True)
class SendConfig:
    provider: str
    sender: Sender
    reply_to: str | None
    # provider name → language ("default" for the rest) → list ids
    lists: Mapping[str, Mapping[str, tuple[int, ...]]]
    # the raw [send.<provider>] tables, for provider-specific keys
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # the .eml's To: the list's own address or a test recipient (default: the sender)
    to: str | None = None

    def lists_for(self, provider: str, lang: str) -> tuple[int, ...]:
        by_lang = self.lists.get(provider, {})
        return by_lang.get(lang, by_lang.get("default", ()))


@dataclass(frozen=True)
class TranslateConfig:
    """``[translate]``: ``engines`` maps a language (``default`` for the rest) to the engines
    to try for it, in order; the first that can translate the language wins."""

    engines: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def engines_for(self, lang: str, chosen: str | None = None) -> tuple[str, ...]:
        """The language's own list, else ``chosen`` (``--engine``), else ``default``, else argos."""
        if lang in self.engines:
            return self.engines[lang]
        if chosen:
            return (chosen,)
        return self.engines.get("default", (DEFAULT_ENGINE,))


@dataclass(frozen=True)
class IssueConfig:
    path: Path
    slug: str
    title: str
    subject: str
    preheader: str
    date: dt.date
    send_at: dt.datetime
    source_lang: str
    languages: tuple[str, ...]  # every language of the issue, the source included
    organisation: Organisation
    links: tuple[Link, ...]
    send: SendConfig
    require_review: bool = False
    pull_quote: str | None = None
    # where each language's web version lives, e.g. "https://example.org/news/{slug}/{lang}/"
    web_url: str | None = None
    # deliverability: send refuses a language SpamAssassin scores above this
    max_spam_score: float = DEFAULT_MAX_SPAM_SCORE
    # caniemail client names or globs ("gmail", "outlook.windows", "*.ios")
    email_clients: tuple[str, ...] = DEFAULT_EMAIL_CLIENTS
    # campaign parameters added to every link; None: off
    utm: Utm | None = DEFAULT_UTM
    translate: TranslateConfig = field(default_factory=TranslateConfig)

    @property
    def target_languages(self) -> tuple[str, ...]:
        return tuple(lang for lang in self.languages if lang != self.source_lang)


# The keys each table of issue.toml may hold: one entry per table ("" is the top level,
# "links[]" each [[links]] table), one key per line so that a branch adding a setting adds a
# line. A table named here is a known key of its parent. Tables whose keys are data, such as
# ``lists = { default = [2], fr = [7] }``, are values and are not listed. Read by
# parse_issue (top level), _organisation, _links, _send, _lists and _translate below;
# requests_per_hour by pipeline.send.providers, unsubscribe_url by pipeline.render.context.
ISSUE_KEYS: dict[str, frozenset[str]] = {
    "": frozenset({
        "date",
        "email_clients",  # pipeline.config_delivery, which also checks [utm]'s own keys
        "languages",
        "max_spam_score",
        "preheader",
        "pull_quote",
        "require_review",
        "send_at",
        "source_lang",
        "subject",
        "title",
        "utm",
        "web_url",
    }),
    "organisation": frozenset({"address", "name", "website"}),
    "links[]": frozenset({"label", "url"}),
    "send": frozenset({"provider", "reply_to", "to"}),
    "send.sender": frozenset({"email", "name"}),
    "send.brevo": frozenset({"lists", "requests_per_hour"}),
    "send.listmonk": frozenset({"lists", "requests_per_hour"}),
    "send.outbox": frozenset({"lists", "unsubscribe_url"}),
    "translate": frozenset({"engines"}),  # _translate; engines' languages are data
}  # fmt: skip


def load_issue(path: Path) -> IssueConfig:
    """Read and validate ``issues/<slug>/issue.toml``; one ConfigError lists every problem."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: not found. Create it (see README, 'The issue folder')."
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        where = "near the end of the file" if "end of document" in str(exc) else "at that line"
        raise ConfigError(
            f"{path}: not valid TOML: {exc}. Fix the syntax {where} "
            "(an unclosed quote, bracket or table is the usual cause)."
        ) from None
    return parse_issue(data, path, text)


def parse_issue(data: Mapping[str, Any], path: Path, text: str = "") -> IssueConfig:
    c = Collector(path, text)
    for key, problem in unknown_entries(data, "", ISSUE_KEYS):
        c.problem(key, problem)
    title = c.string(data, "title", "Cooperatives and the Belgian Presidency")
    subject = c.string(data, "subject", "Smart on the Belgian Presidency")
    preheader = c.string(data, "preheader", "One line that shows after the subject in the inbox")
    date = _date(c, data)
    send_at = _send_at(c, data)
    source_lang = c.string(data, "source_lang", "en")
    if source_lang and source_lang not in EU_LANGUAGES:
        c.problem("source_lang", f'"{source_lang}" is not an EU language code ({_codes()})')
    languages = _languages(c, data, source_lang)
    require_review = data.get("require_review", False)
    if not isinstance(require_review, bool):
        c.problem("require_review", "must be true or false")
    organisation = _organisation(c, data.get("organisation"))
    links = _links(c, data.get("links", []))
    send = _send(c, data.get("send"))
    web_url = _web_url(c, data.get("web_url"))
    pull_quote = c.optional_string(data, "pull_quote")
    max_spam_score = parse_max_spam_score(c.problem, data)
    email_clients = parse_email_clients(c.problem, data)
    utm = parse_utm(c.problem, data)
    translate = _translate(c, data.get("translate"))
    if c.problems:
        count = len(c.problems)
        raise ConfigError(
            f"{path}: {count} problem{'s' if count > 1 else ''} in the issue settings",
            details=c.problems,
        )
    return IssueConfig(
        path=path,
        slug=path.parent.name,
        title=title,
        subject=subject,
        preheader=preheader,
        date=date,  # type: ignore[arg-type]
        send_at=send_at,  # type: ignore[arg-type]
        source_lang=source_lang,
        languages=languages,
        organisation=organisation,
        links=links,
        send=send,
        require_review=bool(require_review),
        pull_quote=pull_quote,
        web_url=web_url,
        max_spam_score=max_spam_score,
        email_clients=email_clients,
        utm=utm,
        translate=translate,
    )


def _codes() -> str:
    return ", ".join(EU_LANGUAGES)


def _date(c: Collector, data: Mapping[str, Any]) -> dt.date | None:
    value = data.get("date")
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    c.problem(
        "date",
        "must be a TOML date, like date = 2024-06-03"
        + (" (it is missing)" if value is None else ""),
    )
    return None


def _send_at(c: Collector, data: Mapping[str, Any]) -> dt.datetime | None:
    value = data.get("send_at")
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, dt.datetime):
        c.problem(
            "send_at", f"needs an explicit UTC offset, like send_at = {value.isoformat()}+02:00"
        )
    else:
        c.problem(
            "send_at",
            "must be a date and time with offset, like send_at = 2024-06-03T09:00:00+02:00",
        )
    return None


def _languages(c: Collector, data: Mapping[str, Any], source_lang: str) -> tuple[str, ...]:
    value = data.get("languages")
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        c.problem(
            "languages", 'must be a list of language codes, like languages = ["en", "de", "fr"]'
        )
        return (source_lang,)
    unknown = [v for v in value if v not in EU_LANGUAGES]
    if unknown:
        c.problem(
            "languages",
            f"has codes that are not EU languages: {', '.join(unknown)} (use {_codes()})",
        )
    seen: dict[str, None] = (
        dict.fromkeys([source_lang, *value]) if source_lang else dict.fromkeys(value)
    )
    return tuple(lang for lang in seen if lang in EU_LANGUAGES)


def _web_url(c: Collector, value: Any) -> str | None:
    """Optional pattern of the web versions; ``{lang}`` (and optionally ``{slug}``) filled in."""
    if value is None:
        return None
    url = c.url(value, "web_url")
    if url and "{lang}" not in url:
        c.problem("web_url", 'must contain {lang}, like "https://example.org/news/{slug}/{lang}/"')
    elif url and set(re.findall(r"{([^}]*)}", url)) - {"lang", "slug"}:
        c.problem("web_url", "may only use the fields {slug} and {lang}")
    return url or None


def _organisation(c: Collector, table: Any) -> Organisation:
    if not isinstance(table, dict):
        c.problem("organisation", "is missing. Add [organisation] with name, address and website")
        return Organisation("", "", "")
    name = c.string(table, "name", "CECOP", "organisation.")
    address = c.string(
        table, "address", "Avenue Milcamps 105, 1030 Brussels, Belgium", "organisation."
    )
    website = c.url(table.get("website"), "organisation.website")
    return Organisation(name, address, website)


def _links(c: Collector, value: Any) -> tuple[Link, ...]:
    if not isinstance(value, list):
        c.problem(
            "links", 'must be an array of tables: [[links]] label = "..." url = "https://..."'
        )
        return ()
    links = []
    for i, item in enumerate(value):
        key = f"links[{i}]"
        if not isinstance(item, dict):
            c.problem(key, "must be a table with label and url")
            continue
        label = c.string(item, "label", "Visit CECOP", f"{key}.")
        links.append(Link(label, c.url(item.get("url"), f"{key}.url")))
    return tuple(links)


def _send(c: Collector, table: Any) -> SendConfig:
    if not isinstance(table, dict):
        c.problem(
            "send",
            'is missing. Add [send] with provider = "brevo" and '
            'sender = { name = "...", email = "..." }',
        )
        return SendConfig("brevo", Sender("", ""), None, {})
    provider = table.get("provider", "brevo")
    if provider not in PROVIDER_NAMES:
        c.problem("send.provider", unsupported_provider(provider))
    sender_table = table.get("sender")
    if not isinstance(sender_table, dict):
        c.problem(
            "send.sender", 'is missing. Add sender = { name = "CECOP", email = "news@example.org" }'
        )
        sender_table = {}
    sender = Sender(
        c.string(sender_table, "name", "CECOP", "send.sender."),
        c.string(sender_table, "email", "news@example.org", "send.sender."),
    )
    if sender.email and not _EMAIL.match(sender.email):
        c.problem("send.sender.email", f'"{sender.email}" is not an e-mail address')
    reply_to = c.optional_string(table, "reply_to", "send.")
    if reply_to and not _EMAIL.match(reply_to):
        c.problem("send.reply_to", f'"{reply_to}" is not an e-mail address')
    to = c.optional_string(table, "to", "send.")
    if to and not _EMAIL.match(parseaddr(to)[1]):
        c.problem("send.to", f'"{to}" is not an e-mail address (like "CECOP <news@example.org>")')
    options = {k: v for k, v in table.items() if isinstance(v, dict) and k != "sender"}
    lists = {name: _lists(c, name, opts.get("lists", {})) for name, opts in options.items()}
    return SendConfig(str(provider), sender, reply_to, lists, options, to)


def _translate(c: Collector, table: Any) -> TranslateConfig:
    example = 'engines = { hr = ["marian", "apertium"] }'
    if table is None:
        return TranslateConfig()
    if not isinstance(table, dict):
        c.problem("translate", f"must be a table: [translate] {example}")
        return TranslateConfig()
    value = table.get("engines", {})
    if not isinstance(value, dict):
        c.problem("translate.engines", f"must be a table of language → engines, like {example}")
        return TranslateConfig()
    engines: dict[str, tuple[str, ...]] = {}
    for lang, names in value.items():
        key = f"translate.engines.{lang}"
        if lang != "default" and lang not in EU_LANGUAGES:
            c.problem(key, f'"{lang}" is not an EU language code or "default"')
        names = [names] if isinstance(names, str) else names
        if (
            not isinstance(names, list)
            or not names
            or not all(isinstance(n, str) and n.strip() for n in names)
        ):
            c.problem(key, f'must be a list of engine names, like {lang} = ["apertium", "argos"]')
            continue
        engines[lang] = tuple(n.strip() for n in names)
    return TranslateConfig(engines)


def _lists(c: Collector, provider: str, value: Any) -> dict[str, tuple[int, ...]]:
    key = f"send.{provider}.lists"
    if not isinstance(value, dict):
        c.problem(
            key, "must be a table of language → list ids, like lists = { default = [2], fr = [7] }"
        )
        return {}
    lists: dict[str, tuple[int, ...]] = {}
    for lang, ids in value.items():
        if lang != "default" and lang not in EU_LANGUAGES:
            c.problem(f"{key}.{lang}", f'"{lang}" is not an EU language code or "default"')
        if not isinstance(ids, list) or not all(isinstance(i, int) and i > 0 for i in ids):
            c.problem(f"{key}.{lang}", "must be a list of positive list ids, like [2, 7]")
            continue
        lists[lang] = tuple(ids)
    return lists
