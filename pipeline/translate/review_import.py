"""``newsletter review import``: a reviewer's PO file, checked and merged into the issue's own.

A reviewer's file comes from the preview's editor (or from ``review export`` and a PO editor).
Its header names the issue (``Project-Id-Version``: the slug) and the language; both must be
the issue's (the wrong file imported would put German text in the Dutch e-mail). Its reviewed
entries (not fuzzy, not empty, not obsolete) are checked against the current source:

- an entry whose source sentence is no longer in the interview is *stale*: reported, skipped;
- an entry whose translation lost a placeholder or a protected term
  (:mod:`pipeline.translate.verbatim`) is *rejected*: the whole import is refused, nothing is
  written, and every rejected entry is named with its line, so the file can be fixed and
  imported again (importing is idempotent).

Accepted entries go into ``issues/<slug>/translations/<lang>.po`` (created when missing), by
segment key, un-fuzzied, with the reviewer's name from ``Last-Translator`` in a comment; the
file's other entries are kept as they were. Fuzzy entries of the reviewer's file (the machine
text they left alone) are not imported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polib

from pipeline.errors import ConfigError
from pipeline.store import IssuePaths, write_atomic
from pipeline.translate import verbatim
from pipeline.translate.review import parse_po, po_metadata


@dataclass(frozen=True)
class Submission:
    """A reviewer's PO file, its header checked: the issue and the language it is for."""

    path: Path
    po: polib.POFile
    slug: str
    lang: str
    reviewer: str | None


@dataclass
class ImportSummary:
    target: Path
    reviewed: int = 0  # machine text (or nothing) before, a reviewed entry now
    corrected: int = 0  # a reviewed entry whose text the reviewer changed
    unchanged: int = 0  # the same reviewed text as before
    stale: list[str] = field(default_factory=list)  # "file:line: …" per stale entry


def read_submission(path: Path) -> Submission:
    """Parse the reviewer's file and read its header (ConfigError when it names no issue)."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such file. Name the .po file the reviewer sent.")
    po = parse_po(path)
    slug = po.metadata.get("Project-Id-Version", "").strip()
    lang = po.metadata.get("Language", "").strip()
    if not slug or not lang:
        missing = " and ".join(
            k for k, v in (("Project-Id-Version", slug), ("Language", lang)) if not v
        )
        raise ConfigError(
            f"{path}: the header has no {missing}, so it is not clear which issue and language "
            "it is for. Use the file the preview downloads or 'newsletter review export' writes."
        )
    reviewer = po.metadata.get("Last-Translator", "").strip() or None
    return Submission(path, po, slug, lang, reviewer)


def check_target(
    submission: Submission, paths: IssuePaths, languages: Sequence[str], source_lang: str
) -> None:
    """The file must be for this issue, for one of its target languages, from its source."""
    name = submission.path.name
    if submission.slug != paths.slug:
        raise ConfigError(
            f"{name} is for issue '{submission.slug}', not '{paths.slug}' (Project-Id-Version "
            f"in its header). Import it with --issue issues/{submission.slug}."
        )
    targets = [lang for lang in languages if lang != source_lang]
    if submission.lang not in targets:
        raise ConfigError(
            f"{name} is for language '{submission.lang}' (Language in its header), which is not "
            f"a target language of {paths.issue_toml} ({', '.join(targets)})."
        )
    declared = submission.po.metadata.get("X-Source-Language", "").strip()
    if declared and declared != source_lang:
        raise ConfigError(
            f"{name} translates from '{declared}', but the issue's source language is "
            f"'{source_lang}'. Export the file again from this issue."
        )


def import_review(
    submission: Submission,
    paths: IssuePaths,
    segments: Sequence[tuple[str, str]],
    *,
    source_lang: str,
    protect: Sequence[str],
) -> ImportSummary:
    """Check every reviewed entry against ``segments`` (key, source) and merge the file."""
    keys_of = _keys_by_source(segments)
    current = set(segments)
    summary = ImportSummary(paths.po_file(submission.lang))
    accepted: list[tuple[str, polib.POEntry]] = []
    rejected: list[str] = []
    for entry in _reviewed(submission.po):
        where = f"{submission.path.name}:{entry.linenum}"
        if entry.msgid not in keys_of:
            summary.stale.append(f'{where}: "{_short(entry.msgid)}" is no longer in the interview')
            continue
        wrong = verbatim.problems(entry.msgid, entry.msgstr, protect)
        if wrong:
            rejected.append(f"{where} ({entry.msgctxt or entry.msgid[:30]}): {'; '.join(wrong)}")
            continue
        exact = (entry.msgctxt or "", entry.msgid) in current
        for key in [entry.msgctxt or ""] if exact else keys_of[entry.msgid]:
            accepted.append((key, entry))
    if rejected:
        raise ConfigError(
            f"{submission.path}: {len(rejected)} entr{'y' if len(rejected) == 1 else 'ies'} cannot "
            "be imported; nothing was merged. Fix them (in a PO editor or the preview) and import "
            "again:",
            details=rejected,
        )
    _merge(summary, submission, accepted, source_lang)
    return summary


def _reviewed(po: polib.POFile) -> Iterable[polib.POEntry]:
    return (e for e in po if not e.obsolete and e.msgid and e.msgstr and not e.fuzzy)


def _keys_by_source(segments: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for key, source in segments:
        keys.setdefault(source, []).append(key)
    return keys


def _merge(
    summary: ImportSummary,
    submission: Submission,
    accepted: Sequence[tuple[str, polib.POEntry]],
    source_lang: str,
) -> None:
    target = summary.target
    po = parse_po(target) if target.is_file() else polib.POFile(wrapwidth=0)
    if not target.is_file():
        po.metadata = po_metadata(submission.slug, submission.lang, source_lang)
    existing = {(e.msgctxt or "", e.msgid): e for e in po if not e.obsolete}
    note = _note(submission.reviewer)
    for key, entry in accepted:
        old = existing.get((key, entry.msgid))
        if old is None:
            old = existing[(key, entry.msgid)] = polib.POEntry(msgctxt=key, msgid=entry.msgid)
            po.append(old)
        kind = _kind(old, entry.msgstr)
        setattr(summary, kind, getattr(summary, kind) + 1)
        if kind != "unchanged":
            old.msgstr = entry.msgstr
            old.flags = [f for f in old.flags if f != "fuzzy"]
            old.tcomment = note
    if summary.reviewed or summary.corrected:
        _stamp(po, submission.reviewer)
        write_atomic(target, str(po))


def _kind(old: polib.POEntry, text: str) -> str:
    if old.fuzzy or not old.msgstr:
        return "reviewed"
    return "unchanged" if old.msgstr == text else "corrected"


def _note(reviewer: str | None) -> str:
    today = dt.date.today().isoformat()
    return (
        f"reviewed by {reviewer}, imported {today}" if reviewer else f"reviewed, imported {today}"
    )


def _stamp(po: polib.POFile, reviewer: str | None) -> None:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M+0000")
    po.metadata["PO-Revision-Date"] = now
    if reviewer:
        po.metadata["Last-Translator"] = reviewer


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summary_lines(summary: ImportSummary, root: Path | None = None) -> list[str]:
    """What the command prints: the counts, then each stale entry."""
    shown = (
        summary.target.relative_to(root)
        if root and summary.target.is_relative_to(root)
        else summary.target
    )
    head = (
        f"{shown}: {summary.reviewed} newly reviewed, {summary.corrected} corrected, "
        f"{summary.unchanged} unchanged; {len(summary.stale)} stale (not imported)"
    )
    return [head, *(f"  stale: {line}" for line in summary.stale)]
