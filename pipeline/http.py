"""The one HTTP boundary: clients, error mapping, retries and rate limits for every remote call.

Mailing providers (send), the LibreTranslate engine and model downloads all go through here,
in the manner of httpx's transports: the ``httpx.Client`` is built by :func:`make_client` (or
injected: tests hand in one with an ``httpx.MockTransport``) and wrapped in a :class:`Service`.

* :func:`to_error` is the one place HTTP failures become pipeline errors (see
  :mod:`pipeline.errors`): 429 is :class:`RateLimited`, 5xx, timeouts and dropped connections
  are :class:`TransientError`, any other 4xx is :class:`Rejected` with its status. Messages are
  one line, name the service and the request, never hold a header value, and are redacted of
  every secret *before* anything is shortened.
* :class:`~pipeline.pacing.RetryPolicy` (in :mod:`pipeline.pacing`, with the
  :class:`~pipeline.pacing.Throttle` of client-side rate limits) decides what is repeated and
  how long to wait. Any other failure of a non-idempotent request (a create, a send) goes
  back to the caller, which looks the object up and reconciles instead of repeating blindly.
* A 2xx answer that is not the JSON the caller reads is :class:`UnexpectedAnswer`: unknown is
  never taken for empty.
* :meth:`Service.stream` opens a download; :mod:`pipeline.download` builds resumable file
  downloads on it.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

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
from pipeline.pacing import Clock, Log, RetryPolicy, SystemClock, Throttle, duration

USER_AGENT = f"newsletter-pipeline/{__version__} (+https://github.com/; httpx)"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MESSAGE_LIMIT = 300  # characters of a server's own error text kept in a message
# Headers in which providers say how long to wait, in seconds (Brevo's first).
WAIT_HEADERS = ("x-sib-ratelimit-reset", "retry-after", "x-ratelimit-reset")
AUTH_HINT = "check the API key or token and its permissions"


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


# ------------------------------------------------------------------ the service


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
