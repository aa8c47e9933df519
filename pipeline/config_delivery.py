"""The deliverability keys of ``issue.toml``: spam threshold, e-mail clients, campaign parameters.

Split from :mod:`pipeline.config` (which calls these while it collects every problem) so that
module stays about the issue itself. Each parser reports problems through ``problem(key,
text)`` and returns a usable default, so validation goes on and lists everything at once.

```toml
max_spam_score = 3.0                       # send refuses a language SpamAssassin scores above
email_clients = ["gmail", "outlook.windows", "apple-mail", "yahoo"]   # caniemail names/globs
[utm]                                      # or: utm = false
source = "newsletter"
medium = "email"
campaign = "{slug}"
content = "{lang}"
```
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Problem = Callable[[str, str], None]

DEFAULT_MAX_SPAM_SCORE = 3.0
DEFAULT_EMAIL_CLIENTS = ("gmail", "outlook.windows", "apple-mail", "yahoo")
# caniemail's clients (family.platform), as its npm package lists them; names are checked
# against these so a typo is caught when the issue is read, not silently matched to nothing.
_PLATFORMS = {
    "aol": ("android", "desktop-webmail", "ios"),
    "apple-mail": ("ios", "macos"),
    "fastmail": ("desktop-webmail",),
    "free-fr": ("desktop-webmail",),
    "gmail": ("android", "desktop-webmail", "ios", "mobile-webmail"),
    "gmx": ("android", "desktop-webmail", "ios"),
    "hey": ("desktop-webmail",),
    "ionos-1and1": ("android", "desktop-webmail"),
    "laposte": ("android", "desktop-webmail", "ios"),
    "mail-ru": ("desktop-webmail",),
    "orange": ("android", "desktop-webmail", "ios"),
    "outlook": ("android", "ios", "macos", "outlook-com", "windows", "windows-mail"),
    "protonmail": ("android", "desktop-webmail", "ios"),
    "rainloop": ("desktop-webmail",),
    "samsung-email": ("android",),
    "sfr": ("android", "desktop-webmail", "ios"),
    "t-online-de": ("desktop-webmail",),
    "thunderbird": ("macos", "windows"),
    "web-de": ("android", "desktop-webmail", "ios"),
    "wp-pl": ("desktop-webmail",),
    "yahoo": ("android", "desktop-webmail", "ios"),
}
CANIEMAIL_CLIENTS = tuple(
    f"{family}.{platform}" for family, platforms in _PLATFORMS.items() for platform in platforms
)
UTM_KEYS = ("source", "medium", "campaign", "content")
_UTM_VALUE = re.compile(r"^[A-Za-z0-9._~{}-]*$")


@dataclass(frozen=True)
class Utm:
    """utm_* values; ``{slug}`` and ``{lang}`` are filled in per language, empty ones left out."""

    source: str = "newsletter"
    medium: str = "email"
    campaign: str = "{slug}"
    content: str = "{lang}"

    def parameters(self, slug: str, lang: str) -> dict[str, str]:
        values = {key: getattr(self, key).format(slug=slug, lang=lang) for key in UTM_KEYS}
        return {f"utm_{key}": value for key, value in values.items() if value}


DEFAULT_UTM = Utm()


def expand_clients(patterns: tuple[str, ...] | list[str]) -> list[str]:
    """caniemail client names matching the patterns; a bare family means every platform."""
    out: list[str] = []
    for pattern in patterns:
        glob = pattern if "." in pattern else f"{pattern}.*"
        out += [c for c in CANIEMAIL_CLIENTS if fnmatch.fnmatchcase(c, glob) and c not in out]
    return out


def parse_max_spam_score(problem: Problem, data: Mapping[str, Any]) -> float:
    value = data.get("max_spam_score", DEFAULT_MAX_SPAM_SCORE)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        problem(
            "max_spam_score",
            "must be a number ≥ 0 (SpamAssassin points; 5.0 marks spam), "
            f"like max_spam_score = {DEFAULT_MAX_SPAM_SCORE}",
        )
        return DEFAULT_MAX_SPAM_SCORE
    return float(value)


def parse_email_clients(problem: Problem, data: Mapping[str, Any]) -> tuple[str, ...]:
    value = data.get("email_clients", list(DEFAULT_EMAIL_CLIENTS))
    example = 'email_clients = ["gmail", "outlook.windows", "apple-mail", "yahoo"]'
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        problem("email_clients", f"must be a list of caniemail client names, like {example}")
        return DEFAULT_EMAIL_CLIENTS
    unknown = [v for v in value if not expand_clients([v])]
    if unknown:
        families = sorted({c.split(".")[0] for c in CANIEMAIL_CLIENTS})
        problem(
            "email_clients",
            f"names no known client: {', '.join(unknown)}. Use a family "
            f"({', '.join(families)}) or family.platform (outlook.windows, gmail.ios, *.ios)",
        )
    return tuple(value)


def parse_utm(problem: Problem, data: Mapping[str, Any]) -> Utm | None:
    value = data.get("utm", True)
    if value is True:
        return DEFAULT_UTM
    if value is False:
        return None
    if not isinstance(value, dict):
        problem("utm", "must be false (no campaign parameters) or a table [utm]")
        return Utm()
    values: dict[str, str] = {}
    for key, raw in value.items():
        if key not in UTM_KEYS:
            problem(f"utm.{key}", f"is not a campaign parameter; use {', '.join(UTM_KEYS)}")
        elif not isinstance(raw, str) or not _UTM_VALUE.match(raw):
            problem(
                f"utm.{key}",
                "must be a string of letters, digits, '-', '_', '.' and the fields "
                '{slug} and {lang}, like content = "{lang}"',
            )
        elif set(re.findall(r"{([^}]*)}", raw)) - {"slug", "lang"}:
            problem(f"utm.{key}", "may only use the fields {slug} and {lang}")
        else:
            values[key] = raw
    return Utm(**values)
