"""Brevo (API v3) email campaigns: look up, create, update, test, schedule, send now.

* Auth: header ``api-key`` from ``BREVO_API_KEY``; base URL ``BREVO_API_URL`` (default
  ``https://api.brevo.com/v3``).
* Brevo has no look-up by name: :meth:`Brevo.lookup` pages ``GET /emailCampaigns`` (100 a
  page, HTML excluded) and matches the deterministic names, then the tag.
* Campaigns are created as drafts (no ``scheduledAt``); scheduling is a ``PUT`` of
  ``scheduledAt`` (ISO 8601 with the offset from issue.toml), which turns the draft into a
  ``queued`` campaign; sending now is ``POST /emailCampaigns/{id}/sendNow``.
* Brevo builds the plain-text part itself; ``previewText`` carries the preheader.
* Status mapping: draft → draft; queued → scheduled; inProcess → sending; sent → sent;
  anything else (suspended, archive, …) → blocked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

from pipeline.errors import Rejected
from pipeline.http import Service
from pipeline.send.base import BLOCKED, DRAFT, SCHEDULED, SENDING, SENT, Campaign, Message

DEFAULT_URL = "https://api.brevo.com/v3"
PAGE = 100
_STATES = {"draft": DRAFT, "queued": SCHEDULED, "inProcess": SENDING, "sent": SENT}


def _campaign(data: Mapping[str, Any]) -> Campaign:
    status = str(data.get("status", ""))
    return Campaign(
        id=str(data["id"]),
        name=str(data.get("name", "")),
        state=_STATES.get(status, BLOCKED),
        raw_status=status,
        scheduled_at=data.get("scheduledAt") or None,
        test_sent=bool(data["testSent"]) if "testSent" in data else None,
    )


class Brevo:
    name = "brevo"

    def __init__(self, api: Service) -> None:
        self.api = api

    def lookup(self, names: Collection[str], tag: str) -> Mapping[str, Campaign]:
        wanted = set(names)
        found: dict[str, Campaign] = {}
        offset = 0
        while True:
            params = {"limit": PAGE, "offset": offset, "excludeHtmlContent": "true"}
            page = self.api.call("GET", "/emailCampaigns", params=params, idempotent=True) or {}
            items = page.get("campaigns") or []
            for item in items:
                if item.get("name") in wanted and item.get("tag") in (tag, None, ""):
                    found.setdefault(str(item["name"]), _campaign(item))
            offset += len(items)
            if not items or offset >= int(page.get("count", 0)):
                return found

    def get(self, campaign_id: str) -> Campaign | None:
        try:
            data = self.api.call("GET", f"/emailCampaigns/{campaign_id}", idempotent=True)
        except Rejected as err:
            if err.status == 404:
                return None
            raise
        return _campaign(data)

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
        data = self.api.call("POST", "/emailCampaigns", json=self._body(message), idempotent=False)
        return Campaign(str(data["id"]), message.name, DRAFT, "draft", test_sent=False)

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
