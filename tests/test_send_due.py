"""``newsletter due --provider``: an issue whose every campaign is already scheduled or sent at
the provider is not due, even without a ledger (CI keeps none); the look-ups are GET only.
A corrupt ledger is a clean error, not a traceback."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from pipeline.errors import ConfigError
from pipeline.send.due import due_issues, provider_check
from tests.support.send_fakes import BREVO_KEY, FakeBrevo, FakeClock, serve, specs_available
from tests.support.send_fixtures import make_send_build

TODAY = dt.date(2024, 7, 1)
ENV = {"BREVO_API_KEY": BREVO_KEY, "BREVO_API_URL": "https://brevo.test/v3"}


def two_issues(root: Path) -> Path:
    """A June and a July issue, both within `--ahead 31` of 2024-07-01, no ledgers."""
    make_send_build(root, slug="2024-06-a", send_at="2024-07-03T09:00:00+02:00", langs=("en", "de"))
    make_send_build(root, slug="2024-07-b", send_at="2024-07-20T09:00:00+02:00", langs=("en", "de"))
    return root / "issues"


def fake_brevo() -> FakeBrevo:
    return FakeBrevo(validate=specs_available())


def due_with(fake: FakeBrevo, issues: Path, env: dict[str, str] = ENV) -> list[str]:
    with httpx.Client(transport=httpx.MockTransport(fake.handler)) as client:
        check = provider_check("brevo", env, client, clock=FakeClock())
        return due_issues(issues, TODAY, ahead=31, sent_at_provider=check)


def test_without_a_provider_both_issues_are_due_oldest_first(tmp_path: Path) -> None:
    assert due_issues(two_issues(tmp_path), TODAY, ahead=31) == ["2024-06-a", "2024-07-b"]


def test_an_issue_scheduled_at_the_provider_is_not_due(tmp_path: Path) -> None:
    issues = two_issues(tmp_path)
    fake = fake_brevo()
    fake.preload("2024-06-a-en", "queued", tag="2024-06-a")
    fake.preload("2024-06-a-de", "sent", tag="2024-06-a")
    fake.preload("2024-07-b-en", "queued", tag="2024-07-b")  # de still missing: due
    assert due_with(fake, issues) == ["2024-07-b"]
    assert fake.mutating_calls() == [] and {m for m, _ in fake.calls} == {"GET"}
    assert fake.violations == []


def test_a_draft_or_blocked_campaign_keeps_the_issue_due(tmp_path: Path) -> None:
    issues = two_issues(tmp_path)
    fake = fake_brevo()
    fake.preload("2024-06-a-en", "queued", tag="2024-06-a")
    fake.preload("2024-06-a-de", "draft", tag="2024-06-a")
    fake.preload("2024-07-b-en", "queued", tag="2024-07-b")
    fake.preload("2024-07-b-de", "suspended", tag="2024-07-b")
    assert due_with(fake, issues) == ["2024-06-a", "2024-07-b"]


def test_provider_check_needs_its_secret_and_a_real_provider(tmp_path: Path) -> None:
    with httpx.Client() as client:
        with pytest.raises(ConfigError, match="BREVO_API_KEY not set"):
            provider_check("brevo", {}, client)
        with pytest.raises(ConfigError, match="outbox keeps no state"):
            provider_check("outbox", ENV, client)
        with pytest.raises(ConfigError, match="'mailchimp' is not supported"):
            provider_check("mailchimp", ENV, client)


def newsletter(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BREVO_", "LISTMONK_"))}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=cwd, env={**clean, **env},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_due_command_asks_the_provider_over_loopback(tmp_path: Path) -> None:
    two_issues(tmp_path)
    fake = fake_brevo()
    fake.preload("2024-06-a-en", "queued", tag="2024-06-a")
    fake.preload("2024-06-a-de", "queued", tag="2024-06-a")
    args = ("due", "--today", "2024-07-01", "--ahead", "31")
    with serve(fake.handler) as url:
        env = {"BREVO_API_KEY": BREVO_KEY, "BREVO_API_URL": url + "/v3"}
        asked = newsletter(tmp_path, *args, "--provider", "brevo", env=env)
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.split() == ["2024-07-b"]
    assert "2024-06-a: every campaign is already scheduled or sent" in asked.stderr
    assert BREVO_KEY not in asked.stdout + asked.stderr
    missing = newsletter(tmp_path, *args, "--provider", "brevo", env={})
    assert (
        missing.returncode == 2 and "error: due --provider brevo: BREVO_API_KEY" in missing.stderr
    )


@pytest.mark.parametrize("content", ["[]", "{not json", '{"providers": {"brevo": []}}'])
def test_a_corrupt_ledger_stops_due_with_the_file_and_the_fix(tmp_path: Path, content: str) -> None:
    two_issues(tmp_path)
    ledger = tmp_path / "build" / "2024-06-a" / "send-ledger.json"
    ledger.write_text(content)
    done = newsletter(tmp_path, "due", "--today", "2024-07-01", "--ahead", "31", env={})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ") and str(ledger) + ": not " in done.stderr
    assert "Check the issue's campaigns at the provider first" in done.stderr
    assert "move the file aside" in done.stderr
