"""``--check-links``: does every link of the built e-mails answer?

:func:`check_links` asks each distinct link once, without our campaign parameters: HEAD, then
GET when the server refuses HEAD; redirects followed, a timeout per request, at most
:data:`MAX_LINKS` links and :data:`WORKERS` at a time. All HTTP goes through :func:`probe` and
the ``httpx.Client`` handed in, so the caller decides transport, proxies and TLS (and the
project's HTTP boundary can take this over without touching the rest).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from pipeline.document import Finding
from pipeline.render.utm import without_campaign

MAX_LINKS = 200
WORKERS = 4
TIMEOUT_SECONDS = 10.0
HEAD_REFUSED = frozenset({403, 405, 406, 501})  # servers that answer HEAD with these may GET


@dataclass(frozen=True)
class LinkStatus:
    url: str
    status: int | None  # the final HTTP status, None when no answer came
    error: str | None = None  # why there is no answer (timeout, DNS, TLS, …)

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 400


def probe(client: httpx.Client, url: str) -> LinkStatus:
    """HEAD ``url``, then GET when HEAD is refused; the one place this module speaks HTTP."""
    try:
        response = client.head(url, follow_redirects=True)
        if response.status_code in HEAD_REFUSED or response.status_code >= 500:
            with client.stream("GET", url, follow_redirects=True) as streamed:
                response = streamed  # the status is enough: the body is never read
        return LinkStatus(url, response.status_code)
    except httpx.TimeoutException:
        return LinkStatus(url, None, f"no answer within {TIMEOUT_SECONDS:g} s")
    except httpx.HTTPError as exc:
        return LinkStatus(url, None, f"{type(exc).__name__}: {exc}")


def link_client() -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(TIMEOUT_SECONDS),
        headers={"user-agent": "newsletter-link-check/1"},
        max_redirects=5,
    )


def check_links(
    links_by_lang: Mapping[str, Iterable[str]], client: httpx.Client
) -> tuple[dict[str, list[Finding]], list[Finding]]:
    """Findings per language for links that fail, and issue-level notes (links not asked)."""
    where: dict[str, list[str]] = {}
    for lang, links in links_by_lang.items():
        for link in links:
            if urlsplit(link).scheme in ("http", "https"):
                langs = where.setdefault(without_campaign(link), [])
                if lang not in langs:
                    langs.append(lang)
    urls = sorted(where)
    notes = []
    if len(urls) > MAX_LINKS:
        notes.append(
            Finding("warning", "links-not-checked", f"{len(urls) - MAX_LINKS} of {len(urls)} "
                    f"links were not checked (at most {MAX_LINKS} per build)")
        )  # fmt: skip
        urls = urls[:MAX_LINKS]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        statuses = list(pool.map(lambda url: probe(client, url), urls))
    found: dict[str, list[Finding]] = {lang: [] for lang in links_by_lang}
    for status in statuses:
        if not status.ok:
            for lang in where[status.url]:
                found[lang].append(_finding(status, lang))
    return found, notes


def _finding(status: LinkStatus, lang: str) -> Finding:
    if status.status in (404, 410):
        text = f"link {status.url} answers {status.status} (gone): fix or remove it"
        return Finding("error", "link-broken", text, lang, status.url)
    why = f"answers {status.status}" if status.status else f"gave no answer ({status.error})"
    text = f"link {status.url} {why}: open it in a browser and fix it if it is broken"
    return Finding("warning", "link-unreachable", text, lang, status.url)
