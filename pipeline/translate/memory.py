"""The translation memory: machine translations kept in SQLite, so nothing is translated twice.

One row per (engine, model identity and version, source language, target language, normalised
masked source segment). A new model version misses the memory. The file lives in
``$NEWSLETTER_CACHE_DIR`` (default: the user cache dir + ``/newsletter``) as
``translation-memory.sqlite3``.

Two runs at once are safe: WAL journal, a busy timeout, and every write in one short
transaction (``INSERT OR REPLACE``: both writers store the same machine output anyway).
A damaged file (not a database, or failing ``PRAGMA quick_check``) is moved aside as
``…sqlite3.damaged-<n>`` and rebuilt empty with a warning: the memory is a cache, so losing it
costs engine time, never correctness.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import TranslationError
from pipeline.store import cache_dir

FILE_NAME = "translation-memory.sqlite3"
BUSY_TIMEOUT_MS = 30_000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS memory (
    engine TEXT NOT NULL,
    model TEXT NOT NULL,
    source_lang TEXT NOT NULL,
    target_lang TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    PRIMARY KEY (engine, model, source_lang, target_lang, source)
) WITHOUT ROWID
"""


def normalise(segment: str) -> str:
    """The memory's view of a segment: NFC, runs of whitespace as one space, trimmed."""
    return " ".join(unicodedata.normalize("NFC", segment).split())


@dataclass(frozen=True)
class MemoryKey:
    engine: str
    model: str
    source_lang: str
    target_lang: str


class TranslationMemory:
    """Lookups and stores for one SQLite file; safe to share between threads."""

    def __init__(self, path: Path | None = None, warn: Callable[[str], None] | None = None) -> None:
        self.path = path or cache_dir() / FILE_NAME
        self._warn = warn or (lambda message: print(f"warning: {message}", file=sys.stderr))
        self._checked = False
        self._lock = threading.Lock()
        self._local = threading.local()
        self._open_connections: list[sqlite3.Connection] = []

    def _connect(self) -> sqlite3.Connection:
        """This thread's connection (one each: sqlite3 connections are not shared)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        with self._lock:
            if not self._checked:
                self._open_checked()
                self._checked = True
            conn = self._open()
            self._open_connections.append(conn)
        self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close every thread's connection (the last close checkpoints the WAL)."""
        with self._lock:
            for conn in self._open_connections:
                conn.close()
            self._open_connections.clear()
            self._local = threading.local()

    def __enter__(self) -> TranslationMemory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,  # only close() touches another thread's connection
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(_SCHEMA)
        return conn

    def _open_checked(self) -> None:
        """Open once, check integrity, and move a damaged file aside for an empty one."""
        try:
            conn = self._open()
            try:
                result = conn.execute("PRAGMA quick_check").fetchone()
            finally:
                conn.close()
            if result and result[0] == "ok":
                return
            reason = str(result[0]) if result else "no result"
        except OSError as exc:
            raise self._unusable(exc) from None
        except sqlite3.Error as exc:
            # Only "not a database" and "corrupt" mean damage; "locked" or "cannot open" must
            # not throw another run's memory away: a clear error instead.
            if getattr(exc, "sqlite_errorname", "") not in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
                raise self._unusable(exc) from None
            reason = str(exc)
        moved = self._move_aside()
        self._warn(
            f"{self.path}: the translation memory was damaged ({reason}); moved it to "
            f"{moved.name} and started an empty one (segments will be translated again)"
        )

    def _unusable(self, exc: Exception) -> TranslationError:
        return TranslationError(
            f"{self.path}: cannot open the translation memory ({exc}). "
            "Check the folder's permissions or set NEWSLETTER_CACHE_DIR."
        )

    def _move_aside(self) -> Path:
        n = 1
        while (target := self.path.with_name(f"{self.path.name}.damaged-{n}")).exists():
            n += 1
        os.replace(self.path, target)
        for suffix in ("-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        return target

    def get_many(self, key: MemoryKey, sources: Iterable[str]) -> dict[str, str]:
        """{source: target} for the sources the memory holds (looked up normalised)."""
        wanted: dict[str, list[str]] = {}
        for s in sources:
            wanted.setdefault(normalise(s), []).append(s)
        if not wanted:
            return {}
        found: dict[str, str] = {}
        conn = self._connect()
        names = list(wanted)
        for i in range(0, len(names), 500):  # SQLite's bound-variable limit
            chunk = names[i : i + 500]
            rows = conn.execute(
                "SELECT source, target FROM memory WHERE engine=? AND model=? AND "
                f"source_lang=? AND target_lang=? AND source IN ({','.join('?' * len(chunk))})",
                (key.engine, key.model, key.source_lang, key.target_lang, *chunk),
            ).fetchall()
            found.update({s: target for source, target in rows for s in wanted[source]})
        return found

    def put_many(self, key: MemoryKey, pairs: Mapping[str, str]) -> None:
        """Store {source: target}; one transaction, so a reader never sees half a batch."""
        if not pairs:
            return
        rows = [
            (key.engine, key.model, key.source_lang, key.target_lang, normalise(s), t)
            for s, t in pairs.items()
        ]
        conn = self._connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("INSERT OR REPLACE INTO memory VALUES (?, ?, ?, ?, ?, ?)", rows)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def count(self) -> int:
        return int(self._connect().execute("SELECT count(*) FROM memory").fetchone()[0])
