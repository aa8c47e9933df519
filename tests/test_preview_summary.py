"""``newsletter preview --summary``: the Markdown table the preview workflow posts on a pull
request, from the fixture build (tests/support/preview_fixtures.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.store import IssuePaths, read_json, write_json
from tests.support.preview_fixtures import HOSTILE, make_build

BASE = "https://example.github.io/newsletter/pr-7/2024-06-test-issue/"


@pytest.fixture
def build(tmp_path: Path) -> IssuePaths:
    return make_build(tmp_path)


def _summary(build: IssuePaths, capsys: pytest.CaptureFixture[str], *flags: str) -> str:
    assert main(["preview", str(build.issue_dir), "--summary", *flags]) == 0
    return capsys.readouterr().out


def _cells(line: str) -> list[str]:
    """A table row's cells, split on the pipes that are not escaped."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def _rows(summary: str) -> dict[str, list[str]]:
    rows = [_cells(line) for line in summary.splitlines() if line.startswith("| ")]
    header, body = rows[0], rows[1:]
    assert header == ["language", "status", "reviewed", "findings", "review page"]
    return {re.search(r"\(`(\w+)`\)", r[0]).group(1): r for r in body}  # type: ignore[union-attr]


def test_one_row_per_language_with_status_share_findings_and_link(
    build: IssuePaths, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = _summary(build, capsys, "--base-url", BASE)
    assert summary.startswith("### Smart Belgium on the Belgian Presidency (`2024-06-test-issue`)")
    assert "5 languages: 3 complete, 1 partial, 1 unavailable." in summary
    rows = _rows(summary)
    assert list(rows) == ["en", "de", "el", "fr", "hr"]
    assert all(len(cells) == 5 for cells in rows.values())
    assert rows["de"][1:4] == [
        "✅ complete",
        "9 %",
        "3 warnings: Protected term missing: 'Smart' is missing from the translation",
    ]
    assert rows["de"][4] == f"[de]({BASE}de.html)"
    assert rows["el"][1].startswith("⚠️ partial: 104 KB after encoding")
    assert rows["el"][3].startswith("1 error: Size gmail clip")
    assert rows["fr"][2] == "100 %" and rows["fr"][3] == "none"
    assert rows["hr"][1].startswith("⛔ unavailable: no argos model for en→hr")
    assert rows["hr"][2] == rows["hr"][4] == "–"
    assert rows["en"][1] == "✅ complete (source)" and rows["en"][2] == "–"
    assert "- **warning** Source lint: line 3: double space" in summary


def test_without_a_base_url_rows_name_the_page(
    build: IssuePaths, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _rows(_summary(build, capsys))
    assert rows["de"][4] == "`de.html`" and rows["hr"][4] == "–"


def test_text_from_the_build_cannot_break_the_table_or_the_comment(
    build: IssuePaths, capsys: pytest.CaptureFixture[str]
) -> None:
    report = read_json(build.report_json)
    report["languages"]["fr"]["findings"] = [
        {"level": "warning", "code": "odd", "message": f"a | b\nc {HOSTILE} " + "x" * 200}
    ]
    write_json(build.report_json, report)
    summary = _summary(build, capsys)
    fr = _rows(summary)["fr"]
    assert len(fr) == 5
    assert fr[3].startswith("1 warning: Odd: a \\| b c &lt;script&gt;")
    assert fr[3].endswith("…") and len(fr[3]) < 200
    assert "<script" not in summary and "<img" not in summary


def test_base_url_without_summary_and_a_missing_build_are_user_errors(
    build: IssuePaths, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["preview", str(build.issue_dir), "--base-url", BASE]) == 2
    assert "--base-url goes with --summary" in capsys.readouterr().err
    build.report_json.unlink()
    assert main(["preview", str(build.issue_dir), "--summary"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Build the issue first" in err
