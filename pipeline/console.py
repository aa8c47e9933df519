"""What the commands tell a person on stderr, and how much: quiet, normal or verbose.

A build prints one line per stage and a final table; the details (every language's progress,
every screenshot, the long reasons) are for ``--verbose`` and stay in report.json and the
preview anyway. ``--quiet`` leaves only what asks for action: warnings and errors.

- :func:`say`: a stage line or a table row (normal and verbose);
- :func:`detail`: progress and reasons (verbose only);
- :func:`warn`: something a person should act on (always, as ``warning: …``).

The level is set once per command (:func:`at_level`); stages call these functions instead of
``print`` so they need no option threaded through.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

Level = Literal["quiet", "normal", "verbose"]
_LEVELS: tuple[Level, ...] = ("quiet", "normal", "verbose")
_level: Level = "normal"


def set_level(level: Level) -> None:
    global _level
    if level not in _LEVELS:
        raise ValueError(f"unknown console level {level!r}")
    _level = level


@contextmanager
def at_level(chosen: Level) -> Iterator[None]:
    """``chosen`` for the duration of one command; the previous level afterwards."""
    previous = _level
    set_level(chosen)
    try:
        yield
    finally:
        set_level(previous)


def level() -> Level:
    return _level


def is_verbose() -> bool:
    return _level == "verbose"


def say(message: str) -> None:
    if _level != "quiet":
        _print(message)


def detail(message: str) -> None:
    if _level == "verbose":
        _print(message)


def warn(message: str) -> None:
    _print(f"warning: {message}")


def _print(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
