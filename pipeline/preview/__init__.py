"""The preview stage: a static review site, every language beside the source.

Entry point: :func:`write_preview`. :mod:`.model` reads the build into values, :mod:`.site`
writes the pages, :mod:`.screenshots` drives headless Chromium; :mod:`.cli` registers
``newsletter preview``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.preview.site import write_preview

__all__ = ["write_preview"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so that ``newsletter --help`` does not load the stage's libraries.
    if name in __all__:
        return getattr(importlib.import_module("pipeline.preview.site"), name)
    raise AttributeError(f"module 'pipeline.preview' has no attribute {name!r}")
