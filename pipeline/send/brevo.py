"""Brevo (API v3) email campaigns: look up, create, update, test, schedule, send now, delete.

* Auth: header ``api-key`` from ``BREVO_API_KEY``; base URL ``BREVO_API_URL`` (default
  ``https://api.brevo.com/v3``).
* Brevo has no look-up by name: :meth:`Brevo.lookup` pages ``GET /emailCampaigns`` (100 a
  page, HTML excluded) and keeps every campaign with a wanted name (and the issue's tag).
* Campaigns are created as drafts (no ``scheduledAt``); scheduling is a ``PUT`` of
  ``scheduledAt`` (ISO 8601 with the offset from issue.toml), which turns the draft into a
  ``queued`` campaign; sending now is ``POST /emailCampaigns/{id}/sendNow``.
* Brevo builds the plain-text part itself; ``previewText`` carries the preheader.
* Status mapping: draft → draft; queued → scheduled; inProcess (``in_process`` in the spec's
  answer enum) → sending; sent → sent; anything else (suspended, archive, …) → blocked.
* Every answer is read against the spec (:mod:`pipeline.send.answers`): a listing without a
  ``campaigns`` list (unless ``count`` is 0) or with a ``count`` that is not a number, a
  campaign without an integer ``id``, a string ``name`` or ``status``, a create answer without
  an integer ``id`` is unknown, never empty. Paging stops at a short page or at ``count``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

from pipeline.http import Service
from pipeline.send.answers import Answer, read, unless_gone
from pipeline.send.base import BLOCKED, DRAFT, SCHEDULED, SENDING, SENT, Campaign, Message

DEFAULT_URL = "https://api.brevo.com/v3"
PAGE = 100
_STATES = {
    "draft": DRAFT,
    "queued": SCHEDULED,
    "inProcess": SENDING,
    "in_process": SENDING,
    "sent": SENT,
}


def _campaign(answer: Answer, item: Mapping[str, Any]) -> Campaign:
    """A campaign object of a listing or a get (getCampaignOverview: id, name, status)."""
    status = answer.text("status", item)
    return Campaign(
        id=str(answer.integer("id", item)),
        name=answer.text("name", item),
        state=_STATES.get(status, BLOCKED),
        raw_status=status,
        scheduled_at=answer.optional_text("scheduledAt", item),
        test_sent=answer.optional_flag("testSent", item),
    )


class Brevo:
    name = "brevo"

    def __init__(self, api: Service) -> None:
        self.api = api

    def lookup(self, names: Collection[str], tag: str) -> Mapping[str, list[Campaign]]:
        wanted = set(names)
        found: dict[str, list[Campaign]] = {}
        offset = 0
        while True:
            params = {"limit": PAGE, "offset": offset, "excludeHtmlContent": "true"}
            answer = read(self.api, "GET", "/emailCampaigns", params=params, idempotent=True)
            body = answer.obj()
            count = answer.integer("count", body) if "count" in body else None
            if count == 0 and "campaigns" not in body:
                return found  # the one way to say "none": an explicit count of 0
            items = answer.items("campaigns")
            for item in items:
                campaign = _campaign(answer, item)
                if campaign.name in wanted and answer.optional_text("tag", item) in (tag, None):
                    found.setdefault(campaign.name, []).append(campaign)
            offset += len(items)
            if len(items) < PAGE or (count is not None and offset >= count):
                return {name: sorted(c, key=lambda x: x.age) for name, c in found.items()}

    def get(self, campaign_id: str) -> Campaign | None:
        path = f"/emailCampaigns/{campaign_id}"
        answer = unless_gone(lambda: read(self.api, "GET", path, idempotent=True))
        return None if answer is None else _campaign(answer, answer.obj())

    def _body(self, message: Message) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": message.name,
            "tag": message.tag,
            "subject": message.subject,
            "previewText": message.preheader,
            "sender": {"name": message.sender_name, "email": message.sender_email},
            "htmlContent": message.html,
            "recipients": {"listIds": list(message.lists)},
        }
        if message.reply_to:
            body["replyTo"] = message.reply_to
        return body

    def create(self, message: Message) -> Campaign:
        body = self._body(message)
        answer = read(self.api, "POST", "/emailCampaigns", json=body, idempotent=False)
        campaign_id = answer.integer("id", answer.obj())
        return Campaign(str(campaign_id), message.name, DRAFT, "draft", test_sent=False)

    def update(self, campaign_id: str, message: Message) -> None:
        path = f"/emailCampaigns/{campaign_id}"
        self.api.call("PUT", path, json=self._body(message), idempotent=True)

    def send_test(self, campaign_id: str, message: Message, emails: tuple[str, ...]) -> None:
        path = f"/emailCampaigns/{campaign_id}/sendTest"
        self.api.call("POST", path, json={"emailTo": list(emails)}, idempotent=False)

    def schedule(self, campaign_id: str, message: Message, at: dt.datetime) -> None:
        path = f"/emailCampaigns/{campaign_id}"
        body = {"scheduledAt": at.isoformat(timespec="seconds")}
        # Setting scheduledAt turns a draft into a queued campaign: not repeated blindly.
        self.api.call("PUT", path, json=body, idempotent=False)

    def send_now(self, campaign_id: str, message: Message) -> None:
        path = f"/emailCampaigns/{campaign_id}/sendNow"
        self.api.call("POST", path, idempotent=False)

    def delete(self, campaign_id: str) -> None:
        """Delete a (draft) campaign; one that is already gone is fine."""
        path = f"/emailCampaigns/{campaign_id}"
        unless_gone(lambda: self.api.call("DELETE", path, idempotent=True))
