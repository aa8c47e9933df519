"""The monthly workflow's shell steps, run for real with stand-ins for make and the venv: every
due issue is picked, built and sent (not only the first), sends stay in one serial job."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.support.send_fixtures import make_send_build

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "monthly.yml"


def workflow() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return data


def step(job: str, name: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = workflow()["jobs"][job]["steps"]
    found = [s for s in steps if s.get("name") == name or s.get("id") == name]
    assert found, f"{job}: no step {name}"
    return found[0]


def executable(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a step's script as GitHub does (bash -e), with a `make` that only records its args."""
    make = '#!/bin/sh\necho "$*" >> "$MAKE_LOG"\n'
    make += '[ -z "$MAKE_FAIL" ] || case "$*" in *"ISSUE=$MAKE_FAIL "*) exit 2;; esac\n'
    executable(cwd / "shims" / "make", make)
    path = f"{cwd / 'shims'}{os.pathsep}{os.environ['PATH']}"
    full = {**os.environ, "PATH": path, "MAKE_LOG": str(cwd / "make.log"), **env}
    return subprocess.run(
        ["bash", "-e", "-c", script], cwd=cwd, env=full, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def test_every_run_script_takes_its_inputs_from_env_not_expressions() -> None:
    for job in workflow()["jobs"].values():
        for s in job["steps"]:
            assert "${{" not in s.get("run", ""), s.get("name")


def test_pick_step_outputs_every_due_issue_not_only_the_first(tmp_path: Path) -> None:
    today = dt.datetime.now(dt.UTC).date()  # the step asks `newsletter due` for today
    for slug, days in (("a-june", 3), ("b-july", 20), ("c-later", 60), ("d-old", -20)):
        at = dt.datetime.combine(today + dt.timedelta(days=days), dt.time(9), dt.UTC)
        make_send_build(tmp_path, slug=slug, send_at=at.isoformat(), langs=("en",))
    shim = f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m pipeline "$@"\n'
    executable(tmp_path / ".venv" / "bin" / "newsletter", shim)
    out = tmp_path / "github_output"
    done = bash(step("build", "pick")["run"], tmp_path,
                {"GITHUB_OUTPUT": str(out), "INPUT_ISSUE": ""})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert out.read_text().splitlines() == ["issues=a-june b-july"]


def test_pick_step_refuses_a_slug_that_is_no_issue(tmp_path: Path) -> None:
    make_send_build(tmp_path, slug="a-june", langs=("en",))
    out = tmp_path / "github_output"
    for bad in ("a-june x;rm", "a-june nope"):
        done = bash(step("build", "pick")["run"], tmp_path,
                    {"GITHUB_OUTPUT": str(out), "INPUT_ISSUE": bad})  # fmt: skip
        assert done.returncode == 1 and "::error::" in done.stdout
    ok = bash(step("build", "pick")["run"], tmp_path,
              {"GITHUB_OUTPUT": str(out), "INPUT_ISSUE": "a-june"})  # fmt: skip
    assert ok.returncode == 0 and out.read_text().splitlines()[-1] == "issues=a-june"


def test_build_and_plan_steps_handle_every_issue(tmp_path: Path) -> None:
    env = {"ISSUES": "a-june b-july", "PROVIDER": "", "NOW": ""}
    for name in ("Build the issues", "Plan the sends (dry run, no secrets)"):
        assert bash(step("build", name)["run"], tmp_path, env).returncode == 0
    calls = (tmp_path / "make.log").read_text().splitlines()
    assert [c.split()[:2] for c in calls] == [
        ["issue", "ISSUE=a-june"], ["issue", "ISSUE=b-july"],
        ["send", "ISSUE=a-june"], ["send", "ISSUE=b-july"],
    ]  # fmt: skip
    assert not any("SEND=1" in c for c in calls)


def test_send_step_sends_every_issue_and_reports_a_failure_at_the_end(tmp_path: Path) -> None:
    env = {"ISSUES": "a-june b-bad c-aug", "PROVIDER": "brevo", "NOW": "", "MAKE_FAIL": "b-bad"}
    done = bash(step("send", "Send")["run"], tmp_path, env)
    calls = (tmp_path / "make.log").read_text().splitlines()
    assert [c.split()[1] for c in calls] == ["ISSUE=a-june", "ISSUE=b-bad", "ISSUE=c-aug"]
    assert all("SEND=1" in c and "PROVIDER=brevo" in c for c in calls)
    assert done.returncode == 1 and "not sent completely: b-bad" in done.stdout


def test_sends_run_in_one_job_of_one_concurrency_group() -> None:
    send = workflow()["jobs"]["send"]
    assert "strategy" not in send  # a matrix would queue jobs that cancel each other's pending
    assert send["concurrency"]["cancel-in-progress"] is False
    assert send["concurrency"]["group"].startswith("newsletter-send-")
    assert send["environment"] == "newsletter-send"
    assert send["if"] == "needs.build.outputs.issues != ''"
