"""The one HTTP boundary: clients, error mapping, retries and rate limits for every remote call.

Mailing providers (send), the LibreTranslate engine and model downloads all go through here,
in the manner of httpx's transports: the ``httpx.Client`` is built by :func:`make_client` (or
injected: tests hand in one with an ``httpx.MockTransport``) and wrapped in a :class:`Service`.

* :func:`to_error` is the one place HTTP failures become pipeline errors (see
  :mod:`pipeline.errors`): 429 is :class:`RateLimited`, 5xx, timeouts and dropped connections
  are :class:`TransientError`, any other 4xx is :class:`Rejected` with its status. Messages are
  one line, name the service and the request, never hold a header value, and are redacted of
  every secret *before* anything is shortened.
* :class:`RetryPolicy` repeats idempotent requests with jittered exponential backoff, and any
  request refused with 429 (refused before processing, so repeating it cannot duplicate
  anything). It honours ``Retry-After`` and provider rate-limit headers up to a cap: a longer
  wait stops the run with the time to resume instead of sleeping for hours. Any other failure
  of a non-idempotent request (a create, a send) goes back to the caller, which looks the
  object up and reconciles instead of repeating blindly.
* :class:`Throttle` keeps at most N requests in any sliding window (Brevo: 100 an hour). When
  the budget is spent it says how long it waits and sleeps until the oldest request leaves the
  window; interrupting the wait is safe.
* A 2xx answer that is not the JSON the caller reads is :class:`UnexpectedAnswer`: unknown is
  never taken for empty.
* :meth:`Service.stream` opens a download; :mod:`pipeline.download` builds resumable file
  downloads on it.
"""

from __future__ import annotations

import collections
import datetime as dt
import email.utils
import html
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from pipeline import __version__
from pipeline.errors import (
    ConfigError,
    RateLimited,
    Rejected,
    RemoteError,
    TransientError,
    UnexpectedAnswer,
)

Log = Callable[[str], None]
USER_AGENT = f"newsletter-pipeline/{__version__} (+https://github.com/; httpx)"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MESSAGE_LIMIT = 300  # characters of a server's own error text kept in a message
# Headers in which providers say how long to wait, in seconds (Brevo's first).
WAIT_HEADERS = ("x-sib-ratelimit-reset", "retry-after", "x-ratelimit-reset")
AUTH_HINT = "check the API key or token and its permissions"


class Clock(Protocol):
    """Time as the boundary sees it: injectable so tests and benchmarks need not wait."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


def make_client(
    *,
    base_url: str = "",
    timeout: httpx.Timeout = TIMEOUT,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """An httpx client with the project's timeouts, user agent and redirect policy."""
    return httpx.Client(
        base_url=base_url,
        timeout=timeout,
        transport=transport,
        follow_redirects=True,
        headers={"user-agent": USER_AGENT},
    )


# ------------------------------------------------------------------ errors


def redact(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every secret (and its common encodings) replaced by ``***``."""
    for secret in secrets:
        if not secret:
            continue
        for form in {secret, repr(secret)[1:-1], secret.encode().hex()}:
            text = text.replace(form, "***")
    return text


def one_line(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """A server's text as one short line: tags dropped, entities decoded, space collapsed."""
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def wait_hint(headers: httpx.Headers, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from ``x-sib-ratelimit-reset``, ``Retry-After`` (seconds or a date)."""
    for name in WAIT_HEADERS:
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value))
        except ValueError:
            when = _http_date(value)
            if when is not None:
                return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())
    return None


def _http_date(value: str) -> dt.datetime | None:
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _server_text(response: httpx.Response) -> str:
    """The server's own explanation: a JSON message field, else the body, else the reason."""
    try:
        body = response.json()
    except ValueError:
        return response.text or response.reason_phrase
    if isinstance(body, dict):
        for key in ("message", "error", "detail"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return str(body)


def to_error(
    service: str,
    what: str,
    *,
    response: httpx.Response | None = None,
    exc: Exception | None = None,
    secrets: Sequence[str] = (),
    auth_hint: str = AUTH_HINT,
) -> RemoteError:
    """Map a failed call (an error response, or a transport exception) into the error tree."""
    if response is None:
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "connection failed"
        # httpx's own text can quote a request header: redact, then keep one short line.
        detail = one_line(redact(f"{type(exc).__name__}: {exc}", secrets), 200)
        return TransientError(f"{service}: {what} {kind} ({detail})")
    status = response.status_code
    text = one_line(redact(_server_text(response), secrets))
    message = f"{service}: {what} → HTTP {status}: {text}"
    if status == 429:
        return RateLimited(message, retry_after=wait_hint(response.headers))
    if status >= 500:
        return TransientError(message, retry_after=wait_hint(response.headers))
    if status in (401, 403):
        message += f" ({auth_hint})"
    return Rejected(message, status=status)


# ------------------------------------------------------------------ retries and rate limits


@dataclass
class RetryPolicy:
    """How often and how long to wait before repeating a request that may be repeated."""

    attempts: int = 4
    backoff: float = 1.0  # seconds before the second attempt; doubles, with jitter
    max_backoff: float = 60.0
    max_wait: float = 15 * 60.0  # the longest server-requested wait obeyed
    rng: random.Random = field(default_factory=random.Random)
    # False: a 429 goes straight back to the caller, which knows how the service counts
    # (LibreTranslate: texts per minute) and waits and resizes its batches itself.
    retry_rate_limited: bool = True

    def may_repeat(self, err: TransientError, idempotent: bool, attempt: int) -> bool:
        if isinstance(err, RateLimited) and not self.retry_rate_limited:
            return False
        return attempt < self.attempts and (idempotent or isinstance(err, RateLimited))

    def wait(self, err: TransientError, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1``; a RemoteError past the cap."""
        if err.retry_after is None:
            base = min(self.max_backoff, self.backoff * 2.0 ** (attempt - 1))
            return base * (0.5 + self.rng.random() / 2)  # "equal jitter"
        if err.retry_after > self.max_wait:
            raise RemoteError(
                f"{err.message}; the server asks to wait {duration(err.retry_after)}, longer "
                f"than the {duration(self.max_wait)} this run waits. Stopped here: run the same "
                f"command again after that time, and it resumes where it stopped."
            ) from None
        return err.retry_after


class Throttle:
    """At most ``limit`` requests in any sliding ``window`` seconds (0: no limit).

    Requests are counted even without a limit, so a limit learnt later (from a server's 429)
    starts from what this run already sent. Safe to share between threads: callers queue.
    """

    def __init__(
        self, limit: int | None, clock: Clock, log: Log, service: str = "", window: float = 3600
    ) -> None:
        self.limit = limit or 0
        self.window = window
        self.clock = clock
        self.log = log
        self.service = service
        self.sent: collections.deque[float] = collections.deque()
        self.waited = 0.0  # total seconds spent waiting, for reports and benchmarks
        self._lock = threading.Lock()

    def acquire(self, cost: int = 1) -> None:
        """Wait until ``cost`` more requests fit in the window, then count them."""
        with self._lock:
            wait = self.delay(cost)
            if wait > 0:
                self.log(
                    f"{self.service}: client-side limit of {self.limit} requests/"
                    f"{_unit(self.window)} reached; waiting {duration(wait)} before the next "
                    "request (the run continues by itself; interrupting is safe, a re-run resumes)"
                )
                self.clock.sleep(wait)
                self.waited += wait
            now = self.clock.monotonic()
            self._expire(now)
            self.sent.extend([now] * (min(cost, self.limit) if self.limit > 0 else cost))

    def delay(self, cost: int = 1) -> float:
        """Seconds until ``cost`` more requests fit in the window (0: they fit now)."""
        now = self.clock.monotonic()
        self._expire(now)
        if self.limit <= 0:
            return 0.0
        cost = min(cost, self.limit)
        if len(self.sent) + cost <= self.limit:
            return 0.0
        return max(0.0, self.sent[len(self.sent) + cost - self.limit - 1] + self.window - now)

    def refund(self, cost: int = 1) -> None:
        """Uncount the last ``cost`` requests: the service refused them before processing
        (a 429), so it did not count them either."""
        with self._lock:
            for _ in range(min(cost, len(self.sent))):
                self.sent.pop()

    def _expire(self, now: float) -> None:
        while self.sent and self.sent[0] + self.window <= now:
            self.sent.popleft()


def _unit(window: float) -> str:
    return {3600.0: "hour", 60.0: "minute"}.get(window, duration(window))


def duration(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


# ------------------------------------------------------------------ the service


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))


class Service:
    """A remote service: its name for messages, base URL, headers, throttle and retry policy."""

    def __init__(
        self,
        name: str,
        client: httpx.Client,
        base_url: str = "",
        headers: Mapping[str, str] | None = None,
        *,
        clock: Clock | None = None,
        log: Log | None = None,
        throttle: Throttle | None = None,
        policy: RetryPolicy | None = None,
        secrets: Sequence[str] = (),
        auth_hint: str = AUTH_HINT,
    ) -> None:
        self.name = name
        self.auth_hint = auth_hint
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.headers = _checked_headers(name, headers or {})
        self.clock: Clock = clock or SystemClock()
        self.log: Log = log or (lambda _message: None)
        self.throttle = throttle or Throttle(None, self.clock, self.log, name)
        self.policy = policy or RetryPolicy()
        self.secrets = tuple(s for s in secrets if s)
        self.requests = 0  # every request sent, for reports and benchmarks

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool,
        cost: int = 1,
    ) -> Any:
        """Send one request (repeated as the policy allows); the decoded JSON body, or None
        for an empty one. A body that is not JSON is an :class:`UnexpectedAnswer`."""
        response = self.request(
            method, path, params=params, json=json, idempotent=idempotent, cost=cost
        )
        if not response.content.strip():
            return None
        try:
            return response.json()
        except ValueError:
            raise self.unexpected(f"{method} {path}", "a body that is not JSON") from None

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool,
        cost: int = 1,
    ) -> httpx.Response:
        """Send one request and return its successful response (any 2xx/3xx)."""
        request = self.client.build_request(
            method, self.base_url + path, params=params, json=json, headers=self.headers
        )
        response = self._retrying(request, idempotent, cost, stream=False)
        return response

    @contextmanager
    def stream(self, url: str, headers: Mapping[str, str] | None = None) -> Iterator[Download]:
        """GET ``url`` as a stream (a download). Failures before the body are retried like
        any idempotent request; failures in the body are mapped by :meth:`Download.chunks`."""
        request = self.client.build_request("GET", url, headers={**self.headers, **(headers or {})})
        response = self._retrying(request, True, 1, stream=True)
        try:
            yield Download(self, response, f"GET {url}")
        finally:
            response.close()

    def unexpected(self, what: str, problem: str) -> UnexpectedAnswer:
        """The error for an answer the caller cannot read: unknown, never taken for empty."""
        return UnexpectedAnswer(
            f"{self.name}: {what} answered with {problem}. The state at {self.name} is "
            "unknown, so nothing more was changed; check the service (or the proxy in front "
            "of it) and run the same command again."
        )

    def _retrying(
        self, request: httpx.Request, idempotent: bool, cost: int, *, stream: bool
    ) -> httpx.Response:
        what = f"{request.method} {_shown(request, self.base_url)}"
        for attempt in range(1, self.policy.attempts + 1):
            try:
                return self._send(request, what, cost, stream)
            except TransientError as err:
                if not self.policy.may_repeat(err, idempotent, attempt):
                    raise
                wait = self.policy.wait(err, attempt)
                tries = f"{attempt}/{self.policy.attempts}"
                self.log(f"{err.message}; retrying in {duration(wait)} ({tries})")
                self.clock.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, request: httpx.Request, what: str, cost: int, stream: bool) -> httpx.Response:
        self.throttle.acquire(cost)
        self.requests += 1
        try:
            response = self.client.send(request, stream=stream)
        except httpx.TransportError as exc:
            raise to_error(self.name, what, exc=exc, secrets=self.secrets) from None
        if response.is_error:
            if stream:
                response.read()
                response.close()
            raise to_error(
                self.name, what, response=response, secrets=self.secrets, auth_hint=self.auth_hint
            )
        return response


def _shown(request: httpx.Request, base_url: str) -> str:
    """The request's path as messages show it: relative to the service's base URL."""
    url = str(request.url.copy_with(query=None))
    return url[len(base_url) :] if base_url and url.startswith(base_url) else url


@dataclass
class Download:
    """An open streamed response; :meth:`chunks` maps failures in the body to the error tree."""

    service: Service
    response: httpx.Response
    what: str
    received: int = 0

    @property
    def total(self) -> int | None:
        length = self.response.headers.get("content-length", "")
        return int(length) if length.isdigit() else None

    def chunks(self) -> Iterator[bytes]:
        """The body as it arrives (no re-chunking, so ``received`` is exact on a failure)."""
        try:
            for chunk in self.response.iter_bytes():
                self.received += len(chunk)
                yield chunk
        except httpx.TransportError as exc:
            err = to_error(self.service.name, self.what, exc=exc, secrets=self.service.secrets)
            err.details.append(f"{self.received} bytes had arrived")
            raise err from None


def _checked_headers(service: str, headers: Mapping[str, str]) -> dict[str, str]:
    """Header values with a control character are refused by name, never printed: httpx's
    own message would quote the value, which is usually a secret."""
    for name, value in headers.items():
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            raise ConfigError(
                f"{service}: the value for the {name!r} header contains a line break or a "
                "control character. Check the secret or setting it comes from (a stray "
                "newline when it was pasted?)."
            )
    return dict(headers)
