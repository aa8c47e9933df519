"""The provider protocol and the values it speaks: a message to push and a campaign found.

Every provider (Brevo, listmonk, the outbox) maps its own campaign statuses onto the few
states the send stage reasons about (:data:`DRAFT`, :data:`SCHEDULED`, :data:`SENDING`,
:data:`SENT`, :data:`BLOCKED`), so the orchestration in ``run.py`` is provider-neutral.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Protocol

from pipeline import pacing

DRAFT = "draft"  # may be created, updated, tested
SCHEDULED = "scheduled"  # waiting for its send time at the provider
SENDING = "sending"  # the provider is sending it now
SENT = "sent"  # done
BLOCKED = "blocked"  # suspended, paused, cancelled, archived: a human must decide

DONE = frozenset({SCHEDULED, SENDING, SENT})


@dataclass(frozen=True)
class Message:
    """One language's campaign as it should exist at the provider."""

    lang: str
    name: str  # deterministic: "<slug>-<lang>"
    tag: str  # the slug: every campaign of the issue carries it
    subject: str
    preheader: str
    html: str
    text: str
    lists: tuple[int, ...]
    sender_name: str
    sender_email: str
    reply_to: str | None
    eml: bytes = b""  # the rendered MIME message (the outbox copies it)

    @property
    def digest(self) -> str:
        """A hash of everything that goes into the campaign: equal digests need no update."""
        payload = json.dumps(
            [
                self.name,
                self.subject,
                self.preheader,
                self.html,
                self.text,
                list(self.lists),
                self.sender_name,
                self.sender_email,
                self.reply_to,
            ],
            ensure_ascii=False,
        )
        return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Campaign:
    """A campaign as the provider reports it (the provider is the truth)."""

    id: str
    name: str
    state: str  # one of DRAFT, SCHEDULED, SENDING, SENT, BLOCKED
    raw_status: str  # the provider's own word, for messages
    scheduled_at: str | None = None
    test_sent: bool | None = None  # None: the provider does not say

    @property
    def age(self) -> tuple[int, str]:
        """Sort key, oldest first: both providers number campaigns in creation order."""
        return (int(self.id), self.id) if self.id.isdigit() else (2**63, self.id)


class Clock(pacing.Clock, Protocol):
    """Time as the send stage sees it: the boundary's clock, and today's date and time."""

    def now(self) -> dt.datetime: ...


class SystemClock(pacing.SystemClock):
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class Provider(Protocol):
    """A mailing provider's campaign API, reduced to the calls the send stage needs.

    ``lookup`` and ``get`` only read; ``lookup`` gives *every* campaign of each name, oldest
    first (names are meant to be unique, but two racing runs can make two). ``update`` is
    idempotent (PUT of a draft), and so is ``delete`` (of a draft; one already gone is fine).
    ``create``, ``send_test``, ``schedule`` and ``send_now`` are not: callers never repeat them
    without looking the campaign up first. An answer that is not what the API promises raises
    UnexpectedAnswer (see :mod:`pipeline.send.answers`).
    """

    name: str

    def lookup(self, names: Collection[str], tag: str) -> Mapping[str, list[Campaign]]: ...

    def get(self, campaign_id: str) -> Campaign | None: ...

    def create(self, message: Message) -> Campaign: ...

    def update(self, campaign_id: str, message: Message) -> None: ...

    def send_test(self, campaign_id: str, message: Message, emails: tuple[str, ...]) -> None: ...

    def schedule(self, campaign_id: str, message: Message, at: dt.datetime) -> None: ...

    def send_now(self, campaign_id: str, message: Message) -> None: ...

    def delete(self, campaign_id: str) -> None: ...
