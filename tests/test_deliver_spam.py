"""The spam check: real SpamAssassin (local rules) scores every language ≤ 1.0, catches the
message as it was before (no To, a preheader coloured like its page), and a missing, failing
or hanging SpamAssassin is one note, never a crash.

With SpamAssassin absent the real-tool tests skip (fail with CI set: .ci/run installs it).
"""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path

import pytest

from pipeline.config import IssueConfig, load_issue
from pipeline.document import Document
from pipeline.render import RenderResult, render_email
from pipeline.render import spam as spam_module
from pipeline.render.deliver import DeliveryOptions, check_delivery
from pipeline.render.spam import find_spamassassin, score_messages
from pipeline.store import IssuePaths
from tests.support import render as fx
from tests.support.deliver import before_the_fix, tool_notes, unavailable

SEED_TOML = fx.SEED_ISSUE / "issue.toml"
ONLY_SPAM = DeliveryOptions(skip=frozenset({"clients", "a11y"}))


def seed_config() -> IssueConfig:
    return load_issue(SEED_TOML)


def seed_source(config: IssueConfig) -> Document:
    fields = {"title": config.title, "subject": config.subject, "preheader": config.preheader,
              "pull_quote": config.pull_quote or ""}  # fmt: skip
    return dataclasses.replace(fx.seed_document(), fields=fields)


def languages() -> dict[str, tuple[IssueConfig, Document]]:
    """en (the seed), de (hand-written German), el and bg (the seed in Greek and Cyrillic
    letters: non-Latin UTF-8 text and RFC 2047 subjects, as real el/bg issues have)."""
    seed = seed_config()
    source = seed_source(seed)
    return {
        "en": (seed, source),
        "de": (fx.config(), fx.german()),
        "el": (seed, fx.relabel(source, "el", "greek")),
        "bg": (seed, fx.relabel(source, "bg", "cyrillic")),
    }


def rendered() -> dict[str, RenderResult]:
    langs = languages()
    return {
        lang: render_email(cfg, doc, provider="brevo", languages=list(langs))
        for lang, (cfg, doc) in langs.items()
    }


@pytest.fixture(scope="module")
def spamassassin() -> str:
    found = find_spamassassin()
    if found is None:
        unavailable("no spamassassin (apt-get install spamassassin)")
    return found


@pytest.mark.deliverability
def test_every_language_scores_at_most_one_point(spamassassin: str) -> None:
    results = rendered()
    scores = score_messages({lang: r.eml for lang, r in results.items()}, spamassassin)
    assert {lang: s.score <= 1.0 for lang, s in scores.items()} == dict.fromkeys(results, True), {
        lang: [(r.name, r.score) for r in s.rules] for lang, s in scores.items()
    }


@pytest.mark.deliverability
def test_the_old_message_is_caught_with_the_rules_that_caused_it(
    spamassassin: str, tmp_path: Path
) -> None:
    result = rendered()["el"]
    old = dataclasses.replace(result, eml=before_the_fix(result.eml))
    checked = check_delivery(
        seed_config(), IssuePaths.for_issue(fx.ISSUE_DIR, tmp_path), {"el": old}, ONLY_SPAM
    )
    spam = checked.results["el"].spam
    assert spam is not None and spam["score"] > 3.0 and spam["max"] == 3.0
    names = {rule["name"] for rule in spam["rules"]}
    assert {"REPLYTO_WITHOUT_TO_CC", "MISSING_HEADERS", "HTML_FONT_LOW_CONTRAST"} <= names
    [high] = [f for f in checked.results["el"].findings if f.code == "spam-score-high"]
    assert high.level == "warning" and "REPLYTO_WITHOUT_TO_CC 2.4" in high.message
    assert tool_notes(checked.notes) == []


# ---------------------------------------------------------------- a missing or broken tool


def fake_spamassassin(tmp_path: Path, body: str) -> str:
    script = tmp_path / "spamassassin"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def check_with(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: str) -> list[str]:
    monkeypatch.setenv("SPAMASSASSIN", command)
    result = render_email(fx.config(), fx.german(), provider="brevo", languages=("en", "de"))
    checked = check_delivery(
        fx.config(), IssuePaths.for_issue(fx.ISSUE_DIR, tmp_path), {"de": result}, ONLY_SPAM
    )
    assert checked.results["de"].spam is None
    assert checked.results["de"].findings == result.findings  # nothing added, nothing lost
    return [f"{n.level} {n.code}: {n.message}" for n in tool_notes(checked.notes)]


def test_without_spamassassin_the_check_is_skipped_with_one_note(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    [note] = check_with(monkeypatch, tmp_path, str(tmp_path / "no-such-command"))
    assert note.startswith("info spam-check-skipped")
    assert "apt-get install spamassassin" in note


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("echo 'config: bad rule' >&2; exit 2", "exited with 2: config: bad rule"),
        ("cat >/dev/null; echo 'From x'; echo 'Subject: no score here'", "score headers"),
        ("cat >/dev/null; exec sleep 5", "no answer within"),
    ],
)
def test_a_failing_spamassassin_is_one_warning_note(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, body: str, says: str
) -> None:
    monkeypatch.setattr(spam_module, "START_SECONDS", 0.5)
    monkeypatch.setattr(spam_module, "PER_MESSAGE_SECONDS", 0.0)
    [note] = check_with(monkeypatch, tmp_path, fake_spamassassin(tmp_path, body))
    assert note.startswith("warning spam-check-failed") and says in note


# ---------------------------------------------------------------- kept by content


@pytest.mark.deliverability
def test_an_unchanged_email_is_not_scored_again(
    spamassassin: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A warm rebuild renders byte-identical messages: their scores come from the cache, and
    only a changed message (or a changed SpamAssassin) runs the tool again."""
    calls = tmp_path / "calls"
    wrapper = fake_spamassassin(tmp_path, f'echo run >> "{calls}"; exec "{spamassassin}" "$@"')
    monkeypatch.setenv("SPAMASSASSIN", wrapper)
    results = rendered()
    paths = IssuePaths.for_issue(fx.ISSUE_DIR, tmp_path / "out")

    def scores(given: dict[str, RenderResult]) -> dict[str, object]:
        checked = check_delivery(seed_config(), paths, given, ONLY_SPAM)
        assert tool_notes(checked.notes) == []
        return {lang: r.spam for lang, r in checked.results.items()}

    first = scores(results)
    assert calls.read_text().count("run") == 1
    assert scores(results) == first and calls.read_text().count("run") == 1
    changed = dataclasses.replace(results["de"], eml=results["de"].eml.replace(b"Die ", b"Der "))
    assert scores({**results, "de": changed}) == first
    assert calls.read_text().count("run") == 2  # only the changed message was scored


def test_a_damaged_stored_result_is_a_miss_not_an_error(tmp_path: Path) -> None:
    from pipeline.render.checkcache import CheckCache

    cache = CheckCache("spam", "tool@1", tmp_path)
    stored, todo = cache.split({"de": b"message"})
    assert stored == {} and list(todo) == ["de"]
    cache.put_all(todo, {"de": {"score": 0.0, "rules": []}}, ["de"])
    assert cache.split({"de": b"message"})[0] == {"de": {"score": 0.0, "rules": []}}
    (cache.folder / f"{todo['de']}.json").write_text("{not json", encoding="utf-8")
    assert cache.split({"de": b"message"}) == ({}, todo)
    assert CheckCache("spam", "tool@2", tmp_path).split({"de": b"message"})[0] == {}
