"""The static review site: ``build/<slug>/preview/`` from report.json and the per-language files.

It reads only what the earlier stages left on disk (report.json, ``<lang>/document.json``,
``<lang>/email.*``), so ``newsletter preview`` can rewrite it alone. Pages are rendered with
Jinja2, autoescape on: source or machine text containing HTML shows as text. Everything is
self-contained (inline CSS, relative links, and on each language page the reviewer's editor as
inline script, :mod:`pipeline.preview.editor`) so the site works from ``file://``.
The folder is written into a temporary sibling and swapped in, so a reader never sees half a
site. The page models (rows, segments, findings) live in :mod:`pipeline.preview.model`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from pipeline import console
from pipeline.browser import find_chromium, missing_chromium_note
from pipeline.preview import screenshots as shots
from pipeline.preview.editor import protected_terms, review_data
from pipeline.preview.model import (
    LanguageView,
    PageView,
    build_language_views,
    build_page,
    finding_view,
)
from pipeline.report import load_report, spam_points, spam_rules_text
from pipeline.resources import templates_dir
from pipeline.store import IssuePaths, write_atomic

TEMPLATES = templates_dir() / "preview"
WIDTHS = {"desktop": 600, "mobile": 375}


def write_preview(
    paths: IssuePaths, *, screenshots: bool | None = None, report: dict[str, Any] | None = None
) -> Path:
    """(Re)write ``build/<slug>/preview/`` and return the path of its ``index.html``.

    Screenshots of e-mails that did not change are kept (they are keyed by content).
    ``screenshots``: True takes the others (a note, not a crash, when Chromium is missing),
    False takes none, None takes them when Chromium is present. ``report``: the build report
    to show, when it is not yet on disk (the build publishes report.json after the preview).
    """
    report = load_report(paths) if report is None else report
    views = build_language_views(paths, report)
    tmp = Path(tempfile.mkdtemp(dir=paths.out, prefix=".preview-"))
    try:
        shot_note, taken = _screenshots(paths, views, tmp / "shots", screenshots)
        views = [v.with_shots(taken.get(v.code, {})) for v in views]
        _write_site(paths, report, views, tmp, shot_note)
        _publish(tmp, paths.preview_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return paths.preview_dir / "index.html"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["kb"] = _kb
    env.filters["percent"] = lambda share: f"{float(share) * 100:.0f} %"
    env.filters["points"] = spam_points
    env.filters["spam_rules"] = spam_rules_text
    return env


def _kb(size: object) -> str:
    return f"{int(size) / 1000:.1f} kB" if isinstance(size, int | float) else "–"


def _write_site(
    paths: IssuePaths,
    report: Mapping[str, Any],
    views: Sequence[LanguageView],
    out: Path,
    shot_note: str | None,
) -> None:
    env = _environment()
    issue = {
        "slug": report.get("issue", paths.slug),
        "title": report.get("title", paths.slug),
        "source_lang": report.get("source_lang", ""),
        "provider": report.get("provider", ""),
        "built_at": report.get("built_at", ""),
        "findings": [finding_view(f) for f in report.get("findings", [])],
    }
    page = env.get_template("index.html.j2").render(
        issue=issue,
        languages=views,
        shot_note=shot_note,
        widths=WIDTHS,
    )
    write_atomic(out / "index.html", page)
    protect = protected_terms(paths)
    for view in views:
        if view.state == "unavailable":
            continue
        _write_language_pages(env, paths, issue, view, out, protect)


def _write_language_pages(
    env: Environment,
    paths: IssuePaths,
    issue: Mapping[str, Any],
    view: LanguageView,
    out: Path,
    protect: Sequence[str],
) -> None:
    page: PageView = build_page(paths, str(issue["source_lang"]), view)
    review = review_data(issue, view, page, protect)
    html = env.get_template("language.html.j2").render(
        issue=issue, lang=view, page=page, review=review
    )
    write_atomic(out / view.page_href, html)
    if view.html_href is None:
        return
    frame = env.get_template("frame.html.j2")
    for device, width in WIDTHS.items():
        write_atomic(
            out / view.frame_href(width),
            frame.render(issue=issue, lang=view, device=device, width=width),
        )


def _screenshots(
    paths: IssuePaths, views: Sequence[LanguageView], folder: Path, wanted: bool | None
) -> tuple[str | None, dict[str, dict[int, str]]]:
    """Keep the PNGs of unchanged e-mails, take the others; (a note for the index, the
    shots per language and width as hrefs)."""
    emails = {v.code: paths.email_html(v.code) for v in views if v.html_href is not None}
    kept, jobs = shots.plan_shots(
        emails, WIDTHS.values(), old=paths.preview_dir / "shots", new=folder
    )
    taken, note = _take(jobs, wanted)
    done = [*kept, *(r.shot for r in taken if r.ok)]
    if kept or taken:
        ok = [r for r in taken if r.ok]
        failed = f", {len(taken) - len(ok)} failed" if len(ok) < len(taken) else ""
        seconds = sum(r.seconds for r in taken)
        console.say(f"screenshots: {len(kept)} kept, {len(ok)} taken{failed} ({seconds:.1f} s)")
    hrefs: dict[str, dict[int, str]] = {}
    for shot in sorted(done, key=lambda s: -s.width):
        hrefs.setdefault(shot.lang, {})[shot.width] = f"shots/{shot.name}"
    return note, hrefs


def _take(
    jobs: Sequence[shots.ShotJob], wanted: bool | None
) -> tuple[list[shots.ShotResult], str | None]:
    """Take the shots still missing, unless told not to or there is no Chromium."""
    missing = sum(len(job.shots) for job in jobs)
    if not missing:
        return [], None
    if wanted is False:
        return [], f"{missing} screenshots were not taken (--no-screenshots)."
    chromium = find_chromium()
    if chromium is None:
        note = missing_chromium_note()
        if wanted:
            console.warn(note)
        return [], note
    results = shots.take_screenshots(jobs, chromium=chromium, progress=_print_progress)
    failed = [r for r in results if not r.ok]
    if failed:
        note = f"{len(failed)} of {len(results)} screenshots failed: {failed[0].error}"
        console.warn(note)
        return results, note
    return results, None


def _print_progress(done: int, total: int, result: shots.ShotResult) -> None:
    shot = result.shot
    console.detail(
        f"screenshots {done}/{total}: {shot.lang} {shot.width} px {result.seconds:.1f} s"
    )


def _publish(tmp: Path, target: Path) -> None:
    """Swap the finished folder in: two renames, the old one removed afterwards."""
    os.chmod(tmp, 0o755)  # mkdtemp makes it 0700; the site should be readable like the rest
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)
