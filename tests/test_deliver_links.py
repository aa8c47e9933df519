"""Campaign parameters on every real link, and ``--check-links`` against a loopback server.

The link checker is only ever pointed at 127.0.0.1: a real HTTP server in a thread, whose
pages answer 200, refuse HEAD, are gone, redirect, fail or hang; for the e-mails' https
links a transport sends every request to that server (the path decides the answer).
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from pipeline.config import Link
from pipeline.config_delivery import Utm
from pipeline.render import linkcheck, render_email
from pipeline.render.deliver import DeliveryOptions, check_delivery
from pipeline.render.linkcheck import check_links, probe
from pipeline.render.qa import links_of
from pipeline.render.utm import campaign_url, without_campaign
from pipeline.store import IssuePaths
from tests.support import render as fx

LANGS = ("en", "de")
UNSUBSCRIBE = "{{ unsubscribe }}"


# ---------------------------------------------------------------- campaign parameters


def test_campaign_url_keeps_the_links_own_query_and_fragment() -> None:
    params = {"utm_source": "newsletter", "utm_content": "de"}
    assert campaign_url("https://x.org/a?b=c%20d&utm_source=site#top", params) == (
        "https://x.org/a?b=c%20d&utm_source=site&utm_content=de#top"
    )
    assert campaign_url("mailto:info@x.org", params) == "mailto:info@x.org"
    assert campaign_url("{{ unsubscribe }}", params) == "{{ unsubscribe }}"
    assert (
        without_campaign("https://x.org/a?b=1&utm_content=de&utm_source=n") == "https://x.org/a?b=1"
    )


def test_every_real_link_says_which_language_it_came_from() -> None:
    result = render_email(fx.config(), fx.german(), provider="brevo", languages=LANGS)
    links = links_of(result.html)
    real = [link for link in links if link.startswith("https://")]
    assert len(real) >= 4  # the call-to-action buttons, the website, the other language, …
    for link in real:
        assert link.endswith(
            "utm_source=newsletter&utm_medium=email&utm_campaign=issue-2024-06-test&utm_content=de"
        ), link
    assert UNSUBSCRIBE in links and "{{ mirror }}" in links  # placeholders untouched
    text_links = re.findall(r"https://\S+", result.text)
    assert text_links and all("utm_content=de" in link for link in text_links)


def test_outbox_unsubscribe_link_gets_no_parameters() -> None:
    result = render_email(fx.config(), fx.english(), provider="outbox", languages=LANGS)
    unsubscribe = "https://www.cecop.coop/unsubscribe?list=news&lang=all"
    assert unsubscribe in links_of(result.html)
    assert f"Unsubscribe: {unsubscribe}\n" in result.text


def test_parameters_are_configurable_and_can_be_off() -> None:
    custom = Utm(source="cecop", medium="mail", campaign="june-{lang}", content="")
    result = render_email(fx.config(utm=custom), fx.german(), provider="brevo", languages=LANGS)
    button = next(link for link in links_of(result.html) if link.startswith("https://smartbe.be"))
    assert button == "https://smartbe.be/?utm_source=cecop&utm_medium=mail&utm_campaign=june-de"
    plain = render_email(fx.config(utm=None), fx.german(), provider="brevo", languages=LANGS)
    assert "utm_" not in plain.html and "utm_" not in plain.text


# ---------------------------------------------------------------- the loopback server


class Site(BaseHTTPRequestHandler):
    """Pages by path: /ok, /no-head (HEAD 405, GET 200), /gone (404), /moved (→ /ok),
    /broken (500 to both), /slow (answers after 3 s)."""

    seen: ClassVar[Counter[tuple[str, str]]] = Counter()

    def _answer(self, method: str) -> None:
        path = self.path.split("?")[0]
        Site.seen[(method, path)] += 1
        status = {"/ok": 200, "/gone": 404, "/broken": 500, "/moved": 301}.get(path, 200)
        if path == "/no-head":
            status = 405 if method == "HEAD" else 200
        if path == "/slow":
            time.sleep(3)
        self.send_response(status)
        if status == 301:
            self.send_header("Location", "/ok")
        self.send_header("Content-Length", "2")
        self.end_headers()
        if method == "GET":
            self.wfile.write(b"ok")

    def do_HEAD(self) -> None:
        self._answer("HEAD")

    def do_GET(self) -> None:
        self._answer("GET")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Site.seen = Counter()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


class ToLoopback(httpx.HTTPTransport):
    """Every request goes to the loopback server, over plain HTTP, keeping its path."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = httpx.URL(base)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host=self.base.host, port=self.base.port)
        return super().handle_request(request)


def client(timeout: float = 1.0, base: str | None = None) -> httpx.Client:
    transport = ToLoopback(base) if base else None
    return httpx.Client(timeout=timeout, transport=transport, max_redirects=5)


def test_probe_asks_head_then_get_only_when_head_is_refused(server: str) -> None:
    with client() as http:
        statuses = {path: probe(http, server + path) for path in ("/ok", "/no-head", "/moved")}
    assert {path: s.status for path, s in statuses.items()} == {
        "/ok": 200, "/no-head": 200, "/moved": 200,
    }  # fmt: skip
    assert Site.seen[("HEAD", "/ok")] == 2 and Site.seen[("GET", "/ok")] == 0  # + redirect
    assert Site.seen[("HEAD", "/no-head")] == 1 and Site.seen[("GET", "/no-head")] == 1


def test_each_distinct_link_is_asked_once_and_failures_land_on_every_language(server: str) -> None:
    links = {
        "en": [f"{server}/ok?utm_content=en", f"{server}/gone?utm_content=en", "mailto:x@y.org"],
        "de": [f"{server}/ok?utm_content=de", f"{server}/gone?utm_content=de", f"{server}/slow"],
        "fr": [f"{server}/broken", "{{ unsubscribe }}"],
    }
    with client(timeout=1.0) as http:
        found, notes = check_links(links, http)
    assert notes == []
    assert Site.seen[("HEAD", "/ok")] == 1 and Site.seen[("HEAD", "/gone")] == 1
    by_lang = {lang: {(f.level, f.code, f.where) for f in fs} for lang, fs in found.items()}
    gone = ("error", "link-broken", f"{server}/gone")
    assert by_lang["en"] == {gone}
    assert by_lang["de"] == {gone, ("warning", "link-unreachable", f"{server}/slow")}
    assert by_lang["fr"] == {("warning", "link-unreachable", f"{server}/broken")}
    slow = next(f for f in found["de"] if f.where and f.where.endswith("/slow"))
    assert "no answer within" in slow.message


def test_too_many_links_are_capped_with_a_note(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(linkcheck, "MAX_LINKS", 3)
    links = {"en": [f"{server}/ok?page={i}" for i in range(5)]}
    with client() as http:
        found, notes = check_links(links, http)
    assert sum(Site.seen.values()) == 3
    assert [(n.level, n.code) for n in notes] == [("warning", "links-not-checked")]
    assert found == {"en": []}


def test_build_check_links_marks_a_dead_button_in_every_language(
    server: str, tmp_path: Path
) -> None:
    config = fx.config()
    config = dataclasses.replace(
        config, links=(*config.links, Link("Old page", "https://www.cecop.coop/gone"))
    )
    results = {
        lang: render_email(config, doc, provider="brevo", languages=LANGS)
        for lang, doc in (("en", fx.english()), ("de", fx.german()))
    }
    options = DeliveryOptions(
        check_links=True, skip=frozenset({"spam", "clients", "a11y"}),
        link_client=lambda: client(base=server),
    )  # fmt: skip
    checked = check_delivery(config, IssuePaths.for_issue(fx.ISSUE_DIR, tmp_path), results, options)
    for lang in LANGS:
        broken = [f for f in checked.results[lang].findings if f.code == "link-broken"]
        assert [f.where for f in broken] == ["https://www.cecop.coop/gone"], lang
        assert broken[0].level == "error"
    assert Site.seen[("HEAD", "/gone")] == 1  # asked once for both languages
    assert all(method in ("HEAD", "GET") for method, _ in Site.seen)
