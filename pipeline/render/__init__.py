"""The render stage: one translated Document → ``email.html``, ``email.txt``, ``email.eml``.

Entry point: :func:`render_issue` (every language of a build; :func:`render_email` for one).
:mod:`.context` turns a Document into what the templates see, :mod:`.catalogs` gives the
template's own words per language, :mod:`.stage` runs Jinja2 and MJML, :mod:`.mime` builds
the message and :mod:`.qa` checks the e-mail; :mod:`.cli` registers ``newsletter render``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.render.stage import (
        RenderResult,
        render_email,
        render_issue,
        report_fields,
        rerender_issue,
    )

__all__ = ["RenderResult", "render_email", "render_issue", "report_fields", "rerender_issue"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so that ``newsletter --help`` does not load the stage's libraries.
    if name in __all__:
        return getattr(importlib.import_module("pipeline.render.stage"), name)
    raise AttributeError(f"module 'pipeline.render' has no attribute {name!r}")
