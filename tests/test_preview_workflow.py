""".github/workflows/preview.yml: least privileges, pinned actions, and its scripts run for real.

The steps' shell scripts are taken from the workflow and run with bash the way GitHub runs
them (``bash --noprofile --norc -eo pipefail``, ``$GITHUB_OUTPUT``, ``$GITHUB_STEP_SUMMARY``):
finding the changed issues in a real git repository, summarising a real build with the real
``newsletter preview --summary``, and keeping ONE pull-request comment up to date through a
fake ``gh`` that keeps the comments in a JSON file and filters them with the workflow's own
jq expression (jq, as ``gh --jq`` does).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.preview_fixtures import SLUG, make_build

WORKFLOW = Path(__file__).resolve().parents[1] / ".github" / "workflows" / "preview.yml"
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w.-]+)*@[0-9a-f]{40}$")
MARKER = "<!-- newsletter-preview -->"


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return loaded


def _step(workflow: dict[Any, Any], job: str, name: str) -> dict[str, Any]:
    step: dict[str, Any] = next(s for s in workflow["jobs"][job]["steps"] if s.get("name") == name)
    return step


def _run(
    step: dict[str, Any], cwd: Path, env: dict[str, str], path: Path | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """Run a step's script as GitHub does; (the process, what it wrote to $GITHUB_OUTPUT)."""
    script = cwd / ".step.sh"
    script.write_text(step["run"], encoding="utf-8")
    output = cwd / ".github-output"
    output.write_text("", encoding="utf-8")
    full_env = {
        "PATH": f"{path}:{os.environ['PATH']}" if path else os.environ["PATH"],
        "HOME": str(cwd),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(cwd / ".step-summary.md"),
        **env,
    }
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=cwd, env=full_env, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    lines = output.read_text(encoding="utf-8").splitlines()
    return done, dict(line.split("=", 1) for line in lines if "=" in line)


# --- the workflow's shape -------------------------------------------------------------------


def test_it_runs_on_pull_requests_that_touch_issues_with_least_privileges(
    workflow: dict[Any, Any],
) -> None:
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare "on" as true
    assert triggers == {"pull_request": {"paths": ["issues/**"]}}
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert {name: job["permissions"] for name, job in jobs.items()} == {
        "pages": {"pages": "read"},
        "build": {"contents": "read"},
        "deploy": {"contents": "write"},
        "comment": {"pull-requests": "write"},
    }
    for name in ("deploy", "comment"):  # they hold write tokens: they never run the PR's code
        job = jobs[name]
        assert not [s for s in job["steps"] if "actions/checkout" in s.get("uses", "")], name
        scripts = " ".join(s.get("run", "") for s in job["steps"])
        assert not re.search(r"\bmake\b|newsletter |\.venv", scripts), name
        assert "github.event.pull_request.head.repo.full_name == github.repository" in job["if"]


def test_actions_are_pinned_and_scripts_take_no_expressions(workflow: dict[Any, Any]) -> None:
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    for step in steps:
        if "uses" in step:
            assert PINNED.match(step["uses"]), step["uses"]
        if "actions/checkout" in step.get("uses", ""):
            assert step["with"]["persist-credentials"] is False
        # Values reach scripts through env: an expression in a script is an injection risk.
        assert "${{" not in step.get("run", ""), step.get("name")


# --- the scripts, run -----------------------------------------------------------------------


def _git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _write(repo: Path, files: dict[str, str | None]) -> str:
    for name, text in files.items():
        path = repo / name
        if text is None:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "change")
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _write(
        repo,
        {
            "README.md": "x",
            "issues/glossary.toml": "protect = []",
            "issues/2024-06-a/issue.toml": "",
            "issues/2024-06-a/interview.txt": "A",
            "issues/2024-07-b/issue.toml": "",
        },
    )
    return repo


def _changed(workflow: dict[Any, Any], repo: Path, base: str, head: str) -> tuple[int, str, str]:
    step = _step(workflow, "build", "Find the changed issues")
    done, out = _run(step, repo, {"BASE_SHA": base, "HEAD_SHA": head})
    return done.returncode, out.get("issues", ""), done.stdout + done.stderr


def test_the_changed_issues_are_the_ones_built(workflow: dict[Any, Any], repo: Path) -> None:
    base = _git(repo, "rev-parse", "HEAD")
    head = _write(
        repo,
        {
            "README.md": "y",
            "issues/2024-06-a/interview.txt": "A, edited",
            "issues/2024-08-c/issue.toml": "",
            "issues/2024-07-b": None,  # removed: nothing to build
        },
    )
    assert _changed(workflow, repo, base, head)[:2] == (0, "2024-06-a 2024-08-c")
    glossary = _write(repo, {"issues/glossary.toml": "protect = ['CECOP']"})
    assert _changed(workflow, repo, head, glossary)[:2] == (0, "2024-08-c")  # the newest
    readme = _write(repo, {"README.md": "z"})
    assert _changed(workflow, repo, glossary, readme)[:2] == (0, "")


def test_a_folder_name_that_is_no_slug_stops_the_build(
    workflow: dict[Any, Any], repo: Path
) -> None:
    base = _git(repo, "rev-parse", "HEAD")
    head = _write(repo, {"issues/x $(id)/issue.toml": ""})
    code, issues, log = _changed(workflow, repo, base, head)
    assert code == 1 and issues == "" and "::error::not an issue slug: x $(id)" in log


def _project_with_venv(tmp_path: Path) -> Path:
    """The fixture build, with .venv/bin/newsletter the real command."""
    make_build(tmp_path)
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "newsletter").symlink_to(Path(sys.executable).parent / "newsletter")
    return tmp_path


def test_the_summary_links_each_language_on_pages_or_names_the_artifact(
    workflow: dict[Any, Any], tmp_path: Path
) -> None:
    root = _project_with_venv(tmp_path)
    step = _step(workflow, "build", "Summarise")
    env = {
        "ISSUES": SLUG,
        "PAGES_URL": "https://coop.github.io/newsletter/",
        "SAME_REPO": "true",
        "PR": "7",
        "ARTIFACT_URL": "https://github.com/coop/newsletter/actions/runs/1/artifacts/2",
    }
    done, _ = _run(step, root, env)
    assert done.returncode == 0, done.stderr
    summary = (root / "summary.md").read_text(encoding="utf-8")
    assert f"### Smart Belgium on the Belgian Presidency (`{SLUG}`)" in summary
    assert f"[de](https://coop.github.io/newsletter/pr-7/{SLUG}/preview/de.html)" in summary
    assert "artifact" not in summary
    assert (root / ".step-summary.md").read_text(encoding="utf-8") == summary

    done, _ = _run(step, root, {**env, "SAME_REPO": "false"})  # a fork: nothing is published
    summary = (root / "summary.md").read_text(encoding="utf-8")
    assert "`de.html`" in summary and "github.io" not in summary
    assert f"artifact [newsletter-preview]({env['ARTIFACT_URL']})" in summary

    done, _ = _run(step, root, {**env, "ISSUES": f"{SLUG} 2024-09-not-built"})
    assert done.returncode == 0
    assert "### 2024-09-not-built\n\nNot built: see the job log." in (
        root / "summary.md"
    ).read_text(encoding="utf-8")


FAKE_GH = """#!{python}
# A stand-in for the gh CLI's "api" command over a JSON file of issue comments.
import json, subprocess, sys
from pathlib import Path
args = sys.argv[1:]
store = Path({store!r})
comments = json.loads(store.read_text())
with open({log!r}, "a") as log:
    log.write(" ".join(a for a in args if not a.startswith("body=")) + "\\n")
assert args[0] == "api"
if "--paginate" in args:
    jq = args[args.index("--jq") + 1]
    out = subprocess.run(["jq", "-r", jq], input=json.dumps(comments), capture_output=True,
                         text=True, check=True)
    sys.stdout.write(out.stdout)
    sys.exit(0)
body = Path(next(a for a in args if a.startswith("body=@"))[6:]).read_text()
if args[1:3] == ["-X", "POST"]:
    comments.append({{"id": 900 + len(comments), "user": {{"login": "github-actions[bot]"}},
                     "body": body}})
elif args[1:3] == ["-X", "PATCH"]:
    wanted = int(args[3].rsplit("/", 1)[1])
    next(c for c in comments if c["id"] == wanted)["body"] = body
store.write_text(json.dumps(comments))
"""


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq (Debian package) evaluates gh's --jq")
def test_one_comment_is_added_then_kept_up_to_date(
    workflow: dict[Any, Any], tmp_path: Path
) -> None:
    store, log = tmp_path / "comments.json", tmp_path / "gh.log"
    others = [
        {"id": 1, "user": {"login": "jana"}, "body": f"{MARKER} quoted by a person"},
        {"id": 2, "user": {"login": "github-actions[bot]"}, "body": "another workflow's comment"},
    ]
    store.write_text(json.dumps(others), encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH.format(python=sys.executable, store=str(store), log=str(log)), "utf-8")
    gh.chmod(gh.stat().st_mode | stat.S_IXUSR)
    step = _step(workflow, "comment", "Keep one comment up to date")
    env = {"GH_TOKEN": "t", "REPO": "coop/newsletter", "PR": "7"}
    for run, table in enumerate(["| first |", "| second |", "| third |"]):
        (tmp_path / "summary.md").write_text(table + "\n", encoding="utf-8")
        done, _ = _run(step, tmp_path, env, path=bin_dir)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == ("added a comment" if run == 0 else "updated comment 902")
    comments = json.loads(store.read_text(encoding="utf-8"))
    assert comments[:2] == others
    assert len(comments) == 3 and comments[2]["id"] == 902
    assert comments[2]["body"] == f"{MARKER}\n## Review preview\n\n| third |\n"
    calls = log.read_text(encoding="utf-8").splitlines()
    assert [c.split()[1:4] for c in calls if "-X" in c] == [
        ["-X", "POST", "repos/coop/newsletter/issues/7/comments"],
        ["-X", "PATCH", "repos/coop/newsletter/issues/comments/902"],
        ["-X", "PATCH", "repos/coop/newsletter/issues/comments/902"],
    ]
