"""``newsletter due``: which issues the monthly job should send.

An issue folder ``<issues>/<slug>/`` is **due** on ``today`` (a UTC date) when both hold:

1. the UTC date of its ``send_at`` lies in ``[today - max_age, today + ahead]`` (defaults:
   ``ahead`` 0, so "today or past"; ``max_age`` 31 days, so an issue abandoned long ago is
   not picked up again by every run);
2. its ledger ``<root>/build/<slug>/send-ledger.json`` is not complete: there is none, or no
   provider other than the outbox has a run that left every language scheduled or sent
   (a crashed or partial run leaves it incomplete, so the next job resumes it).

An issue whose ``issue.toml`` does not load is reported on stderr and skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from pipeline.config import load_issue
from pipeline.errors import ConfigError
from pipeline.send.ledger import is_complete
from pipeline.store import IssuePaths


def due_issues(
    issues_dir: Path,
    today: dt.date,
    *,
    ahead: int = 0,
    max_age: int = 31,
    warn: Callable[[str], None] = lambda _: None,
) -> list[str]:
    """The slugs of the due issues under ``issues_dir``, oldest first."""
    if not issues_dir.is_dir():
        raise ConfigError(f"{issues_dir}: no such folder. Pass --issues DIR (default ./issues).")
    slugs = []
    for toml in sorted(issues_dir.glob("*/issue.toml")):
        try:
            config = load_issue(toml)
        except ConfigError as err:
            warn(f"{toml}: skipped ({err.message})")
            continue
        day = config.send_at.astimezone(dt.UTC).date()
        in_window = today - dt.timedelta(days=max_age) <= day <= today + dt.timedelta(days=ahead)
        if in_window and not is_complete(IssuePaths.for_issue(toml.parent).send_ledger):
            slugs.append(toml.parent.name)
    return slugs
