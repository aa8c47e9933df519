"""The orchestrator: one readable function runs the stages of an issue in order.

    ingest → translate → render → report → preview        (send is its own command)

Each stage is a thin shell around a pure core and writes its artifacts under
``build/<slug>/``; ``--until`` stops after a stage. Nothing leaves the machine here: ``send``
reads what this wrote, and refuses languages whose report entry is not ok.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.config import IssueConfig, check_provider, load_issue
from pipeline.document import Document, to_dict
from pipeline.errors import CheckError
from pipeline.ingest import ingest_file
from pipeline.languages import english_name, native_name
from pipeline.report import entry_ok, error_findings, merge_stage, stage_finding
from pipeline.store import IssuePaths, write_json
from pipeline.translate.engine import EngineSettings

if TYPE_CHECKING:
    from pipeline.render import RenderResult
    from pipeline.translate.stage import LanguageResult


@dataclass(frozen=True)
class BuildOptions:
    langs: list[str] | None = None
    out: Path | None = None
    engine: str = "argos"
    provider: str | None = None
    strict: bool = False
    install_models: bool = False
    screenshots: bool | None = None
    until: str = "preview"
    settings: EngineSettings | None = None


def run_issue(issue_dir: Path, options: BuildOptions) -> IssuePaths:
    """Build one issue; returns where it went. Raises CheckError if a language fails its checks."""
    paths = IssuePaths.for_issue(issue_dir, options.out)
    config = load_issue(paths.issue_toml)
    langs = _languages(config, options.langs)
    # Checked before any stage runs: a typo should not cost a translation run.
    provider = check_provider(options.provider or config.send.provider)
    _say(f"issue {paths.slug}: {len(langs)} languages → {paths.out}")

    source = ingest_stage(config, paths)
    if options.until == "ingest":
        return paths
    from pipeline.translate.stage import translate_issue

    translated = translate_issue(
        config, paths, source, langs,
        engine=options.engine, settings=options.settings, strict=options.strict,
        install_missing=options.install_models,
    )  # fmt: skip
    if options.until == "translate":
        return paths
    from pipeline.render import render_issue

    documents = {lang: r.document for lang, r in translated.items() if r.document is not None}
    rendered = render_issue(config, paths, documents, provider=provider)
    report = build_report(config, provider, translated, rendered)
    write_json(paths.report_json, report)
    _summarise(report)
    if options.until != "render":
        from pipeline.preview import write_preview

        index = write_preview(paths, screenshots=options.screenshots)
        _say(f"preview: {index}")
    _raise_on_errors(report)
    return paths


def ingest_stage(config: IssueConfig, paths: IssuePaths) -> Document:
    result = ingest_file(paths.interview, source_lang=config.source_lang)
    for warning in result.warnings:
        _say(f"{paths.interview}:{warning.line}: warning: {warning.message}")
    write_json(paths.document_json, to_dict(result.document))
    blocks = result.document.blocks
    _say(f"ingest: {len(blocks)} blocks, {len(result.document.speakers)} speakers → document.json")
    return result.document


def _languages(config: IssueConfig, chosen: list[str] | None) -> list[str]:
    """The issue's languages, or the chosen ones (the source language always comes along)."""
    from pipeline.errors import ConfigError

    if not chosen:
        return list(config.languages)
    unknown = [lang for lang in chosen if lang not in config.languages]
    if unknown:
        raise ConfigError(
            f"--langs: {', '.join(unknown)} not in 'languages' of {config.path}. "
            f"Choose from {', '.join(config.languages)}, or add them to issue.toml."
        )
    return [config.source_lang, *(lang for lang in chosen if lang != config.source_lang)]


def build_report(
    config: IssueConfig,
    provider: str,
    translated: Mapping[str, LanguageResult],
    rendered: Mapping[str, RenderResult],
) -> dict[str, Any]:
    """report.json: one entry per language, from what translate and render returned."""
    languages = {
        lang: _language_entry(result, rendered.get(lang)) for lang, result in translated.items()
    }
    return {
        "issue": config.slug,
        "title": config.title,
        "source_lang": config.source_lang,
        "provider": provider,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "languages": languages,
        "findings": [],
    }


def _language_entry(result: LanguageResult, render: RenderResult | None) -> dict[str, Any]:
    lang = result.lang
    counts = _segment_counts(result.document)
    entry: dict[str, Any] = {
        "name": native_name(lang),
        "english_name": english_name(lang),
        "status": result.status,
        "message": result.message,
        "engine": result.engine,
        "model": result.model,
        # models whose licence asks to be named (CC-BY), as the e-mail names them
        "attributions": [vars(a) for a in result.document.attributions] if result.document else [],
        "segments": counts,
        "reviewed_share": _reviewed_share(counts, result.status),
        "findings": [stage_finding(f, "translate") for f in result.findings],
        "timings": dict(result.stats),
    }
    if render is not None:
        from pipeline.render import report_fields

        return merge_stage(entry, "render", report_fields(render), render.findings)
    entry["ok"] = entry_ok(entry)
    return entry


def _segment_counts(document: Document | None) -> dict[str, int]:
    counts = {"total": 0, "human": 0, "memory": 0, "engine": 0, "source": 0}
    for segment in document.segments if document else ():
        counts["total"] += 1
        counts[segment.origin.kind] += 1
    return counts


def _reviewed_share(counts: Mapping[str, int], status: str) -> float:
    if status == "source":
        return 1.0
    return round(counts["human"] / counts["total"], 4) if counts["total"] else 0.0


def _summarise(report: Mapping[str, Any]) -> None:
    for lang, entry in report["languages"].items():
        errors = sum(1 for f in entry["findings"] if f["level"] == "error")
        warnings = sum(1 for f in entry["findings"] if f["level"] == "warning")
        size = entry.get("sizes", {}).get("html_encoded")
        size_text = f"{size / 1000:.0f} KB" if size else "-"  # as checks.py counts
        counts = f"{errors} errors, {warnings} warnings"
        _say(f"  {lang}  {entry['status']:<11} {size_text:>6}  {counts}")


def _raise_on_errors(report: Mapping[str, Any]) -> None:
    failures = error_findings(report)
    if failures:
        raise CheckError(
            f"{len(failures)} QA check(s) failed; see build/{report['issue']}/report.json "
            "and the preview. Fix the text or the template and build again.",
            details=failures,
        )


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
