"""Hostile answers, duplicate campaigns, a ledger the provider contradicts, runs racing on two
machines, and secrets that must never show: each defect of issue 10, one test or more."""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline.errors import ConfigError, PipelineError, Rejected, SendRefused, UnexpectedAnswer
from pipeline.send.plan import SendOptions
from pipeline.send.run import SendResult, send_issue
from tests.support.send_chaos import Baton
from tests.support.send_fakes import (
    BREVO_KEY,
    ENV,
    LISTMONK_TOKEN,
    FakeBase,
    FakeBrevo,
    FakeClock,
    FakeListmonk,
    Fault,
    openapi,
    serve,
    specs_available,
)
from tests.support.send_fixtures import SLUG, make_send_build, newsletter_env

pytestmark = pytest.mark.skipif(
    not specs_available(), reason="../shared/specs (the providers' OpenAPI files) is absent"
)
LANGS = ("en", "de", "fr", "el")
LISTING = {"brevo": "/v3/emailCampaigns", "listmonk": "/api/campaigns"}
Handler = Callable[[httpx.Request], httpx.Response]


def make_fake(provider: str) -> FakeBase:
    openapi(provider)
    return FakeBrevo() if provider == "brevo" else FakeListmonk()


def run(
    issue: Path, provider: str, handler: Handler, logs: list[str] | None = None,
    out: Path | None = None, **options: Any,
) -> SendResult:  # fmt: skip
    client = httpx.Client(transport=httpx.MockTransport(handler))
    log = logs.append if logs is not None else (lambda _: None)
    return send_issue(
        issue, SendOptions(provider, **options), out=out, env=ENV[provider], client=client,
        clock=FakeClock(), log=log,
    )  # fmt: skip


def answering(fake: FakeBase, method: str, path: str, body: bytes, status: int = 200) -> Handler:
    """``fake``, except that requests ``method path`` get ``body`` (after the fake did the work)."""

    def handler(request: httpx.Request) -> httpx.Response:
        response = fake.handler(request)
        if request.method == method and request.url.path == path:
            return httpx.Response(status, content=body)
        return response

    return handler


def ledger_of(issue: Path) -> Path:
    return issue.parent.parent / "build" / SLUG / "send-ledger.json"


def done(fake: FakeBase) -> dict[str, int]:
    """Campaigns per name that are scheduled or sent at the fake."""
    counts: dict[str, int] = {}
    for campaign in fake.campaigns.values():
        if campaign["status"] in fake.done_states():
            counts[campaign["name"]] = counts.get(campaign["name"], 0) + 1
    return counts


def assert_once_each(fake: FakeBase, langs: tuple[str, ...] = LANGS) -> None:
    assert fake.violations == [] and fake.sent_twice() == []
    assert done(fake) == {f"{SLUG}-{lang}": 1 for lang in langs}
    assert len(fake.deliveries) == len(langs)


# -- 1. unknown is not empty -----------------------------------------------------------------

BAD_LISTINGS = {
    "brevo": [
        b'{"count": 4, "campaigns": [{"id": 1, "name": "2030-06-se',  # truncated
        b'{"campaigns": null, "count": 4}',
        b'{"count": 4}',
        b"{}",
        b"null",
        b"[]",
        b'{"count": 1, "campaigns": [{"name": "2030-06-send-test-de", "status": "queued"}]}',
        b'{"count": 1, "campaigns": [{"id": "1", "name": "x", "status": "queued"}]}',
        b'{"count": 1, "campaigns": [{"id": 1, "name": "x", "status": null}]}',
        b'{"count": "4", "campaigns": []}',
    ],
    "listmonk": [
        b'{"data": {"results": [{"id": 1, "na',
        b'{"data": null}',
        b'{"data": {"results": null, "total": 4}}',
        b'{"data": {"total": 4}}',
        b'{"data": {"results": [], "total": "4"}}',
        b'{"data": {"results": [{"id": 1, "status": "scheduled"}], "total": 1}}',
        b"null",
    ],
}
CASES = [(p, body) for p, bodies in BAD_LISTINGS.items() for body in bodies]


@pytest.mark.parametrize(
    ("provider", "body"), CASES, ids=[f"{p}-{i}" for i, (p, _) in enumerate(CASES)]
)
@pytest.mark.parametrize("ledger", ["kept", "lost"])
def test_a_malformed_listing_stops_the_rerun_before_any_change(
    tmp_path: Path, provider: str, body: bytes, ledger: str
) -> None:
    """Before: a truncated listing or {"campaigns": null} read as "no campaigns", and every
    language was created and scheduled again (with the ledger lost, as in CI)."""
    issue = make_send_build(tmp_path, provider=provider, langs=LANGS)
    fake = make_fake(provider)
    run(issue, provider, fake.handler)
    if ledger == "lost":
        ledger_of(issue).unlink()
    before = len(fake.mutating_calls())
    with pytest.raises(UnexpectedAnswer) as info:
        run(issue, provider, answering(fake, "GET", LISTING[provider], body))
    assert fake.mutating_calls()[before:] == []
    message = info.value.message
    assert message.startswith(f"{provider}: GET /{LISTING[provider].split('/')[-1]} answered with")
    assert "nothing more was changed" in message and "run the same command again" in message
    assert info.value.exit_code == 2 and "\n" not in message
    assert_once_each(fake)


@pytest.mark.parametrize(
    "body", [b"{}", b'{"id": null}', b'{"id": "7"}', b'{"id": 7', b"[1]", b"null"]
)
def test_a_malformed_create_answer_stops_cleanly_and_the_rerun_finishes(
    tmp_path: Path, body: bytes
) -> None:
    """Before: a TypeError traceback in send/brevo.py. The campaign was created; the re-run
    finds it by name and goes on with it."""
    issue = make_send_build(tmp_path, langs=LANGS)
    fake = make_fake("brevo")
    with pytest.raises(UnexpectedAnswer) as info:
        run(issue, "brevo", answering(fake, "POST", "/v3/emailCampaigns", body, 201))
    assert info.value.message.startswith("brevo: POST /emailCampaigns answered with")
    assert len(fake.campaigns) == 1 and fake.deliveries == []
    run(issue, "brevo", fake.handler)
    assert_once_each(fake)


def test_a_malformed_get_while_reconciling_stops_and_the_rerun_finishes(tmp_path: Path) -> None:
    issue = make_send_build(tmp_path, provider="listmonk", langs=LANGS)
    fake = make_fake("listmonk")
    fake.faults.append(Fault("PUT", r"/api/campaigns/\d+/status", "timeout-after"))
    handler = answering(fake, "GET", "/api/campaigns/1", b'{"data": {"id": 1, "status": 3}}')
    with pytest.raises(UnexpectedAnswer, match=r"GET /campaigns/1 answered with \"status\""):
        run(issue, "listmonk", handler)
    run(issue, "listmonk", fake.handler)
    assert_once_each(fake)


def test_a_malformed_answer_is_one_error_line_from_the_command(tmp_path: Path) -> None:
    issue = make_send_build(tmp_path, langs=("en", "de"))
    fake = make_fake("brevo")
    handler = answering(fake, "POST", "/v3/emailCampaigns", b'{"id": null}', 201)
    with serve(handler) as url:
        env = {"BREVO_API_KEY": BREVO_KEY, "BREVO_API_URL": url + "/v3"}
        done_ = subprocess.run(
            [sys.executable, "-m", "pipeline", "send", str(issue), "--provider", "brevo"],
            cwd=tmp_path, env=newsletter_env(env), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert done_.returncode == 2, done_.stderr
    errors = [line for line in done_.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        'error: brevo: POST /emailCampaigns answered with "id" as null instead of a whole '
        "number. The state at brevo is unknown, so nothing more was changed; check the service "
        "(or the proxy in front of it) and run the same command again."
    ]
    assert "Traceback" not in done_.stderr


def test_the_ledger_is_evidence_a_campaign_it_records_must_be_shown(tmp_path: Path) -> None:
    issue = make_send_build(tmp_path, langs=LANGS)
    fake = make_fake("brevo")
    run(issue, "brevo", fake.handler)
    de = next(cid for cid, c in fake.campaigns.items() if c["name"].endswith("-de"))
    fake.campaigns.pop(de)  # the provider no longer shows it (deleted in the UI, other account)
    before = len(fake.mutating_calls())
    for dry_run in (True, False):
        with pytest.raises(SendRefused) as info:
            run(issue, "brevo", fake.handler, dry_run=dry_run)
        (problem,) = info.value.details
        assert problem.startswith(f"de: {ledger_of(issue)} records campaign #{de} ")
        assert "as scheduled, but brevo does not show it" in problem
        assert "move the ledger aside and re-run" in problem
    assert fake.mutating_calls()[before:] == []
    ledger_of(issue).rename(ledger_of(issue).with_suffix(".old"))  # the documented way out
    assert run(issue, "brevo", fake.handler).done == list(LANGS)
    assert done(fake)[f"{SLUG}-de"] == 1


# -- 2. duplicates are settled, never chosen at random ---------------------------------------


@pytest.mark.parametrize("provider", ["brevo", "listmonk"])
def test_duplicate_drafts_keep_the_oldest_and_delete_the_others(
    tmp_path: Path, provider: str
) -> None:
    issue = make_send_build(tmp_path, provider=provider, langs=LANGS)
    fake = make_fake(provider)
    run(issue, provider, fake.handler, test_only=True)  # drafts for every language
    de = next(cid for cid, c in fake.campaigns.items() if c["name"].endswith("-de"))
    twin = fake.next_id
    fake.campaigns[twin] = {**fake.campaigns[de], "id": twin}  # a second draft of the name
    fake.next_id += 1
    logs: list[str] = []
    dry = run(issue, provider, fake.handler, logs, dry_run=True)
    assert f"delete duplicate drafts #{twin} (draft)" in "\n".join(logs)
    assert next(s.drop for s in dry.steps if s.message.lang == "de")[0].id == str(twin)
    run(issue, provider, fake.handler, logs)
    assert twin in fake.deleted and de in fake.campaigns
    assert f"de: deleted duplicate draft #{twin} of '{SLUG}-de' (keeping #{de}, draft)" in logs
    assert_once_each(fake)


def test_a_scheduled_campaign_wins_over_drafts_of_its_name(tmp_path: Path) -> None:
    issue = make_send_build(tmp_path, langs=LANGS)
    fake = make_fake("brevo")
    draft = fake.preload(f"{SLUG}-de", tag=SLUG)
    queued = fake.preload(f"{SLUG}-de", status="queued", tag=SLUG)
    run(issue, "brevo", fake.handler)
    assert draft in fake.deleted and fake.campaigns[queued]["status"] == "queued"
    assert ("PUT", f"/v3/emailCampaigns/{queued}") not in fake.calls
    fake.deliveries.append(queued)  # it was scheduled before this test began
    assert_once_each(fake)


@pytest.mark.parametrize("statuses", [("queued", "queued"), ("sent", "queued")])
def test_two_scheduled_or_sent_of_one_name_stop_with_their_ids(
    tmp_path: Path, statuses: tuple[str, str]
) -> None:
    issue = make_send_build(tmp_path, langs=LANGS)
    fake = make_fake("brevo")
    ids = [fake.preload(f"{SLUG}-fr", status=s, tag=SLUG) for s in statuses]
    with pytest.raises(SendRefused) as info:
        run(issue, "brevo", fake.handler)
    (problem,) = info.value.details
    assert problem.startswith(f"fr: 2 campaigns named '{SLUG}-fr' are scheduled or sent")
    assert f"#{ids[0]} ({statuses[0]}), #{ids[1]} ({statuses[1]})" in problem
    assert "cancel or delete all but one" in problem
    assert fake.mutating_calls() == []


# -- 3. races between machines (the lock covers one machine; see test_send_chaos) ------------


@pytest.mark.parametrize("provider", ["brevo", "listmonk"])
@pytest.mark.parametrize("now", [False, True])
def test_two_machines_racing_end_with_one_campaign_per_language(
    tmp_path: Path, provider: str, now: bool
) -> None:
    """Before: two sends started together both exited 0 with every language scheduled twice
    (9 trials in 10). Each seed below is one interleaving, request by request."""
    send_at = "2030-05-01T09:00:00+02:00" if now else "2030-06-03T09:00:00+02:00"
    for seed in range(12):
        root = tmp_path / str(seed)
        issue = make_send_build(root, provider=provider, langs=LANGS, send_at=send_at)
        other = root / "laptop" / SLUG
        shutil.copytree(root / "build" / SLUG, other)
        fake = make_fake(provider)
        baton = Baton(random.Random(seed))
        fake.before = baton.point
        results = baton.run(
            {
                "ci": lambda i=issue, f=fake: run(i, provider, f.handler, now=now),
                "laptop": lambda i=issue, f=fake, o=other: run(
                    i, provider, f.handler, out=o, now=now
                ),
            }
        )
        for name, result in results.items():
            assert isinstance(result, SendResult), f"seed {seed}: {name}: {result!r}"
            assert result.done == list(LANGS)
        assert_once_each(fake)


# -- 5. secrets ------------------------------------------------------------------------------


def test_a_key_echoed_at_the_end_of_a_long_error_is_masked_before_it_is_cut(
    tmp_path: Path,
) -> None:
    issue = make_send_build(tmp_path, langs=("en",))
    fake = make_fake("brevo")
    text = "Invalid request. " + "Details follow. " * 17 + f"api-key={BREVO_KEY} rejected"
    assert 290 < text.index(BREVO_KEY) < 300 < len(text)  # the cut would fall inside the key
    handler = answering(fake, "POST", "/v3/emailCampaigns", text.encode(), 400)
    with pytest.raises(Rejected) as info:
        run(issue, "brevo", handler)
    message = info.value.message
    assert len(message) < 400 and "…" in message
    for fragment in (BREVO_KEY[:8], BREVO_KEY[8:16], BREVO_KEY[-8:]):
        assert fragment not in message


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BREVO_API_KEY", BREVO_KEY[:10] + "\n" + BREVO_KEY[10:]),
        ("BREVO_API_KEY", BREVO_KEY + "\n"),
        ("BREVO_API_KEY", BREVO_KEY + "\r"),
        ("BREVO_API_URL", "https://brevo.test/v3\n"),
        ("LISTMONK_TOKEN", LISTMONK_TOKEN[:5] + "\x1b" + LISTMONK_TOKEN[5:]),
        ("LISTMONK_USER", "api\tuser"),
    ],
)
def test_a_secret_with_a_control_character_is_refused_naming_the_variable(
    tmp_path: Path, variable: str, value: str
) -> None:
    """Before: a key with a newline was printed whole in httpx's "Illegal header value"
    message, as a connection failure (exit 1)."""
    provider = "brevo" if variable.startswith("BREVO") else "listmonk"
    issue = make_send_build(tmp_path, provider=provider, langs=("en",))
    env = {**ENV[provider], variable: value}
    bare = value.strip()
    for args in (["send", str(issue)], ["send", str(issue), "--dry-run"]):
        done_ = subprocess.run(
            [sys.executable, "-m", "pipeline", *args, "--provider", provider],
            cwd=tmp_path, env=newsletter_env(env), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done_.returncode == 2, done_.stderr
        assert done_.stderr.startswith(f"error: {variable} contains a line break or another")
        assert "Traceback" not in done_.stderr
        for part in bare.replace("\x1b", "\n").replace("\t", "\n").split("\n"):
            assert len(part) < 4 or part not in done_.stderr + done_.stdout
    with pytest.raises(ConfigError, match=variable):
        send_issue(issue, SendOptions(provider, dry_run=True), env=env, clock=FakeClock())


def test_due_refuses_a_broken_secret_and_a_malformed_listing(tmp_path: Path) -> None:
    from pipeline.send.due import due_issues, provider_check

    make_send_build(tmp_path, langs=("en",), send_at="2030-06-01T09:00:00+00:00")
    fake = make_fake("brevo")
    client = httpx.Client(transport=httpx.MockTransport(
        answering(fake, "GET", "/v3/emailCampaigns", b'{"campaigns": null, "count": 1}')
    ))  # fmt: skip
    with pytest.raises(ConfigError, match="BREVO_API_KEY contains a line break"):
        provider_check("brevo", {**ENV["brevo"], "BREVO_API_KEY": "a\nb"}, client)
    check = provider_check("brevo", ENV["brevo"], client, clock=FakeClock())
    with pytest.raises(UnexpectedAnswer, match="GET /emailCampaigns answered with"):
        due_issues(tmp_path / "issues", dt.date(2030, 6, 2), sent_at_provider=check)


def test_no_failure_path_leaks_a_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every failure above, once more, with every output, log, message and file searched."""
    issue = make_send_build(tmp_path, langs=("en", "de"))
    outputs: list[str] = []

    def echo(request: httpx.Request) -> httpx.Response:
        key = request.headers.get("api-key", "")
        return httpx.Response(500, text=f"upstream said: bad key {key} " + "." * 400)

    fake = make_fake("brevo")
    handlers: list[Handler] = [
        echo,
        answering(fake, "GET", "/v3/emailCampaigns", b'{"campaigns": null}'),
        answering(fake, "POST", "/v3/emailCampaigns", BREVO_KEY.encode(), 201),
        answering(fake, "POST", "/v3/emailCampaigns", f"key {BREVO_KEY}".encode(), 403),
    ]
    for handler in handlers:
        logs: list[str] = []
        with pytest.raises(PipelineError) as info:
            run(issue, "brevo", handler, logs)
        outputs += [info.value.message, *info.value.details, *logs]
    files = [p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file()]
    everything = "\n".join([*outputs, *files, *capsys.readouterr()])
    assert BREVO_KEY not in everything and BREVO_KEY[:12] not in everything
    assert json.loads(ledger_of(issue).read_text())["issue"] == SLUG
