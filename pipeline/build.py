"""The orchestrator: one readable function runs the stages of an issue in order.

    ingest → translate → render → preview        (send is its own command)

Each stage is a thin shell around a pure core and writes its artifacts under
``build/<slug>/``; ``--until`` stops after a stage. Nothing leaves the machine here.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import IssueConfig, load_issue
from pipeline.document import Document, to_dict
from pipeline.ingest import ingest_file
from pipeline.store import IssuePaths, write_json

STAGES = ("ingest", "translate", "render", "preview")


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


def run_issue(issue_dir: Path, options: BuildOptions) -> IssuePaths:
    paths = IssuePaths.for_issue(issue_dir, options.out)
    config = load_issue(paths.issue_toml)
    _say(f"issue {paths.slug} → {paths.out}")
    ingest_stage(config, paths)
    return paths


def ingest_stage(config: IssueConfig, paths: IssuePaths) -> Document:
    result = ingest_file(paths.interview, source_lang=config.source_lang)
    for warning in result.warnings:
        _say(f"{paths.interview}:{warning.line}: warning: {warning.message}")
    write_json(paths.document_json, to_dict(result.document))
    blocks = result.document.blocks
    _say(f"ingest: {len(blocks)} blocks, {len(result.document.speakers)} speakers → document.json")
    return result.document


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
