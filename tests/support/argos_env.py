"""A sealed argos environment for tests, and the code under test run in it as a subprocess.

argostranslate reads ARGOS_PACKAGES_DIR, ARGOS_PACKAGE_INDEX and XDG_* once at import and
creates folders under $HOME, so anything touching it runs in a child process whose
environment points into ``tmp_path``. Fixtures (import them into a test module):

- ``argos_env``: an :class:`ArgosEnv` (no index reachable: the index URL is a closed port);
- ``argos_index``: an :class:`~tests.support.index_server.IndexServer` on 127.0.0.1, and
  ``argos_env`` pointed at it (``served_env``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.index_server import IndexServer

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ArgosEnv:
    """Folders and environment variables of one sealed argos installation."""

    root: Path
    index_url: str
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def packages_dir(self) -> Path:
        return self.root / "packages"

    @property
    def env(self) -> dict[str, str]:
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("ARGOS_", "XDG_", "NEWSLETTER_", "SNAP"))
        }
        home = self.root / "home"
        base.update(
            HOME=str(home),
            XDG_DATA_HOME=str(home / "data"),
            XDG_CONFIG_HOME=str(home / "config"),
            XDG_CACHE_HOME=str(home / "cache"),
            ARGOS_PACKAGES_DIR=str(self.packages_dir),
            ARGOS_PACKAGE_INDEX=self.index_url,
            NEWSLETTER_CACHE_DIR=str(self.root / "newsletter-cache"),
            APERTIUM_DATADIR=str(self.root / "apertium"),  # sealed from the machine's too
            # No Marian models unless a test serves a catalogue (the built-in one names the hub)
            NEWSLETTER_MODEL_CATALOGUE=str(self._empty_catalogue()),
            PYTHONPATH=str(ROOT),
            PYTHONIOENCODING="utf-8",
        )
        base.update(self.extra)
        return base

    def _empty_catalogue(self) -> Path:
        path = self.root / "no-marian-models.toml"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("# an empty model catalogue: argos packages only\n", "utf-8")
        return path

    def cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run ``python -m pipeline ARGS`` in this environment."""
        return subprocess.run(
            [sys.executable, "-m", "pipeline", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def python(self, code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run a Python snippet in this environment (dedented)."""
        return subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def closed_port_url() -> str:
    """An http:// index URL on 127.0.0.1 where nothing listens (an 'offline' index)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def argos_index(tmp_path: Path) -> Iterator[IndexServer]:
    server = IndexServer(tmp_path / "index").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def argos_env(tmp_path: Path) -> ArgosEnv:
    return ArgosEnv(tmp_path / "argos", closed_port_url())


def served_env(
    env: ArgosEnv, server: IndexServer, extra: Mapping[str, str] | None = None
) -> ArgosEnv:
    """``env`` pointed at ``server``'s index."""
    env.index_url = server.url
    env.extra.update(extra or {})
    return env
