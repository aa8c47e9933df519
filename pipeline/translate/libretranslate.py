"""The "libretranslate" engine: the same argos models, served over HTTP by LibreTranslate.

For teams that outgrow one machine: one LibreTranslate server, or several behind a load
balancer, shared by many issues. ``POST /translate`` with ``q`` as a list (``source``,
``target``, ``format``, ``api_key``) answers ``{"translatedText": [...]}``; ``GET /languages``
lists ``[{"code", "name", "targets": [...]}]``. The server is ``$LIBRETRANSLATE_URL`` and the
key ``$LIBRETRANSLATE_API_KEY`` (optional). Requests go through the HTTP boundary
(:mod:`pipeline.http`): translating changes nothing on the server, so every request is
idempotent and may be repeated after a 5xx or a timeout. The httpx client (or just its
transport) can be injected, which is how the tests talk to a fake server.

How the real server (1.9.6) behaves, and what this engine does about it:

- Its decoder turns every ``_`` into a space, so a ``__0__`` placeholder comes back as
  ``  0  ``. Texts go in its HTML mode: escaped, with placeholders (and any word holding an
  ``_``: an e-mail address, a URL) in ``<span translate="no">``, which the server copies
  verbatim; it unescapes its own output, so taking the spans off gives the text back exactly.
- It counts a batch as ``len(q)`` requests against ``--req-limit`` and answers 429
  ``Slowdown: N per 1 minute`` without ``Retry-After``. The engine learns N, waits until its
  own requests leave the minute (with backoff, for other clients' share), sends batches of at
  most N, and keeps count from then on.
- Over ``--batch-limit`` it answers 400 ``request (16) exceeds text limit (8)`` (the limit is
  not published): the engine goes on with batches of 8.
- A required key that is missing is a 400 (``… to get an API key``), a wrong one a 403: both
  name ``LIBRETRANSLATE_API_KEY``.
- Beam size, compute type and threads are the server's: a warning says those flags are ignored.

Batches are yielded as they finish (:class:`~pipeline.translate.engine.BatchedEngine`), so the
stage keeps every finished batch in the memory even when a later one fails.

Importing this module registers the engine in :data:`pipeline.translate.engine.ENGINES`.
"""

from __future__ import annotations

import html
import os
import re
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import httpx

from pipeline.errors import (
    ConfigError,
    ModelMissingError,
    RateLimited,
    Rejected,
    RemoteError,
    TransientError,
    TranslationError,
)
from pipeline.http import Service, make_client
from pipeline.pacing import Clock, Log, RetryPolicy, SystemClock, Throttle, duration
from pipeline.translate.engine import EngineSettings, register

TIMEOUT = httpx.Timeout(10.0, read=300.0)  # a long batch takes a while on a CPU server
KEY_HINT = "set LIBRETRANSLATE_API_KEY to a key from the server's operator"
# Tuning the server decides itself (its ARGOS_* settings): the command-line flag of each.
SERVER_SETTINGS = {
    "beam_size": "--beam-size",
    "compute_type": "--compute-type",
    "intra_threads": "--threads",
    "inter_threads": "--threads",
}
_KEEP = re.compile(r"\S*_\S*")  # placeholders, and words the server would split at "_"
_SPAN_OPEN = '<span translate="no">'
_SPAN = re.compile(r'<span translate="no">(.*?)</span>', re.DOTALL)
_SLOWDOWN = re.compile(r"Slowdown:\s*(\d+)\s+per\s+(\d*)\s*(second|minute|hour|day)", re.I)
_TEXT_LIMIT = re.compile(r"request \((\d+)\) exceeds text limit \((\d+)\)")
_SECONDS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}


def to_html(text: str) -> str:
    """``text`` as the server's HTML mode reads it, with what must not change in spans."""
    escaped = html.escape(text, quote=False)
    return _KEEP.sub(lambda m: f"{_SPAN_OPEN}{m.group(0)}</span>", escaped)


def from_html(translated: str) -> str:
    """The server's HTML-mode answer (which it has unescaped itself) as plain text."""
    return _SPAN.sub(lambda m: m.group(1), translated)


class LibreTranslateEngine:
    name = "libretranslate"

    def __init__(
        self,
        settings: EngineSettings | None = None,
        *,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        url: str | None = None,
        api_key: str | None = None,
        policy: RetryPolicy | None = None,
        clock: Clock | None = None,
        log: Log | None = None,
    ) -> None:
        self.settings = settings or EngineSettings()
        self._policy = replace(policy or RetryPolicy(), retry_rate_limited=False)
        self._client = client
        self._transport = transport
        self._url = url
        self._api_key = api_key if api_key is not None else os.environ.get("LIBRETRANSLATE_API_KEY")
        self._clock: Clock = clock or SystemClock()
        self._log: Log = log or _say
        self._pairs: set[tuple[str, str]] | None = None
        self._service: Service | None = None
        self._batch = max(1, self.settings.max_batch_size)  # shrinks to the server's limits
        self._lock = threading.Lock()  # two languages share the batch size and the throttle
        _warn_ignored(self.settings, self._log)

    @property
    def url(self) -> str:
        url = self._url or os.environ.get("LIBRETRANSLATE_URL", "")
        if not url:
            raise ConfigError(
                "LIBRETRANSLATE_URL is not set: export LIBRETRANSLATE_URL=https://your-server "
                "to use --engine libretranslate"
            )
        return url.rstrip("/")

    def service(self) -> Service:
        if self._service is None:
            client = self._client or make_client(transport=self._transport, timeout=TIMEOUT)
            name = f"LibreTranslate at {self.url}"
            self._service = Service(
                name,
                client,
                self.url,
                clock=self._clock,
                log=self._log,
                # Counts texts, not requests, as the server does; the limit is learnt from a 429.
                throttle=Throttle(None, self._clock, self._log, name, window=60.0),
                policy=self._policy,
                secrets=[self._api_key] if self._api_key else [],
                auth_hint="check LIBRETRANSLATE_API_KEY",
            )
        return self._service

    def pairs(self) -> set[tuple[str, str]]:
        if self._pairs is None:
            try:
                languages = self.service().call("GET", "/languages", idempotent=True)
            except RemoteError as err:
                raise self._failure(err) from None
            if not isinstance(languages, list):
                raise TranslationError(f"LibreTranslate at {self.url}: /languages is not a list")
            self._pairs = {
                (lang["code"], target)
                for lang in languages
                for target in lang.get("targets", [])
                if target != lang["code"]
            }
        return self._pairs

    def model_id(self, source_lang: str, target_lang: str) -> str:
        # The server does not say which model version it runs; the pair is the identity.
        return f"libretranslate {source_lang}_{target_lang}"

    def translate(self, source_lang: str, target_lang: str, segments: Sequence[str]) -> list[str]:
        return [
            t for batch in self.translate_batches(source_lang, target_lang, segments) for t in batch
        ]

    def translate_batches(
        self, source_lang: str, target_lang: str, segments: Sequence[str]
    ) -> Iterator[list[str]]:
        """Each batch's translations as soon as the server answers (see the module doc)."""
        if (source_lang, target_lang) not in self.pairs():
            raise ModelMissingError(
                f"LibreTranslate at {self.url} cannot translate {source_lang}→{target_lang}; "
                "install that argos model on the server"
            )
        done = 0
        while done < len(segments):
            outputs = self._translate_next(source_lang, target_lang, segments[done:])
            done += len(outputs)
            yield outputs

    def _translate_next(
        self, source_lang: str, target_lang: str, texts: Sequence[str]
    ) -> list[str]:
        """The translations of the next batch of ``texts``, however small the server wants it."""
        waited, attempt = 0.0, 0
        while True:
            chunk = list(texts[: self._batch])
            try:
                return self._post(source_lang, target_lang, chunk)
            except RateLimited as err:
                attempt += 1
                waited += self._wait_out(err, attempt, waited, len(chunk))
            except Rejected as err:
                if not self._obey_text_limit(err, len(chunk)):
                    raise self._failure(err) from None
            except RemoteError as err:
                raise self._failure(err) from None

    def _post(self, source_lang: str, target_lang: str, chunk: list[str]) -> list[str]:
        body: dict[str, Any] = {
            "q": [to_html(text) for text in chunk],
            "source": source_lang,
            "target": target_lang,
            "format": "html",
        }
        if self._api_key:
            body["api_key"] = self._api_key
        answer = self.service().call(
            "POST", "/translate", json=body, idempotent=True, cost=len(chunk)
        )
        texts = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(texts, list) or len(texts) != len(chunk):
            raise TranslationError(
                f"LibreTranslate at {self.url} answered {source_lang}→{target_lang} with "
                f"{answer!r:.200} instead of {len(chunk)} translations"
            )
        return [from_html(str(t)) for t in texts]

    def _wait_out(self, err: RateLimited, attempt: int, waited: float, size: int) -> float:
        """Learn the server's budget from its 429, shrink the batches and wait; the seconds
        waited. Past the policy's ``max_wait`` in all, the language stops with the reason."""
        throttle = self.service().throttle
        throttle.refund(size)  # refused before processing: the server did not count it
        learnt = _slowdown(err.message)
        with self._lock:
            if learnt is not None:
                throttle.limit, throttle.window = learnt
                self._batch = min(self._batch, learnt[0])
            else:
                self._batch = max(1, min(self._batch, size) // 2)
        try:
            backoff = self._policy.wait(err, attempt)  # Retry-After when sent, else jittered
        except RemoteError as stop:  # Retry-After past max_wait: stop, with when to resume
            raise TranslationError(stop.message) from None
        wait = max(backoff, throttle.delay(min(size, self._batch)))
        if waited + wait > self._policy.max_wait:
            raise TranslationError(
                f"{err.message}; still refused after waiting {duration(waited)}. Run the same "
                "command again later: the finished batches are kept in the translation memory"
            )
        budget = f"{learnt[0]} texts per {duration(learnt[1])}" if learnt else "fewer texts"
        self._log(
            f"{self.service().name}: rate limited ({budget}); waiting {duration(wait)}, then "
            f"batches of {self._batch} (attempt {attempt + 1})"
        )
        self._clock.sleep(wait)
        return wait

    def _obey_text_limit(self, err: Rejected, size: int) -> bool:
        """True when ``err`` is the server's batch limit: the next batches fit it."""
        match = _TEXT_LIMIT.search(err.message)
        if err.status != 400 or match is None or int(match.group(1)) != size:
            return False
        limit = max(1, int(match.group(2)))
        if limit >= size:
            return False
        with self._lock:
            self._batch = min(self._batch, limit)
        self._log(
            f"{self.service().name} takes at most {limit} texts per request; "
            f"continuing with batches of {self._batch}"
        )
        return True

    def _failure(self, err: RemoteError) -> TranslationError:
        """A one-line TranslationError for a failed request, with the fix."""
        message = err.message
        status = getattr(err, "status", None)
        if status == 400 and "API key" in message:
            message += f" ({KEY_HINT})"
        elif status == 400 and _TEXT_LIMIT.search(message):
            message += " (a segment is longer than the server's --char-limit: ask its operator)"
        elif isinstance(err, TransientError):
            message += "; check LIBRETRANSLATE_URL and that the server is running"
        return TranslationError(message)


def _slowdown(message: str) -> tuple[int, float] | None:
    """(texts, seconds) from LibreTranslate's 429 text ``Slowdown: 40 per 1 minute``."""
    match = _SLOWDOWN.search(message)
    if match is None or int(match.group(1)) < 1:
        return None
    return int(match.group(1)), int(match.group(2) or 1) * _SECONDS[match.group(3).lower()]


def _warn_ignored(settings: EngineSettings, log: Log) -> None:
    defaults = EngineSettings()
    flags = sorted(
        {
            flag
            for attr, flag in SERVER_SETTINGS.items()
            if getattr(settings, attr) != getattr(defaults, attr)
        }
    )
    if flags:
        log(
            f"warning: {', '.join(flags)} ignored: a LibreTranslate server decides beam size, "
            "compute type and threads itself (its ARGOS_* settings)"
        )


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


register("libretranslate", LibreTranslateEngine)
