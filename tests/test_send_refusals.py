"""What the send stage refuses before anything leaves the machine (exit 2, all problems at once),
the outbox provider, and the HTTP error mapping and throttle."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import pytest

from pipeline.errors import ConfigError, SendRefused
from pipeline.send.plan import SendOptions
from pipeline.send.run import send_issue
from tests.support.send_fakes import FakeClock
from tests.support.send_fixtures import SLUG, html_for, make_send_build


def refuse(issue: Path, provider: str = "brevo", **options: object) -> SendRefused:
    with pytest.raises(SendRefused) as info:
        send_issue(
            issue, SendOptions(provider, dry_run=True, **options),  # type: ignore[arg-type]
            env={}, clock=FakeClock(), log=lambda _: None,
        )  # fmt: skip
    assert info.value.exit_code == 2
    return info.value


def test_build_for_another_provider_says_how_to_rebuild(tmp_path: Path) -> None:
    issue = make_send_build(tmp_path, provider="brevo", built_for="listmonk")
    err = refuse(issue)
    assert "rendered for provider 'listmonk'" in err.message
    assert "--provider brevo" in err.message


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    no_link = html_for("fr", "outbox")  # a plain link, no {{ unsubscribe }}
    issue = make_send_build(
        tmp_path, langs=("en", "de", "fr", "hr", "el"), unavailable=("hr",), failed=("el",),
        require_review=True, html_overrides={"fr": no_link},
    )  # fmt: skip
    details = "\n".join(refuse(issue).details)
    assert (
        "hr: unavailable (no argos model for en→hr" in details and "--skip-unavailable" in details
    )
    assert "el: failed its checks (size: too big)" in details
    assert "de: 0% reviewed and issue.toml sets require_review = true" in details
    assert "translations/de.po" in details
    assert "fr: " in details and "has no unsubscribe link ({{ unsubscribe }})" in details
    assert "en:" not in details  # the source needs no review and has its link


def test_skip_unavailable_leaves_the_language_out_with_a_note(tmp_path: Path) -> None:
    issue = make_send_build(tmp_path, langs=("en", "de", "hr"), unavailable=("hr",))
    result = send_issue(
        issue, SendOptions("brevo", dry_run=True, skip_unavailable=True), env={},
        clock=FakeClock(), log=lambda _: None,
    )  # fmt: skip
    assert [s.message.lang for s in result.steps] == ["en", "de"]
    assert result.notes == [
        "hr: left out (unavailable: no argos model for en→hr; add translations/hr.po)"
    ]


def test_missing_build_and_unknown_langs_are_config_errors(tmp_path: Path) -> None:
    issue = make_send_build(tmp_path)
    with pytest.raises(ConfigError, match="--langs pl: not in"):
        send_issue(issue, SendOptions("brevo", langs=("pl",)), env={}, clock=FakeClock())
    (tmp_path / "build" / SLUG / "report.json").unlink()
    with pytest.raises(ConfigError, match=r"report\.json: not found\. Build the issue first"):
        send_issue(issue, SendOptions("brevo"), env={}, clock=FakeClock())
    with pytest.raises(ConfigError, match="provider 'mailchimp' is not supported"):
        send_issue(issue, SendOptions("mailchimp"), env={}, clock=FakeClock())


def test_outbox_writes_one_eml_per_language_and_a_manifest(tmp_path: Path) -> None:
    issue = make_send_build(tmp_path, provider="outbox", langs=("en", "de", "fr"))
    toml = issue / "issue.toml"
    toml.write_text(toml.read_text().replace('provider = "outbox"', 'provider = "brevo"'))
    options = SendOptions("outbox", test_to=("r@example.org",))
    result = send_issue(issue, options, env={}, clock=FakeClock(), log=lambda _: None)
    assert result.done == ["en", "de", "fr"]
    outbox = tmp_path / "build" / SLUG / "outbox"
    manifest = json.loads((outbox / "manifest.json").read_text())
    fr = manifest["campaigns"][f"{SLUG}-fr"]
    assert (
        fr["state"] == "scheduled" and fr["lists"] == [7] and fr["tested_to"] == ["r@example.org"]
    )
    mail = email.message_from_bytes(
        (outbox / f"{SLUG}-fr.eml").read_bytes(), policy=email.policy.default
    )
    assert mail["Subject"] == "Présidence belge : une conversation"
    assert mail["X-Newsletter-Lists"] == "7" and mail["X-Newsletter-Send-At"].startswith(
        "2030-06-03"
    )
    assert mail["Reply-To"] == "info@example.org"
    before = (outbox / "manifest.json").read_bytes()
    send_issue(issue, SendOptions("outbox"), env={}, clock=FakeClock(), log=lambda _: None)
    assert (outbox / "manifest.json").read_bytes() == before  # a re-run changes nothing
