"""The HTTP boundary of every provider: one error mapping, retries for safe calls, a throttle.

* :func:`to_error` is the one place HTTP failures become pipeline errors: 429, 5xx, timeouts
  and dropped connections are :class:`TransientProviderError` (a 429 is the narrower
  :class:`RateLimited`, with ``retry_after`` from ``Retry-After`` or Brevo's
  ``x-sib-ratelimit-reset``, in seconds); any other 4xx is a :class:`RejectedProviderError`
  carrying the provider's own message.
* :class:`ApiClient` retries with backoff only idempotent calls (GET, PUT of a draft) and
  429s (refused before any processing, so repeating them cannot duplicate anything). Any other
  failure of a create or a send is raised to the caller, which looks the campaign up and
  reconciles instead of repeating blindly.
* :class:`Throttle` keeps at most N requests in any sliding hour. When the budget is spent it
  logs how long it waits and sleeps until the oldest request leaves the window; the run then
  continues by itself. Interrupting the wait is safe: the ledger and the look-ups make the
  next run resume where this one stopped.

The ``httpx.Client`` is injected (tests pass one with an ``httpx.MockTransport``). Secrets
are redacted from every message this module builds.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from pipeline.errors import ProviderError, RejectedProviderError, TransientProviderError
from pipeline.send.base import Clock

Log = Callable[[str], None]
HOUR = 3600.0
MAX_BACKOFF = 60.0


class RateLimited(TransientProviderError):
    """HTTP 429: the provider refused the request before processing it."""


class Rejected(RejectedProviderError):
    """A 4xx other than 429, with its status (404 means "no such campaign" to look-ups)."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


def redact(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait, from ``x-sib-ratelimit-reset`` (Brevo) or ``Retry-After``."""
    for name in ("x-sib-ratelimit-reset", "retry-after"):
        value = headers.get(name)
        if value is not None:
            try:
                return max(0.0, float(value))
            except ValueError:
                continue
    return None


def _provider_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason_phrase
    if isinstance(body, dict):
        for key in ("message", "error", "detail"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return str(body)[:300]


def to_error(
    provider: str,
    what: str,
    *,
    response: httpx.Response | None = None,
    exc: Exception | None = None,
    secrets: Sequence[str] = (),
) -> ProviderError:
    """Map a failed call (a response with an error status, or a transport exception)."""
    if response is None:
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "connection failed"
        text = f"{provider}: {what} {kind} ({type(exc).__name__}: {exc})"
        return TransientProviderError(redact(text, secrets))
    status = response.status_code
    message = redact(f"{provider}: {what} → HTTP {status}: {_provider_message(response)}", secrets)
    if status == 429:
        return RateLimited(message, retry_after=retry_after(response.headers))
    if status >= 500:
        return TransientProviderError(message, retry_after=retry_after(response.headers))
    if status in (401, 403):
        message += " (check the API key or token and its permissions)"
    return Rejected(message, status=status)


class Throttle:
    """At most ``per_hour`` requests in any sliding hour (``None`` or 0: no limit)."""

    def __init__(self, per_hour: int | None, clock: Clock, log: Log, provider: str = "") -> None:
        self.per_hour = per_hour or 0
        self.clock = clock
        self.log = log
        self.provider = provider
        self.sent: collections.deque[float] = collections.deque()
        self.waited = 0.0  # total seconds spent waiting, for reports and benchmarks

    def acquire(self) -> None:
        if self.per_hour <= 0:
            return
        now = self.clock.monotonic()
        self._expire(now)
        if len(self.sent) >= self.per_hour:
            wait = self.sent[0] + HOUR - now
            self.log(
                f"{self.provider}: client-side limit of {self.per_hour} requests/hour reached; "
                f"waiting {_duration(wait)} before the next request (the run continues by "
                "itself; interrupting is safe, a re-run resumes)"
            )
            self.clock.sleep(wait)
            self.waited += wait
            now = self.clock.monotonic()
            self._expire(now)
        self.sent.append(now)

    def _expire(self, now: float) -> None:
        while self.sent and self.sent[0] + HOUR <= now:
            self.sent.popleft()


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


class ApiClient:
    """A provider's base URL, auth headers, throttle and retry policy around an httpx.Client."""

    def __init__(
        self,
        provider: str,
        client: httpx.Client,
        base_url: str,
        headers: Mapping[str, str],
        *,
        clock: Clock,
        log: Log,
        throttle: Throttle | None = None,
        secrets: Sequence[str] = (),
        attempts: int = 4,
    ) -> None:
        self.provider = provider
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers)
        self.clock = clock
        self.log = log
        self.throttle = throttle or Throttle(None, clock, log, provider)
        self.secrets = tuple(secrets)
        self.attempts = attempts
        self.requests = 0  # every request sent, for reports and benchmarks

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool,
    ) -> Any:
        """Send one request; return the decoded JSON body (None when empty)."""
        what = f"{method} {path}"
        for attempt in range(1, self.attempts + 1):
            try:
                return self._once(method, path, params, json, what)
            except TransientProviderError as err:
                repeatable = idempotent or isinstance(err, RateLimited)
                if not repeatable or attempt == self.attempts:
                    raise
                wait = err.retry_after if err.retry_after is not None else _backoff(attempt)
                tries = f"{attempt}/{self.attempts}"
                self.log(f"{err.message}; retrying in {_duration(wait)} ({tries})")
                self.clock.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(
        self, method: str, path: str, params: Mapping[str, Any] | None, body: Any, what: str
    ) -> Any:
        self.throttle.acquire()
        self.requests += 1
        try:
            response = self.client.request(
                method, self.base_url + path, params=params, json=body, headers=self.headers
            )
        except httpx.TransportError as exc:
            raise to_error(self.provider, what, exc=exc, secrets=self.secrets) from None
        if response.is_error:
            raise to_error(self.provider, what, response=response, secrets=self.secrets)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return None


def _backoff(attempt: int) -> float:
    return float(min(MAX_BACKOFF, 2 ** (attempt - 1)))
