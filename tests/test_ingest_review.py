"""What ingest finds reaches the reviewers, and lists stay lists down to the e-mail.

A pasted interview (HTML entities, a label-like word in a wrapped line, a doubtful reading,
a list) built end to end with the fake engine: report.json's issue-level findings carry the
ingest notes with their lines, the preview's index shows them, the e-mail has a real list,
the text part one item a line, and the translation went item by item.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.build import BuildOptions, run_issue
from pipeline.store import IssuePaths
from tests.support.fake_engine import FakeEngine, registered
from tests.support.translate import make_project

INTERVIEW = """In this issue:
• worker cooperatives in Portugal;
• the next European Commission.

Interview with Ana Sousa (AS), chair of a worker cooperative in Porto.

CECOP (C): What do you need from the next Commission &amp; Parliament?

AS: Three things:
- public procurement that rewards social value;
- access to finance for small cooperatives;
- statistics, because without data we are invisible.

Is that too much to ask?

C: Thank you, Ana.
"""


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IssuePaths:
    monkeypatch.setenv("NEWSLETTER_CACHE_DIR", str(tmp_path / "cache"))
    project = make_project(tmp_path / "site", languages=["en", "de"])
    project.paths.interview.write_text(INTERVIEW, encoding="utf-8")
    with registered(FakeEngine()):
        return run_issue(project.paths.issue_dir, BuildOptions(engine="fake", screenshots=False))


def test_ingest_findings_reach_report_json_with_their_lines(built: IssuePaths) -> None:
    report = json.loads(built.report_json.read_text(encoding="utf-8"))
    findings = [f for f in report["findings"] if f["stage"] == "ingest"]
    where = f"issues/{built.slug}/interview.txt"
    by_code = {f["code"]: f for f in findings}
    assert by_code["cleanup-entity"]["where"] == f"{where}:7"
    assert "&amp; → &" in by_code["cleanup-entity"]["message"]
    assert by_code["reading-doubt"]["where"] == f"{where}:14"  # an answer paragraph that asks
    assert by_code["reading-doubt"]["level"] == "warning"


def test_the_preview_index_shows_the_ingest_findings(built: IssuePaths) -> None:
    index = (built.preview_dir / "index.html").read_text(encoding="utf-8")
    assert "--explain" in index
    assert f"issues/{built.slug}/interview.txt:14" in index
    assert "&amp;amp; → &amp;" in index  # the message, escaped once more for the page


def test_a_list_is_a_real_list_in_html_and_one_item_a_line_in_text(built: IssuePaths) -> None:
    html = built.email_html("en").read_text(encoding="utf-8")
    items = re.findall(r"<li[^>]*>(.*?)</li>", html)
    assert items == [
        "worker cooperatives in Portugal;",  # a list in the lede, too
        "the next European Commission.",
        "public procurement that rewards social value;",
        "access to finance for small cooperatives;",
        "statistics, because without data we are invisible.",
    ]
    assert "<ul" in html
    text = built.email_txt("en").read_text(encoding="utf-8")
    assert "\n- public procurement that rewards social value;\n- access to finance" in text
    assert "\n• worker cooperatives in Portugal;\n• the next European Commission.\n" in text


def test_a_list_is_translated_item_by_item(built: IssuePaths) -> None:
    doc = json.loads(built.lang_document_json("de").read_text(encoding="utf-8"))
    sources = [s["source"] for s in doc["segments"]]
    assert "access to finance for small cooperatives;" in sources
    assert not [s for s in sources if "\n" in s or s.startswith("- ")]
    answer = next(b for b in doc["blocks"] if b["type"] == "answer")
    assert answer["paragraphs"][1].count("\n- ") == 2  # still a list of three, markers kept
    html = built.email_html("de").read_text(encoding="utf-8")
    assert len(re.findall(r"<li[^>]*>", html)) == 5
