"""The ingest stage: an interview as an editor wrote it → a :class:`~pipeline.document.Document`.

Entry point: :func:`ingest_file` (and :func:`ingest_text` for a string). The modules, in the
order the text meets them: :mod:`.source` (decode and normalise), :mod:`.labels` (what a speaker
label looks like), :mod:`.reader` (paragraphs → blocks), :mod:`.lint` (warnings for the editor);
:mod:`.cli` registers ``newsletter ingest``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.ingest.reader import IngestResult, ingest_file, ingest_text

__all__ = ["IngestResult", "ingest_file", "ingest_text"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so that ``newsletter --help`` does not load the stage's libraries.
    if name in __all__:
        return getattr(importlib.import_module("pipeline.ingest.reader"), name)
    raise AttributeError(f"module 'pipeline.ingest' has no attribute {name!r}")
