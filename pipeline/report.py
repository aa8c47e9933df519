"""``build/<slug>/report.json``, the build report that preview and send both start from.

``pipeline.build.build_report`` writes it (``newsletter render`` refreshes the render part of
an entry); :func:`load_report` is the one reader, so a missing or damaged report gives the
same clear error (naming the command that rebuilds it) everywhere. Each finding records the
stage that made it, so a stage run again replaces its own findings and keeps the others'.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pipeline.document import Finding, finding_to_dict
from pipeline.errors import ConfigError
from pipeline.store import IssuePaths, existing_file, read_json_checked

SPAM_RULE_MIN = 0.05  # SpamAssassin's informational rules score 0.001 or -0.001


def stage_finding(finding: Finding, stage: str) -> dict[str, Any]:
    """A finding as report.json holds it: its fields and the stage that found it."""
    return finding_to_dict(finding) | {"stage": stage}


def merge_stage(
    entry: Mapping[str, Any], stage: str, fields: Mapping[str, Any], findings: Iterable[Finding]
) -> dict[str, Any]:
    """A language entry with one stage's fields and findings replaced, the others' kept."""
    kept = [f for f in entry.get("findings", []) if f.get("stage") != stage]
    merged = dict(entry) | dict(fields)
    merged["findings"] = [*kept, *(stage_finding(f, stage) for f in findings)]
    merged["ok"] = entry_ok(merged)
    return merged


def merge_issue_findings(
    report: Mapping[str, Any], stage: str, findings: Iterable[Finding]
) -> dict[str, Any]:
    """The report with one stage's issue-level findings replaced, the others' kept."""
    kept = [f for f in report.get("findings", []) if f.get("stage") != stage]
    return dict(report) | {"findings": [*kept, *(stage_finding(f, stage) for f in findings)]}


def entry_ok(entry: Mapping[str, Any]) -> bool:
    """A language may be sent: it has a translation and no finding of level error."""
    errors = any(f.get("level") == "error" for f in entry.get("findings", []))
    return entry.get("status") != "unavailable" and not errors


def spam_points(score: float) -> str:
    """A spam score as people read it: one decimal, and never "-0.0" (SpamAssassin's
    informational rules make a clean message score -0.001)."""
    return f"{round(float(score), 1) + 0.0:.1f}"


def spam_rules_text(spam: Mapping[str, Any]) -> str:
    """``NAME 2.4 (description), …``: the SpamAssassin rules that added points, highest first."""
    rules = [r for r in spam.get("rules") or [] if float(r.get("score", 0)) > SPAM_RULE_MIN]
    rules.sort(key=lambda r: -float(r.get("score", 0)))
    parts = [
        f"{r.get('name')} {float(r.get('score', 0)):.1f}"
        + (f" ({r['description']})" if r.get("description") else "")
        for r in rules
    ]
    return ", ".join(parts) or "no rule adds points"


def error_findings(report: Mapping[str, Any]) -> list[str]:
    """``lang: message`` for every finding of level error, in report order."""
    return [
        f"{lang}: {f['message']}"
        for lang, entry in report["languages"].items()
        for f in entry["findings"]
        if f["level"] == "error"
    ]


def load_report(paths: IssuePaths) -> dict[str, Any]:
    """report.json, or a ConfigError that says how to build it."""
    rebuild = f"newsletter build {paths.issue_dir} (or make issue ISSUE={paths.slug})"
    if not existing_file(paths.report_json):
        raise ConfigError(f"{paths.report_json}: not found. Build the issue first: {rebuild}.")
    report: dict[str, Any] = read_json_checked(
        paths.report_json,
        kind="a build report",
        problem=_report_problem,
        fix=f"Rebuild the issue: {rebuild}.",
    )
    return report


def _report_problem(report: Any) -> str | None:
    """What makes ``report`` unusable as a build report, or None."""
    if not isinstance(report, dict):
        return f"a JSON {type(report).__name__} instead of an object"
    languages = report.get("languages")
    if languages is None:
        return "no 'languages' table"
    if not isinstance(languages, dict):
        return '"languages" is not an object'
    for lang, entry in languages.items():
        if not isinstance(entry, dict):
            return f'"languages.{lang}" is not an object'
        if not isinstance(entry.get("files") or {}, dict):
            return f'"languages.{lang}.files" is not an object'
        findings = entry.get("findings") or []
        if not isinstance(findings, list) or not all(isinstance(f, dict) for f in findings):
            return f'"languages.{lang}.findings" is not a list of objects'
    return None
