"""How the interview was read, for the editor (``--explain``) and the reviewers (findings).

:func:`explain_lines` prints every paragraph with its line, the type and speaker it got and
the signal that decided, then what the clean-up changed and what the reader inferred.
:func:`ingest_findings` turns the same facts into :class:`~pipeline.document.Finding` values
for report.json and the preview: lint warnings and doubtful readings as warnings, clean-up
notes and inferences as info, each with ``where = "<file>:<line>"``.
"""

from __future__ import annotations

from pipeline.document import Finding
from pipeline.ingest.reader import IngestResult

_TEXT_WIDTH = 60


def explain_lines(result: IngestResult) -> list[str]:
    """The --explain report: one entry per paragraph, then clean-up and inferences."""
    out = [f"{'line':>5}  {'type':<9}  {'speaker':<22}  signal"]
    for d in result.decisions:
        speaker = (d.speaker or "-")[:22]
        out.append(f"{d.line:>5}  {d.type:<9}  {speaker:<22}  {d.signal}")
        out.append(f"{'':>5}  {_excerpt(d.text)}")
        if d.doubt:
            out.append(f"{'':>5}  ? check: {d.doubt}")
    sections = (
        ("clean-up", [(n.line, n.message) for n in result.cleanup_notes]),
        ("inferred", list(result.notes)),
        ("lint", [(w.line, w.message) for w in result.warnings]),
    )
    for title, entries in sections:
        if entries:
            out += ["", f"{title}:"] + [f"{line:>5}  {message}" for line, message in entries]
    return out


def _excerpt(text: str) -> str:
    flat = text.replace("\n", " ⏎ ")
    return f"“{flat[:_TEXT_WIDTH]}{'…' if len(flat) > _TEXT_WIDTH else ''}”"


def ingest_findings(result: IngestResult, name: str) -> list[Finding]:
    """Everything a reviewer should see about how the source was read, in line order."""
    found = [
        *(
            Finding("warning", "source-lint", w.message, None, f"{name}:{w.line}")
            for w in result.warnings
        ),
        *(
            Finding(
                "warning",
                "reading-doubt",
                f"{d.type} ({d.signal}): {d.doubt}",
                None,
                f"{name}:{d.line}",
            )
            for d in result.decisions
            if d.doubt
        ),
        *(
            Finding("info", "reading", message, None, f"{name}:{line}")
            for line, message in result.notes
        ),
        *(
            Finding("info", f"cleanup-{n.kind}", n.message, None, f"{name}:{n.line}")
            for n in result.cleanup_notes
        ),
    ]
    return sorted(found, key=lambda f: _line(f.where))


def _line(where: str | None) -> int:
    tail = (where or "").rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0
