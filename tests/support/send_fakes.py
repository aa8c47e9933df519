"""Fake Brevo and listmonk servers for the send tests: plain handler functions with state.

Each fake validates every request against the provider's OpenAPI spec (listmonk's
``Authorization`` header is checked by hand: its spec declares no scheme), keeps campaigns,
test sends and deliveries (one per schedule or send-now), and injects faults on request: a 429
with Brevo's reset header, a 500, a timeout before or after the server did the work, a dropped
connection after the work, and a crash (an exception that is not an HTTP error, as if the
process died). See :mod:`tests.support.send_fakebase`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.send_fakebase import (
    BREVO_KEY,
    LISTMONK_TOKEN,
    LISTMONK_USER,
    FakeBase,
    FakeClock,
    Fault,
    SimulatedCrash,
    json_body,
    openapi,
    serve,
    specs_available,
)

__all__ = [
    "BREVO_KEY", "ENV", "LISTMONK_TOKEN", "LISTMONK_USER", "FakeBase", "FakeBrevo", "FakeClock",
    "FakeListmonk", "Fault", "SimulatedCrash", "go_template_error", "openapi", "serve",
    "specs_available",
]  # fmt: skip

# The environment a send to each fake needs (MockTransport: the hosts are never resolved).
ENV = {
    "brevo": {"BREVO_API_KEY": BREVO_KEY, "BREVO_API_URL": "https://brevo.test/v3"},
    "listmonk": {
        "LISTMONK_URL": "https://lists.test",
        "LISTMONK_USER": LISTMONK_USER,
        "LISTMONK_TOKEN": LISTMONK_TOKEN,
    },
}

# -- Brevo -------------------------------------------------------------------------------------


@dataclass
class FakeBrevo(FakeBase):
    spec_name: str = "brevo"
    key: str = BREVO_KEY
    # simulated rate limit: at most `limit` requests per `window` seconds of the fake clock
    limit: int = 0
    window: float = 3600.0
    stamps: list[float] = field(default_factory=list)
    limited: int = 0

    def done_states(self) -> frozenset[str]:
        return frozenset({"queued", "inProcess", "in_process", "sent"})

    def auth(self, request: httpx.Request) -> httpx.Response | None:
        if request.headers.get("api-key") != self.key:
            return httpx.Response(401, json={"code": "unauthorized", "message": "Key not found"})
        return self._rate_limit()

    def _rate_limit(self) -> httpx.Response | None:
        if not self.limit or self.clock is None:
            return None
        now = self.clock.monotonic()
        self.stamps = [s for s in self.stamps if s > now - self.window]
        if len(self.stamps) >= self.limit:
            self.limited += 1
            reset = self.stamps[0] + self.window - now
            headers = {
                "x-sib-ratelimit-reset": str(int(reset) + 1),
                "x-sib-ratelimit-limit": str(self.limit),
            }
            return httpx.Response(
                429, json={"code": "too_many_requests", "message": "rate limited"}, headers=headers
            )
        self.stamps.append(now)
        return None

    def route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v3")
        m = re.fullmatch(r"/emailCampaigns/(\d+)(/\w+)?", path)
        if path == "/emailCampaigns":
            return self._list(request) if request.method == "GET" else self._create(request)
        if m is None:
            return httpx.Response(404, json={"code": "document_not_found", "message": "no route"})
        cid, action = int(m.group(1)), m.group(2)
        campaign = self.campaigns.get(cid)
        if campaign is None:
            return httpx.Response(
                404, json={"code": "document_not_found", "message": "Campaign ID not found"}
            )
        if action is None and request.method == "GET":
            return httpx.Response(200, json=campaign)
        if action is None and request.method == "PUT":
            return self._update(campaign, json_body(request))
        if action is None and request.method == "DELETE":
            return self.delete(cid) or httpx.Response(404)
        if action == "/sendTest":
            self.tests.append((cid, json_body(request)["emailTo"]))
            campaign["testSent"] = True
            return httpx.Response(204)
        if action == "/sendNow":
            if campaign["status"] != "draft":
                return httpx.Response(
                    400, json={"code": "campaign_sent", "message": "Campaign already sent"}
                )
            self.deliveries.append(cid)
            campaign["status"] = "sent"
            return httpx.Response(204)
        return httpx.Response(404, json={"code": "document_not_found", "message": "no route"})

    def _list(self, request: httpx.Request) -> httpx.Response:
        limit = int(request.url.params.get("limit", 50))
        offset = int(request.url.params.get("offset", 0))
        items = sorted(self.campaigns.values(), key=lambda c: -c["id"])
        page = [
            {k: v for k, v in c.items() if k != "htmlContent"}
            for c in items[offset : offset + limit]
        ]
        return httpx.Response(200, json={"campaigns": page, "count": len(items)})

    def _create(self, request: httpx.Request) -> httpx.Response:
        body = json_body(request)
        cid = self.next_id
        self.next_id += 1
        self.campaigns[cid] = {
            **body,
            "id": cid,
            "status": "draft",
            "type": "classic",
            "testSent": False,
            "scheduledAt": "",
        }
        return httpx.Response(201, json={"id": cid})

    def _update(self, campaign: dict[str, Any], body: dict[str, Any]) -> httpx.Response:
        if campaign["status"] != "draft":
            return httpx.Response(
                400, json={"code": "campaign_processing", "message": "Campaign is not a draft"}
            )
        campaign.update(body)
        if body.get("scheduledAt"):
            campaign["status"] = "queued"
            self.deliveries.append(campaign["id"])
        return httpx.Response(204)

    def preload(self, name: str, status: str = "draft", tag: str = "") -> int:
        cid = self.next_id
        self.next_id += 1
        self.campaigns[cid] = {
            "id": cid,
            "name": name,
            "tag": tag,
            "status": status,
            "testSent": False,
            "scheduledAt": "",
        }
        return cid


# -- listmonk ----------------------------------------------------------------------------------

_GO_TAG = re.compile(
    r"\s*(UnsubscribeURL|MessageURL|OptinURL|TrackView|\.[A-Za-z.]+"
    r'|template "content" \.|TrackLink "[^"]*")\s*'
)


def go_template_error(body: str) -> str | None:
    """listmonk compiles bodies as Go templates: a '{{' that is not a known tag fails."""
    for match in re.finditer(r"\{\{", body):
        end = body.find("}}", match.end())
        if end < 0 or not _GO_TAG.fullmatch(body[match.end() : end]):
            return 'Error compiling template: template: content:1: unexpected "{" in command'
    return None


def compile_error(body: dict[str, Any]) -> str | None:
    """listmonk compiles the body, the altbody and the subject as Go templates."""
    for key in ("body", "altbody", "subject"):
        error = go_template_error(str(body.get(key) or ""))
        if error:
            return error
    return None


@dataclass
class FakeListmonk(FakeBase):
    spec_name: str = "listmonk"
    templates: dict[int, dict[str, Any]] = field(default_factory=dict)
    user: str = LISTMONK_USER
    token: str = LISTMONK_TOKEN

    def done_states(self) -> frozenset[str]:
        return frozenset({"scheduled", "running", "finished"})

    def rate_limit_headers(self, reset: float) -> dict[str, str]:
        return {"retry-after": str(int(reset))}

    def auth(self, request: httpx.Request) -> httpx.Response | None:
        # The spec declares no security scheme: check the header by hand.
        if request.headers.get("authorization") != f"token {self.user}:{self.token}":
            return httpx.Response(403, json={"message": "invalid API credentials"})
        return None

    def route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api")
        if path == "/templates":
            return self._templates(request)
        if re.fullmatch(r"/templates/\d+", path):
            tpl = self.templates[int(path.rsplit("/", 1)[1])]
            tpl.update(json_body(request))
            return httpx.Response(200, json={"data": tpl})
        if path == "/campaigns":
            return self._list(request) if request.method == "GET" else self._create(request)
        m = re.fullmatch(r"/campaigns/(\d+)(/\w+)?", path)
        campaign = self.campaigns.get(int(m.group(1))) if m else None
        if m is None or campaign is None:
            return httpx.Response(404, json={"message": "Campaign not found."})
        return self._campaign(request, campaign, m.group(2))

    def _campaign(
        self, request: httpx.Request, campaign: dict[str, Any], action: str | None
    ) -> httpx.Response:
        body = json_body(request)
        if action is None and request.method == "GET":
            return httpx.Response(200, json={"data": campaign})
        if action is None and request.method == "DELETE":
            self.delete(campaign["id"])
            return httpx.Response(200, json={"data": True})
        if action is None and request.method == "PUT":
            if campaign["status"] not in ("draft", "scheduled", "paused"):
                return httpx.Response(
                    400, json={"message": "Cannot update a running or finished campaign."}
                )
            return self._store(campaign, body)
        if action == "/test":
            error = compile_error(body)
            if error:
                return httpx.Response(400, json={"message": error})
            self.tests.append((campaign["id"], body["subscribers"]))
            return httpx.Response(200, json={"data": True})
        if action == "/status":
            return self._status(campaign, body["status"])
        return httpx.Response(404, json={"message": "no route"})

    def _status(self, campaign: dict[str, Any], status: str) -> httpx.Response:
        allowed = {"draft": {"scheduled", "running"}, "scheduled": {"draft", "running", "paused"}}
        if status not in allowed.get(campaign["status"], set()):
            return httpx.Response(
                400,
                json={"message": f"Cannot change status from {campaign['status']} to {status}."},
            )
        if status == "scheduled" and not campaign.get("send_at"):
            return httpx.Response(400, json={"message": "send_at date should be set."})
        if campaign["status"] == "draft" and status in ("scheduled", "running"):
            self.deliveries.append(campaign["id"])
        campaign["status"] = status
        return httpx.Response(200, json={"data": campaign})

    def _store(self, campaign: dict[str, Any], body: dict[str, Any]) -> httpx.Response:
        error = compile_error(body)
        if error:
            return httpx.Response(400, json={"message": error})
        campaign.update({k: v for k, v in body.items() if k != "subscribers"})
        return httpx.Response(200, json={"data": campaign})

    def _list(self, request: httpx.Request) -> httpx.Response:
        tags = request.url.params.get_list("tags")
        page = int(request.url.params.get("page", 1))
        per_page = int(request.url.params.get("per_page", 20))
        items = [
            c for c in self.campaigns.values() if not tags or set(tags) & set(c.get("tags", []))
        ]
        chunk = items[(page - 1) * per_page : page * per_page]
        return httpx.Response(
            200,
            json={
                "data": {"results": chunk, "total": len(items), "page": page, "per_page": per_page}
            },
        )

    def _create(self, request: httpx.Request) -> httpx.Response:
        body = json_body(request)
        cid = self.next_id
        self.next_id += 1
        campaign = {"id": cid, "status": "draft", "send_at": None}
        self.campaigns[cid] = campaign
        response = self._store(campaign, body)
        if response.status_code != 200:
            del self.campaigns[cid]
        return response

    def _templates(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"data": list(self.templates.values())})
        body = json_body(request)
        tid = 100 + len(self.templates)
        self.templates[tid] = {**body, "id": tid}
        return httpx.Response(200, json={"data": self.templates[tid]})
