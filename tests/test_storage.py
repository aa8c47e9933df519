"""Operating-system failures are user errors, and the build output stays consistent.

A read-only build folder, a full disk and a folder where a file should be: exit 2 with one
``error:`` line naming the path and the fix, no traceback, no temporary files left behind,
and report.json never disagrees with the preview (it is put in place after the site).

Running as root, a folder's mode does not stop writes, so there the read-only folder is
simulated by refusing to create files in it (EROFS, as a read-only mount answers); as any
other user the test makes the folder truly read-only.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.send.plan import SendOptions
from pipeline.send.run import send_issue
from tests.support.fake_engine import FakeEngine, registered
from tests.support.send_fixtures import SLUG as SEND_SLUG
from tests.support.send_fixtures import make_send_build
from tests.support.translate import make_project

Run = Callable[..., tuple[int, str]]


@pytest.fixture
def newsletter(capsys: pytest.CaptureFixture[str]) -> Run:
    """``newsletter ARGS`` in-process with the fake engine: (exit code, stderr)."""

    def run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        with registered(FakeEngine()):
            code = main(list(args))
        return code, capsys.readouterr().err

    return run


@pytest.fixture
def issue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSLETTER_CACHE_DIR", str(tmp_path / "cache"))
    return make_project(tmp_path / "site").paths.issue_dir


def _build(issue: Path, *extra: str) -> list[str]:
    return ["build", str(issue), "--engine", "fake", "--langs", "de", "--no-screenshots", *extra]


def _one_error(code: int, err: str) -> str:
    assert code == 2, err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, err
    return errors[0]


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp") or ".preview-" in p.name]


def _fail_fsync_under(monkeypatch: pytest.MonkeyPatch, fragment: str, code: int) -> None:
    """The disk fills up: fsync of a file whose path holds ``fragment`` fails with ``code``."""
    real = os.fsync

    def fsync(fd: int) -> None:
        if fragment in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(code, os.strerror(code))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_a_full_disk_in_the_preview_leaves_the_old_report_and_site(
    issue: Path, newsletter: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: report.json was rewritten, then the preview failed with an OSError traceback,
    and the report and the site disagreed."""
    assert newsletter(*_build(issue))[0] == 0
    out = issue.parent.parent / "build" / issue.name
    report, index = (
        (out / "report.json").read_bytes(),
        (out / "preview" / "index.html").read_bytes(),
    )
    _fail_fsync_under(monkeypatch, "/.preview-", errno.ENOSPC)
    line = _one_error(*newsletter(*_build(issue, "--provider", "listmonk")))
    assert "no space left on the device. Free some space and run the same command" in line
    assert f"error: {out}/" in line  # the build folder (the site is written beside it first)
    assert (out / "report.json").read_bytes() == report  # still the build the site shows
    assert (out / "preview" / "index.html").read_bytes() == index
    assert _leftovers(out) == []
    monkeypatch.undo()
    assert newsletter(*_build(issue, "--provider", "listmonk"))[0] == 0
    assert b'"provider": "listmonk"' in (out / "report.json").read_bytes()


def test_a_read_only_build_folder_is_exit_2_with_the_fix(
    issue: Path, newsletter: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = issue.parent.parent / "build" / issue.name
    out.mkdir(parents=True)
    if os.geteuid() == 0:
        real = tempfile.mkstemp

        def mkstemp(*args: object, **kwargs: object) -> tuple[int, str]:
            if str(kwargs.get("dir", "")).startswith(str(out)):
                raise OSError(errno.EROFS, "Read-only file system", str(kwargs["dir"]))
            return real(*args, **kwargs)  # type: ignore[call-overload, no-any-return]

        monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    else:
        out.chmod(0o555)
    try:
        line = _one_error(*newsletter(*_build(issue, "--until", "ingest")))
    finally:
        out.chmod(0o755)
    assert line.startswith(f"error: {out / 'document.json'}: ")
    assert "--out DIR" in line and ("read-only" in line or "permission denied" in line)
    assert list(out.iterdir()) == []


def test_a_folder_where_report_json_goes_is_exit_2_before_any_work(
    issue: Path, newsletter: Run
) -> None:
    out = issue.parent.parent / "build" / issue.name
    (out / "report.json").mkdir(parents=True)
    line = _one_error(*newsletter(*_build(issue)))
    assert line == (
        f"error: {out / 'report.json'}: a folder is where a file should be. Move the folder "
        "aside, then run again."
    )


def test_a_send_ledger_that_is_a_folder_stops_send_and_due_before_anything_is_sent(
    tmp_path: Path, newsletter: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: IsADirectoryError, after the first language had gone out."""
    issue = make_send_build(tmp_path, provider="outbox", langs=("en", "de"))
    ledger = tmp_path / "build" / SEND_SLUG / "send-ledger.json"
    ledger.mkdir()
    line = _one_error(*newsletter("send", str(issue), "--provider", "outbox"))
    assert line.startswith(f"error: {ledger}: not a file (a folder?), so whether this issue")
    assert not (tmp_path / "build" / SEND_SLUG / "outbox").exists()
    monkeypatch.chdir(tmp_path)
    line = _one_error(*newsletter("due", "--today", "2030-06-03"))
    assert str(ledger) in line


def test_a_full_disk_while_sending_is_exit_2_and_the_rerun_sends_each_once(
    tmp_path: Path, newsletter: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue = make_send_build(tmp_path, provider="outbox", langs=("en", "de"))
    _fail_fsync_under(monkeypatch, "send-ledger.json", errno.ENOSPC)
    line = _one_error(*newsletter("send", str(issue), "--provider", "outbox"))
    assert "send-ledger.json: no space left on the device" in line
    monkeypatch.undo()
    result = send_issue(issue, SendOptions("outbox"), log=lambda _: None)
    assert sorted(result.done) == ["de", "en"]
    outbox = tmp_path / "build" / SEND_SLUG / "outbox"
    assert sorted(p.name for p in outbox.glob("*.eml")) == [
        f"{SEND_SLUG}-de.eml",
        f"{SEND_SLUG}-en.eml",
    ]
    assert _leftovers(tmp_path / "build") == []


def test_new_e_mails_beside_an_old_report_are_not_sent(
    issue: Path, newsletter: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that stopped after rendering (a full disk in the preview) leaves new e-mails
    beside the old report: send must not take the old report's word for them."""
    assert newsletter(*_build(issue))[0] == 0
    html = issue.parent.parent / "build" / issue.name / "de" / "email.html"
    for key in [k for k in os.environ if k.startswith(("BREVO_", "LISTMONK_"))]:
        monkeypatch.delenv(key)
    assert newsletter("send", str(issue), "--provider", "brevo", "--dry-run", "--now")[0] == 0
    html.write_text(html.read_text(encoding="utf-8") + "<!-- rendered again -->\n")
    code, err = newsletter("send", str(issue), "--provider", "brevo", "--dry-run", "--now")
    assert code == 2 and "Traceback" not in err
    assert f"de: {html} is not the file " in err and "Rebuild the issue before sending" in err
