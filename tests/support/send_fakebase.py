"""The common part of the fake providers: simulated time, OpenAPI validation, faults, a server.

``FakeBase.handler`` validates every request against the provider's OpenAPI spec in
``../shared/specs`` (openapi-core, the OpenAPI object built once per session), checks auth,
injects faults and records every call; subclasses route the request. ``serve(handler)`` runs
the same handler behind a real loopback HTTP server.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import http.server
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx

SPECS = Path(__file__).resolve().parents[2] / ".." / "shared" / "specs"
BREVO_KEY = "xkeysib-FAKE-SECRET-0123456789abcdef"
LISTMONK_USER, LISTMONK_TOKEN = "newsletter-api", "FAKE-LISTMONK-TOKEN-9876"


class SimulatedCrash(RuntimeError):
    """Raised by a fake to stand for the sending process dying mid-run."""


class FakeClock:
    """Simulated time: sleeping advances it at once."""

    def __init__(self, start: str = "2030-05-30T08:00:00+00:00") -> None:
        self.start = dt.datetime.fromisoformat(start)
        self.t = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += max(0.0, seconds)

    def now(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=self.t)


# -- OpenAPI validation ------------------------------------------------------------------------


def specs_available() -> bool:
    return (SPECS / "brevo-openapi.yml").is_file() and (SPECS / "listmonk-openapi.yaml").is_file()


@functools.cache
def openapi(name: str) -> Any:
    """Build the OpenAPI object once per test session (about a second each)."""
    import yaml
    from openapi_core import OpenAPI

    file, server = {
        "brevo": ("brevo-openapi.yml", "/v3"),
        "listmonk": ("listmonk-openapi.yaml", "/api"),
    }[name]
    spec = yaml.safe_load((SPECS / file).read_text(encoding="utf-8"))
    spec["servers"] = [{"url": server}]
    return OpenAPI.from_dict(spec)


@functools.lru_cache(maxsize=8192)
def _spec_problem(
    spec_name: str, method: str, url: str, content: bytes, headers: tuple[tuple[str, str], ...]
) -> str | None:
    """What is wrong with a request by the provider's spec, or None. Remembered: random fault
    schedules repeat the same requests many times, and openapi-core takes milliseconds."""
    from openapi_core.exceptions import OpenAPIError

    request = httpx.Request(method, url, content=content, headers=dict(headers))
    try:
        openapi(spec_name).validate_request(HttpxOpenAPIRequest(request))
    except OpenAPIError as exc:
        return f"{method} {request.url.path}: {exc!r} {getattr(exc, '__cause__', '')!r}"
    return None


class HttpxOpenAPIRequest:
    """openapi-core's request protocol over an ``httpx.Request``."""

    def __init__(self, request: httpx.Request) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.request = request
        query = parse_qsl(request.url.query.decode(), keep_blank_values=True)
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(query),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )

    @property
    def host_url(self) -> str:
        return f"{self.request.url.scheme}://{self.request.url.netloc.decode()}"

    @property
    def path(self) -> str:
        return self.request.url.path

    @property
    def method(self) -> str:
        return self.request.method.lower()

    @property
    def body(self) -> bytes | None:
        return self.request.content or None

    @property
    def content_type(self) -> str:
        return str(self.request.headers.get("content-type", ""))


# -- faults ------------------------------------------------------------------------------------


# Faults that strike before the server does the work, and after it (the work is done, the
# answer is lost, garbled or never read).
BEFORE = ("429", "500", "timeout", "drop", "crash")
AFTER = ("timeout-after", "drop-after", "502-after", "crash-after", "garbage", "null")


@dataclass
class Fault:
    """Apply ``kind`` to matching requests number ``skip + 1`` … ``skip + times``.

    kinds before the work: "429" (with the provider's reset header), "500", "timeout"
    (ReadTimeout), "drop" (the connection drops), "crash" (SimulatedCrash: the sending process
    dies). After the work: "timeout-after", "drop-after", "502-after" (a gateway error),
    "crash-after" (the process dies before it reads the answer), "garbage" (a 2xx answer cut
    off mid-JSON), "null" (a 2xx answer whose first field, or whole body, is null).
    """

    method: str
    path: str  # a regular expression matched against the path
    kind: str
    times: int = 1
    skip: int = 0
    seen: int = 0
    reset: float = 30.0

    def matches(self, request: httpx.Request) -> bool:
        if request.method != self.method or not re.fullmatch(self.path, request.url.path):
            return False
        self.seen += 1
        return self.skip < self.seen <= self.skip + self.times


@dataclass
class FakeBase:
    validate: bool = True
    faults: list[Fault] = field(default_factory=list)
    # drawn per request (random fault schedules): a Fault to apply, or None
    chaos: Callable[[httpx.Request], Fault | None] | None = None
    # called first for every request (a scheduler that interleaves two runs)
    before: Callable[[httpx.Request], None] | None = None
    calls: list[tuple[str, str]] = field(default_factory=list)
    campaigns: dict[int, dict[str, Any]] = field(default_factory=dict)
    deleted: dict[int, dict[str, Any]] = field(default_factory=dict)  # as they were deleted
    tests: list[tuple[int, list[str]]] = field(default_factory=list)
    deliveries: list[int] = field(default_factory=list)  # one entry per schedule or send
    violations: list[str] = field(default_factory=list)
    next_id: int = 1
    clock: FakeClock | None = None
    latency: Callable[[], float] | None = None
    spec_name: str = ""

    def handler(self, request: httpx.Request) -> httpx.Response:
        request.read()
        if self.before is not None:
            self.before(request)
        self.calls.append((request.method, request.url.path))
        if self.latency is not None and self.clock is not None:
            self.clock.sleep(self.latency())
        if self.validate:
            self._validate(request)
        denied = self.auth(request)
        if denied is not None:
            return denied
        fault = next((f for f in self.faults if f.matches(request)), None)
        if fault is None and self.chaos is not None:
            fault = self.chaos(request)
        if fault is not None and fault.kind in BEFORE:
            return self._fail_before(fault, request)
        response = self.route(request)
        return self._fail_after(fault, request, response) if fault is not None else response

    def _fail_before(self, fault: Fault, request: httpx.Request) -> httpx.Response:
        if fault.kind == "crash":
            raise SimulatedCrash(f"simulated crash at {request.method} {request.url.path}")
        if fault.kind == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if fault.kind == "drop":
            raise httpx.ConnectError("Connection reset by peer", request=request)
        if fault.kind == "429":
            return httpx.Response(
                429,
                json={"code": "too_many_requests", "message": "Too many requests"},
                headers=self.rate_limit_headers(fault.reset),
            )
        # A careless upstream echoes the request's credentials: they must never get further.
        echo = f"Internal error (request credentials: {_credentials(request)})"
        return httpx.Response(500, json={"code": "internal_error", "message": echo})

    def rate_limit_headers(self, reset: float) -> dict[str, str]:
        """What a 429 carries; Brevo's own header (listmonk's fake overrides: Retry-After)."""
        return {"x-sib-ratelimit-reset": str(int(reset)), "x-sib-ratelimit-limit": "100"}

    def _fail_after(
        self, fault: Fault, request: httpx.Request, response: httpx.Response
    ) -> httpx.Response:
        """The work is done (or refused); what reaches the client is lost or garbled."""
        where = f"{request.method} {request.url.path}"
        if fault.kind == "crash-after":
            raise SimulatedCrash(f"simulated crash after {where} was done")
        if fault.kind == "timeout-after":
            raise httpx.ReadTimeout("timed out", request=request)
        if fault.kind == "drop-after":
            raise httpx.RemoteProtocolError("Server disconnected", request=request)
        if fault.kind == "502-after":
            page = f"<html><body><h1>502 Bad Gateway</h1><!-- {_credentials(request)} -->"
            return httpx.Response(502, text=page + "</body></html>")
        if not response.is_success:
            return response
        if fault.kind == "garbage":
            body = response.content or b'{"id": 1}'
            return httpx.Response(200, content=body[: max(1, len(body) // 2)])
        return httpx.Response(200, json=_nulled(response))  # "null"

    def _validate(self, request: httpx.Request) -> None:
        headers = tuple(sorted(request.headers.items()))
        problem = _spec_problem(
            self.spec_name, request.method, str(request.url), request.content, headers
        )
        if problem is not None:
            self.violations.append(problem)
            raise AssertionError(f"request violates the {self.spec_name} spec: {problem}")

    def auth(self, request: httpx.Request) -> httpx.Response | None:
        raise NotImplementedError

    def route(self, request: httpx.Request) -> httpx.Response:
        raise NotImplementedError

    # -- counting ------------------------------------------------------------------------------

    def by_name(self) -> dict[str, list[int]]:
        names: dict[str, list[int]] = {}
        for cid, campaign in self.campaigns.items():
            names.setdefault(campaign["name"], []).append(cid)
        return names

    def name_of(self, cid: int) -> str:
        return str((self.campaigns.get(cid) or self.deleted[cid])["name"])

    def deliveries_by_name(self) -> dict[str, list[int]]:
        """Every schedule or send-now, by campaign name (deleted campaigns included)."""
        names: dict[str, list[int]] = {}
        for cid in self.deliveries:
            names.setdefault(self.name_of(cid), []).append(cid)
        return names

    def done_states(self) -> frozenset[str]:
        raise NotImplementedError

    def sent_twice(self) -> list[str]:
        """What breaks "never twice": a name with more than one delivery, or with more than
        one campaign scheduled or sent, or a deleted campaign that was not a draft."""
        problems = [
            f"{name}: {len(ids)} deliveries (#{', #'.join(map(str, ids))})"
            for name, ids in self.deliveries_by_name().items()
            if len(ids) > 1
        ]
        done: dict[str, list[int]] = {}
        for cid, campaign in self.campaigns.items():
            if campaign["status"] in self.done_states():
                done.setdefault(campaign["name"], []).append(cid)
        problems += [
            f"{n}: {len(ids)} scheduled or sent" for n, ids in done.items() if len(ids) > 1
        ]
        problems += [
            f"#{cid} deleted while {c['status']}"
            for cid, c in self.deleted.items()
            if c["status"] != "draft"
        ]
        return problems

    def delete(self, cid: int) -> httpx.Response | None:
        """Remove a campaign (kept in ``deleted``); None when there is none of that id."""
        campaign = self.campaigns.pop(cid, None)
        if campaign is None:
            return None
        self.deleted[cid] = dict(campaign)
        return httpx.Response(204)

    def duplicates(self) -> list[str]:
        twice = [n for n, ids in self.by_name().items() if len(ids) > 1]
        return twice + [
            f"delivery of #{c}" for c in set(self.deliveries) if self.deliveries.count(c) > 1
        ]

    def mutating_calls(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if c[0] != "GET"]


def json_body(request: httpx.Request) -> Any:
    return json.loads(request.content or b"null")


def _credentials(request: httpx.Request) -> str:
    return request.headers.get("api-key") or request.headers.get("authorization") or ""


def _nulled(response: httpx.Response) -> Any:
    """The answer with its first field null (``{"campaigns": null, …}``), or just null."""
    if not response.content:
        return None
    body = response.json()
    if isinstance(body, dict) and body:
        return {**body, next(iter(body)): None}
    return None


# -- a real loopback server around a handler -----------------------------------------------------


@contextlib.contextmanager
def serve(handler: Callable[[httpx.Request], httpx.Response]) -> Iterator[str]:
    """Serve ``handler`` on 127.0.0.1 (ephemeral port); yield the base URL."""
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            url = f"http://{self.headers.get('host')}{self.path}"
            request = httpx.Request(self.command, url, headers=dict(self.headers), content=body)
            with lock:
                try:
                    response = handler(request)
                except Exception as exc:  # a fault or a spec violation: answer 599 loudly
                    response = httpx.Response(599, json={"message": repr(exc)})
            try:
                self.send_response(response.status_code)
                for key, value in response.headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(key, value)
                self.send_header("content-length", str(len(response.content)))
                self.end_headers()
                self.wfile.write(response.content)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client was killed while the server worked: nobody reads the answer

        do_GET = do_POST = do_PUT = do_DELETE = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
