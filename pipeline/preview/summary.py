"""``newsletter preview --summary``: the review in one Markdown table, for a pull-request comment.

One row per language of report.json (the same views as the review site's index): language,
status and why, the share reviewed by a person, the QA findings (counts and the worst one),
and a link to its side-by-side page when ``base_url`` says where the site is published (the
preview workflow passes its GitHub Pages address). Text from the build is escaped for
Markdown tables: a ``|`` or a tag in a message cannot break the table or the comment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pipeline.preview.model import LanguageView, build_language_views, finding_view
from pipeline.report import load_report
from pipeline.store import IssuePaths

STATE_MARK = {"complete": "✅", "partial": "⚠️", "unavailable": "⛔"}
LIMIT = 90  # characters of a message in a cell


def markdown_summary(paths: IssuePaths, base_url: str | None = None) -> str:
    report = load_report(paths)
    views = build_language_views(paths, report)
    title = _cell(str(report.get("title") or paths.slug))
    lines = [
        f"### {title} (`{paths.slug}`)",
        "",
        _counts_line(views),
        "",
        "| language | status | reviewed | findings | review page |",
        "|---|---|---|---|---|",
    ]
    lines += [_row(view, base_url) for view in views]
    lines += _issue_findings(report)
    return "\n".join(lines) + "\n"


def _counts_line(views: Sequence[LanguageView]) -> str:
    states = [v.state for v in views]
    parts = [f"{states.count(s)} {s}" for s in STATE_MARK if states.count(s)]
    return f"{len(views)} languages: {', '.join(parts)}."


def _row(view: LanguageView, base_url: str | None) -> str:
    status = f"{STATE_MARK.get(view.state, '')} {view.state}"
    if view.status not in (view.state, "direct"):
        status += f" ({view.status})"
    if view.why:
        status += f": {_cell(view.why)}"
    reviewed = f"{view.reviewed_share * 100:.0f} %"
    if view.state == "unavailable" or view.status == "source":
        reviewed = "–"
    return (
        f"| {_cell(view.name)} (`{view.code}`) | {status} | {reviewed} | {_findings(view)} "
        f"| {_link(view, base_url)} |"
    )


def _findings(view: LanguageView) -> str:
    counts = ", ".join(f"{n} {lv}{'s' if n > 1 else ''}" for lv, n in view.counts.items())
    worst = view.worst
    if worst is None:
        return "none"
    return f"{counts}: {_cell(worst.label)}: {_cell(worst.message)}"


def _link(view: LanguageView, base_url: str | None) -> str:
    if view.state == "unavailable":
        return "–"
    if base_url is None:
        return f"`{view.page_href}`"
    return f"[{view.code}]({base_url.rstrip('/')}/{view.page_href})"


def _issue_findings(report: Mapping[str, Any]) -> list[str]:
    findings = [finding_view(f) for f in report.get("findings") or []]
    if not findings:
        return []
    lines = ["", f"Issue findings ({len(findings)}):", ""]
    lines += [f"- **{f.level}** {_cell(f.label)}: {_cell(f.message)}" for f in findings[:10]]
    if len(findings) > 10:
        lines.append(f"- … and {len(findings) - 10} more in report.json")
    return lines


def _cell(text: str) -> str:
    """``text`` safe inside a Markdown table cell: one line, no pipes, no tags, not too long."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > LIMIT:
        text = text[: LIMIT - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\|`*_\[\]])", r"\\\1", text)
