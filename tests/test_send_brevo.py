"""Send to a fake Brevo: every request checked against Brevo's OpenAPI spec, faults injected,
campaigns and deliveries counted after runs that fail midway and are repeated."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline.errors import (
    ConfigError,
    Rejected,
    SendRefused,
    TransientError,
)
from pipeline.send.plan import SendOptions
from pipeline.send.run import SendResult, send_issue
from tests.support.send_fakes import (
    BREVO_KEY,
    FakeBrevo,
    FakeClock,
    Fault,
    SimulatedCrash,
    openapi,
    specs_available,
)
from tests.support.send_fixtures import SLUG, make_send_build

LANGS = ("en", "de", "fr", "el")
NAMES = {f"{SLUG}-{lang}" for lang in LANGS}
ENV = {"BREVO_API_KEY": BREVO_KEY, "BREVO_API_URL": "https://brevo.test/v3"}


@pytest.fixture(scope="session")
def brevo_spec() -> Any:
    if not specs_available():
        pytest.skip("../shared/specs (the providers' OpenAPI files) is absent beside the repo")
    return openapi("brevo")


@pytest.fixture
def issue(tmp_path: Path) -> Path:
    return make_send_build(tmp_path, langs=LANGS)


@pytest.fixture
def fake(brevo_spec: Any) -> FakeBrevo:
    return FakeBrevo()


def run(
    issue: Path, fake: FakeBrevo, clock: FakeClock | None = None, logs: list[str] | None = None,
    **options: Any,
) -> SendResult:  # fmt: skip
    client = httpx.Client(transport=httpx.MockTransport(fake.handler))
    log = logs.append if logs is not None else lambda _: None
    return send_issue(
        issue, SendOptions("brevo", **options), env=ENV, client=client,
        clock=clock or FakeClock(), log=log,
    )  # fmt: skip


def assert_once_each(fake: FakeBrevo) -> None:
    assert fake.violations == []
    assert set(fake.by_name()) == NAMES
    assert fake.duplicates() == []
    assert sorted(fake.deliveries) == sorted(fake.campaigns)


def ledger(issue: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (issue.parent.parent / "build" / SLUG / "send-ledger.json").read_text()
    )
    return data


def test_first_run_creates_tests_and_schedules_one_campaign_per_language(
    issue: Path, fake: FakeBrevo
) -> None:
    result = run(issue, fake, test_to=("reviewer@example.org",))
    assert_once_each(fake)
    assert result.done == list(LANGS)
    by_name = {c["name"]: c for c in fake.campaigns.values()}
    fr, de = by_name[f"{SLUG}-fr"], by_name[f"{SLUG}-de"]
    assert fr["recipients"] == {"listIds": [7]} and de["recipients"] == {"listIds": [2]}
    assert de["subject"] == "Belgische Ratspräsidentschaft: ein Gespräch"
    assert de["previewText"] == "Preheader de" and de["tag"] == SLUG
    assert "{{ unsubscribe }}" in de["htmlContent"]
    assert de["status"] == "queued" and de["scheduledAt"] == "2030-06-03T09:00:00+02:00"
    assert de["sender"] == {"name": "CECOP", "email": "news@example.org"}
    assert len(fake.tests) == len(LANGS)
    assert {
        state["state"] for state in ledger(issue)["providers"]["brevo"]["languages"].values()
    } == {"scheduled"}
    assert ledger(issue)["providers"]["brevo"]["complete"] is True


def test_rerun_after_success_makes_no_mutating_call(issue: Path, fake: FakeBrevo) -> None:
    run(issue, fake, test_to=("reviewer@example.org",))
    before = len(fake.calls)
    result = run(issue, fake, test_to=("reviewer@example.org",))
    assert fake.calls[before:] == [("GET", "/v3/emailCampaigns")]
    assert result.done == list(LANGS)
    assert_once_each(fake)


def test_dry_run_prints_the_plan_and_changes_nothing(issue: Path, fake: FakeBrevo) -> None:
    fake.preload(f"{SLUG}-de", tag=SLUG)  # an older draft: to be updated
    fake.preload(f"{SLUG}-fr", status="queued", tag=SLUG)  # already scheduled: skipped
    logs: list[str] = []
    result = run(issue, fake, logs=logs, dry_run=True)
    assert fake.mutating_calls() == []
    assert {s.message.lang: s.action for s in result.steps} == {
        "en": "create", "de": "update", "fr": "skip", "el": "create",
    }  # fmt: skip
    plan = "\n".join(logs)
    assert "schedule 2030-06-03T09:00:00+02:00" in plan and "already queued" in plan
    assert not (issue.parent.parent / "build" / SLUG / "send-ledger.json").exists()


def test_existing_draft_is_updated_not_duplicated(issue: Path, fake: FakeBrevo) -> None:
    cid = fake.preload(f"{SLUG}-de", tag=SLUG)
    run(issue, fake)
    assert ("PUT", f"/v3/emailCampaigns/{cid}") in fake.calls
    assert fake.campaigns[cid]["subject"] == "Belgische Ratspräsidentschaft: ein Gespräch"
    assert_once_each(fake)


def test_429_waits_as_the_reset_header_says(issue: Path, fake: FakeBrevo) -> None:
    fake.faults.append(Fault("POST", "/v3/emailCampaigns", "429", reset=42))
    fake.faults.append(Fault("GET", "/v3/emailCampaigns", "429", skip=1, reset=7))
    clock = FakeClock()
    run(issue, fake, clock)
    assert 42 in clock.sleeps and 7 in clock.sleeps
    assert_once_each(fake)


@pytest.mark.parametrize(
    "fault",
    [
        Fault("POST", "/v3/emailCampaigns", "500"),
        Fault("POST", "/v3/emailCampaigns", "timeout"),
        Fault("POST", "/v3/emailCampaigns", "timeout-after", times=2),
        Fault("POST", "/v3/emailCampaigns", "drop-after", skip=1),  # between create and send
        Fault("POST", r"/v3/emailCampaigns/\d+/sendTest", "drop-after"),
        Fault("POST", r"/v3/emailCampaigns/\d+/sendTest", "500"),
        Fault("PUT", r"/v3/emailCampaigns/\d+", "timeout-after", skip=2),
        Fault("PUT", r"/v3/emailCampaigns/\d+", "500", times=3),  # the run gives up, then resumes
        Fault("POST", "/v3/emailCampaigns", "timeout", times=5),
        Fault("GET", "/v3/emailCampaigns", "500", times=2),
        Fault("GET", "/v3/emailCampaigns", "timeout", times=2, skip=1),  # before a schedule
    ],
    ids=lambda f: f"{f.kind}-{f.method}-{f.path.rsplit('/', 1)[-1]}-{f.skip}",
)
def test_faults_never_duplicate_a_campaign_or_a_send(
    issue: Path, fake: FakeBrevo, fault: Fault
) -> None:
    fake.faults.append(fault)
    for _ in range(3):  # a run that gives up is repeated, as the monthly job would
        try:
            result = run(issue, fake, test_to=("reviewer@example.org",))
            break
        except TransientError:
            continue
    assert result.done == list(LANGS)
    assert fault.seen > fault.skip  # the fault fired
    assert_once_each(fake)
    assert len({cid for cid, _ in fake.tests}) == len(LANGS)


def test_send_now_timeout_after_the_send_is_reconciled(tmp_path: Path, brevo_spec: Any) -> None:
    issue = make_send_build(tmp_path, langs=LANGS, send_at="2030-05-01T09:00:00+02:00")
    fake = FakeBrevo()
    fake.faults.append(Fault("POST", r"/v3/emailCampaigns/\d+/sendNow", "timeout-after", times=4))
    run(issue, fake, now=True)
    assert_once_each(fake)
    assert {c["status"] for c in fake.campaigns.values()} == {"sent"}


@pytest.mark.parametrize("crash_at", [("POST", "/v3/emailCampaigns", 2),
                                      ("GET", "/v3/emailCampaigns", 2),
                                      ("POST", r"/v3/emailCampaigns/\d+/sendTest", 3)])  # fmt: skip
def test_crash_between_languages_resumes_with_one_campaign_and_one_send_each(
    issue: Path, fake: FakeBrevo, crash_at: tuple[str, str, int]
) -> None:
    method, path, skip = crash_at
    fake.faults.append(Fault(method, path, "crash", skip=skip))
    with pytest.raises(SimulatedCrash):
        run(issue, fake, test_to=("reviewer@example.org",))
    done_before = set(fake.deliveries)
    assert 0 < len(done_before) < len(LANGS)
    assert ledger(issue)["providers"]["brevo"]["complete"] is False
    before = len(fake.calls)
    result = run(issue, fake, test_to=("reviewer@example.org",))
    assert result.done == list(LANGS)
    assert_once_each(fake)
    resumed = [c for c in fake.calls[before:] if c[0] != "GET"]
    assert not any(f"/{cid}" in path for _, path in resumed for cid in done_before)


def test_past_send_at_is_refused_without_now(tmp_path: Path, brevo_spec: Any) -> None:
    issue = make_send_build(tmp_path, langs=LANGS, send_at="2030-05-01T09:00:00+02:00")
    fake = FakeBrevo()
    with pytest.raises(SendRefused) as info:
        run(issue, fake)
    assert "--now" in info.value.details[0] and "has passed" in info.value.details[0]
    assert fake.mutating_calls() == []


def test_suspended_campaign_is_refused_with_the_fix(issue: Path, fake: FakeBrevo) -> None:
    fake.preload(f"{SLUG}-de", status="suspended", tag=SLUG)
    with pytest.raises(SendRefused) as info:
        run(issue, fake)
    assert "de: campaign" in info.value.details[0] and "suspended" in info.value.details[0]
    assert fake.mutating_calls() == []


def test_client_side_throttle_waits_instead_of_hitting_429(tmp_path: Path, brevo_spec: Any) -> None:
    issue = make_send_build(tmp_path, langs=LANGS)
    toml = issue / "issue.toml"
    lists = "lists = { default = [2], fr = [7] }"
    toml.write_text(toml.read_text().replace(lists, lists + "\nrequests_per_hour = 5"))
    clock = FakeClock()
    fake = FakeBrevo(clock=clock, limit=5)
    logs: list[str] = []
    run(issue, fake, clock, logs)
    assert fake.limited == 0  # never refused: the client waited
    assert len(fake.calls) == 1 + 3 * len(LANGS)  # a listing; create, get, schedule each
    assert clock.sleeps == [3600.0, 3600.0]  # 13 requests at 5 an hour: two full waits
    assert any("5 requests/hour reached; waiting" in line for line in logs)
    assert_once_each(fake)


def test_missing_secret_names_the_variable(issue: Path) -> None:
    with pytest.raises(ConfigError, match="BREVO_API_KEY is not set"):
        send_issue(issue, SendOptions("brevo"), env={}, client=httpx.Client(), clock=FakeClock())


def test_dry_run_without_secret_plans_from_local_checks(issue: Path) -> None:
    logs: list[str] = []
    result = send_issue(
        issue, SendOptions("brevo", dry_run=True), env={}, clock=FakeClock(), log=logs.append
    )
    assert result.provider_state_known is False
    assert "BREVO_API_KEY not set: the plan shows local checks only" in logs[0]
    assert [s.action for s in result.steps] == ["create"] * len(LANGS)


def test_secret_never_appears_in_messages_or_files(
    issue: Path, fake: FakeBrevo, capsys: pytest.CaptureFixture[str]
) -> None:
    def echoing(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/sendTest"):
            key = request.headers["api-key"]
            return httpx.Response(400, json={"code": "invalid_parameter", "message": f"bad {key}"})
        return fake.handler(request)

    client = httpx.Client(transport=httpx.MockTransport(echoing))
    logs: list[str] = []
    options = SendOptions("brevo", test_to=("x@example.org",))
    with pytest.raises(Rejected) as info:
        send_issue(issue, options, env=ENV, client=client, clock=FakeClock(), log=logs.append)
    assert info.value.message.startswith("en: brevo: POST /emailCampaigns/1/sendTest → HTTP 400")
    assert "bad ***" in info.value.message
    written = [p.read_text(errors="replace") for p in issue.parent.parent.rglob("*") if p.is_file()]
    outputs = [info.value.message, *logs, *written, *capsys.readouterr()]
    assert not [text for text in outputs if BREVO_KEY in text]


def test_ledger_is_written_after_every_step(issue: Path, fake: FakeBrevo) -> None:
    fake.faults.append(Fault("PUT", r"/v3/emailCampaigns/\d+", "crash"))
    with pytest.raises(SimulatedCrash):
        run(issue, fake, test_to=("x@example.org",))
    entry = ledger(issue)["providers"]["brevo"]["languages"]["en"]
    assert [s["state"] for s in entry["steps"]] == ["created", "tested"]
    assert entry["campaign_id"] == "1"


def test_schedule_keeps_the_explicit_offset(issue: Path, fake: FakeBrevo) -> None:
    run(issue, fake)
    scheduled = {c["scheduledAt"] for c in fake.campaigns.values()}
    assert scheduled == {"2030-06-03T09:00:00+02:00"}
    assert dt.datetime.fromisoformat(scheduled.pop()).utcoffset() == dt.timedelta(hours=2)


def test_complete_only_when_every_language_is_scheduled(issue: Path, fake: FakeBrevo) -> None:
    run(issue, fake, langs=("de",))
    assert ledger(issue)["providers"]["brevo"]["complete"] is False
    run(issue, fake, test_to=("x@example.org",), test_only=True)
    assert ledger(issue)["providers"]["brevo"]["complete"] is False
    assert {c["status"] for c in fake.campaigns.values()} == {"draft", "queued"}
    before = len(fake.tests)
    run(issue, fake, test_to=("x@example.org",))  # tested already: no second test
    assert len(fake.tests) == before
    assert ledger(issue)["providers"]["brevo"]["complete"] is True
    assert_once_each(fake)
