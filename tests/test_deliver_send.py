"""send refuses a language SpamAssassin scored above max_spam_score, naming the rules, and reads
the limit from issue.toml when it sends (not the one the build saw)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.errors import SendRefused
from pipeline.send.plan import SendOptions
from pipeline.send.run import send_issue
from tests.support.send_fakes import FakeClock
from tests.support.send_fixtures import SLUG, make_send_build

RULES = [
    {"name": "REPLYTO_WITHOUT_TO_CC", "score": 2.399, "description": "No description available."},
    {"name": "MISSING_HEADERS", "score": 0.915, "description": "Missing To: header"},
    {"name": "NO_RECEIVED", "score": -0.001, "description": "Informational: no Received headers"},
]


def scored(tmp_path: Path, scores: dict[str, float | None], max_line: str = "") -> Path:
    issue = make_send_build(tmp_path, langs=tuple(scores))
    if max_line:
        toml = issue / "issue.toml"
        toml.write_text(max_line + "\n" + toml.read_text(encoding="utf-8"), encoding="utf-8")
    report_path = tmp_path / "build" / SLUG / "report.json"
    report: dict[str, Any] = json.loads(report_path.read_text(encoding="utf-8"))
    for lang, score in scores.items():
        spam = None if score is None else {"score": score, "max": 3.0, "rules": RULES}
        report["languages"][lang]["spam"] = spam
    report_path.write_text(json.dumps(report), encoding="utf-8")
    return issue


def dry_run(issue: Path) -> None:
    send_issue(
        issue, SendOptions("brevo", dry_run=True), env={}, clock=FakeClock(), log=lambda _: None
    )


def test_a_language_above_the_limit_is_refused_with_its_rules(tmp_path: Path) -> None:
    issue = scored(tmp_path, {"en": 0.0, "de": 3.313, "fr": None})
    with pytest.raises(SendRefused) as info:
        dry_run(issue)
    [problem] = info.value.details
    assert problem.startswith("de: SpamAssassin scores it 3.3, above max_spam_score 3")
    assert "REPLYTO_WITHOUT_TO_CC 2.4 (No description available.)" in problem
    assert "MISSING_HEADERS 0.9 (Missing To: header)" in problem
    assert "NO_RECEIVED" not in problem  # informational rules add no points


def test_the_limit_is_read_from_issue_toml_at_send_time(tmp_path: Path) -> None:
    dry_run(scored(tmp_path / "a", {"en": 0.0, "de": 3.313}, "max_spam_score = 4.0"))
    with pytest.raises(SendRefused) as info:
        dry_run(scored(tmp_path / "b", {"en": 0.5}, "max_spam_score = 0"))
    assert info.value.details[0].startswith(
        "en: SpamAssassin scores it 0.5, above max_spam_score 0 "
    )
