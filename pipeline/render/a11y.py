"""Accessibility of the built e-mails: axe-core in headless Chromium, one browser for all.

axe-core (npm ``axe-core``, which ``make`` fetches into ``.cache/axe``; ``$AXE_CORE_JS``
names another copy) runs on each language's ``email.html`` in one Chromium session
(:mod:`pipeline.browser`). Each violation is a finding: **error** for axe's ``critical`` and
``serious`` impacts (readers of assistive technology lose content), **warning** for
``moderate`` and ``minor``. Without Chromium or axe-core the check is skipped with one note;
a browser that fails mid-way ends the check with a note, never the build.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.browser import Browser, CDPError, find_chromium
from pipeline.document import Finding, Level
from pipeline.resources import cache_asset

AXE_PATH = "axe/node_modules/axe-core/axe.min.js"
# WCAG 2.x A and AA rules only: axe's "best-practice" landmark rules (one <main>, content in
# regions) are about web pages; an e-mail is shown inside the client's page, which has them.
# Every violation, each node's selector, capped so a broken template cannot flood the report.
AXE_RUN_JS = """axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag',
  values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa']}})
  .then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
  targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')), count: v.nodes.length})))"""
ERROR_IMPACTS = frozenset({"critical", "serious"})


class AccessibilityCheckFailed(Exception):
    """Chromium or axe-core failed while checking (not a violation in the e-mail)."""


def find_axe(env: Mapping[str, str] | None = None) -> Path | None:
    """``$AXE_CORE_JS``, else the copy ``make`` fetched into ``.cache/axe``; None when absent."""
    return cache_asset("AXE_CORE_JS", AXE_PATH, env)


def missing_tools_note(chromium: str | None, axe: Path | None) -> str:
    missing = [
        *([] if chromium else ["Chromium (apt-get install chromium, or set CHROMIUM)"]),
        *([] if axe else ["axe-core (make issue fetches it with npm, or set AXE_CORE_JS)"]),
    ]
    return f"The accessibility check was skipped: no {' and no '.join(missing)}."


def check_accessibility(
    emails: Mapping[str, Path], *, chromium: str | None = None, axe: Path
) -> dict[str, list[Finding]]:
    """axe-core's violations per language, one Chromium for every e-mail."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise AccessibilityCheckFailed("no Chromium")
    source = axe.read_text(encoding="utf-8")
    try:
        browser = Browser(chromium)
    except OSError as exc:
        raise AccessibilityCheckFailed(f"Chromium did not start: {exc}") from None
    try:
        page = browser.open()
        found = {}
        for lang, path in emails.items():
            error = page.goto(path)
            if error:
                raise AccessibilityCheckFailed(f"{lang}: Chromium could not open {path}: {error}")
            page.evaluate(source)
            violations = page.evaluate(AXE_RUN_JS, await_promise=True)
            found[lang] = [_finding(lang, v) for v in violations or []]
        return found
    except CDPError as exc:
        raise AccessibilityCheckFailed(str(exc)) from None
    finally:
        browser.close()


def _finding(lang: str, violation: Mapping[str, Any]) -> Finding:
    impact = str(violation.get("impact") or "minor")
    targets = ", ".join(violation.get("targets") or [])
    more = int(violation.get("count") or 0) - len(violation.get("targets") or [])
    where = f"{targets}{f' and {more} more' if more > 0 else ''}"
    message = (
        f"axe {violation.get('id')} ({impact}): {violation.get('help')} at {where}. "
        f"How to fix: {violation.get('url')}"
    )
    level: Level = "error" if impact in ERROR_IMPACTS else "warning"
    return Finding(level, "accessibility", message, lang, str(violation.get("id")))
