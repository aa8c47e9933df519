"""The orchestrator: one readable function runs the stages of an issue in order.

    ingest → translate → render → report → preview        (send is its own command)

Each stage is a thin shell around a pure core and writes its artifacts under
``build/<slug>/``; ``--until`` stops after a stage. Nothing leaves the machine here: ``send``
reads what this wrote, and refuses languages whose report entry is not ok.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import console
from pipeline.config import IssueConfig, check_provider, load_issue
from pipeline.document import Document, Finding, to_dict
from pipeline.errors import CheckError
from pipeline.ingest import ingest_file
from pipeline.languages import english_name, native_name
from pipeline.report import (
    entry_ok,
    error_findings,
    merge_stage,
    spam_points,
    stage_finding,
)
from pipeline.store import IssuePaths, json_text, staged, write_json
from pipeline.translate.engine import EngineSettings

if TYPE_CHECKING:
    from pipeline.render import RenderResult
    from pipeline.translate.stage import LanguageResult


@dataclass(frozen=True)
class BuildOptions:
    langs: list[str] | None = None
    out: Path | None = None
    engine: str | None = None  # None: [translate] engines in issue.toml, else argos
    provider: str | None = None
    strict: bool = False
    install_models: bool = False
    screenshots: bool | None = None
    until: str = "preview"
    settings: EngineSettings | None = None
    check_links: bool = False  # ask every link of the e-mails once (network)


def run_issue(issue_dir: Path, options: BuildOptions) -> IssuePaths:
    """Build one issue; returns where it went. Raises CheckError if a language fails its checks."""
    paths = IssuePaths.for_issue(issue_dir, options.out)
    config = load_issue(paths.issue_toml)
    langs = _languages(config, options.langs)
    # Checked before any stage runs: a typo should not cost a translation run.
    provider = check_provider(options.provider or config.send.provider)
    from pipeline.render.deliver import DeliveryOptions, check_delivery

    checks = DeliveryOptions.from_env(check_links=options.check_links)
    _say(f"issue {paths.slug}: {len(langs)} languages → {paths.out}")

    source, ingest_notes = ingest_stage(config, paths)
    if options.until == "ingest":
        return paths
    from pipeline.translate.stage import translate_issue

    started = time.perf_counter()
    translated = translate_issue(
        config, paths, source, langs,
        engine=options.engine, settings=options.settings, strict=options.strict,
        install_missing=options.install_models,
    )  # fmt: skip
    _say(_translated_line(translated, time.perf_counter() - started))
    if options.until == "translate":
        return paths
    from pipeline.render import render_issue

    documents = {lang: r.document for lang, r in translated.items() if r.document is not None}
    rendered = render_issue(config, paths, documents, provider=provider)
    delivered = check_delivery(config, paths, rendered, checks)
    for note in delivered.notes:
        _say(f"note: {note.message}")
    report = build_report(
        config, provider, translated, delivered.results, findings=ingest_notes,
        notes=delivered.notes,
    )  # fmt: skip
    _say(f"render: {len(rendered)} e-mails → report.json")
    if options.until == "render":
        write_json(paths.report_json, report)
    else:
        from pipeline.preview import write_preview

        # report.json is written first but put in place only once the preview is published:
        # a failure (a full disk, say) leaves the old report and the old site, which agree.
        with staged(paths.report_json, json_text(report)):
            index = write_preview(paths, screenshots=options.screenshots, report=report)
        _say(f"preview: {index}")
    _summarise(report, translated)
    _warn_missing_models(translated, config, options.engine)
    _raise_on_errors(report)
    return paths


def ingest_stage(config: IssueConfig, paths: IssuePaths) -> tuple[Document, list[Finding]]:
    """Ingest, and what the reviewers should see about the reading (report.json findings)."""
    from pipeline.ingest.explain import ingest_findings

    result = ingest_file(paths.interview, source_lang=config.source_lang)
    for warning in result.warnings:
        _say(f"{paths.interview}:{warning.line}: warning: {warning.message}")
    write_json(paths.document_json, to_dict(result.document))
    blocks = result.document.blocks
    _say(f"ingest: {len(blocks)} blocks, {len(result.document.speakers)} speakers → document.json")
    return result.document, ingest_findings(result, _shown_path(paths.interview, paths.root))


def _shown_path(path: Path, root: Path) -> str:
    """``issues/<slug>/interview.txt``: the path an editor knows, for findings' ``where``."""
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


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
    *,
    findings: Sequence[Finding] = (),
    notes: Sequence[Finding] = (),
) -> dict[str, Any]:
    """report.json: one entry per language, from what translate and render returned.

    The issue-level findings are ``findings``, how the source interview was read (lint,
    clean-up, doubtful readings, each with the line it is about), and ``notes``, the render
    stage's (a check skipped, say).
    """
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
        "findings": [
            *(stage_finding(f, "ingest") for f in findings),
            *(stage_finding(note, "render") for note in notes),
        ],
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
        # the engines this language could have had, and why those before the chosen one
        # were not used ("marian: no model for en→hr")
        "engine_candidates": list(result.candidates),
        "engines_passed_over": list(result.passed_over),
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


def _translated_line(translated: Mapping[str, LanguageResult], seconds: float) -> str:
    done = [r for r in translated.values() if r.status != "unavailable"]
    kinds = {k: sum(int(r.stats.get(k, 0)) for r in done) for k in ("engine", "memory", "human")}
    left_out = len(translated) - len(done)
    return (
        f"translate: {len(done)} of {len(translated)} languages in {seconds:.1f} s "
        f"(segments: {kinds['engine']} by the engine, {kinds['memory']} from memory, "
        f"{kinds['human']} reviewed)" + (f"; {left_out} left out" if left_out else "")
    )


def _summarise(report: Mapping[str, Any], translated: Mapping[str, LanguageResult]) -> None:
    """The final table: one line per language (the details are in report.json and the preview)."""
    _say(f"\n  {'language':<20} {'status':<12} {'reviewed':>8} {'size':>6} {'spam':>5}  findings")
    for lang, entry in report["languages"].items():
        no_model = lang in translated and translated[lang].no_model
        _say("  " + _table_row(lang, entry, no_model))


def _table_row(lang: str, entry: Mapping[str, Any], no_model: bool) -> str:
    levels = [f["level"] for f in entry["findings"]]
    found = [
        f"{n} {lv}{'s' if n > 1 else ''}" for lv in ("error", "warning") if (n := levels.count(lv))
    ]
    share, size = "–", entry.get("sizes", {}).get("html_encoded")
    if entry["status"] == "unavailable":
        found = ["no model" if no_model else "failed: see report.json"]
    else:
        share = f"{entry.get('reviewed_share', 0) * 100:.0f} %"
    size_text = f"{size / 1000:.0f} KB" if size else "–"  # as render/qa.py counts
    spam = entry.get("spam")
    spam_text = spam_points(spam["score"]) if spam else "–"
    name = f"{lang} {entry.get('english_name', '')}"
    found_text = ", ".join(found) or "–"
    return (
        f"{name:<20} {entry['status']:<12} {share:>8} {size_text:>6} {spam_text:>5}  {found_text}"
    )


def _warn_missing_models(
    translated: Mapping[str, LanguageResult], config: IssueConfig, engine: str | None
) -> None:
    from pipeline.translate.stage import missing_models_line

    line = missing_models_line(
        translated, slug=config.slug, engine=engine or "argos", source_lang=config.source_lang
    )
    if line:
        console.warn(line)


def _raise_on_errors(report: Mapping[str, Any]) -> None:
    failures = error_findings(report)
    if failures:
        raise CheckError(
            f"{len(failures)} QA check(s) failed; see build/{report['issue']}/report.json "
            "and the preview. Fix the text or the template and build again.",
            details=failures,
        )


def _say(message: str) -> None:
    console.say(message)
