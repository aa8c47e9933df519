"""Send to a fake listmonk: requests checked against listmonk's OpenAPI spec (and its
Authorization header by hand), the bare template, Go-template errors, faults and resumes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline.errors import Rejected, TransientError
from pipeline.send.listmonk import TEMPLATE_BODY, TEMPLATE_NAME
from pipeline.send.plan import SendOptions
from pipeline.send.run import SendResult, send_issue
from tests.support.send_fakes import (
    LISTMONK_TOKEN,
    LISTMONK_USER,
    FakeClock,
    FakeListmonk,
    Fault,
    SimulatedCrash,
    go_template_error,
    openapi,
    specs_available,
)
from tests.support.send_fixtures import SLUG, html_for, make_send_build

LANGS = ("en", "de", "fr")
NAMES = {f"{SLUG}-{lang}" for lang in LANGS}
ENV = {"LISTMONK_URL": "https://lists.test/", "LISTMONK_USER": LISTMONK_USER,
       "LISTMONK_TOKEN": LISTMONK_TOKEN}  # fmt: skip


@pytest.fixture(scope="session")
def listmonk_spec() -> Any:
    if not specs_available():
        pytest.skip("../shared/specs (the providers' OpenAPI files) is absent beside the repo")
    return openapi("listmonk")


@pytest.fixture
def issue(tmp_path: Path) -> Path:
    return make_send_build(tmp_path, provider="listmonk", langs=LANGS)


@pytest.fixture
def fake(listmonk_spec: Any) -> FakeListmonk:
    return FakeListmonk()


def run(issue: Path, fake: FakeListmonk, env: dict[str, str] = ENV, **options: Any) -> SendResult:
    client = httpx.Client(transport=httpx.MockTransport(fake.handler))
    return send_issue(
        issue, SendOptions("listmonk", **options), env=env, client=client, clock=FakeClock(),
        log=lambda _: None,
    )  # fmt: skip


def assert_once_each(fake: FakeListmonk) -> None:
    assert fake.violations == []
    assert set(fake.by_name()) == NAMES
    assert fake.duplicates() == []
    assert sorted(fake.deliveries) == sorted(fake.campaigns)


def test_campaigns_use_the_bare_template_and_full_html(issue: Path, fake: FakeListmonk) -> None:
    run(issue, fake, test_to=("reviewer@example.org",))
    assert_once_each(fake)
    (template,) = fake.templates.values()
    assert template["name"] == TEMPLATE_NAME and template["body"] == TEMPLATE_BODY
    for campaign in fake.campaigns.values():
        lang = campaign["name"].rsplit("-", 1)[1]
        assert campaign["template_id"] == template["id"]
        assert campaign["body"] == html_for(lang, "listmonk")
        assert campaign["altbody"] == f"Text in {lang}.\n"
        assert campaign["content_type"] == "html" and campaign["lists"] == [1]
        assert campaign["tags"] == [SLUG] and campaign["status"] == "scheduled"
        assert campaign["send_at"] == "2030-06-03T07:00:00Z"  # 09:00+02:00 in UTC
        assert campaign["headers"] == [{"Reply-To": "info@example.org"}]
    assert sorted(subs for _, subs in fake.tests) == [["reviewer@example.org"]] * 3


def test_template_is_reused_and_a_rerun_changes_nothing(issue: Path, fake: FakeListmonk) -> None:
    run(issue, fake)
    before = len(fake.calls)
    run(issue, fake)
    assert fake.calls[before:] == [("GET", "/api/campaigns")]
    other = make_send_build(issue.parent.parent, provider="listmonk", slug="2030-07-next")
    run(other, fake)
    assert len(fake.templates) == 1
    assert ("POST", "/api/templates") not in fake.calls[before:]


def test_a_changed_template_body_is_restored(issue: Path, fake: FakeListmonk) -> None:
    fake.templates[100] = {"id": 100, "name": TEMPLATE_NAME, "type": "campaign", "body": "x"}
    run(issue, fake)
    assert fake.templates[100]["body"] == TEMPLATE_BODY
    assert {c["template_id"] for c in fake.campaigns.values()} == {100}


def test_stray_braces_are_rejected_naming_the_language(tmp_path: Path, fake: FakeListmonk) -> None:
    broken = html_for("de", "listmonk", body="Use {{ this } wisely")
    issue = make_send_build(
        tmp_path, provider="listmonk", langs=LANGS, html_overrides={"de": broken}
    )
    with pytest.raises(Rejected) as info:
        run(issue, fake)
    message = info.value.message
    assert message.startswith("de: listmonk: POST /campaigns → HTTP 400")
    assert "Go template" in message and "rebuild" in message
    assert info.value.exit_code == 2
    assert go_template_error(broken) and not go_template_error(html_for("de", "listmonk"))


def test_wrong_token_is_rejected_without_leaking_it(issue: Path, fake: FakeListmonk) -> None:
    env = {**ENV, "LISTMONK_TOKEN": "WRONG-TOKEN-123"}
    with pytest.raises(Rejected) as info:
        run(issue, fake, env=env)
    assert "HTTP 403" in info.value.message and "check the API key or token" in info.value.message
    assert "WRONG-TOKEN-123" not in info.value.message


@pytest.mark.parametrize(
    "fault",
    [
        Fault("POST", "/api/campaigns", "timeout-after", skip=1),
        Fault("POST", "/api/campaigns", "drop-after"),  # between create and send
        Fault("POST", "/api/campaigns", "500", times=2),
        Fault("PUT", r"/api/campaigns/\d+/status", "timeout-after"),
        Fault("PUT", r"/api/campaigns/\d+/status", "drop-after", skip=2),
        Fault("PUT", r"/api/campaigns/\d+", "500", times=2),
        Fault("POST", "/api/templates", "timeout"),
        Fault("GET", "/api/campaigns", "429", reset=3),
    ],
    ids=lambda f: f"{f.kind}-{f.method}-{f.path.rsplit('/', 1)[-1]}-{f.skip}",
)
def test_faults_never_duplicate_a_campaign_or_a_send(
    issue: Path, fake: FakeListmonk, fault: Fault
) -> None:
    fake.faults.append(fault)
    for _ in range(3):
        try:
            result = run(issue, fake)
            break
        except TransientError:
            continue
    assert fault.seen > fault.skip
    assert result.done == list(LANGS)
    assert_once_each(fake)
    assert len(fake.templates) == 1


def test_crash_after_one_language_resumes(issue: Path, fake: FakeListmonk) -> None:
    fake.faults.append(Fault("POST", "/api/campaigns", "crash", skip=1))
    with pytest.raises(SimulatedCrash):
        run(issue, fake)
    assert len(fake.deliveries) == 1
    result = run(issue, fake, now=False)
    assert result.done == list(LANGS)
    assert_once_each(fake)


def test_send_now_sets_running(tmp_path: Path, fake: FakeListmonk) -> None:
    issue = make_send_build(
        tmp_path, provider="listmonk", langs=LANGS, send_at="2030-05-01T09:00:00+00:00"
    )
    run(issue, fake, now=True)
    assert {c["status"] for c in fake.campaigns.values()} == {"running"}
    assert_once_each(fake)
