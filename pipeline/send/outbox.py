"""The outbox provider: no network; writes what would go out under ``build/<slug>/outbox/``.

One ``<slug>-<lang>.eml`` per language (the rendered MIME message with the campaign's lists,
schedule and name added as ``X-Newsletter-*`` headers) and ``manifest.json``, which plays the
provider's part: it holds each "campaign" with its state, so the same orchestration (look up,
create, update, test, schedule) runs against it and a re-run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Collection, Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from pipeline.send.base import DRAFT, SCHEDULED, SENT, Campaign, Message
from pipeline.store import existing_file, read_json_checked, write_atomic, write_json


class Outbox:
    name = "outbox"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.manifest_path = folder / "manifest.json"

    def _manifest(self) -> dict[str, Any]:
        if existing_file(self.manifest_path):
            data: dict[str, Any] = read_json_checked(
                self.manifest_path, kind="an outbox manifest", problem=_manifest_problem,
                fix="It stands for the provider's state: move the outbox folder aside to "
                "write every message again.",
            )  # fmt: skip
            return data
        return {"campaigns": {}}

    def _save(self, manifest: dict[str, Any]) -> None:
        write_json(self.manifest_path, manifest)

    @staticmethod
    def _campaign(item: Mapping[str, Any]) -> Campaign:
        return Campaign(
            id=str(item["id"]),
            name=str(item["name"]),
            state=str(item["state"]),
            raw_status=str(item["state"]),
            scheduled_at=item.get("scheduled_at"),
            test_sent=bool(item.get("tested_to")),
        )

    def lookup(self, names: Collection[str], tag: str) -> Mapping[str, list[Campaign]]:
        campaigns = self._manifest()["campaigns"]
        return {n: [self._campaign(campaigns[n])] for n in names if n in campaigns}

    def get(self, campaign_id: str) -> Campaign | None:
        campaigns = self._manifest()["campaigns"]
        return self._campaign(campaigns[campaign_id]) if campaign_id in campaigns else None

    def _write(self, message: Message, state: str, **extra: Any) -> None:
        manifest = self._manifest()
        item = manifest["campaigns"].setdefault(message.name, {"id": message.name})
        item.update(
            name=message.name,
            lang=message.lang,
            state=state,
            subject=message.subject,
            lists=list(message.lists),
            file=f"{message.name}.eml",
            digest=message.digest,
            **extra,
        )
        write_atomic(self.folder / f"{message.name}.eml", _eml(message, item))
        self._save(manifest)

    def create(self, message: Message) -> Campaign:
        self._write(message, DRAFT)
        return Campaign(message.name, message.name, DRAFT, DRAFT, test_sent=False)

    def update(self, campaign_id: str, message: Message) -> None:
        self._write(message, DRAFT)

    def send_test(self, campaign_id: str, message: Message, emails: tuple[str, ...]) -> None:
        self._write(message, DRAFT, tested_to=list(emails))

    def schedule(self, campaign_id: str, message: Message, at: dt.datetime) -> None:
        self._write(message, SCHEDULED, scheduled_at=at.isoformat())

    def send_now(self, campaign_id: str, message: Message) -> None:
        self._write(message, SENT, scheduled_at="now")

    def delete(self, campaign_id: str) -> None:
        # One entry per name: the outbox never holds duplicates, so this is never called.
        manifest = self._manifest()
        if manifest["campaigns"].pop(campaign_id, None) is not None:
            (self.folder / f"{campaign_id}.eml").unlink(missing_ok=True)
            self._save(manifest)


def _manifest_problem(data: Any) -> str | None:
    campaigns = data.get("campaigns") if isinstance(data, dict) else None
    if not isinstance(campaigns, dict) or not all(isinstance(c, dict) for c in campaigns.values()):
        return '"campaigns" is not an object of objects'
    return None


def _eml(message: Message, item: Mapping[str, Any]) -> bytes:
    if message.eml:
        mail = email.message_from_bytes(message.eml, policy=email.policy.default)
    else:
        mail = EmailMessage()
        mail.set_content(message.text or " ")
        mail.add_alternative(message.html, subtype="html")
    headers = {
        "Subject": message.subject,
        "From": f"{message.sender_name} <{message.sender_email}>",
        "Reply-To": message.reply_to,
        "X-Newsletter-Campaign": message.name,
        "X-Newsletter-Lists": ",".join(str(i) for i in message.lists),
        "X-Newsletter-Send-At": item.get("scheduled_at"),
    }
    for key, value in headers.items():
        if key in mail:
            del mail[key]
        if value:
            mail[key] = str(value)
    return mail.as_bytes(policy=email.policy.SMTP)
