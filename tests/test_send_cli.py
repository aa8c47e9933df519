"""``newsletter send`` end to end in a subprocess against loopback fake providers (configured
only through BREVO_API_URL / LISTMONK_URL), and ``newsletter due``."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipeline.send.due import due_issues
from pipeline.store import write_json
from tests.support.send_fakes import (
    BREVO_KEY,
    LISTMONK_TOKEN,
    LISTMONK_USER,
    FakeBrevo,
    FakeListmonk,
    openapi,
    serve,
    specs_available,
)
from tests.support.send_fixtures import SLUG, make_send_build

needs_specs = pytest.mark.skipif(
    not specs_available(), reason="../shared/specs (the providers' OpenAPI files) is absent"
)


def newsletter(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BREVO_", "LISTMONK_"))}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=cwd, env={**clean, **env},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@needs_specs
def test_brevo_end_to_end_over_loopback(tmp_path: Path) -> None:
    openapi("brevo")
    issue = make_send_build(tmp_path, langs=("en", "de", "fr"))
    fake = FakeBrevo()
    with serve(fake.handler) as url:
        env = {"BREVO_API_KEY": BREVO_KEY, "BREVO_API_URL": url + "/v3"}
        dry = newsletter(tmp_path, "send", str(issue), "--provider", "brevo", "--dry-run", env=env)
        assert dry.returncode == 0, dry.stderr
        assert fake.mutating_calls() == [] and "create" in dry.stderr
        real = newsletter(tmp_path, "send", "issues/" + SLUG, "--provider", "brevo",
                          "--test-to", "a@example.org", "b@example.org", env=env)  # fmt: skip
        assert real.returncode == 0, real.stderr
        again = newsletter(tmp_path, "send", str(issue), env=env)  # provider from issue.toml
        assert again.returncode == 0, again.stderr
    assert fake.violations == []
    assert sorted(c["name"] for c in fake.campaigns.values()) == [
        f"{SLUG}-{x}" for x in ("de", "en", "fr")
    ]
    assert fake.duplicates() == [] and len(fake.deliveries) == 3
    assert fake.tests[0][1] == ["a@example.org", "b@example.org"]
    assert "3/3 languages scheduled or sent" in again.stdout
    outputs = dry.stdout + dry.stderr + real.stdout + real.stderr + again.stdout + again.stderr
    assert BREVO_KEY not in outputs
    assert BREVO_KEY not in (tmp_path / "build" / SLUG / "send-ledger.json").read_text()


@needs_specs
def test_listmonk_end_to_end_over_loopback(tmp_path: Path) -> None:
    openapi("listmonk")
    issue = make_send_build(tmp_path, provider="listmonk", langs=("en", "de"))
    fake = FakeListmonk()
    with serve(fake.handler) as url:
        env = {
            "LISTMONK_URL": url,
            "LISTMONK_USER": LISTMONK_USER,
            "LISTMONK_TOKEN": LISTMONK_TOKEN,
        }
        done = newsletter(tmp_path, "send", str(issue), "--provider", "listmonk", env=env)
    assert done.returncode == 0, done.stderr
    assert fake.violations == [] and fake.duplicates() == []
    assert {c["status"] for c in fake.campaigns.values()} == {"scheduled"}
    assert LISTMONK_TOKEN not in done.stdout + done.stderr


def test_refusals_and_missing_secrets_exit_2_without_traceback(tmp_path: Path) -> None:
    issue = make_send_build(tmp_path, langs=("en", "de"), failed=("de",))
    refused = newsletter(tmp_path, "send", str(issue), "--provider", "brevo", env={})
    assert refused.returncode == 2
    assert (
        refused.stderr.startswith("error: refusing to send") and "Traceback" not in refused.stderr
    )
    assert "de: failed its checks" in refused.stderr
    ok_issue = make_send_build(tmp_path / "b", langs=("en",))
    missing = newsletter(tmp_path, "send", str(ok_issue), "--provider", "brevo", env={})
    assert missing.returncode == 2 and "error: BREVO_API_KEY is not set" in missing.stderr
    other = newsletter(tmp_path, "send", str(ok_issue), "--provider", "listmonk", env={})
    assert other.returncode == 2 and "rendered for provider 'brevo'" in other.stderr


def _issue(root: Path, slug: str, send_at: str, complete: bool | None = None) -> None:
    make_send_build(root, slug=slug, send_at=send_at, langs=("en",))
    if complete is not None:
        ledger: dict[str, Any] = {
            "issue": slug,
            "providers": {"brevo": {"complete": complete, "languages": {}}},
        }
        write_json(root / "build" / slug / "send-ledger.json", ledger)


def test_due_picks_issues_sent_today_or_late_and_not_complete(tmp_path: Path) -> None:
    _issue(tmp_path, "2030-05-old", "2030-05-06T09:00:00+02:00", complete=True)
    _issue(tmp_path, "2030-05-partial", "2030-05-20T09:00:00+02:00", complete=False)
    _issue(tmp_path, "2030-06-today", "2030-06-03T01:00:00+02:00")  # 2030-06-02 23:00 UTC
    _issue(tmp_path, "2030-07-next", "2030-07-01T09:00:00+02:00")
    _issue(tmp_path, "2029-01-abandoned", "2029-01-10T09:00:00+01:00")
    (tmp_path / "issues" / "broken").mkdir()
    (tmp_path / "issues" / "broken" / "issue.toml").write_text("title = ")
    warnings: list[str] = []
    today = dt.date(2030, 6, 2)
    got = due_issues(tmp_path / "issues", today, warn=warnings.append)
    assert got == ["2030-05-partial", "2030-06-today"]
    assert due_issues(tmp_path / "issues", today, ahead=30) == [
        "2030-05-partial", "2030-06-today", "2030-07-next",
    ]  # fmt: skip
    assert "broken/issue.toml: skipped" in warnings[0]
    cli = newsletter(tmp_path, "due", "--today", "2030-06-02", env={})
    assert cli.returncode == 0 and cli.stdout.split() == got
    bad = newsletter(tmp_path, "due", "--today", "June", env={})
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


def test_outbox_ledger_never_counts_as_sent(tmp_path: Path) -> None:
    _issue(tmp_path, "2030-06-a", "2030-06-01T09:00:00+00:00")
    path = tmp_path / "build" / "2030-06-a" / "send-ledger.json"
    write_json(path, {"providers": {"outbox": {"complete": True}}})
    assert due_issues(tmp_path / "issues", dt.date(2030, 6, 2)) == ["2030-06-a"]
    assert json.loads(path.read_text())["providers"]["outbox"]["complete"] is True
