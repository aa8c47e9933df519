"""Checking the TOML files editors write (issue.toml, glossary.toml): every problem at once.

:class:`Collector` reads values out of a table and remembers each problem, with the line it
is on, instead of stopping at the first; :func:`unknown_keys` names every key a table of
known keys does not list, with a did-you-mean, so a typo (``requir_review``) can never
silently switch a setting off.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_TEMPLATE_SYNTAX = re.compile(r"\{\{|\{%|\{#|\*\|")


class Collector:
    """Reads keys out of a TOML table, remembering every problem instead of stopping."""

    def __init__(self, path: Path, text: str = "") -> None:
        self.path = path
        self.lines = text.splitlines()
        self.problems: list[str] = []

    def problem(self, key: str, text: str) -> None:
        line = self._line_of(key)
        self.problems.append(f"{'line ' + str(line) + ': ' if line else ''}'{key}' {text}")

    def _line_of(self, key: str) -> int | None:
        """The line that sets ``key`` (searched after its table's header), if it is there."""
        bare = re.sub(r"\[\d+\]", "", key)
        table = re.compile(rf"^\s*\[\[?{re.escape(bare)}\]\]?\s*(#.*)?$")
        found_table = next((i for i, ln in enumerate(self.lines) if table.match(ln)), None)
        if found_table is not None:  # the key is a table: its header
            return found_table + 1
        parts = bare.split(".")
        start = 0
        for depth in range(len(parts) - 1, 0, -1):
            header = re.compile(rf"^\s*\[\[?{re.escape('.'.join(parts[:depth]))}\]\]?\s*$")
            found = next((i for i, ln in enumerate(self.lines) if header.match(ln)), None)
            if found is not None:
                start = found
                break
        assignment = re.compile(rf"(^|[{{,\s])\"?{re.escape(parts[-1])}\"?\s*=")
        for number in range(start, len(self.lines)):
            if assignment.search(self.lines[number]):
                return number + 1
        return None

    def string(self, table: Mapping[str, Any], key: str, example: str, prefix: str = "") -> str:
        full = prefix + key
        value = table.get(key)
        if value is None:
            self.problem(full, f'is missing. Add {key} = "{example}"')
        elif not isinstance(value, str) or not value.strip():
            self.problem(full, f'must be a non-empty string, like {key} = "{example}"')
        else:
            return value.strip()
        return ""

    def optional_string(self, table: Mapping[str, Any], key: str, prefix: str = "") -> str | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(prefix + key, "must be a string")
            return None
        return value.strip() or None

    def url(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.startswith("https://"):
            self.problem(key, f'must be an absolute https:// URL (got "{value}")')
            return ""
        if _TEMPLATE_SYNTAX.search(value):
            # URLs go into the e-mail as they are; a provider would read these as its own tags.
            self.problem(key, "must not contain template syntax ({{, {%, {# or *|)")
            return ""
        return value


def unknown_keys(table: Mapping[str, Any], known: Mapping[str, frozenset[str]]) -> list[str]:
    """``'<key>' <problem>`` for every key of ``table`` (and its known sub-tables) that
    ``known`` does not list, each with a did-you-mean when a known key is close."""
    return [f"'{key}' {text}" for key, text in unknown_entries(table, "", known)]


def unknown_entries(
    table: Mapping[str, Any], section: str, known: Mapping[str, frozenset[str]]
) -> list[tuple[str, str]]:
    """(key, problem) for every unknown key of ``table``, read as the table ``section``."""
    prefix = section.replace("[]", "") + "." if section else ""
    children = {
        name[len(prefix) :].removesuffix("[]") for name in known if _parent(name) == section
    }
    allowed = known[section] | children
    found: list[tuple[str, str]] = []
    for key, value in table.items():
        path = f"{section}.{key}" if section else key
        if key not in allowed:
            found.append((prefix + key, _not_known(key, allowed, isinstance(value, dict))))
        elif isinstance(value, dict) and path in known:
            found += unknown_entries(value, path, known)
        elif isinstance(value, list) and f"{path}[]" in known:
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    inner = unknown_entries(item, f"{path}[]", known)
                    found += [(k.replace(f"{path}.", f"{path}[{index}].", 1), t) for k, t in inner]
    return found


def _parent(section: str) -> str | None:
    if not section:
        return None
    return section.rsplit(".", 1)[0] if "." in section else ""


def _not_known(key: str, allowed: frozenset[str] | set[str], table: bool) -> str:
    kind = "table" if table else "key"
    close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
    hint = f"Did you mean '{close[0]}'?" if close else f"Known here: {', '.join(sorted(allowed))}."
    return f"is not a known {kind} here (a typo is never ignored). {hint}"
