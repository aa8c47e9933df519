"""The translate stage: the source Document → one Document per language, with provenance.

Entry point: :func:`translate_issue`. Human post-edits in PO files win (:mod:`.review`), then
the translation memory (:mod:`.memory`), then an engine (:mod:`.engine` and its
implementations, :mod:`.argos` on CTranslate2, :mod:`.libretranslate` over HTTP) for what is
left, with protected terms masked (:mod:`.glossary`); :mod:`.segment` cuts the text into
sentences, :mod:`.route` picks direct or pivot pairs, :mod:`.models` installs packages;
:mod:`.cli` registers ``newsletter models`` and ``newsletter review``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.translate.stage import LanguageResult, translate_issue

__all__ = ["LanguageResult", "translate_issue"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so that ``newsletter --help`` does not load the stage's libraries.
    if name in __all__:
        return getattr(importlib.import_module("pipeline.translate.stage"), name)
    raise AttributeError(f"module 'pipeline.translate' has no attribute {name!r}")
