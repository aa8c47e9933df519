"""issue.toml validation: every problem at once, each naming the key and the fix."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import load_issue
from pipeline.errors import ConfigError
from pipeline.languages import EU_LANGUAGES

ROOT = Path(__file__).resolve().parents[1]
ISSUE = ROOT / "issues" / "2024-06-belgian-presidency"


def test_the_first_issue_is_valid_and_complete() -> None:
    config = load_issue(ISSUE / "issue.toml")
    assert config.slug == "2024-06-belgian-presidency"
    assert sorted(config.languages) == sorted(EU_LANGUAGES)
    assert config.languages[0] == config.source_lang == "en"
    assert config.send_at == dt.datetime(2024, 6, 3, 7, 0, tzinfo=dt.UTC)
    assert config.send.lists_for("brevo", "fr") == (7,)
    assert config.send.lists_for("brevo", "de") == (2,)
    assert {link.url for link in config.links} == {"https://www.cecop.coop/", "https://smartbe.be/"}
    assert (ISSUE / "interview.txt").read_bytes() == (
        ROOT.parent / "shared" / "seeds" / "000_b5238b82c366b106.txt"
    ).read_bytes() or not (ROOT.parent / "shared").exists()


BROKEN = """
title = ""
preheader = 42
date = "June"
send_at = 2024-06-03T09:00:00
source_lang = "xx"
languages = ["en", "de", "klingon"]
require_review = "yes"

[organisation]
name = "CECOP"
address = "Brussels"
website = "http://insecure.example"

[[links]]
label = "Go"
url = "/relative"

[send]
provider = "postfix"
sender = { name = "CECOP", email = "not-an-address" }

[send.brevo]
lists = { default = ["two"], xx = [1] }
"""


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "issue.toml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_issue(path)
    assert str(path) in info.value.message
    problems = "\n".join(info.value.details)
    for fragment in [
        "'title' must be a non-empty string, like title = ",
        "'subject' is missing. Add subject = ",
        "'preheader' must be a non-empty string",
        "'date' must be a TOML date, like date = 2024-06-03",
        "'send_at' needs an explicit UTC offset, like send_at = 2024-06-03T09:00:00+02:00",
        "'source_lang' \"xx\" is not an EU language code",
        "'languages' has codes that are not EU languages: klingon",
        "'require_review' must be true or false",
        "'organisation.website' must be an absolute https:// URL",
        "'links[0].url' must be an absolute https:// URL",
        "'send.provider' 'postfix' is not supported; use one of brevo, listmonk, outbox.",
        "'send.sender.email' \"not-an-address\" is not an e-mail address",
        "'send.brevo.lists.default' must be a list of positive list ids",
        "'send.brevo.lists.xx' \"xx\" is not an EU language code",
    ]:
        assert fragment in problems
    assert len(info.value.details) == 14
    assert "line 5: 'send_at' needs an explicit UTC offset" in problems  # the line, when known
    assert "line 17: 'links[0].url'" in problems
    assert "line 21: 'send.sender.email'" in problems


def test_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "issue.toml"
    path.write_text('title = "unterminated\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"issue.toml: not valid TOML: .*line 1"):
        load_issue(path)


def test_cli_reports_config_problems_with_exit_2(tmp_path: Path) -> None:
    issue = tmp_path / "issues" / "2024-07-broken"
    shutil.copytree(ISSUE, issue)
    text = (issue / "issue.toml").read_text(encoding="utf-8")
    (issue / "issue.toml").write_text(text.replace('subject = "', 'subjekt = "'), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "build", str(issue), "--until", "ingest"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2
    assert (
        proc.stderr.splitlines()[0]
        == f"error: {issue}/issue.toml: 2 problems in the issue settings"
    )
    assert "'subject' is missing. Add subject = " in proc.stderr
    assert "line 5: 'subjekt' is not a known key here" in proc.stderr
    assert "Did you mean 'subject'?" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "build").exists()


def test_build_until_ingest_writes_the_document_beside_issues(tmp_path: Path) -> None:
    issue = tmp_path / "issues" / "2024-06-belgian-presidency"
    shutil.copytree(ISSUE, issue)
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "build", "--until", "ingest"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    document = tmp_path / "build" / "2024-06-belgian-presidency" / "document.json"
    assert '"type": "closing"' in document.read_text(encoding="utf-8")


@pytest.mark.parametrize("provider", ["sendgrid", "mailchimp"])
def test_unsupported_provider_is_refused_before_any_stage(tmp_path: Path, provider: str) -> None:
    """Mailchimp has placeholders but no client: build refuses it as send does."""
    issue = tmp_path / "issues" / "2024-06-belgian-presidency"
    shutil.copytree(ISSUE, issue)
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "build", str(issue), "--provider", provider],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert proc.stderr == (
        f"error: --provider: provider '{provider}' is not supported; "
        "use one of brevo, listmonk, outbox.\n"
    )
    assert not (tmp_path / "build").exists()
    assert not (tmp_path / "build").exists()


def test_unknown_keys_and_tables_are_errors_with_a_suggestion(tmp_path: Path) -> None:
    """Before: ``requir_review = true`` loaded as require_review = false (the review gate off)
    and ``[send.brevo_typo]`` was accepted."""
    text = (ISSUE / "issue.toml").read_text(encoding="utf-8")
    text = text.replace("require_review = false", "requir_review = true")
    text = text.replace("[send.listmonk]", "[send.brevo_typo]")
    text += '\n[[links]]\nlabel = "More"\nurll = "https://example.org/"\n'
    path = tmp_path / "issues" / "2024-06-x" / "issue.toml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_issue(path)
    details = info.value.details
    line = text.splitlines().index("requir_review = true") + 1
    assert f"line {line}: 'requir_review' is not a known key here (a typo is never ignored). " \
        "Did you mean 'require_review'?" in details  # fmt: skip
    header = text.splitlines().index("[send.brevo_typo]") + 1
    assert f"line {header}: 'send.brevo_typo' is not a known table here (a typo is never " \
        "ignored). Did you mean 'brevo'?" in details  # fmt: skip
    assert any("'links[2].urll' is not a known key here" in d and "'url'" in d for d in details)
    assert any("'links[2].url' must be an absolute https:// URL" in d for d in details)
    assert len(details) == 4  # reported with the others, all at once


def test_a_setting_is_known_once_its_table_lists_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another stage adding a setting adds one line to ISSUE_KEYS."""
    from pipeline import config

    text = (ISSUE / "issue.toml").read_text(encoding="utf-8")
    text = "archive_after = 30\n" + text + '\n[social]\nposts = { fr = ["mastodon"] }\n'
    path = tmp_path / "issue.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="2 problems"):
        load_issue(path)
    keys = dict(config.ISSUE_KEYS)
    keys[""] = keys[""] | {"archive_after"}
    keys["social"] = frozenset({"posts"})
    monkeypatch.setattr(config, "ISSUE_KEYS", keys)
    assert load_issue(path).title  # posts' languages are data, not keys


def test_the_settings_of_every_stage_are_known(tmp_path: Path) -> None:
    """The keys other stages read (deliverability, engines per language, the .eml's To)."""
    text = (ISSUE / "issue.toml").read_text(encoding="utf-8")
    text = 'max_spam_score = 4.0\nemail_clients = ["gmail"]\n' + text
    text = text.replace(
        'reply_to = "info@cecop.coop"', 'reply_to = "info@cecop.coop"\nto = "x@cecop.coop"'
    )
    text += '\n[utm]\nsource = "news"\n\n[translate]\nengines = { hr = ["apertium"] }\n'
    path = tmp_path / "issue.toml"
    path.write_text(text, encoding="utf-8")
    config = load_issue(path)
    assert config.max_spam_score == 4.0 and config.send.to == "x@cecop.coop"
    assert config.translate.engines_for("hr") == ("apertium",)
