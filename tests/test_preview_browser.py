"""The review site in a real headless Chromium: links resolve, pages are clean, e-mails pass axe.

Chromium is driven over the DevTools pipe by ``pipeline/browser.py`` (no extra
package). axe-core comes from npm (``axe-core@4``), installed by ``make`` into
``.cache/axe/node_modules/axe-core/axe.min.js`` or named by ``$AXE_CORE_JS``. Without
Chromium or axe-core the tests skip with the reason; with ``CI`` set they fail instead,
because CI must really run them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from pipeline.browser import Browser, Page, find_chromium
from pipeline.preview import write_preview
from pipeline.store import IssuePaths, read_json
from tests.support.preview_fixtures import make_build

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
AXE_DEFAULT = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# Every href, iframe src and img src on a page, absolute.
REFS_JS = """[...document.querySelectorAll('a[href]')].map(a => a.href)
  .concat([...document.querySelectorAll('iframe[src], img[src]')].map(e => e.src))"""
IDS_JS = "[...document.querySelectorAll('[id]')].map(e => e.id)"
AXE_RUN_JS = """axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map(n => n.target).join(', ')})`))"""


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this must run: .ci/run installs it)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium() -> str:
    found = find_chromium()
    if found is None:
        _unavailable("no Chromium (apt-get install chromium, or set CHROMIUM)")
    assert found is not None
    return found


@pytest.fixture(scope="module")
def axe_source() -> str:
    path = Path(os.environ.get("AXE_CORE_JS") or AXE_DEFAULT)
    if not path.is_file():
        _unavailable(
            f"no axe-core at {path}: run 'npm install --no-save --prefix .cache/axe axe-core@4' "
            "or set AXE_CORE_JS"
        )
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> IssuePaths:
    paths = make_build(tmp_path_factory.mktemp("site"), render=True)  # the real render stage
    write_preview(paths, screenshots=False)
    return paths


@pytest.fixture(scope="module")
def page(chromium: str) -> Iterator[Page]:
    browser = Browser(chromium)
    try:
        yield browser.open()
    finally:
        browser.close()


def _path(url: str) -> Path:
    parts = urlsplit(url)
    assert parts.scheme == "file", f"not a local link: {url}"
    return Path(unquote(parts.path))


def _crawl(page: Page, index: Path) -> tuple[dict[Path, Any], list[str]]:
    """Visit every preview page reachable from the index; return ids per page and problems."""
    preview = index.parent
    queue, ids, problems = [index], {}, []
    anchors: list[tuple[Path, str, Path]] = []
    while queue:
        current = queue.pop()
        if current in ids:
            continue
        error = page.goto(current)
        if error:
            problems.append(f"{current.name}: {error}")
            continue
        problems += [f"{current.name}: console: {e}" for e in page.console_errors()]
        if page.evaluate("window.__pwned") is not None:
            problems.append(f"{current.name}: hostile text ran as script")
        ids[current] = set(page.evaluate(IDS_JS))
        for url in page.evaluate(REFS_JS):
            target = _path(url)
            if not target.is_file():
                problems.append(f"{current.name}: dead link {url}")
            elif target.suffix == ".html" and target.parent == preview:
                queue.append(target)
            if urlsplit(url).fragment:
                anchors.append((current, unquote(urlsplit(url).fragment), target))
    for source, fragment, target in anchors:
        if target in ids and fragment not in ids[target]:
            problems.append(f"{source.name}: no #{fragment} in {target.name}")
    return ids, problems


def test_every_page_renders_cleanly_and_every_link_resolves(page: Page, site: IssuePaths) -> None:
    pages, problems = _crawl(page, site.preview_dir / "index.html")
    assert problems == []
    report = read_json(site.report_json)
    expected = {"index.html"}
    for code, entry in report["languages"].items():
        if entry["status"] != "unavailable":
            expected |= {f"{code}.html", f"{code}-600.html", f"{code}-375.html"}
    assert {p.name for p in pages} == expected


def test_the_frames_show_the_email_at_their_width(page: Page, site: IssuePaths) -> None:
    for width in (600, 375):
        assert page.goto(site.preview_dir / f"de-{width}.html") is None
        frame = page.evaluate("(f => [f.src, f.width])(document.querySelector('iframe'))")
        assert _path(frame[0]) == site.email_html("de")
        assert frame[1] == str(width)


def test_axe_finds_no_serious_violation_in_any_email(
    page: Page, axe_source: str, site: IssuePaths
) -> None:
    report = read_json(site.report_json)
    emails = [site.out / e["files"]["html"] for e in report["languages"].values() if "files" in e]
    assert len(emails) == 4
    found = {}
    for email in emails:
        assert page.goto(email) is None
        assert page.console_errors() == [], email
        found[email.parent.name] = _axe(page, axe_source)
    assert found == {lang: [] for lang in found}


def test_axe_finds_no_serious_violation_in_the_review_pages(
    page: Page, axe_source: str, site: IssuePaths
) -> None:
    found = {}
    for name in ("index.html", "de.html", "en.html", "el-375.html"):
        assert page.goto(site.preview_dir / name) is None
        found[name] = _axe(page, axe_source)
    assert found == {name: [] for name in found}


def _axe(page: Page, source: str) -> list[str]:
    page.evaluate(source)
    violations: list[str] = page.evaluate(AXE_RUN_JS, await_promise=True)
    return violations


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


def test_screenshots_show_whole_emails_and_survive_a_rebuild_untouched(
    page: Page, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real Chromium: a whole-page PNG per e-mail and width, however tall (the old shots
    were cut at 2,400 px), and a rebuild keeps them without a browser."""
    paths = make_build(tmp_path, render=True)
    email = paths.email_html("de")
    longer = "".join(f"<p>Absatz {n}: mehr Text.</p>" for n in range(150))
    email.write_text(email.read_text("utf-8").replace("</body>", longer + "</body>"), "utf-8")
    write_preview(paths, screenshots=True)
    shots = {p.name: p for p in (paths.preview_dir / "shots").glob("*.png")}
    assert len(shots) == 8
    for name, png in shots.items():
        lang, width = name.split("-")[:2]
        tall = _page_height(page, paths.email_html(lang), int(width))
        assert _png_size(png) == (int(width), tall), name
    assert _png_size(next(p for n, p in shots.items() if n.startswith("de-600-")))[1] > 5000
    monkeypatch.setenv("CHROMIUM", "/nowhere/chromium")  # a rebuild must not need it
    index = write_preview(paths, screenshots=True).read_text(encoding="utf-8")
    assert sorted(p.name for p in (paths.preview_dir / "shots").glob("*.png")) == sorted(shots)
    assert "not taken" not in index and "failed" not in index


def _page_height(page: Page, email: Path, width: int) -> int:
    metrics = {"width": width, "height": 600, "deviceScaleFactor": 1, "mobile": False}
    page.call("Emulation.setDeviceMetricsOverride", metrics)
    try:
        assert page.goto(email) is None
        height: int = page.evaluate("document.documentElement.scrollHeight")
    finally:
        page.call("Emulation.clearDeviceMetricsOverride")
    return height


def test_axe_finds_no_serious_violation_in_the_editor(
    page: Page, axe_source: str, site: IssuePaths
) -> None:
    assert page.goto(site.preview_dir / "de.html") is None
    page.click("#review-toggle")
    assert page.evaluate("document.querySelectorAll('textarea.editor').length") > 5
    assert _axe(page, axe_source) == []
    assert page.console_errors() == []
