"""listmonk (v6, self-hosted) campaigns: look up, create, update, test, schedule, send now.

* Auth: ``Authorization: token <LISTMONK_USER>:<LISTMONK_TOKEN>`` (an API user); base URL
  ``LISTMONK_URL`` (the instance root, ``/api`` is appended).
* **The bare template.** listmonk wraps every campaign body in a campaign template (its
  default adds a header, a footer and styles). The build already renders complete HTML
  documents, so the send stage uses a template named :data:`TEMPLATE_NAME` whose whole body is
  ``{{ template "content" . }}``: the campaign's HTML passes through untouched. It is looked up
  by name and created (or its body restored) only when a campaign is about to be created or
  updated; existing campaigns keep the template they were created with.
* listmonk renders the body as a Go template: a stray ``{{`` that is not a listmonk tag makes
  it answer 400; that surfaces as a Rejected naming the language and the fix.
* Look-up: ``GET /api/campaigns?tags=<slug>`` (paged), matched by exact name.
* Scheduling: ``PUT /api/campaigns/{id}`` with ``send_at`` (UTC) and ``send_later``, then
  ``PUT /api/campaigns/{id}/status`` ``scheduled``; sending now is status ``running``.
* Status mapping: draft → draft; scheduled → scheduled; running → sending; finished → sent;
  paused, cancelled → blocked.
* Every answer is read against the spec (:mod:`pipeline.send.answers`): ``data`` must be an
  object, a listing's ``data.results`` a list (and ``data.total``, when given, a number), a
  campaign's ``id`` a number and ``name``/``status`` strings; anything else is unknown, never
  empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

from pipeline.errors import Rejected
from pipeline.http import Service
from pipeline.send.answers import Answer, read, unless_gone
from pipeline.send.base import BLOCKED, DRAFT, SCHEDULED, SENDING, SENT, Campaign, Message

TEMPLATE_NAME = "newsletter-pipeline bare (full HTML)"
TEMPLATE_BODY = '{{ template "content" . }}'
PAGE = 100
_STATES = {"draft": DRAFT, "scheduled": SCHEDULED, "running": SENDING, "finished": SENT}


def _campaign(answer: Answer, item: Mapping[str, Any]) -> Campaign:
    status = answer.text("status", item)
    return Campaign(
        id=str(answer.integer("id", item)),
        name=answer.text("name", item),
        state=_STATES.get(status, BLOCKED),
        raw_status=status,
        scheduled_at=answer.optional_text("send_at", item),
    )


def _explain(err: Rejected, message: Message) -> Rejected:
    hint = ""
    if "template" in err.message.lower() or "{{" in err.message:
        hint = (
            " listmonk reads the body as a Go template: a '{{' that is not a listmonk tag "
            f"breaks it. Remove or rephrase it in the {message.lang} text (or its PO file), "
            "then rebuild."
        )
    return Rejected(f"{message.lang}: {err.message}.{hint}", status=err.status)


class Listmonk:
    name = "listmonk"

    def __init__(self, api: Service) -> None:
        self.api = api
        self._template_id: int | None = None

    def lookup(self, names: Collection[str], tag: str) -> Mapping[str, list[Campaign]]:
        wanted = set(names)
        found: dict[str, list[Campaign]] = {}
        page = 1
        while True:
            params = {"tags": tag, "page": page, "per_page": PAGE, "no_body": "true"}
            answer = read(self.api, "GET", "/campaigns", params=params, idempotent=True)
            results = answer.items("data.results")
            data = answer.obj("data")
            total = answer.integer("total", data) if "total" in data else None
            for item in results:
                campaign = _campaign(answer, item)
                if campaign.name in wanted:
                    found.setdefault(campaign.name, []).append(campaign)
            if len(results) < PAGE or (total is not None and page * PAGE >= total):
                return {name: sorted(c, key=lambda x: x.age) for name, c in found.items()}
            page += 1

    def get(self, campaign_id: str) -> Campaign | None:
        path = f"/campaigns/{campaign_id}"
        params = {"no_body": "true"}
        answer = unless_gone(lambda: read(self.api, "GET", path, params=params, idempotent=True))
        return None if answer is None else _campaign(answer, answer.obj("data"))

    def template_id(self) -> int:
        """The bare template's id: found by name, created or repaired when needed."""
        if self._template_id is not None:
            return self._template_id
        answer = read(self.api, "GET", "/templates", params={"no_body": "false"}, idempotent=True)
        for item in answer.items("data"):
            if item.get("name") == TEMPLATE_NAME:
                self._template_id = answer.integer("id", item)
                if item.get("body", TEMPLATE_BODY) != TEMPLATE_BODY:
                    body = {"name": TEMPLATE_NAME, "type": "campaign", "body": TEMPLATE_BODY}
                    path = f"/templates/{self._template_id}"
                    self.api.call("PUT", path, json=body, idempotent=True)
                return self._template_id
        body = {"name": TEMPLATE_NAME, "type": "campaign", "body": TEMPLATE_BODY}
        created = read(self.api, "POST", "/templates", json=body, idempotent=False)
        self._template_id = created.integer("data.id")
        return self._template_id

    def _body(self, message: Message) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": message.name,
            "subject": message.subject,
            "lists": list(message.lists),
            "type": "regular",
            "content_type": "html",
            "body": message.html,
            "altbody": message.text,
            "from_email": f"{message.sender_name} <{message.sender_email}>",
            "messenger": "email",
            "tags": [message.tag],
            "template_id": self.template_id(),
        }
        if message.reply_to:
            body["headers"] = [{"Reply-To": message.reply_to}]
        return body

    def _call(self, message: Message, method: str, path: str, body: Any, idem: bool) -> Answer:
        """One campaign request. The answer must hold ``data`` (a campaign object for every
        call but the test, whose ``data`` is a boolean), as the spec promises."""
        try:
            answer = read(self.api, method, path, json=body, idempotent=idem)
        except Rejected as err:
            raise _explain(err, message) from None
        if not path.endswith("/test"):
            answer.obj("data")
        return answer

    def create(self, message: Message) -> Campaign:
        answer = self._call(message, "POST", "/campaigns", self._body(message), False)
        return Campaign(str(answer.integer("data.id")), message.name, DRAFT, "draft")

    def update(self, campaign_id: str, message: Message) -> None:
        self._call(message, "PUT", f"/campaigns/{campaign_id}", self._body(message), True)

    def send_test(self, campaign_id: str, message: Message, emails: tuple[str, ...]) -> None:
        body = {**self._body(message), "subscribers": list(emails)}
        self._call(message, "POST", f"/campaigns/{campaign_id}/test", body, False)

    def schedule(self, campaign_id: str, message: Message, at: dt.datetime) -> None:
        utc = at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {**self._body(message), "send_at": utc, "send_later": True}
        self._call(message, "PUT", f"/campaigns/{campaign_id}", body, True)
        status = {"status": "scheduled"}
        self._call(message, "PUT", f"/campaigns/{campaign_id}/status", status, False)

    def send_now(self, campaign_id: str, message: Message) -> None:
        status = {"status": "running"}
        self._call(message, "PUT", f"/campaigns/{campaign_id}/status", status, False)

    def delete(self, campaign_id: str) -> None:
        """Delete a (draft) campaign; one that is already gone is fine."""
        path = f"/campaigns/{campaign_id}"
        unless_gone(lambda: self.api.call("DELETE", path, idempotent=True))
