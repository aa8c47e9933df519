"""Human post-edits in ``issues/<slug>/translations/<lang>.po``: reading them, and exporting.

One PO entry per segment: ``msgctxt`` = the segment key (so a sentence that occurs twice
gets two entries), ``msgid`` = the source sentence, ``msgstr`` = the machine output, flagged
``fuzzy``, with an extracted comment naming engine and model. A reviewer edits ``msgstr`` and
removes ``fuzzy``; from then on that entry wins over the memory and the engine, on every
build. An entry is matched by key and source; if the paragraphs moved (keys changed) the same
source sentence still finds its reviewed entry. Active entries whose ``msgid`` no longer
occurs in the source are reported as stale; exporting again marks them obsolete (``#~``),
keeps every reviewed entry and refreshes only the fuzzy or empty ones.

A language with no engine model gets an export with empty ``msgstr`` (nothing to post-edit):
a translator fills it in, and once every segment is reviewed the language builds as
"human-only".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polib

from pipeline.document import Finding, Segment
from pipeline.errors import ConfigError
from pipeline.store import write_atomic


@dataclass(frozen=True)
class Review:
    """The reviewed (un-fuzzied, non-empty, not obsolete) entries of one PO file."""

    path: Path
    exists: bool = False
    reviewed: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (key, source)
    by_source: Mapping[str, str] = field(default_factory=dict)
    active: tuple[tuple[str, str, int], ...] = ()  # (key, source, line) of non-empty entries

    def lookup(self, key: str, source: str) -> str | None:
        """The reviewer's translation of this segment, if any."""
        exact = self.reviewed.get((key, source))
        return exact if exact is not None else self.by_source.get(source)

    def missing(self, segments: Iterable[tuple[str, str]]) -> list[str]:
        """Keys of the segments that have no reviewed translation."""
        return [k for k, s in segments if self.lookup(k, s) is None]

    def stale(self, segments: Iterable[tuple[str, str]], lang: str) -> list[Finding]:
        sources = {s for _, s in segments}
        return [
            Finding(
                "warning",
                "stale-review",
                f'{self.path.name}:{line}: entry "{_short(source)}" no longer matches any source '
                "sentence; re-export with 'newsletter review export' to mark it obsolete",
                lang,
                key,
            )
            for key, source, line in self.active
            if source not in sources
        ]


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_KEYWORD = re.compile(r"(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(?=\")")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"\s*')


def parse_po(path: Path) -> polib.POFile:
    # polib is lenient: an unterminated 'msgstr "b' silently becomes an empty msgstr, so a
    # reviewer's typo would quietly turn a reviewed entry into an untranslated one.
    _check_syntax(path)
    try:
        return polib.pofile(str(path), wrapwidth=0, encoding="utf-8", check_for_duplicates=True)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path}: not a valid PO file ({exc}). Fix it in a PO editor, or move it away and "
            "run 'newsletter review export' again."
        ) from None


def _check_syntax(path: Path) -> None:
    """Every line is blank, a comment, or a keyword and/or one complete quoted string."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not a valid PO file ({exc}); save it as UTF-8") from None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if line.startswith("#~"):  # an obsolete entry: still PO syntax after the marker
            line = line[2:].strip()
        elif line.startswith("#"):
            continue
        keyword = _KEYWORD.match(line)
        rest = line[keyword.end() :] if keyword else line
        if line and not _STRING.fullmatch(rest):
            raise ConfigError(
                f"{path}: not a valid PO file at line {number}: {_short(raw.strip())!r}. "
                "Every line must be msgctxt/msgid/msgstr followed by one quoted string ending "
                'in ", or a quoted continuation line, or a # comment: close the quote (write \\" '
                "for a quote inside the text), or move the file away and run "
                "'newsletter review export' again."
            )


def load_review(path: Path) -> Review:
    """Read a PO file; a missing file is an empty review, a broken one a ConfigError."""
    if not path.is_file():
        return Review(path)
    po = parse_po(path)
    reviewed: dict[tuple[str, str], str] = {}
    by_source: dict[str, str] = {}
    active = []
    for entry in po:
        if entry.obsolete or not entry.msgid:
            continue
        key = entry.msgctxt or ""
        if entry.msgstr:
            active.append((key, entry.msgid, entry.linenum or 0))
        if entry.msgstr and not entry.fuzzy:
            reviewed[(key, entry.msgid)] = entry.msgstr
            by_source.setdefault(entry.msgid, entry.msgstr)
    return Review(path, True, reviewed, by_source, tuple(active))


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    total: int
    reviewed: int  # entries kept as the reviewer left them
    machine: int  # fuzzy entries with machine output
    empty: int  # no machine output (language without an engine)
    obsolete: int  # entries whose source is gone


def export_po(
    path: Path, lang: str, segments: Sequence[Segment], *, source_lang: str
) -> ExportSummary:
    """Write ``path`` for ``segments`` (a translated Document's, or the source's when there is
    no engine), merged with the existing file: reviewed entries are never overwritten."""
    old = parse_po(path) if path.is_file() else polib.POFile(wrapwidth=0)
    existing = {(e.msgctxt or "", e.msgid): e for e in old if not e.obsolete}
    po = polib.POFile(wrapwidth=0)
    po.metadata = po_metadata(path.parent.parent.name, lang, source_lang)
    counts = dict.fromkeys(("reviewed", "machine", "empty"), 0)
    for seg in segments:
        entry = existing.pop((seg.key, seg.source), None)
        if entry is None or entry.fuzzy or not entry.msgstr:
            entry = _machine_entry(seg, entry)
        kind = (
            "reviewed"
            if not entry.fuzzy and entry.msgstr
            else ("machine" if entry.msgstr else "empty")
        )
        counts[kind] += 1
        po.append(entry)
    for entry in [*existing.values(), *(e for e in old if e.obsolete)]:
        entry.obsolete = True
        po.append(entry)
    write_atomic(path, str(po))
    obsolete = len(po) - len(segments)
    return ExportSummary(path, len(segments), obsolete=obsolete, **counts)


def po_metadata(slug: str, lang: str, source_lang: str) -> dict[str, str]:
    """The header of an issue's PO file: the issue (its slug) and the language it is for."""
    return {
        "Project-Id-Version": slug,
        "Language": lang,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "X-Source-Language": source_lang,
    }


def _machine_entry(seg: Segment, previous: polib.POEntry | None) -> polib.POEntry:
    entry = previous or polib.POEntry(msgctxt=seg.key, msgid=seg.source)
    machine = seg.origin.kind in ("memory", "engine")
    human = seg.origin.kind == "human"
    entry.msgstr = seg.text if machine or human else ""
    entry.flags = [f for f in entry.flags if f != "fuzzy"] + (["fuzzy"] if machine else [])
    if machine:
        entry.comment = f"machine translation: {seg.origin.engine} {seg.origin.model}" + (
            f" (via {seg.origin.via})" if seg.origin.via else ""
        )
    elif human:
        entry.comment = "reviewed: the same sentence is reviewed elsewhere in this file"
    else:
        entry.comment = "no machine translation for this language: please translate"
    return entry
