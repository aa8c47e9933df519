"""The dry run gives the same answer with and without the provider's secret (same plan, same
refusals), and broken build files or ledgers are clean errors (exit 2), never tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from pipeline.errors import SendRefused
from pipeline.send.plan import SendOptions
from pipeline.send.run import SendResult, send_issue
from pipeline.store import write_json
from tests.support.send_fakes import BREVO_KEY, FakeBrevo, FakeClock, specs_available
from tests.support.send_fixtures import SLUG, make_send_build

PAST = "2024-06-03T09:00:00+02:00"  # the seed issue's send_at; FakeClock says 2030-05-30
ENV = {"BREVO_API_KEY": BREVO_KEY, "BREVO_API_URL": "https://brevo.test/v3"}


def dry_run(issue: Path, fake: FakeBrevo | None, logs: list[str], **options: bool) -> SendResult:
    """A dry run with the secret (against ``fake``) or, when ``fake`` is None, without it."""
    client = httpx.Client(transport=httpx.MockTransport(fake.handler)) if fake else None
    return send_issue(
        issue, SendOptions("brevo", dry_run=True, **options), env=ENV if fake else {},
        client=client, clock=FakeClock(), log=logs.append,
    )  # fmt: skip


def plan_of(logs: list[str]) -> str:
    return next(line for line in logs if line.startswith("plan for brevo"))


def test_past_send_at_is_refused_with_and_without_the_secret(tmp_path: Path) -> None:
    issue = make_send_build(tmp_path, send_at=PAST, langs=("en", "de"))
    answers = []
    for fake in (None, FakeBrevo(validate=specs_available())):
        logs: list[str] = []
        with pytest.raises(SendRefused) as info:
            dry_run(issue, fake, logs)
        answers.append((info.value.message, info.value.details, plan_of(logs)))
    assert answers[0] == answers[1]
    assert "send_at 2024-06-03T09:00:00+02:00 has passed" in answers[0][1][0]
    assert "create" in answers[0][2] and "schedule 2024-06-03" in answers[0][2]


def test_now_lifts_the_refusal_in_both_cases(tmp_path: Path) -> None:
    issue = make_send_build(tmp_path, send_at=PAST, langs=("en",))
    plans = []
    for fake in (None, FakeBrevo(validate=specs_available())):
        logs: list[str] = []
        dry_run(issue, fake, logs, now=True)
        plans.append(plan_of(logs))
    assert plans[0] == plans[1] and "send now" in plans[0]


def test_without_the_secret_the_ledger_stands_in_for_the_provider(tmp_path: Path) -> None:
    """A finished issue: the provider shows its campaigns queued, the ledger records them."""
    issue = make_send_build(tmp_path, send_at=PAST, langs=("en", "de"))
    fake = FakeBrevo(validate=specs_available())
    languages = {}
    for lang in ("en", "de"):
        cid = fake.preload(f"{SLUG}-{lang}", "queued", tag=SLUG)
        languages[lang] = {"campaign_id": str(cid), "state": "scheduled", "steps": []}
    ledger = {"issue": SLUG, "providers": {"brevo": {"complete": True, "languages": languages}}}
    write_json(tmp_path / "build" / SLUG / "send-ledger.json", ledger)
    offline, online = dry_run(issue, None, []), dry_run(issue, fake, [])
    assert [s.action for s in offline.steps] == [s.action for s in online.steps] == ["skip"] * 2
    assert [s.delivery for s in offline.steps] == ["done", "done"]


def newsletter(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BREVO_", "LISTMONK_"))}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=cwd, env=clean,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_cli_dry_run_without_the_secret_exits_2_for_a_past_send_at(tmp_path: Path) -> None:
    issue = make_send_build(tmp_path, send_at=PAST, langs=("en",))
    done = newsletter(tmp_path, "send", str(issue), "--dry-run")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "plan for brevo" in done.stderr and "has passed" in done.stderr


@pytest.mark.parametrize(
    ("name", "content", "fix"),
    [
        ("report.json", "{not json", "not valid JSON"),
        ("report.json", "[]", "not a build report (a JSON list instead of an object)"),
        ("report.json", '{"provider": "outbox", "languages": {"en": []}}', '"languages.en"'),
        ("report.json", '{"provider": "outbox", "languages": ["en"]}', '"languages" is not'),
        ("send-ledger.json", "[]", "not a send ledger (a JSON list instead of an object)"),
        ("send-ledger.json", "{not json", "not valid JSON"),
        ("send-ledger.json", '{"providers": {"brevo": {"languages": []}}}', "languages"),
        (
            "send-ledger.json",
            '{"providers": {"brevo": {"languages": {"en": {"steps": {}}}}}}',
            '"providers.brevo.languages.en.steps" is not a list',
        ),
    ],
)
def test_broken_files_are_errors_naming_the_file_and_the_fix(
    tmp_path: Path, name: str, content: str, fix: str
) -> None:
    issue = make_send_build(tmp_path, langs=("en",), provider="outbox")
    path = tmp_path / "build" / SLUG / name
    path.write_text(content)
    for args in (("--dry-run",), ()):  # the outbox needs no secret: a real run reaches the ledger
        done = newsletter(tmp_path, "send", str(issue), *args)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr and done.stderr.startswith(f"error: {path}: ")
        assert fix in done.stderr
        if name == "report.json":
            assert f"Rebuild the issue: newsletter build {issue}" in done.stderr
        else:
            assert "Check the issue's campaigns at the provider first" in done.stderr
