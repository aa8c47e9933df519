"""Fixtures for the translate stage's tests: a throw-away project with one issue, and a
hand-built source Document (so these tests do not depend on the ingest stage)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from pipeline.config import IssueConfig, load_issue
from pipeline.document import Block, Document, Speaker
from pipeline.store import IssuePaths
from tests.support.fake_engine import FakeEngine, registered

REPO = Path(__file__).resolve().parents[2]
SEED_ISSUE = REPO / "issues" / "2024-06-belgian-presidency"
SLUG = "2024-06-belgian-presidency"


@dataclass(frozen=True)
class Project:
    root: Path
    config: IssueConfig
    paths: IssuePaths


def make_project(tmp_path: Path, languages: list[str] | None = None) -> Project:
    """issues/<slug>/{issue.toml, interview.txt} and issues/glossary.toml under ``tmp_path``."""
    issue_dir = tmp_path / "issues" / SLUG
    issue_dir.mkdir(parents=True)
    shutil.copy(SEED_ISSUE / "issue.toml", issue_dir / "issue.toml")
    shutil.copy(SEED_ISSUE / "interview.txt", issue_dir / "interview.txt")
    shutil.copy(REPO / "issues" / "glossary.toml", tmp_path / "issues" / "glossary.toml")
    config = load_issue(issue_dir / "issue.toml")
    if languages is not None:
        config = replace(config, languages=tuple(languages))
    return Project(tmp_path, config, IssuePaths.for_issue(issue_dir))


def source_document() -> Document:
    """A small interview: an intro, a question and a two-paragraph answer."""
    return Document(
        source_lang="en",
        speakers=(
            Speaker("C", "CECOP"),
            Speaker("ALD", "Anne-Laure Desgris", "Co-CEO of the cooperative Smart Belgium"),
        ),
        blocks=(
            Block("intro", None, ("CECOP sat down with its member Smart. It was a good talk.",), 1),
            Block("question", "C", ("What are your main achievements? Smart is 25 years old.",), 3),
            Block(
                "answer",
                "ALD",
                (
                    "The first was the creation of Smart in 1998. The social economy matters.",
                    "Thank you, Anne-Laure!",
                ),
                5,
            ),
        ),
    )


def edit_paragraph(doc: Document, block: int, paragraph: int, text: str) -> Document:
    blocks = list(doc.blocks)
    paragraphs = list(blocks[block].paragraphs)
    paragraphs[paragraph] = text
    blocks[block] = replace(blocks[block], paragraphs=tuple(paragraphs))
    return replace(doc, blocks=tuple(blocks))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A throw-away project with its own translation memory (import into a test module)."""
    monkeypatch.setenv("NEWSLETTER_CACHE_DIR", str(tmp_path / "cache"))
    return make_project(tmp_path)


@pytest.fixture
def fake() -> Iterator[FakeEngine]:
    """The fake engine, registered as "fake" for the test."""
    with registered(FakeEngine()) as engine:
        yield engine
