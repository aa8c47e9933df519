"""The reviewer's editor on each language page: what the page's script needs, as plain values.

The script itself is ``templates/preview/review.js.j2`` (plain JavaScript, inline, so the page
works from ``file://``, a CI artifact or GitHub Pages with no server). It lets a reviewer
correct any target segment or mark it correct, keeps the changes in the browser
(localStorage) and downloads ``<lang>.po``, which ``newsletter review import`` merges. Here:
the segments (key, source, text, whether a person reviewed it, and what it must keep
verbatim: the same check the import makes, :mod:`pipeline.translate.verbatim`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pipeline.errors import PipelineError
from pipeline.preview.model import LanguageView, PageView, SegmentRow
from pipeline.store import IssuePaths

# Rows whose text a reviewer can correct: the machine's and the reviewers'.
EDITABLE = ("human", "memory", "engine")


def protected_terms(paths: IssuePaths) -> tuple[str, ...]:
    """The glossary's protected terms; none when it cannot be read (the build says why)."""
    from pipeline.translate.glossary import load_glossary

    try:
        return load_glossary(paths.glossary).protect
    except (PipelineError, OSError):
        return ()


def review_data(
    issue: Mapping[str, Any], view: LanguageView, page: PageView, protect: Sequence[str]
) -> dict[str, Any] | None:
    """``{"editable": segment keys, "data": what the script reads}``, or None when the
    page has nothing to edit (the source, or a build that recorded no segments)."""
    from pipeline.translate.verbatim import must_keep

    if page.is_source:
        return None
    rows = [r for r in _rows(page) if r.origin in EDITABLE]
    if not rows:
        return None
    segments = [
        {
            "key": r.key,
            "anchor": r.anchor,
            "source": r.source,
            "text": r.text,
            "reviewed": r.origin == "human",
            "keep": must_keep(r.source, protect),
        }
        for r in rows
    ]
    data = {
        "slug": issue["slug"],
        "lang": view.code,
        "source_lang": issue["source_lang"],
        "file": f"{view.code}.po",
        "segments": segments,
    }
    return {"editable": {r.key for r in rows}, "data": data}


def _rows(page: PageView) -> list[SegmentRow]:
    """Every segment row, in the order of the page."""
    return [*page.fields, *page.roles, *(row for block in page.blocks for row in block.rows)]
