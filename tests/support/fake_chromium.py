"""A stand-in for headless Chromium that speaks the DevTools protocol over the pipe, as the real
one does (``--remote-debugging-pipe``: JSON messages ending in NUL, read on fd 3, written on
fd 4), so the screenshot code can be tested for what the real browser rarely does on demand:
refusing to start, crashing mid-way. tests/test_preview_browser.py runs the same code against
the real Chromium.

It logs what it was asked (``navigate URL``, ``viewport W H``, ``capture W``) to ``calls.log``
beside the executable, answers ``Page.captureScreenshot`` with a real PNG as wide as the
viewport, and obeys ``FAKE_CHROMIUM_MODE``:

- ``ok`` (default);
- ``refuse``: print "cannot open display" on stderr and exit 3 before answering anything;
- ``crash-once-at-N``: exit in the middle of the Nth capture, once (a marker file remembers).
"""

from __future__ import annotations

import base64
import json
import os
import stat
import struct
import sys
import zlib
from pathlib import Path
from typing import Any

CONTENT_HEIGHT = 3000  # what the fake says the page's scrollHeight is


def install(folder: Path) -> Path:
    """An executable ``folder/chromium`` running this module; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "chromium"
    script = f'#!/bin/sh\nFAKE_CHROMIUM_DIR="{folder}" exec "{sys.executable}" "{__file__}" "$@"\n'
    exe.write_text(script, encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return exe


def calls(folder: Path) -> list[str]:
    log = folder / "calls.log"
    return log.read_text(encoding="utf-8").splitlines() if log.is_file() else []


def png(width: int, height: int) -> bytes:
    """A valid grey PNG of ``width`` × ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\0" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class _Fake:
    def __init__(self, folder: Path, mode: str) -> None:
        self.log = folder / "calls.log"
        self.marker = folder / "crashed-once"
        self.mode = mode
        self.out = os.fdopen(4, "wb", buffering=0)
        self.width, self.height, self.captures = 800, 600, 0

    def note(self, line: str) -> None:
        with self.log.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    def send(self, message: dict[str, Any]) -> None:
        self.out.write(json.dumps(message).encode() + b"\0")

    def handle(self, message: dict[str, Any]) -> None:
        method, params = message["method"], message.get("params", {})
        session = {"sessionId": message["sessionId"]} if "sessionId" in message else {}
        result = self.result(method, params)
        self.send({"id": message["id"], "result": result, **session})
        if method == "Page.navigate":
            self.send({"method": "Page.loadEventFired", "params": {}, **session})
        if method == "Browser.close":
            sys.exit(0)

    def result(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "Target.createTarget":
            return {"targetId": "target-1"}
        if method == "Target.attachToTarget":
            return {"sessionId": "session-1"}
        if method == "Page.navigate":
            self.note(f"navigate {params['url']}")
        elif method == "Emulation.setDeviceMetricsOverride":
            self.width, self.height = params["width"], params["height"]
            self.note(f"viewport {self.width} {self.height}")
        elif method == "Runtime.evaluate":
            return {"result": {"type": "number", "value": CONTENT_HEIGHT}}
        elif method == "Page.captureScreenshot":
            return self.capture()
        return {}

    def capture(self) -> dict[str, Any]:
        self.captures += 1
        crash_at = self.mode.removeprefix("crash-once-at-")
        if crash_at.isdigit() and self.captures == int(crash_at) and not self.marker.exists():
            self.marker.touch()
            print("Received signal 11 SEGV_MAPERR", file=sys.stderr, flush=True)
            os._exit(139)
        self.note(f"capture {self.width}")
        # As tall as the viewport would make a test slow for nothing: a few rows say enough.
        data = png(self.width, 4)
        return {"data": base64.b64encode(data).decode()}


def main() -> None:
    mode = os.environ.get("FAKE_CHROMIUM_MODE", "ok")
    if mode == "refuse":
        print("cannot open display", file=sys.stderr)
        sys.exit(3)
    fake = _Fake(Path(os.environ["FAKE_CHROMIUM_DIR"]), mode)
    with os.fdopen(3, "rb", buffering=0) as pipe:
        buffer = b""
        while chunk := pipe.read(1 << 16):
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                fake.handle(json.loads(raw))


if __name__ == "__main__":
    main()
