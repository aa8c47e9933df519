"""The HTTP boundary (pipeline/http.py): error mapping, retry policy, rate limits, secrets.

Every remote call of the pipeline goes through it, so these are the promises the send stage,
the LibreTranslate engine and model downloads build on. Servers are httpx.MockTransport
handlers; time is a FakeClock, so no test sleeps.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import httpx
import pytest

from pipeline.errors import (
    ConfigError,
    RateLimited,
    Rejected,
    RemoteError,
    TransientError,
    UnexpectedAnswer,
)
from pipeline.http import USER_AGENT, Service, make_client, one_line, redact, to_error, wait_hint
from pipeline.pacing import RetryPolicy, Throttle
from tests.support.send_fakebase import FakeClock

Handler = Callable[[httpx.Request], httpx.Response]


def service(handler: Handler, clock: FakeClock, **kwargs: object) -> Service:
    client = make_client(transport=httpx.MockTransport(handler))
    return Service("svc", client, "https://svc.test/v1", clock=clock, **kwargs)  # type: ignore[arg-type]


def counting(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A server answering each request with the next response (the last one repeats)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = responses[min(len(seen), len(responses)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler, seen


# -- mapping --------------------------------------------------------------------------------


def test_error_mapping() -> None:
    limited = to_error("brevo", "GET /x", response=httpx.Response(
        429, headers={"x-sib-ratelimit-reset": "17"}, json={"message": "slow down"}))  # fmt: skip
    assert isinstance(limited, RateLimited) and limited.retry_after == 17.0
    assert "slow down" in limited.message
    server = to_error("brevo", "GET /x", response=httpx.Response(503, headers={"retry-after": "5"}))
    assert isinstance(server, TransientError) and server.retry_after == 5.0
    rejected = to_error("brevo", "POST /x", response=httpx.Response(
        400, json={"code": "invalid_parameter", "message": "sender is invalid"}))  # fmt: skip
    assert isinstance(rejected, Rejected) and rejected.status == 400
    assert "sender is invalid" in rejected.message and rejected.exit_code == 2
    auth = to_error("brevo", "GET /x", response=httpx.Response(401, json={"message": "no"}))
    assert "check the API key" in auth.message
    request = httpx.Request("GET", "https://x.test/")
    timeout = to_error("brevo", "GET /x", exc=httpx.ReadTimeout("slow", request=request))
    assert isinstance(timeout, TransientError) and "timed out" in timeout.message
    assert redact("key=abc123 and abc123", ["abc123"]) == "key=*** and ***"


def test_retry_after_as_an_http_date() -> None:
    import datetime as dt

    now = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
    headers = httpx.Headers({"retry-after": "Tue, 01 Jan 2030 12:02:00 GMT"})
    assert wait_hint(headers, now) == 120.0
    assert wait_hint(httpx.Headers({"retry-after": "soon"}), now) is None


def test_a_secret_near_the_end_of_a_long_body_is_masked_before_shortening() -> None:
    key = "xkeysib-" + "9" * 40
    body = "x" * 290 + f" invalid key {key} given"
    err = to_error("brevo", "GET /x", response=httpx.Response(400, text=body), secrets=[key])
    assert "9999" not in err.message and "xkeysib" not in err.message
    assert len(err.message) < 400


def test_an_html_error_page_becomes_one_short_line() -> None:
    page = (
        "<html>\n<head><title>502 Bad Gateway</title><style>body{color:red}</style></head>\n"
        "<body>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n"
        + "<p>filler</p>\n" * 200
        + "</body>\n</html>\n"
    )
    err = to_error("lt", "POST /translate", response=httpx.Response(502, text=page))
    assert "\n" not in err.message and "<" not in err.message and "color" not in err.message
    assert "502 Bad Gateway 502 Bad Gateway nginx" in err.message and len(err.message) < 400
    assert one_line("a &amp; b\r\n c") == "a & b c"


# -- the retry policy -----------------------------------------------------------------------


def test_idempotent_requests_are_retried_with_jittered_backoff() -> None:
    clock = FakeClock()
    handler, seen = counting(httpx.Response(503), httpx.Response(502), httpx.Response(200, json=[]))
    svc = service(handler, clock, policy=RetryPolicy(rng=random.Random(7)))
    assert svc.call("GET", "/things", idempotent=True) == []
    assert len(seen) == 3 and len(clock.sleeps) == 2
    first, second = clock.sleeps
    assert 0.5 <= first <= 1.0 and 1.0 <= second <= 2.0  # base 1, 2 with equal jitter
    assert seen[0].headers["user-agent"] == USER_AGENT


def test_a_failed_create_is_never_repeated_blindly() -> None:
    for failure in (httpx.Response(500), httpx.ReadTimeout("lost")):
        clock = FakeClock()
        handler, seen = counting(failure)
        with pytest.raises(TransientError):
            service(handler, clock).call("POST", "/things", json={}, idempotent=False)
        assert len(seen) == 1 and clock.sleeps == []


def test_a_429_is_repeated_even_for_a_create_after_the_wait_it_asks() -> None:
    clock = FakeClock()
    handler, seen = counting(
        httpx.Response(429, headers={"retry-after": "42"}), httpx.Response(201, json={"id": 5})
    )
    assert service(handler, clock).call("POST", "/things", json={}, idempotent=False) == {"id": 5}
    assert len(seen) == 2 and clock.sleeps == [42.0]


def test_a_wait_beyond_the_cap_stops_with_the_time_to_resume() -> None:
    clock = FakeClock()
    handler, seen = counting(httpx.Response(429, headers={"retry-after": "7200"}))
    with pytest.raises(RemoteError) as info:
        service(handler, clock).call("GET", "/things", idempotent=True)
    assert len(seen) == 1 and clock.sleeps == []
    assert "2 h 0 min" in info.value.message and "run the same command again" in info.value.message


def test_retries_end_with_the_last_error() -> None:
    clock = FakeClock()
    handler, seen = counting(httpx.Response(503, text="down"))
    with pytest.raises(TransientError, match="HTTP 503: down"):
        service(handler, clock, policy=RetryPolicy(attempts=3)).call("GET", "/", idempotent=True)
    assert len(seen) == 3 and len(clock.sleeps) == 2


def test_an_answer_that_is_not_json_is_unknown_not_empty() -> None:
    for body in ('{"campaigns": [', "<html>maintenance</html>"):
        handler, _ = counting(httpx.Response(200, text=body))
        with pytest.raises(UnexpectedAnswer) as info:
            service(handler, FakeClock()).call("GET", "/emailCampaigns", idempotent=True)
        assert "svc: GET /emailCampaigns answered with a body that is not JSON" in str(
            info.value.message
        )
        assert info.value.exit_code == 2
    handler, _ = counting(httpx.Response(204))
    assert service(handler, FakeClock()).call("POST", "/x", idempotent=False) is None


def test_a_header_value_with_a_newline_is_refused_without_showing_it() -> None:
    key = "abc\ndef-secret"
    with pytest.raises(ConfigError) as info:
        service(lambda r: httpx.Response(200), FakeClock(), headers={"api-key": key})
    assert "'api-key' header" in info.value.message
    assert "def-secret" not in info.value.message and "abc" not in info.value.message


def test_a_transport_message_never_carries_a_secret() -> None:
    key = "sk-live-0123456789"
    boom = httpx.ConnectError(f"cannot send header api-key: {key!r}")
    handler, _ = counting(boom)
    svc = service(handler, FakeClock(), secrets=[key], policy=RetryPolicy(attempts=1))
    with pytest.raises(TransientError) as info:
        svc.call("GET", "/", idempotent=True)
    assert key not in info.value.message and "0123456789" not in info.value.message


# -- downloads ------------------------------------------------------------------------------


def test_a_download_is_retried_before_its_body_and_mapped_inside_it() -> None:
    clock = FakeClock()
    handler, seen = counting(httpx.Response(503), httpx.Response(200, content=b"x" * 100))
    svc = service(handler, clock)
    with svc.stream("https://files.test/pkg.zip") as download:
        assert b"".join(download.chunks()) == b"x" * 100 and download.total == 100
    assert len(seen) == 2 and len(clock.sleeps) == 1

    class Broken(httpx.SyncByteStream):
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield b"abc"
            raise httpx.ReadError("reset by peer")

    handler, _ = counting(httpx.Response(200, stream=Broken()))
    with pytest.raises(TransientError) as info, service(handler, clock).stream("https://f/x") as d:
        list(d.chunks())
    assert "connection failed" in info.value.message and info.value.details == [
        "3 bytes had arrived"
    ]


# -- client-side rate limits ----------------------------------------------------------------


def test_throttle_keeps_a_sliding_hour() -> None:
    clock = FakeClock()
    logs: list[str] = []
    throttle = Throttle(3, clock, logs.append, "brevo")
    for _ in range(3):
        throttle.acquire()
        clock.sleep(600)
    throttle.acquire()  # the 4th request waits until the first leaves the hour
    assert clock.t == 3600 and throttle.waited == 1800
    assert "waiting 30 min 0 s" in logs[0]


def test_throttle_counts_a_batch_by_its_cost_in_a_minute_window() -> None:
    """LibreTranslate counts a request of N texts as N against its per-minute limit."""
    clock = FakeClock()
    logs: list[str] = []
    throttle = Throttle(10, clock, logs.append, "lt", window=60)
    throttle.acquire(8)
    clock.sleep(5)
    throttle.acquire(4)  # 12 > 10: waits until the first 8 leave the minute
    assert clock.t == 60 and "10 requests/minute" in logs[0]
    throttle.acquire(25)  # more than the limit at once: counted as the whole budget
    assert len(throttle.sent) == 10
