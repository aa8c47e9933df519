"""The deliverability settings in issue.toml and the environment: defaults, every problem at
once (key, line, fix), and a bad NEWSLETTER_SKIP_CHECKS refused before any stage runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import load_issue
from pipeline.config_delivery import DEFAULT_EMAIL_CLIENTS, Utm, expand_clients
from pipeline.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
ISSUE = ROOT / "issues" / "2024-06-belgian-presidency"


def test_defaults_when_the_keys_are_absent() -> None:
    config = load_issue(ISSUE / "issue.toml")
    assert config.max_spam_score == 3.0
    assert config.email_clients == DEFAULT_EMAIL_CLIENTS
    assert config.utm == Utm()
    assert config.utm.parameters(config.slug, "el") == {
        "utm_source": "newsletter", "utm_medium": "email",
        "utm_campaign": "2024-06-belgian-presidency", "utm_content": "el",
    }  # fmt: skip
    assert config.send.to is None
    assert "outlook.windows" in expand_clients(config.email_clients)
    assert "gmail.ios" in expand_clients(config.email_clients)  # a family is every platform


def with_lines(tmp_path: Path, top: str, send: str = "", tail: str = "") -> Path:
    """The seed issue.toml with ``top`` first, ``send`` in [send] and ``tail`` (tables) last."""
    text = (ISSUE / "issue.toml").read_text(encoding="utf-8")
    text = top + "\n" + text.replace("[send]\n", f"[send]\n{send}\n", 1) + "\n" + tail
    path = tmp_path / "issues" / "2024-09-test" / "issue.toml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_values_are_read(tmp_path: Path) -> None:
    path = with_lines(
        tmp_path,
        'max_spam_score = 1\nemail_clients = ["outlook.windows", "*.ios"]',
        'to = "CECOP readers <readers@cecop.coop>"',
        '[utm]\nsource = "cecop"\ncontent = "{lang}-{slug}"\n',
    )
    config = load_issue(path)
    assert config.max_spam_score == 1.0
    assert config.email_clients == ("outlook.windows", "*.ios")
    assert config.utm == Utm(source="cecop", content="{lang}-{slug}")
    assert config.utm.parameters("s", "de")["utm_content"] == "de-s"
    assert config.send.to == "CECOP readers <readers@cecop.coop>"


def test_every_problem_is_named_at_once(tmp_path: Path) -> None:
    path = with_lines(
        tmp_path,
        'max_spam_score = "low"\nemail_clients = ["gmial", "outlook.windows"]\nutm = "yes"',
        'to = "nobody"',
    )
    with pytest.raises(ConfigError) as info:
        load_issue(path)
    problems = "\n".join(info.value.details)
    assert "line 1: 'max_spam_score' must be a number ≥ 0" in problems
    assert "line 2: 'email_clients' names no known client: gmial." in problems
    assert "'utm' must be false (no campaign parameters) or a table [utm]" in problems
    assert "'send.to' \"nobody\" is not an e-mail address" in problems
    assert len(info.value.details) == 4


def test_bad_utm_tables_name_the_key(tmp_path: Path) -> None:
    tail = '[utm]\nterm = "x"\nsource = "has space"\ncontent = "{language}"\n'
    path = with_lines(tmp_path, "", tail=tail)
    with pytest.raises(ConfigError) as info:
        load_issue(path)
    problems = "\n".join(info.value.details)
    assert "'utm.term' is not a campaign parameter" in problems
    assert "'utm.source' must be a string of letters" in problems
    assert "'utm.content' may only use the fields {slug} and {lang}" in problems


def test_utm_false_turns_parameters_off(tmp_path: Path) -> None:
    assert load_issue(with_lines(tmp_path, "utm = false")).utm is None


def test_an_unknown_check_to_skip_is_refused_before_any_stage(tmp_path: Path) -> None:
    issue = tmp_path / "issues" / "2024-06-belgian-presidency"
    shutil.copytree(ISSUE, issue)
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "build", str(issue), "--until", "ingest"],
        capture_output=True, text=True, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "NEWSLETTER_SKIP_CHECKS": "spam,spelling"},
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.startswith(
        "error: NEWSLETTER_SKIP_CHECKS: unknown check spelling. Use a comma-separated list of"
    )
    assert not (tmp_path / "build").exists()


def test_a_check_left_out_on_purpose_says_so_in_the_report(tmp_path: Path) -> None:
    from pipeline.render import render_email
    from pipeline.render.deliver import DeliveryOptions, check_delivery
    from pipeline.store import IssuePaths
    from tests.support import render as fx

    options = DeliveryOptions.from_env(env={"NEWSLETTER_SKIP_CHECKS": " spam, a11y,clients "})
    assert options.skip == {"spam", "a11y", "clients"}
    result = render_email(fx.config(), fx.german(), provider="brevo", languages=("en", "de"))
    paths = IssuePaths.for_issue(fx.ISSUE_DIR, tmp_path)
    checked = check_delivery(fx.config(), paths, {"de": result}, options)
    assert [(n.level, n.code) for n in checked.notes] == [
        ("info", "accessibility-check-skipped"),
        ("info", "client-check-skipped"),
        ("info", "spam-check-skipped"),
    ]
    assert all("unset it before sending" in n.message for n in checked.notes)
    assert checked.results["de"].spam is None
