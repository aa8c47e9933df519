"""Read an interview file into normalised text, or fail with a message naming the file and fix.

Decoding: UTF-8 (a BOM is dropped); UTF-16 with a BOM is decoded too. Anything else that is
not valid UTF-8 is refused with the byte offset and line, and binary files are recognised by
their NUL bytes (UTF-16 without a BOM gets its own message). Normalisation is the one place
whitespace changes: CRLF and CR become LF, no-break, narrow no-break and other fixed-width
spaces become plain spaces, runs of spaces and tabs become one, trailing spaces go.
Typographic characters (’ “ ” – …) are kept.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from pipeline.errors import SourceError

# U+00A0 no-break, U+2007 figure, U+2009 thin, U+202F narrow no-break, U+3000 ideographic
_ODD_SPACES = re.compile("[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_SPACE_RUN = re.compile(" {2,}")
# Form feed, vertical tab and the Unicode line/paragraph separators end a line.
_LINE_BREAKS = re.compile("[\v\f\u2028\u2029\x85]")
# Control characters other than tab/newline/CR/form-feed mean this is not a text file.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")


# Refused before any work: such a text could never pass the e-mail size check, and parsing
# and translating it first would cost minutes (10 MB took 26 s and 500 MB just to ingest).
MAX_SOURCE_BYTES = 200_000


def read_source(path: Path) -> str:
    """The file's text, decoded and normalised."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file. Check the path.") from None
    except IsADirectoryError:
        raise SourceError(f"{path}: is a folder, not an interview text file.") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror}).") from None
    if len(raw) > MAX_SOURCE_BYTES:
        raise SourceError(
            f"{path}: {len(raw) / 1000:.0f} KB is far more than one e-mail can carry (an "
            f"interview is usually 5–20 KB; Gmail clips messages above ~102 KB of HTML). "
            "Shorten it or split it into several issues."
        )
    return normalise(decode(raw, path))


def decode(raw: bytes, path: Path) -> str:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_utf16(raw, path)
    if b"\x00" in raw:
        offset = raw.index(b"\x00")
        if _looks_like_utf16(raw):
            raise SourceError(
                f"{path}: looks like UTF-16 text without a byte-order mark (NUL byte at byte "
                f"offset {offset}). Save the file as UTF-8 (or as UTF-16 with a BOM)."
            )
        raise SourceError(
            f"{path}: looks like a binary file (NUL byte at byte offset {offset}), not an "
            "interview text. Save the interview as plain text (UTF-8)."
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SourceError(
            f"{path}:{line}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at byte offset "
            f"{exc.start}). Save the file as UTF-8, e.g. "
            f"iconv -f windows-1252 -t utf-8 '{path.name}' > fixed.txt"
        ) from None
    _refuse_control_characters(text, path)
    return text


def _looks_like_utf16(raw: bytes) -> bool:
    """Text in UTF-16 has a NUL in (nearly) every other byte when it is mostly Latin script."""
    halves = (raw[0::2], raw[1::2])
    return len(raw) >= 4 and any(h.count(0) >= 0.9 * len(h) for h in halves)


def _decode_utf16(raw: bytes, path: Path) -> str:
    try:
        text = raw.decode("utf-16")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{path}: starts with a UTF-16 byte-order mark but is not valid UTF-16 "
            f"(byte offset {exc.start}). Save the file as UTF-8."
        ) from None
    _refuse_control_characters(text, path)
    return text


def _refuse_control_characters(text: str, path: Path) -> None:
    match = _CONTROL.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        raise SourceError(
            f"{path}:{line}: control character U+{ord(match.group()):04X} — this looks like a "
            "binary file, not an interview text. Save the interview as plain text (UTF-8)."
        )


def normalise(text: str) -> str:
    """Line ends to LF; odd spaces to plain; runs of spaces to one; no trailing spaces.

    The number of lines is kept (CRLF and a lone CR each become one LF), so line numbers in
    messages match what an editor shows.
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = _LINE_BREAKS.sub("\n", text)
    text = _ODD_SPACES.sub(" ", text)
    text = _SPACE_RUN.sub(" ", text)
    return "\n".join(line.strip(" ") for line in text.split("\n"))
