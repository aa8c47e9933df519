"""Campaign parameters: every real link of a language says which edition the visit came from.

:func:`campaign_url` adds ``utm_source``, ``utm_medium``, ``utm_campaign`` and ``utm_content``
(``[utm]`` in issue.toml; ``utm = false`` turns them off) to an http(s) link, keeping what the
link already has. The render context applies it to every real link of a language; the
unsubscribe link and the provider's placeholders are never passed to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

from pipeline.config import IssueConfig
from pipeline.config_delivery import UTM_KEYS

_OURS = frozenset(f"utm_{key}" for key in UTM_KEYS)


def campaign_url(url: str, parameters: Mapping[str, str]) -> str:
    """``url`` with the campaign parameters it does not already carry (http(s) only)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parameters:
        return url
    present = {key for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    extra = urlencode([(key, value) for key, value in parameters.items() if key not in present])
    if not extra:
        return url
    # The link's own query stays byte for byte; ours is appended.
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))


def campaign_links(config: IssueConfig, lang: str) -> Callable[[str], str]:
    """The function that tags this language's links (identity when ``utm = false``)."""
    if config.utm is None:
        return lambda url: url
    parameters = config.utm.parameters(config.slug, lang)
    return lambda url: campaign_url(url, parameters)


def without_campaign(url: str) -> str:
    """``url`` without utm_* parameters: what the link check asks for."""
    parts = urlsplit(url)
    items = parts.query.split("&")
    kept = [item for item in items if unquote_plus(item.partition("=")[0]) not in _OURS]
    return urlunsplit(parts._replace(query="&".join(kept)))
