"""``build/<slug>/send-ledger.json``: what the send stage did, written atomically after every step.

The ledger is a record and a hint, never the truth (the provider is): every run looks the
campaigns up before acting. It lets a re-run skip an unchanged update or a test already sent,
and lets ``newsletter due`` tell a finished issue from one to (re)send. Layout::

    {"issue": "<slug>",
     "providers": {"brevo": {"complete": false,
                              "languages": {"de": {"campaign_id": "12", "name": "<slug>-de",
                                                   "state": "scheduled", "digest": "sha256:…",
                                                   "tested_digest": null,
                                                   "scheduled_at": "2024-06-03T09:00:00+02:00",
                                                   "steps": [{"state": "created", "at": "…"}]}}}}}

``state`` is one of created, updated, tested, scheduled, sent. ``complete`` is true once a run
(not a dry run) has left every language it was asked to send scheduled or sent. Secrets are
never written here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.store import read_json_checked, write_json

STATES = ("created", "updated", "tested", "scheduled", "sent")
FINAL = frozenset({"scheduled", "sent"})


@dataclass
class Ledger:
    path: Path
    issue: str
    provider: str
    data: dict[str, Any] = field(default_factory=dict)
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)

    @classmethod
    def load(cls, path: Path, issue: str, provider: str) -> Ledger:
        data = read_ledger(path)
        return cls(path, issue, provider, data or {"issue": issue, "providers": {}})

    @property
    def section(self) -> dict[str, Any]:
        providers: dict[str, Any] = self.data.setdefault("providers", {})
        section: dict[str, Any] = providers.setdefault(
            self.provider, {"complete": False, "languages": {}}
        )
        return section

    def entry(self, lang: str) -> dict[str, Any]:
        languages: dict[str, Any] = self.section.setdefault("languages", {})
        entry: dict[str, Any] = languages.setdefault(lang, {})
        return entry

    def get(self, lang: str, key: str) -> Any:
        return self.section.get("languages", {}).get(lang, {}).get(key)

    def step(self, lang: str, state: str, campaign_id: str, name: str, **extra: Any) -> None:
        """Record one step for a language and write the ledger at once."""
        if state not in STATES:  # a programming error, kept out of the ledger even under -O
            raise ValueError(f"unknown ledger state {state!r}; expected one of {sorted(STATES)}")
        entry = self.entry(lang)
        entry.update({"campaign_id": campaign_id, "name": name, "state": state, **extra})
        step: dict[str, Any] = {"state": state, "at": self.now().isoformat(timespec="seconds")}
        if extra.get("note"):
            step["note"] = extra["note"]
        entry.setdefault("steps", []).append(step)
        entry.pop("note", None)
        self.section["complete"] = False
        self.save()

    def finish(self, complete: bool) -> None:
        self.section["complete"] = complete
        self.save()

    def save(self) -> None:
        self.data["issue"] = self.issue
        write_json(self.path, self.data)


# Why the advice is careful: the ledger is what lets a re-run skip a test already sent, and
# what tells `newsletter due` an issue is done; the provider's campaigns are the truth.
_FIX = (
    "It is only a record of what the send stage did. Check the issue's campaigns at the provider "
    "first (newsletter send ISSUE_DIR --dry-run with the provider's secret set lists them, or "
    "look in the provider's UI), then move the file aside and re-run: campaigns are found by "
    "name, so nothing already scheduled or sent goes out again (test sends may repeat)."
)


def read_ledger(path: Path) -> dict[str, Any] | None:
    """The ledger's data (None when there is none yet). A corrupt ledger is a ConfigError."""
    if not path.is_file():
        if path.exists() or path.is_symlink():
            raise ConfigError(
                f"{path}: not a file (a folder?), so whether this issue went out is unknown. "
                + _FIX
            )
        return None
    data: dict[str, Any] = read_json_checked(
        path, kind="a send ledger", problem=_shape_problem, fix=_FIX
    )
    return data


def _shape_problem(data: Any) -> str | None:
    """What breaks the layout in the module docstring, or None."""
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__} instead of an object"
    providers = data.get("providers", {})
    if not isinstance(providers, dict):
        return '"providers" is not an object'
    for name, section in providers.items():
        if not isinstance(section, dict):
            return f'"providers.{name}" is not an object'
        languages = section.get("languages", {})
        if not isinstance(languages, dict) or not all(
            isinstance(entry, dict) for entry in languages.values()
        ):
            return f'"providers.{name}.languages" is not an object of objects'
        for lang, entry in languages.items():
            if not isinstance(entry.get("steps", []), list):
                return f'"providers.{name}.languages.{lang}.steps" is not a list'
    return None


def is_complete(path: Path) -> bool:
    """True when a real provider's section of the ledger is complete (the outbox never counts).

    Raises ConfigError for a corrupt ledger: whether the issue was sent is then unknown.
    """
    data = read_ledger(path)
    if data is None:
        return False
    providers: dict[str, Any] = data.get("providers") or {}
    return any(
        bool(section.get("complete")) for name, section in providers.items() if name != "outbox"
    )
