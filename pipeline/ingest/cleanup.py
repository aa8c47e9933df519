"""Web-paste clean-up, on the record: what an editor's browser or CMS left in the text.

A text pasted from a web page or the HTML source of one carries HTML entities (``&amp;``,
``&rsquo;``, ``&#347;``), tags (``<p>``, ``<strong>``, ``<br>``), soft hyphens, zero-width
characters (which hide a ``CECOP:`` label from the reader) and ``&nbsp;`` spacer lines; an
e-mail forwarded as a reply has ``> `` before every line.
:func:`clean` removes them and records every change as an :class:`Edit` with its source line,
so the reader can say what it changed ("nothing lost except what the clean-up report names").

Tags are only known HTML element names, so ``<3`` or ``<Name>`` in prose stay. Block tags end
a paragraph (``</p>``, ``<h2>``, ``<div>``…), ``<br>`` ends a line (two in a row end a
paragraph), ``<li>`` starts a ``•`` list item, and bold that opens a paragraph becomes
``**…**`` (a bold label or question is a signal the reader uses). The output is a list of
:class:`Line`; one source line may become several, each keeping its source line number.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from pipeline.ingest.source import normalise

KINDS = {
    "entity": "decoded HTML entities",
    "tag": "removed HTML tags",
    "soft-hyphen": "removed soft hyphens",
    "zero-width": "removed zero-width characters",
    "spacer-line": "read a line of only no-break spaces as a blank line",
    "quote-marker": "removed e-mail reply quoting ('> ')",
}
_INLINE = (
    "a|b|strong|em|i|u|s|span|font|small|big|sup|sub|mark|abbr|cite|code|q|time|img|o:p|wbr|ins|del"
)
_BLOCK = (
    "p|div|h[1-6]|blockquote|section|article|header|footer|figure|figcaption|ul|ol|dl|dt|dd"
    "|table|thead|tbody|tr|td|th|hr|pre|center|main|aside|nav"
)
_TAG = re.compile(
    rf"<(?P<close>/?)(?P<name>{_INLINE}|{_BLOCK}|br|li)\b(?:\s[^<>]*)?/?>", re.IGNORECASE
)
# Bold that opens a paragraph or a line: "<p><b>Why?</b></p>", "<strong>CECOP:</strong> …".
_LEADING_BOLD = re.compile(
    r"(?P<before>^|<(?:p|div|li|h[1-6]|br)\b[^<>]*>\s*)(?P<open><(?P<tag>b|strong)\b[^<>]*>)"
    r"(?P<inner>(?:(?!</?(?P=tag)\b).)+?)(?P<close></(?P=tag)\s*>)",
    re.IGNORECASE,
)
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_SOFT_HYPHEN = "\u00ad"
_QUOTE = re.compile(r"^(?:> ?)+")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile("[ \u00a0\u2000-\u200a\u202f\u205f\u3000]*")
_PARAGRAPH_BREAK = "\n\n"


@dataclass(frozen=True)
class Line:
    number: int  # 1-based line of the source file this text came from
    text: str


@dataclass(frozen=True)
class Edit:
    """One change the clean-up made: ``old`` became ``new`` on source line ``line``."""

    line: int
    kind: str  # a key of KINDS
    old: str
    new: str


@dataclass(frozen=True)
class CleanupNote:
    """What the clean-up changed on one line, in one sentence for the editor."""

    line: int
    kind: str
    message: str


def clean(text: str) -> tuple[list[Line], list[Edit]]:
    """Clean normalised text line by line; the lines keep their source line numbers."""
    lines: list[Line] = []
    edits: list[Edit] = []
    raws = text.split("\n")
    if _is_quoted_reply(raws):  # an e-mail forwarded as a reply: "> CECOP: …" on every line
        raws = [_unquote(raw, number, edits) for number, raw in enumerate(raws, start=1)]
    for number, raw in enumerate(raws, start=1):
        cleaned = _clean_line(raw, number, edits)
        lines += [Line(number, part) for part in cleaned.split("\n")]
    return lines, edits


def _is_quoted_reply(raws: list[str]) -> bool:
    filled = [raw for raw in raws if raw]
    quoted = sum(1 for raw in filled if raw.startswith(">"))
    return len(filled) >= 3 and quoted >= 0.8 * len(filled)


def _unquote(raw: str, number: int, edits: list[Edit]) -> str:
    match = _QUOTE.match(raw)
    if not match:
        return raw
    edits.append(Edit(number, "quote-marker", match.group().strip(), ""))
    return raw[match.end() :]


def _clean_line(raw: str, number: int, edits: list[Edit]) -> str:
    if not any(c in raw for c in "<&\u00ad\u200b\u200c\u200d\u2060\ufeff"):
        return raw
    text = _ZERO_WIDTH.sub(lambda m: _record(edits, number, "zero-width", m.group(), ""), raw)
    text = text.replace(_SOFT_HYPHEN, "")
    edits += [Edit(number, "soft-hyphen", _SOFT_HYPHEN, "")] * raw.count(_SOFT_HYPHEN)
    text = _LEADING_BOLD.sub(lambda m: _bold(m, number, edits), text)
    text = _TAG.sub(lambda m: _record(edits, number, "tag", m.group(), _tag_break(m)), text)
    text = _ENTITY.sub(lambda m: _record(edits, number, "entity", m.group(), _decode(m)), text)
    parts = [_blank_spacer(part, number, edits) for part in text.split("\n")]
    return "\n".join(normalise(part) for part in parts)


def _record(edits: list[Edit], number: int, kind: str, old: str, new: str) -> str:
    edits.append(Edit(number, kind, old, new))
    return new


def _bold(match: re.Match[str], number: int, edits: list[Edit]) -> str:
    """``<p><strong>Q:</strong> …`` keeps its emphasis as ``**Q:**``: a bold turn is a signal."""
    edits += [Edit(number, "tag", match["open"], "**"), Edit(number, "tag", match["close"], "**")]
    return f"{match['before']}**{match['inner']}**"


def _decode(match: re.Match[str]) -> str:
    decoded = html.unescape(match.group())
    # An unknown entity is left as it was, and a decoded control character would make a
    # text file binary: both stay as written.
    if decoded == match.group() or any(ord(c) < 32 for c in decoded):
        return match.group()
    return decoded


def _tag_break(match: re.Match[str]) -> str:
    """What a tag leaves behind: nothing, a line break, a paragraph break or a list bullet."""
    name = match["name"].lower()
    if name == "br":
        return "\n"
    if name == "li":
        return "" if match["close"] else "\n• "
    return _PARAGRAPH_BREAK if re.fullmatch(_BLOCK, name) else ""


def _blank_spacer(part: str, number: int, edits: list[Edit]) -> str:
    """A line that held only no-break spaces (``&nbsp;``) is a blank line."""
    if part and _SPACES.fullmatch(part) and "\u00a0" in part:
        edits.append(Edit(number, "spacer-line", part.replace(" ", ""), ""))
        return ""
    return part


def notes(edits: Iterable[Edit]) -> list[CleanupNote]:
    """One note per line and kind of change, e.g. ``removed HTML tags: <p> ×2, </p>``."""
    grouped: dict[tuple[int, str], Counter[str]] = {}
    for edit in edits:
        grouped.setdefault((edit.line, edit.kind), Counter())[_shown(edit)] += 1
    single = [
        CleanupNote(line, kind, f"{KINDS[kind]}: {_list(counts)}")
        for (line, kind), counts in sorted(grouped.items())
    ]
    return _merge_runs(single)


def _merge_runs(single: list[CleanupNote]) -> list[CleanupNote]:
    """The same note on consecutive lines (``<p>``, ``> `` on every line) is said once."""
    runs: list[list[CleanupNote]] = []
    for note in sorted(single, key=lambda n: (n.kind, n.message, n.line)):
        last = runs[-1][-1] if runs else None
        same = last and (last.kind, last.message) == (note.kind, note.message)
        if last and same and note.line == last.line + 1:
            runs[-1].append(note)
        else:
            runs.append([note])
    merged = [
        run[0]
        if len(run) == 1
        else replace(run[0], message=f"{run[0].message} (lines {run[0].line}–{run[-1].line})")
        for run in runs
    ]
    return sorted(merged, key=lambda n: (n.line, n.kind))


def _shown(edit: Edit) -> str:
    if edit.kind == "entity":
        new = f"U+{ord(edit.new):04X}" if edit.new.isspace() and len(edit.new) == 1 else edit.new
        return f"{edit.old} → {new}"
    if edit.kind == "quote-marker":
        return edit.old
    if edit.kind in ("soft-hyphen", "zero-width", "spacer-line"):
        return " ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(edit.old))
    return edit.old


def _list(counts: Counter[str]) -> str:
    return ", ".join(f"{text} ×{n}" if n > 1 else text for text, n in counts.items())
