"""The whole build with the deliverability checks on: every language scored ≤ 1.0 and shown in
the preview, the checks' notes at issue level, --check-links reaching the checks, and a
finding code for every check documented in docs/findings.md."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from pipeline.browser import find_chromium
from pipeline.build import BuildOptions, run_issue
from pipeline.cli import build_parser
from pipeline.render.a11y import find_axe
from pipeline.render.spam import find_spamassassin
from pipeline.report import spam_points
from tests.support.deliver import unavailable
from tests.support.fake_engine import FakeEngine, registered
from tests.support.translate import make_project

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = {
    "el": str.maketrans(
        "abcdefghiklmnoprstuxyzABDEGHIKLMNOPRSTXZ", "αβψδεφγηικλμνοπρστυχυζΑΒΔΕΓΗΙΚΛΜΝΟΠΡΣΤΧΖ"
    ),
    "bg": str.maketrans(
        "abcdefghiklmnoprstuvyzABDEGHIKLMNOPRSTVZ", "абцдефгхиклмнопрстувызАБДЕГХИКЛМНОПРСТВЗ"
    ),
}


class ScriptEngine(FakeEngine):
    """The fake engine, writing Greek and Bulgarian in their own letters (placeholders, digits
    and punctuation pass through), so those e-mails carry non-Latin UTF-8 as real ones do."""

    def _one(self, target_lang: str, text: str) -> str:
        if target_lang in SCRIPTS:
            return re.sub(r"[A-Za-z]+", lambda m: m.group(0).translate(SCRIPTS[target_lang]), text)
        return super()._one(target_lang, text)


@pytest.mark.deliverability
def test_every_built_language_scores_at_most_one_point_in_the_preview(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if find_spamassassin() is None:
        unavailable("no spamassassin (apt-get install spamassassin)")
    monkeypatch.setenv("NEWSLETTER_CACHE_DIR", str(tmp_path / "cache"))
    issue = make_project(tmp_path / "site").paths.issue_dir
    with registered(ScriptEngine()):
        paths = run_issue(
            issue, BuildOptions(engine="fake", langs=["de", "el", "bg"], screenshots=False)
        )
    report = json.loads(paths.report_json.read_text(encoding="utf-8"))
    scores = {lang: entry["spam"]["score"] for lang, entry in report["languages"].items()}
    assert set(scores) == {"en", "de", "el", "bg"}
    assert all(score <= 1.0 for score in scores.values()), scores
    assert re.search("[α-ω]{4}", paths.email_txt("el").read_text(encoding="utf-8"))
    index = (paths.preview_dir / "index.html").read_text(encoding="utf-8")
    shown = re.findall(r"Spam score <strong>([-0-9.]+)</strong>", index)
    assert sorted(shown) == sorted(spam_points(s) for s in scores.values())
    a11y_ran = find_chromium() is not None and find_axe() is not None
    codes = [f["code"] for f in report["findings"] if f["stage"] == "render"]
    assert codes == ([] if a11y_ran else ["accessibility-check-skipped"])
    errors = [
        f for e in report["languages"].values() for f in e["findings"] if f["level"] == "error"
    ]
    assert errors == []


def test_check_links_reaches_the_build_options(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[BuildOptions] = []
    monkeypatch.setattr("pipeline.build.run_issue", lambda issue, options: seen.append(options))
    args = build_parser().parse_args(["build", "issues/x", "--check-links"])
    assert args.handler(args) == 0
    assert seen[0].check_links is True
    assert build_parser().parse_args(["render", "issues/x", "--check-links"]).check_links


def finding_codes() -> dict[str, str]:
    """Every finding code written as a literal in pipeline/ (Finding(level, code, …),
    notes.add(level, code, …), delivery.note(code, …)) → the module that makes it."""
    codes = {}
    for path in (ROOT / "pipeline").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            index = {"Finding": 1, "add": 1, "note": 0}.get(name)
            if index is None or len(node.args) <= index:
                continue
            arg = node.args[index]
            if isinstance(arg, ast.Constant) and re.fullmatch(
                r"[a-z]+(-[a-z0-9]+)*", str(arg.value)
            ):
                codes[str(arg.value)] = str(path.relative_to(ROOT))
    return codes


def test_docs_say_what_every_finding_means() -> None:
    from pipeline.ingest.cleanup import KINDS

    codes = finding_codes() | {f"cleanup-{kind}": "pipeline/ingest/cleanup.py" for kind in KINDS}
    assert {"spam-score-high", "client-layout-unsupported", "accessibility", "link-broken"} <= set(
        codes
    )
    docs = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    headings = "\n".join(re.findall(r"^###[^\n]*", docs, re.MULTILINE))
    documented = set(re.findall(r"`([a-z0-9-]+)`", headings))
    missing = {code: where for code, where in codes.items() if code not in documented}
    assert missing == {}, "add these to docs/findings.md"
