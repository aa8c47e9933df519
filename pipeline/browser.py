"""Headless Chromium (the Debian package): finding it, its flags, and a tiny DevTools client.

:func:`find_chromium` looks for the browser (``$CHROMIUM`` or the PATH); without one, callers
show :func:`missing_chromium_note` instead of failing. :class:`Browser` speaks the Chrome
DevTools Protocol over ``--remote-debugging-pipe``: no port, no websocket library and no driver
binary. Chromium reads JSON messages ending in a NUL byte on fd 3 and writes its replies and
events on fd 4; about 200 lines of stdlib cover what the pipeline and its tests need (open a
page, wait for load, collect console errors, evaluate a script, take a full-page screenshot,
click and type like a person, save downloads).
Playwright would add its driver (~100 MB with its bundled Node.js).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
# Chromium cannot paint a taller surface in one piece (its maximum texture size); an e-mail
# taller than this is cut there.
MAX_SHOT_HEIGHT = 16_000


def find_chromium(env: Mapping[str, str] | None = None) -> str | None:
    """``$CHROMIUM`` when set (a path or a command name), else the first browser on PATH."""
    env = os.environ if env is None else env
    search = env.get("PATH", os.defpath)
    explicit = env.get("CHROMIUM")
    if explicit:
        return shutil.which(explicit, path=search)
    for name in CANDIDATES:
        found = shutil.which(name, path=search)
        if found:
            return found
    return None


def missing_chromium_note(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    where = (
        f"CHROMIUM={env['CHROMIUM']} is not an executable"
        if env.get("CHROMIUM")
        else (f"none of {', '.join(CANDIDATES)} is on PATH")
    )
    return (
        f"Screenshots were not taken: no Chromium found ({where}). Install it "
        "(apt-get install chromium) or set CHROMIUM=/path/to/chrome, then run "
        "'newsletter preview ISSUE_DIR --screenshots'."
    )


# Offline and quiet: no DNS waits for remote images, no background connections (refused here).
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)


FLAGS = (
    *HEADLESS_FLAGS,
    "--no-default-browser-check",
    "--remote-debugging-pipe",
)


class CDPError(RuntimeError):
    pass


def _high(fd: int) -> int:
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


class Browser:
    """One headless Chromium; :meth:`open` gives a :class:`Page` (one tab, reused)."""

    def __init__(self, chromium: str, *, timeout: float = 20.0) -> None:
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="cdp-profile-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # bash (dash takes no fd above 9) moves the child's ends onto fds 3 and 4, where
        # Chromium expects them; first above 9, so "3<&x 4>&y" cannot clobber one with another.
        to_browser_r, from_browser_w = (_high(to_browser_r), _high(from_browser_w))
        script = f'exec "$0" "$@" 3<&{to_browser_r} 4>&{from_browser_w}'
        args = [*FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"]
        # Its last line says why, when Chromium dies; closed in close().
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self.process = subprocess.Popen(
            ["/bin/bash", "-c", script, chromium, *args],
            pass_fds=(to_browser_r, from_browser_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> Any:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        except BrokenPipeError:
            raise CDPError(f"Chromium closed the DevTools pipe ({self._last_words()})") from None
        reply = self._read_until(lambda m: m.get("id") == self._next_id)
        if "error" in reply:
            raise CDPError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_event(self, method: str, session: str | None) -> dict[str, Any]:
        for i, event in enumerate(self.events):
            if event.get("method") == method and event.get("sessionId") == session:
                return self.events.pop(i)
        return self._read_until(
            lambda m: m.get("method") == method and m.get("sessionId") == session
        )

    def _read_until(self, wanted: Any) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if wanted(message):
                    return dict(message)
                if "method" in message:
                    self.events.append(message)
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise CDPError(f"no answer from Chromium within {self.timeout} s")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise CDPError(f"Chromium closed the DevTools pipe ({self._last_words()})")
            self._buffer += chunk

    def _last_words(self) -> str:
        """The last line Chromium wrote on stderr, or a guess when there is none."""
        with contextlib.suppress(OSError, ValueError):
            self._stderr.seek(max(0, self._stderr.seek(0, os.SEEK_END) - 4096))
            lines = self._stderr.read().decode(errors="replace").splitlines()
            said = [line.strip() for line in lines if line.strip()]
            if said:
                return f"it said: {said[-1]}"
        return "did it crash?"

    def open(self) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})
        page = Page(self, session["sessionId"])
        for domain in ("Page", "Runtime", "Log"):
            page.call(f"{domain}.enable")
        return page

    def allow_downloads(self, folder: Path) -> None:
        """Save downloads into ``folder`` under their own names; :meth:`wait_download` waits."""
        params = {"behavior": "allow", "downloadPath": str(folder), "eventsEnabled": True}
        self.send("Browser.setDownloadBehavior", params)

    def wait_download(self) -> str:
        """Wait until a download has finished; return the name it was saved under."""
        begun = self.wait_event("Browser.downloadWillBegin", None)["params"]
        while True:
            progress = self.wait_event("Browser.downloadProgress", None)["params"]
            if progress.get("guid") != begun.get("guid"):
                continue
            if progress.get("state") == "completed":
                return str(begun["suggestedFilename"])
            if progress.get("state") == "canceled":
                raise CDPError(f"the download of {begun['suggestedFilename']} was cancelled")

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(CDPError, OSError):
            self.send("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
        self._stderr.close()
        self._profile.cleanup()


class Page:
    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session

    def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        return self.browser.send(method, params, self.session)

    def goto(self, path_or_url: Path | str) -> str | None:
        """Navigate and wait for the load event; the network error text, if any."""
        url = path_or_url.as_uri() if isinstance(path_or_url, Path) else path_or_url
        self.browser.events.clear()
        result = self.call("Page.navigate", {"url": url})
        if result.get("errorText"):
            return str(result["errorText"])
        self.browser.wait_event("Page.loadEventFired", self.session)
        return None

    def console_errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads since the last navigation."""
        found = []
        for event in self.browser.events:
            if event.get("sessionId") != self.session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                thrown = details.get("exception", {}).get("description", "")
                found.append(f"{details.get('text')} {thrown}".strip())
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(
                    " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
                )
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                entry = params["entry"]
                found.append(f"{entry.get('text')} {entry.get('url', '')}".strip())
        return found

    def evaluate(self, expression: str, *, await_promise: bool = False) -> Any:
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": await_promise},
        )
        if "exceptionDetails" in result:
            raise CDPError(f"script failed: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def screenshot(
        self, width: int, *, full_page: bool = True, height: int = 800, fast: bool = False
    ) -> bytes:
        """A PNG of the page laid out ``width`` CSS pixels wide: all of it (up to
        :data:`MAX_SHOT_HEIGHT`) when ``full_page``, else the top ``height`` pixels. ``fast``
        compresses less (about 20 % bigger files, a third less time)."""
        self._viewport(width, height)
        if full_page:
            content = self.evaluate(_CONTENT_HEIGHT_JS)
            height = max(1, min(int(content or height), MAX_SHOT_HEIGHT))
            self._viewport(width, height)  # the whole page is one viewport: nothing is cut
        try:
            shot = self.call("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": fast})
        finally:
            self.call("Emulation.clearDeviceMetricsOverride")
        return base64.b64decode(shot["data"])

    def _viewport(self, width: int, height: int) -> None:
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
        self.call("Emulation.setDeviceMetricsOverride", metrics)

    def click(self, selector: str) -> None:
        """Click the middle of the first element matching ``selector`` with the mouse, as a
        person would (a trusted event: downloads and focus behave as they do for people)."""
        box = self.evaluate(_BOX_JS % json.dumps(selector))
        if box is None:
            raise CDPError(f"nothing on the page matches {selector!r}")
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            event = {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}
            self.call("Input.dispatchMouseEvent", event)

    def type_text(self, text: str) -> None:
        """Type ``text`` into the focused element (replacing its selection), like a keyboard."""
        self.call("Input.insertText", {"text": text})


_CONTENT_HEIGHT_JS = """Math.ceil(Math.max(document.documentElement.scrollHeight,
  document.body ? document.body.scrollHeight : 0))"""
# The element scrolled into view; the middle of its box in viewport coordinates, or null.
_BOX_JS = """(sel => { const e = document.querySelector(sel); if (!e) return null;
  e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();
  return [r.left + r.width / 2, r.top + r.height / 2]; })(%s)"""
