"""When a request may go: the retry policy, client-side rate limits and the clock they read.

Part of the HTTP boundary (:mod:`pipeline.http`), apart so each stays readable:

* :class:`RetryPolicy` repeats idempotent requests with jittered exponential backoff, and any
  request refused with 429 (refused before processing, so repeating it cannot duplicate
  anything). It honours ``Retry-After`` and provider rate-limit headers up to a cap: a longer
  wait stops the run with the time to resume instead of sleeping for hours.
* :class:`Throttle` keeps at most N requests in any sliding window (Brevo: 100 an hour;
  LibreTranslate counts texts per minute, so a request may cost N). When the budget is spent
  it says how long it waits and sleeps until the oldest request leaves the window;
  interrupting the wait is safe.
* :class:`Clock` is injectable, so tests and benchmarks never really wait.
"""

from __future__ import annotations

import collections
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from pipeline.errors import RateLimited, RemoteError, TransientError

Log = Callable[[str], None]


class Clock(Protocol):
    """Time as the boundary sees it: injectable so tests and benchmarks need not wait."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))


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
    if seconds < 9.95:  # a short backoff: "0.4 s", not "0 s"
        return f"{seconds:.1f} s".replace(".0 s", " s")
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"
