"""Reading ``build/<slug>/report.json``, the build report that preview and send both start from.

``pipeline.build.build_report`` writes it; :func:`load_report` is the one reader, so a missing
or damaged report gives the same clear error (naming the command that rebuilds it) everywhere.
"""

from __future__ import annotations

from typing import Any

from pipeline.errors import ConfigError
from pipeline.store import IssuePaths, read_json_checked


def load_report(paths: IssuePaths) -> dict[str, Any]:
    """report.json, or a ConfigError that says how to build it."""
    rebuild = f"newsletter build {paths.issue_dir} (or make issue ISSUE={paths.slug})"
    if not paths.report_json.is_file():
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
