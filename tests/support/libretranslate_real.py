"""Real LibreTranslate servers for tests: started offline on loopback, stopped afterwards.

The server runs in its own throwaway environment (``make test-libretranslate`` creates it
with ``libretranslate`` from PyPI and sets ``LIBRETRANSLATE_PYTHON`` to its interpreter); the
tests skip without it. Each server gets tiny argos packages (en→de, en→fr, built by
:mod:`tests.support.tinyargos` on a corpus that holds the seed interview, so a copying model
meets no unknown character) and is started by ``libretranslate_launch.py``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.tinyargos import CORPUS, build_package

LAUNCHER = Path(__file__).with_name("libretranslate_launch.py")
SEED_TEXT = Path(__file__).resolve().parents[2] / "issues" / "2024-06-belgian-presidency"
TARGETS = ("de", "fr")
START_TIMEOUT = 180.0  # seconds; a cold start imports flask, argostranslate and onnxruntime


def lt_python() -> Path:
    """The LibreTranslate environment's Python, or a skip (a failure when it was promised)."""
    value = os.environ.get("LIBRETRANSLATE_PYTHON")
    if not value:
        pytest.skip("no real LibreTranslate: run 'make test-libretranslate'")
    python = Path(value)
    if not python.is_file():
        pytest.fail(f"LIBRETRANSLATE_PYTHON={value} does not exist (make test-libretranslate)")
    return python


def build_packages(dest: Path) -> list[Path]:
    corpus = CORPUS + (SEED_TEXT / "interview.txt").read_text(encoding="utf-8")
    return [build_package(dest, "en", target, corpus=corpus) for target in TARGETS]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass
class RealServer:
    """One running LibreTranslate process and where it logs."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    options: list[str] = field(default_factory=list)

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"LibreTranslate exited at start:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/languages", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        waited = f"{START_TIMEOUT:.0f} s"
        raise RuntimeError(f"LibreTranslate did not answer in {waited}:\n{self.tail()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])


def start(
    python: Path,
    root: Path,
    packages: list[Path],
    options: list[str],
    *,
    copy_model: bool = False,
    api_key: str | None = None,
) -> RealServer:
    """Start a server (not yet ready: call :meth:`RealServer.wait_ready`)."""
    root.mkdir(parents=True)
    port = free_port()
    command = [str(python), str(LAUNCHER), "--root", str(root)]
    command += [arg for package in packages for arg in ("--package", str(package))]
    command += ["--copy-model"] if copy_model else []
    command += ["--api-key", api_key] if api_key else []
    command += ["--", "--host", "127.0.0.1", "--port", str(port), "--disable-web-ui", *options]
    log = root / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=root)
    return RealServer(f"http://127.0.0.1:{port}", process, log, options)


def all_ready(servers: list[RealServer]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    for server in servers:
        server.wait_ready(deadline)
