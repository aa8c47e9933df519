"""An issue's files come from its folder, and its slug follows the workflow's rule.

Before: an ``interview.txt`` linked to a file elsewhere on the machine was built silently,
and slugs with spaces, ``..`` or ``$(…)`` were accepted by the command line (only the monthly
workflow checked them).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.store import SLUG, check_slug
from tests.support.fake_engine import FakeEngine, registered
from tests.support.translate import make_project
from tests.test_send_workflow import bash, step

CANDIDATES = [
    "2024-06-belgian-presidency", "a.b", "_draft", "x..y", "v1.2-final",
    ".", "..", ".hidden", "-rf", "a$(id)", "a;b", "a`id`", "a|b", "café", "a*", "a'b", "a\\b",
]  # fmt: skip


def newsletter(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with registered(FakeEngine()):
        code = main(list(args))
    return code, capsys.readouterr().err


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSLETTER_CACHE_DIR", str(tmp_path / "cache"))
    return make_project(tmp_path / "site").paths.issue_dir


@pytest.mark.parametrize("slug", ["my issue", "..", "$(touch pwned)", ".hidden", "-x", "a;b"])
def test_the_command_line_refuses_a_slug_the_workflow_refuses(
    project: Path, capsys: pytest.CaptureFixture[str], slug: str
) -> None:
    bad = project.parent / slug
    if slug != "..":
        shutil.copytree(project, bad)
    for args in (
        ["build", str(bad), "--engine", "fake", "--until", "ingest"],
        ["send", str(bad), "--provider", "outbox", "--dry-run"],
        ["review", "export", str(bad), "--lang", "de"],
    ):
        code, err = newsletter(capsys, *args)
        assert code == 2, err
        assert f"error: {bad}: {slug!r} is not an issue slug." in err and "Traceback" not in err
    assert not (project.parent.parent / "build" / slug).exists() or slug == ".."
    assert not (project.parent / "pwned").exists()


def test_the_cli_and_the_workflow_apply_the_same_rule(tmp_path: Path) -> None:
    """The workflow's pick step, run for real on each candidate, agrees with check_slug."""
    out = tmp_path / "github_output"
    for slug in CANDIDATES:
        folder = tmp_path / "issues" / slug
        if slug not in (".", ".."):
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "issue.toml").write_text("")
        done = bash(step("build", "pick")["run"], tmp_path,
                    {"GITHUB_OUTPUT": str(out), "INPUT_ISSUE": slug})  # fmt: skip
        workflow_accepts = done.returncode == 0
        assert workflow_accepts == bool(SLUG.fullmatch(slug)), (slug, done.stdout)
        if not workflow_accepts:
            with pytest.raises(Exception, match="is not an issue slug"):
                check_slug(slug, folder)


def test_an_interview_linked_from_outside_the_issue_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    secret = tmp_path / "elsewhere" / "notes.txt"
    secret.parent.mkdir()
    secret.write_text((project / "interview.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (project / "interview.txt").unlink()
    (project / "interview.txt").symlink_to(secret)
    code, err = newsletter(capsys, "build", str(project), "--engine", "fake", "--until", "ingest")
    assert code == 2 and "Traceback" not in err
    assert f"error: {project / 'interview.txt'}: resolves to {secret}, outside the issue" in err
    assert not (project.parent.parent / "build" / project.name / "document.json").exists()


def test_a_link_inside_the_issue_folder_is_fine(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drafts = project / "drafts"
    drafts.mkdir()
    (project / "interview.txt").rename(drafts / "v2.txt")
    (project / "interview.txt").symlink_to(Path("drafts") / "v2.txt")
    code, err = newsletter(capsys, "build", str(project), "--engine", "fake", "--until", "ingest")
    assert code == 0, err


def test_a_po_file_linked_from_outside_the_issue_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    outside = tmp_path / "shared-de.po"
    outside.write_text('msgid ""\nmsgstr ""\n', encoding="utf-8")
    (project / "translations").mkdir()
    (project / "translations" / "de.po").symlink_to(outside)
    code, err = newsletter(
        capsys, "build", str(project), "--engine", "fake", "--langs", "de", "--no-screenshots"
    )
    assert code == 2 and "Traceback" not in err
    assert f"{project / 'translations' / 'de.po'}: resolves to {outside}, outside the issue" in err
