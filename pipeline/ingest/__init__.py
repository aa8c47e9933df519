"""The ingest stage: an interview as an editor wrote it → a :class:`~pipeline.document.Document`.

Entry point: :func:`ingest_file` (and :func:`ingest_text` for a string). The modules, in the
order the text meets them: :mod:`.source` (decode and normalise), :mod:`.labels` (what a speaker
label looks like), :mod:`.reader` (paragraphs → blocks), :mod:`.lint` (warnings for the editor);
:mod:`.cli` registers ``newsletter ingest``.
"""

from pipeline.ingest.reader import IngestResult, ingest_file, ingest_text

__all__ = ["IngestResult", "ingest_file", "ingest_text"]
