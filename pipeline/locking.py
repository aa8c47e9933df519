"""An exclusive lock on a file, so two runs of one command on one machine never interleave.

:func:`exclusive` takes ``fcntl.flock`` on a lock file (created if needed, never replaced or
removed: a lock lives on the file's inode). The kernel releases it when the holder exits,
however it exits (a crash, ``kill -9``), so a lock can never be left behind. The holder writes
its pid, host and start time into the file; a second run waits up to ``wait`` seconds, then
stops with :class:`~pipeline.errors.Busy` naming them.

flock works between processes of one machine; on a network file system it may not hold across
machines (runs on different machines rely on the send stage's look-ups instead).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from pipeline.errors import Busy

POLL = 0.2  # seconds between tries while another run holds the lock


def _holder(handle: int) -> str:
    """Who holds the lock, as its file says (it may be empty for a moment after a take-over)."""
    try:
        raw = os.pread(handle, 4096, 0).decode("utf-8", "replace")
        info = json.loads(raw)
        return f"pid {info['pid']} on {info['host']}, started {info['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "a process that has not said who it is"


def _claim(handle: int, what: str) -> None:
    info = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds"),
        "what": what,
    }
    data = (json.dumps(info) + "\n").encode()
    os.ftruncate(handle, 0)
    os.pwrite(handle, data, 0)


@contextlib.contextmanager
def exclusive(
    path: Path,
    *,
    what: str,
    wait: float,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] = lambda _: None,
) -> Iterator[None]:
    """Hold ``path``'s lock for the ``with`` block; wait at most ``wait`` seconds for it."""
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(handle, path, what, wait, sleep, log)
        _claim(handle, what)
        yield
    finally:
        os.close(handle)  # closing releases the lock (and so does the process dying)


def _acquire(
    handle: int,
    path: Path,
    what: str,
    wait: float,
    sleep: Callable[[float], None],
    log: Callable[[str], None],
) -> None:
    deadline = time.monotonic() + wait
    said = False
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        if time.monotonic() >= deadline:
            raise Busy(
                f"{what} is already running ({_holder(handle)}; lock {path}). Wait for it to "
                "finish, or stop that process, then run the same command again (it resumes)."
            )
        if not said:
            log(f"note: waiting up to {wait:g} s for another {what} ({_holder(handle)})")
            said = True
        sleep(POLL)
