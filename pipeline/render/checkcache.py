"""Results of the slow deliverability checks, kept by what they read.

SpamAssassin (about a second per language on 2 cores) and axe-core (half a second) would make
every rebuild slow, although a rebuild with nothing changed renders byte-identical e-mails
(the .eml's Date and Message-ID come from the content). So each result is stored under a key
made of the check, the tool's identity (its path and modification time, so an upgrade or a
rules update checks again) and the exact bytes checked, in ``$NEWSLETTER_CACHE_DIR/checks``.
A damaged or unreadable entry is a miss, never an error: the check simply runs again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipeline.store import cache_dir, write_json


def tool_identity(*paths: str | Path) -> str:
    """Paths with their modification times: what changes when a tool or its data does."""
    parts = []
    for path in paths:
        try:
            parts.append(f"{path}@{os.stat(path).st_mtime_ns}")
        except OSError:
            parts.append(f"{path}@-")
    return "|".join(parts)


class CheckCache:
    """One check's stored results, keyed by the bytes checked and the tool that checked them."""

    def __init__(self, check: str, tool: str, folder: Path | None = None) -> None:
        self.check = check
        self.tool = tool
        self.folder = (folder or cache_dir()) / "checks" / check

    def key(self, content: bytes) -> str:
        digest = hashlib.sha256()
        for part in (self.check.encode(), self.tool.encode(), content):
            digest.update(len(part).to_bytes(8, "big") + part)
        return digest.hexdigest()

    def get(self, key: str) -> Any | None:
        try:
            return json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))["value"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, value: Any) -> None:
        # A cache that cannot be written only costs the next build the check again.
        with contextlib.suppress(OSError):
            write_json(self.folder / f"{key}.json", {"check": self.check, "value": value})

    def split(self, contents: dict[str, bytes]) -> tuple[dict[str, Any], dict[str, str]]:
        """(stored results by name, keys of the names still to check)."""
        keys = {name: self.key(content) for name, content in contents.items()}
        found = {name: self.get(key) for name, key in keys.items()}
        done = {name: value for name, value in found.items() if value is not None}
        return done, {name: key for name, key in keys.items() if name not in done}

    def put_all(self, keys: dict[str, str], values: dict[str, Any], names: Iterable[str]) -> None:
        for name in names:
            if name in values:
                self.put(keys[name], values[name])
