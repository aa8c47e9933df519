"""The whole build, stage after stage, on the seed issue, with the deterministic fake engine.

The engine plumbing is tested with tiny real argos models elsewhere; here the question is
whether the stages fit together: every language's files, report.json, the preview, hr and mt
reported unavailable, a warm rebuild with no engine call, and the outbox send of the result.
"""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import pytest

from pipeline.build import BuildOptions, run_issue
from pipeline.errors import TranslationError
from pipeline.languages import EU_LANGUAGES
from tests.support.fake_engine import FakeEngine, registered
from tests.support.translate import make_project


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSLETTER_CACHE_DIR", str(tmp_path / "cache"))
    return make_project(tmp_path / "site").paths.issue_dir


def test_full_build_of_all_24_languages(project: Path) -> None:
    with registered(FakeEngine()) as engine:
        paths = run_issue(project, BuildOptions(engine="fake", screenshots=False))
    report = json.loads(paths.report_json.read_text(encoding="utf-8"))
    statuses = {lang: entry["status"] for lang, entry in report["languages"].items()}
    assert set(statuses) == set(EU_LANGUAGES)
    assert statuses["en"] == "source"
    assert statuses["hr"] == statuses["mt"] == "unavailable"
    assert {statuses[lang] for lang in EU_LANGUAGES if lang not in ("en", "hr", "mt")} == {"direct"}
    assert "translations/hr.po" in report["languages"]["hr"]["message"]
    assert len(engine.calls) == 21  # one batch per language

    for lang in EU_LANGUAGES:
        if lang in ("hr", "mt"):
            assert not paths.lang_dir(lang).exists()
            continue
        html = paths.email_html(lang).read_text(encoding="utf-8")
        assert f'lang="{lang}"' in html
        assert "{{ unsubscribe }}" in html  # brevo, the issue's provider
        message = email.message_from_bytes(
            paths.email_eml(lang).read_bytes(), policy=email.policy.default
        )
        assert message["Content-Language"] == lang
        assert {part.get_content_type() for part in message.walk()} >= {"text/plain", "text/html"}
        assert report["languages"][lang]["ok"] is True
    assert "[de] " in paths.email_txt("de").read_text(encoding="utf-8")
    index = (paths.preview_dir / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr") >= 24


def test_warm_rebuild_makes_no_engine_call(project: Path) -> None:
    with registered(FakeEngine()):
        run_issue(project, BuildOptions(engine="fake", langs=["de", "fr"], screenshots=False))
    with registered(FakeEngine()) as engine:
        paths = run_issue(
            project, BuildOptions(engine="fake", langs=["de", "fr"], screenshots=False)
        )
    assert engine.calls == []
    report = json.loads(paths.report_json.read_text(encoding="utf-8"))
    assert (
        report["languages"]["de"]["segments"]["memory"]
        == report["languages"]["de"]["segments"]["total"]
    )


def test_strict_makes_a_missing_language_an_error(project: Path) -> None:
    with registered(FakeEngine()), pytest.raises(TranslationError, match="hr"):
        run_issue(project, BuildOptions(engine="fake", langs=["de", "hr"], strict=True))


def test_outbox_build_then_send_writes_one_message_per_language(project: Path) -> None:
    from pipeline.send.plan import SendOptions
    from pipeline.send.run import send_issue

    with registered(FakeEngine()):
        paths = run_issue(
            project,
            BuildOptions(engine="fake", langs=["de", "fr"], provider="outbox", screenshots=False),
        )
    html = paths.email_html("de").read_text(encoding="utf-8")
    assert "{{" not in html and "mailto:" in html  # plain links, no provider tags
    result = send_issue(project, SendOptions(provider="outbox", now=True), log=lambda _: None)
    assert sorted(result.done) == ["de", "en", "fr"]
    assert len(list((paths.out / "outbox").glob("*.eml"))) == 3


def test_render_command_renders_again_from_the_build_alone(project: Path) -> None:
    """``newsletter render`` re-renders for another provider without translating, keeps the
    translate stage's findings, replaces its own and rewrites the preview."""
    from pipeline.cli import main

    with registered(FakeEngine()):
        paths = run_issue(project, BuildOptions(engine="fake", langs=["de"], screenshots=False))
    before = json.loads(paths.report_json.read_text(encoding="utf-8"))
    translate_findings = [
        f for f in before["languages"]["de"]["findings"] if f["stage"] == "translate"
    ]
    (paths.preview_dir / "index.html").unlink()
    with registered(FakeEngine()) as engine:
        code = main(["render", str(project), "--provider", "listmonk", "--no-screenshots"])
    assert code == 0 and engine.calls == []
    after = json.loads(paths.report_json.read_text(encoding="utf-8"))
    assert after["provider"] == "listmonk"
    assert "{{ UnsubscribeURL }}" in paths.email_html("de").read_text(encoding="utf-8")
    entry = after["languages"]["de"]
    assert [f for f in entry["findings"] if f["stage"] == "translate"] == translate_findings
    assert entry["ok"] is True and set(after["languages"]) == {"en", "de"}
    assert (paths.preview_dir / "index.html").is_file()
