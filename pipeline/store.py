"""The one module that knows the paths under ``issues/`` and ``build/``, and how to write safely.

For ``ISSUE_DIR = <root>/issues/<slug>`` the build goes to ``<root>/build/<slug>`` unless
``--out`` says otherwise, wherever the command runs from. Every file is written atomically
(temporary file in the same folder, fsync, rename), so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError


@dataclass(frozen=True)
class IssuePaths:
    issue_dir: Path
    out: Path

    @classmethod
    def for_issue(cls, issue_dir: str | Path, out: str | Path | None = None) -> IssuePaths:
        issue = Path(issue_dir).resolve()
        if not (issue / "issue.toml").is_file():
            raise ConfigError(
                f"{issue_dir}: not an issue folder (no issue.toml). "
                "Pass a folder like issues/2024-06-belgian-presidency."
            )
        build = Path(out).resolve() if out else issue.parent.parent / "build" / issue.name
        return cls(issue, build)

    @property
    def slug(self) -> str:
        return self.issue_dir.name

    @property
    def root(self) -> Path:
        """The project folder that holds ``issues/`` (and ``build/``)."""
        return self.issue_dir.parent.parent

    @property
    def issue_toml(self) -> Path:
        return self.issue_dir / "issue.toml"

    @property
    def interview(self) -> Path:
        return self.issue_dir / "interview.txt"

    @property
    def glossary(self) -> Path:
        return self.issue_dir.parent / "glossary.toml"

    def po_file(self, lang: str) -> Path:
        return self.issue_dir / "translations" / f"{lang}.po"

    @property
    def document_json(self) -> Path:
        return self.out / "document.json"

    def lang_dir(self, lang: str) -> Path:
        return self.out / lang

    def lang_document_json(self, lang: str) -> Path:
        return self.lang_dir(lang) / "document.json"

    def email_html(self, lang: str) -> Path:
        return self.lang_dir(lang) / "email.html"

    def email_txt(self, lang: str) -> Path:
        return self.lang_dir(lang) / "email.txt"

    def email_eml(self, lang: str) -> Path:
        return self.lang_dir(lang) / "email.eml"

    @property
    def report_json(self) -> Path:
        return self.out / "report.json"

    @property
    def preview_dir(self) -> Path:
        return self.out / "preview"

    @property
    def send_ledger(self) -> Path:
        return self.out / "send-ledger.json"


def cache_dir() -> Path:
    """``$NEWSLETTER_CACHE_DIR``, else the platform's user cache dir + ``/newsletter``: the
    translation memory and the results of slow checks, kept between builds."""
    configured = os.environ.get("NEWSLETTER_CACHE_DIR")
    if configured:
        return Path(configured)
    import platformdirs

    return Path(platformdirs.user_cache_dir()) / "newsletter"


def newest_issue(issues_dir: Path) -> Path:
    """The newest issue folder: slugs start with the date, so the last in sort order."""
    candidates = sorted(p.parent for p in issues_dir.glob("*/issue.toml"))
    if not candidates:
        raise ConfigError(f"{issues_dir}: no issue folders (issues/<slug>/issue.toml) found.")
    return candidates[-1]


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; build output is meant to be shared and served
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, value: Any) -> None:
    write_atomic(path, json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def read_json_checked(
    path: Path, *, kind: str, problem: Callable[[Any], str | None], fix: str
) -> Any:
    """JSON that must have a known shape: bad JSON or a wrong shape is a ConfigError with ``fix``.

    ``problem(data)`` names what is wrong with the shape, or returns None.
    """
    try:
        data = read_json(path)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc}). {fix}") from None
    wrong = problem(data)
    if wrong:
        raise ConfigError(f"{path}: not {kind} ({wrong}). {fix}")
    return data
