"""The wheel works outside the repository: templates and catalogs ship inside it.

Builds the wheel with uv, installs it into a fresh virtual environment in a temporary folder
(as ``uv tool install`` or ``pipx`` would: no [tool.uv] settings of this project), and builds
a copy of the sample issue from an unrelated folder, English only and with no models, so
nothing is downloaded at run time. Needs uv and the package registry (PyPI) for the
dependencies, like ``make test`` itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SLUG = "2024-06-belgian-presidency"


def _uv() -> list[str]:
    found = shutil.which("uv")
    if found:
        return [found]
    if subprocess.run([sys.executable, "-m", "uv", "--version"], capture_output=True).returncode:
        pytest.skip("uv is not installed (make test installs it)")
    return [sys.executable, "-m", "uv"]


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def test_the_installed_wheel_builds_an_issue_from_any_folder(tmp_path: Path) -> None:
    uv = _uv()
    _run([*uv, "build", "--wheel", "--out-dir", str(tmp_path / "dist"), str(ROOT)], tmp_path)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    venv = tmp_path / "venv"
    _run([*uv, "venv", "--no-config", "--python", sys.executable, str(venv)], tmp_path)
    python = venv / "bin" / "python"
    _run([*uv, "pip", "install", "--no-config", "--python", str(python), str(wheel)], tmp_path)

    site = tmp_path / "elsewhere"
    shutil.copytree(ROOT / "issues" / SLUG, site / "issues" / SLUG)
    shutil.copy(ROOT / "issues" / "glossary.toml", site / "issues" / "glossary.toml")
    env = {
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path / "home"),
        "NEWSLETTER_CACHE_DIR": str(tmp_path / "cache"),
        "ARGOS_PACKAGES_DIR": str(tmp_path / "packages"),
        "ARGOS_PACKAGE_INDEX": "http://127.0.0.1:9/",  # nothing listens: never downloads
    }
    where = _run([str(python), "-c", "import pipeline; print(pipeline.__file__)"], site, env)
    assert str(venv) in where and str(ROOT) not in where  # the wheel, not the checkout

    _run(["newsletter", "build", f"issues/{SLUG}", "--langs", "en", "--no-screenshots"], site, env)
    out = site / "build" / SLUG
    for name in ("email.html", "email.txt", "email.eml"):
        assert (out / "en" / name).stat().st_size > 1000, name
    assert 'lang="en"' in (out / "en" / "email.html").read_text(encoding="utf-8")
    assert (out / "preview" / "index.html").is_file()
    assert (out / "preview" / "en.html").is_file()
    # The Marian model catalogue (data) ships too: models list reads it without the network.
    listing = _run(["newsletter", "models", "list", "--installed"], site, env)
    catalogue = "from pipeline.translate.catalogue import load_catalogue; print(load_catalogue())"
    assert "hplt-en-hr-v1.0" in _run([str(python), "-c", catalogue], site, env)
    assert "Traceback" not in listing
