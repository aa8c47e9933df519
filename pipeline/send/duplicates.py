"""The duplicate rule: which campaign of a name the send stage works on, and what it deletes.

Names (``<slug>-<lang>``) are meant to be unique, but two runs racing on different machines, or
a create whose answer was lost and then wrongly looked up, can leave two campaigns of one name.
The rule never picks one at random:

* more than one is scheduled, sending or sent: a :class:`Conflict`; the run stops with their ids
  and the fix (a human must cancel all but one; one already sent cannot be undone);
* exactly one is scheduled, sending or sent: that one; the drafts beside it are deleted;
* none is: the oldest (lowest id: both providers number campaigns in creation order) of the
  blocked ones (the run then stops with the fix), else of the drafts; the other drafts are
  deleted. Every run applies the same rule, so two racing runs keep the same campaign.

Drafts are harmless to delete: nothing was sent from them and a re-run creates what is missing.
A blocked campaign (suspended, paused, cancelled, archived) is never deleted: a human decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.send.base import BLOCKED, DONE, DRAFT, Campaign


@dataclass(frozen=True)
class Settled:
    """The outcome of the rule for one name."""

    campaign: Campaign | None  # the one to work on; None: none exists (or a conflict)
    drop: tuple[Campaign, ...] = ()  # duplicate drafts to delete
    conflict: tuple[Campaign, ...] = ()  # more than one scheduled or sent: stop


def settle(matches: Sequence[Campaign]) -> Settled:
    """Apply the rule to every campaign found under one name."""
    ordered = sorted(matches, key=lambda c: c.age)
    done = [c for c in ordered if c.state in DONE]
    if len(done) > 1:
        return Settled(None, conflict=tuple(done))
    blocked = [c for c in ordered if c.state == BLOCKED]
    drafts = [c for c in ordered if c.state == DRAFT]
    candidates = done or blocked or drafts
    keep = candidates[0] if candidates else None
    return Settled(keep, drop=tuple(d for d in drafts if d is not keep))


def describe(campaigns: Sequence[Campaign]) -> str:
    """``#5 (queued), #7 (sent)`` for messages."""
    return ", ".join(f"#{c.id} ({c.raw_status})" for c in campaigns)


def conflict_problem(lang: str, name: str, provider: str, conflict: Sequence[Campaign]) -> str:
    return (
        f"{lang}: {len(conflict)} campaigns named '{name}' are scheduled or sent at {provider}: "
        f"{describe(conflict)}. Recipients would get it twice: in {provider}, cancel or delete "
        "all but one that has not gone out yet (a sent one cannot be undone), then re-run."
    )
