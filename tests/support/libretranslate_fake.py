"""A fake LibreTranslate server (an ``httpx.MockTransport`` handler) that behaves like 1.9.6.

Each behaviour is the real server's (read in its code and measured against it:
``tests/test_libretranslate_real.py`` sends the same requests to both and compares them):

- The "model" copies its input, as the real server with ``--copy-model`` does
  (``tests/support/libretranslate_launch.py``), unless a ``model`` function is given. Text
  goes through what argostranslate does around the model: paragraphs split at ``\\n``,
  whitespace normalised as SentencePiece does, and **every ``_`` decoded as a space**.
- ``format: "text"``: LibreTranslate's ``improve_translation_formatting`` (the final
  punctuation and the first letter's case follow the source), then ``html.unescape``.
- ``format: "html"``: text nodes are translated one by one (argostranslate's tag injection
  never runs: its ``depth()`` never reaches 2), elements with ``translate="no"`` and code-like
  tags are kept verbatim, the markup is serialised as BeautifulSoup does, then unescaped.
- API keys (``--api-keys --require-api-key-secret``): no key is a 400 "Please contact the
  server operator to get an API key", an unknown one a 403 "Invalid API key".
- ``--batch-limit N``: a longer ``q`` is a 400 "Invalid request: request (16) exceeds text
  limit (8)"; ``--char-limit`` answers the same words for a long text.
- ``--req-limit N``: flask-limiter's moving window of one minute. A request is let in while
  fewer than N hits are in the window; afterwards its cost (``len(q)``, else 1) is added,
  but only if it fits (a batch larger than N is never counted). Over: 429
  ``{"error": "Slowdown: N per 1 minute"}``, no ``Retry-After``.
- ``faults``: answers to send instead, by the number of the ``/translate`` request (from 1),
  such as the HTML page of a proxy in front of the server.
"""

from __future__ import annotations

import html
import json
import time
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from html.parser import HTMLParser
from typing import Any

import httpx

Model = Callable[[str, str], str]  # (normalised source text, target language) → text
PUNCTUATION = "!?.,;。"
KEPT_TAGS = frozenset(
    {"address", "applet", "audio", "canvas", "code", "embed", "script", "style", "time", "video"}
)
VOID_TAGS = frozenset({"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "wbr"})
# Texts that a server which copies its input must give back exactly, whatever its decoder and
# its unescaping do to placeholders, underscores, entities and markup-like text.
TRICKY = [
    "Ask __0__ about __1__.",
    "Write to news_desk@example.org or see https://x.org/a_b?c=1&d=2.",
    "Tom & Jerry <3 say &amp; and &lt;b&gt; <b>bold</b>.",
    "Quotes \"double\" and 'single', it's 21 % of 1.5 million.",
    "__0__",
    "Thank you, __0__!",
]


def copy_model(text: str, target: str) -> str:
    return text


def proxy_page(status: int = 502) -> httpx.Response:
    """What nginx in front of a stopped server answers: an HTML page, several lines long."""
    body = (
        f"<html>\r\n<head><title>{status} Bad Gateway</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} Bad Gateway</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n"
        "</body>\r\n</html>\r\n"
    )
    return httpx.Response(status, text=body, headers={"content-type": "text/html"})


class FakeLibreTranslate:
    """The server's ``/languages`` and ``/translate`` (see the module docstring)."""

    def __init__(
        self,
        pairs: Iterable[tuple[str, str]] = (("en", "de"), ("en", "fr")),
        *,
        api_keys: Collection[str] | None = None,
        require_key: bool = False,
        batch_limit: int | None = None,
        char_limit: int | None = None,
        req_limit: int | None = None,
        model: Model = copy_model,
        faults: Mapping[int, httpx.Response] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pairs = set(pairs)
        self.api_keys = set(api_keys) if api_keys is not None else None
        self.require_key = require_key
        self.batch_limit = batch_limit
        self.char_limit = char_limit
        self.req_limit = req_limit
        self.model = model
        self.faults = dict(faults or {})
        self.clock = clock
        self.requests: list[dict[str, Any]] = []  # every /translate body, in order
        self.statuses: list[int] = []  # and the status it got
        self._hits: list[float] = []  # the moving window, newest first

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path == "/languages":
            return httpx.Response(200, json=self.languages())
        if request.method != "POST" or request.url.path != "/translate":
            return _error(404, "Not Found")
        body = json.loads(request.content)
        self.requests.append(body)
        response = self.faults.get(len(self.requests)) or self._translate(body)
        self.statuses.append(response.status_code)
        return response

    def languages(self) -> list[dict[str, Any]]:
        # argostranslate lists languages as its packages name them, each once: en, de, fr
        codes = list(dict.fromkeys(code for pair in sorted(self.pairs) for code in pair))
        return [
            {
                "code": code,
                "name": code.upper(),
                "targets": sorted({t for f, t in self.pairs if f == code} | {code}),
            }
            for code in codes
        ]

    def _translate(self, body: dict[str, Any]) -> httpx.Response:
        if self.req_limit is not None and self._in_window() > self.req_limit - 1:
            return _error(429, f"Slowdown: {self.req_limit} per 1 minute")
        cost = 1
        try:
            refusal = self._refusal(body)
            if refusal is not None:
                return refusal
            q = body["q"]
            cost = max(1, len(q)) if isinstance(q, list) else 1
            texts = [self._one(t, body["target"], body.get("format") or "text") for t in _list(q)]
            return httpx.Response(
                200, json={"translatedText": texts if isinstance(q, list) else texts[0]}
            )
        finally:
            self._deduct(cost)

    def _refusal(self, body: dict[str, Any]) -> httpx.Response | None:
        """The first check the real server fails, in its order, or None."""
        key = body.get("api_key")
        if self.api_keys is not None and key and key not in self.api_keys:
            return _error(403, "Invalid API key")
        if self.api_keys is not None and self.require_key and key not in self.api_keys:
            return _error(400, "Please contact the server operator to get an API key")
        for name in ("q", "source", "target"):
            if not body.get(name):
                return _error(400, f"Invalid request: missing {name} parameter")
        q = body["q"]
        if isinstance(q, list) and self.batch_limit is not None and len(q) > self.batch_limit:
            return _text_limit(len(q), self.batch_limit)
        for text in _list(q):
            if self.char_limit is not None and len(text) > self.char_limit:
                return _text_limit(len(text), self.char_limit)
        if (body["source"], body["target"]) not in self.pairs:
            return _error(400, f"{body['target']} is not supported")
        if (body.get("format") or "text") not in ("text", "html"):
            return _error(400, f"{body['format']} format is not supported")
        return None

    def _one(self, text: str, target: str, text_format: str) -> str:
        if text_format == "html":
            return html.unescape(_HtmlTranslator(lambda t: self._decode(t, target)).run(text))
        return html.unescape(_improve_formatting(text, self._decode(text, target)))

    def _decode(self, text: str, target: str) -> str:
        """What argostranslate makes of the model's output: paragraph by paragraph,
        SentencePiece's whitespace normalisation, and ``_`` decoded as a space."""
        out = []
        for paragraph in text.split("\n"):
            normalised = " ".join(unicodedata.normalize("NFKC", paragraph).split())
            decoded = self.model(normalised, target).replace("_", " ") if normalised else ""
            out.append(decoded[1:] if decoded.startswith(" ") else decoded)
        return "\n".join(out).lstrip("\n")

    # flask-limiter's moving window ("limits" MemoryStorage.acquire_entry), one client
    def _in_window(self) -> int:
        now = self.clock()
        return sum(1 for t in self._hits if t > now - 60)

    def _deduct(self, cost: int) -> None:
        if self.req_limit is None or cost > self.req_limit:
            return
        now = self.clock()
        index = self.req_limit - cost
        if index < len(self._hits) and self._hits[index] > now - 60:
            return
        self._hits[:0] = [now] * cost


class _HtmlTranslator(HTMLParser):
    """argostranslate's ``translate_html`` on html.parser's events, serialised as
    BeautifulSoup writes it (``str(soup)``)."""

    def __init__(self, translate: Callable[[str], str]) -> None:
        super().__init__(convert_charrefs=True)
        self.translate = translate
        self.out: list[str] = []
        self.kept: list[bool] = []  # per open element: is it kept verbatim?

    def run(self, text: str) -> str:
        self.feed(text)
        self.close()
        return "".join(self.out)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        shown = "".join(
            f' {k}="{html.escape(v or "", quote=True)}"' if v is not None else f' {k}=""'
            for k, v in attrs
        )
        if tag in VOID_TAGS:
            self.out.append(f"<{tag}{shown}/>")
            return
        self.out.append(f"<{tag}{shown}>")
        keep = tag in KEPT_TAGS or dict(attrs).get("translate") == "no"
        self.kept.append(keep or (bool(self.kept) and self.kept[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS:
            return
        if self.kept:
            self.kept.pop()
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        kept = bool(self.kept) and self.kept[-1]
        text = data if kept else _preserve_spaces(data, self.translate(data))
        self.out.append(html.escape(text, quote=False))


def _preserve_spaces(source: str, translated: str) -> str:
    """argostranslate.tags.translate_preserve_formatting: a space at either end survives."""
    if source.startswith(" ") and not translated.startswith(" "):
        translated = " " + translated
    if source.endswith(" ") and not translated.endswith(" "):
        translated += " "
    return translated


def _improve_formatting(source: str, translation: str) -> str:
    """LibreTranslate's ``improve_translation_formatting`` (punctuation and case parts)."""
    source = source.strip()
    if not source:
        return ""
    if not translation:
        return source
    last = translation[-1]
    if source[-1] in PUNCTUATION:
        if last != source[-1]:
            translation = (translation[:-1] if last in PUNCTUATION else translation) + source[-1]
    elif last in PUNCTUATION:
        translation = translation[:-1]
    if source.islower():
        return translation.lower()
    if source.isupper():
        return translation.upper()
    if source[0].islower():
        return translation[0].lower() + translation[1:]
    if source[0].isupper():
        return translation[0].upper() + translation[1:]
    return translation


def _list(q: Any) -> list[str]:
    return [str(t) for t in q] if isinstance(q, list) else [str(q)]


def _error(status: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": message})


def _text_limit(size: int, limit: int) -> httpx.Response:
    return _error(400, f"Invalid request: request ({size}) exceeds text limit ({limit})")
