"""The one module that knows the paths under ``issues/`` and ``build/``, and how to write safely.

For ``ISSUE_DIR = <root>/issues/<slug>`` the build goes to ``<root>/build/<slug>`` unless
``--out`` says otherwise, wherever the command runs from. Every file is written atomically
(temporary file in the same folder, fsync, rename), so a crash never leaves half a file;
:func:`staged` defers the rename until more work has succeeded (report.json after the preview).
An operating-system refusal (permission denied, disk full, a folder where a file should be)
is a :class:`~pipeline.errors.StorageError` naming the path and the fix (:func:`os_problem`).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError, StorageError

# What an issue slug may be: the rule the monthly workflow's "Pick the issues" step applies
# (.github/workflows/monthly.yml): letters, digits, ".", "_" and "-", not starting with "."
# or "-" (so never "." or "..", never an option). A slug names folders and goes into shell
# commands and campaign names.
SLUG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")


def check_slug(slug: str, where: str | Path) -> str:
    """``slug`` if it follows :data:`SLUG`, else a ConfigError naming ``where``."""
    if not SLUG.fullmatch(slug):
        raise ConfigError(
            f"{where}: {slug!r} is not an issue slug. Use letters, digits, '.', '_' and '-', "
            "starting with a letter or digit (like 2024-06-belgian-presidency): rename the "
            "folder."
        )
    return slug


@dataclass(frozen=True)
class IssuePaths:
    issue_dir: Path
    out: Path

    @classmethod
    def for_issue(cls, issue_dir: str | Path, out: str | Path | None = None) -> IssuePaths:
        check_slug(Path(issue_dir).name, issue_dir)
        issue = Path(issue_dir).resolve()
        check_slug(issue.name, issue_dir)  # a link to a folder: its real name is the slug
        if not (issue / "issue.toml").is_file():
            raise ConfigError(
                f"{issue_dir}: not an issue folder (no issue.toml). "
                "Pass a folder like issues/2024-06-belgian-presidency."
            )
        build = Path(out).resolve() if out else issue.parent.parent / "build" / issue.name
        return cls(issue, build)

    def inside(self, path: Path) -> Path:
        """``path`` if it resolves inside the issue folder (links included), else a
        ConfigError: the issue's own files never come from elsewhere on the machine."""
        real = path.resolve()
        if not real.is_relative_to(self.issue_dir):
            raise ConfigError(
                f"{path}: resolves to {real}, outside the issue folder {self.issue_dir}. "
                "Copy the file into the issue folder instead of linking to it."
            )
        return path

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
        return self.inside(self.issue_dir / "interview.txt")

    @property
    def glossary(self) -> Path:
        return self.issue_dir.parent / "glossary.toml"

    def po_file(self, lang: str) -> Path:
        return self.inside(self.issue_dir / "translations" / f"{lang}.po")

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

    @property
    def lock(self) -> Path:
        """The send stage's per-issue lock file (see pipeline.locking)."""
        return self.out / "send.lock"


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
    with staged(path, data):
        pass


@contextlib.contextmanager
def staged(path: Path, data: str | bytes) -> Iterator[None]:
    """Write ``data`` beside ``path`` now (where a full disk or a permission problem shows),
    and rename it into place only when the ``with`` block succeeds; otherwise the old file
    stays as it was and the temporary one is removed."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp: str | None = None
    existing_file(path)  # a folder where the file goes: say so before any work is done
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; build output is meant to be shared and served
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:  # named by the file the user knows, not the temporary one
        _discard(tmp)
        raise os_problem(exc, path, prefer=True) from None
    try:
        try:
            yield
        except OSError as exc:  # the work in the block (it names its own file)
            raise os_problem(exc, path) from None
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise os_problem(exc, path, prefer=True) from None
    finally:
        _discard(tmp)


def _discard(tmp: str | None) -> None:
    if tmp is not None:
        with contextlib.suppress(OSError):
            Path(tmp).unlink(missing_ok=True)


# What the user does about an operating-system refusal, by errno.
_FIXES = {
    errno.EACCES: "permission denied. Make the folder writable (chmod u+w), or write the "
    "build elsewhere with --out DIR",
    errno.EPERM: "operation not permitted. Check the folder's owner and permissions, or write "
    "the build elsewhere with --out DIR",
    errno.EROFS: "the file system is read-only. Write the build elsewhere with --out DIR",
    errno.ENOSPC: "no space left on the device. Free some space and run the same command "
    "again (nothing was half-written)",
    errno.EDQUOT: "disk quota exceeded. Free some space and run the same command again",
    errno.EISDIR: "a folder is where a file should be. Move the folder aside, then run again",
    errno.ENOTDIR: "a file is where a folder should be. Move the file aside, then run again",
    errno.ENAMETOOLONG: "the path is too long. Use a shorter folder name or --out DIR",
}


def os_problem(exc: OSError, path: Path | str | None = None, prefer: bool = False) -> StorageError:
    """The StorageError for ``exc``: the path it names (or ``path``, first if ``prefer``),
    what happened and the fix."""
    where = path if (prefer and path is not None) or exc.filename is None else exc.filename
    fix = _FIXES.get(exc.errno or 0, f"{exc.strerror or exc}. Check the path and run again")
    return StorageError(f"{where}: {fix}.")


def existing_file(path: Path) -> bool:
    """True when ``path`` is a file, False when nothing is there; StorageError otherwise."""
    if path.is_file():
        return True
    if path.is_dir():
        raise os_problem(IsADirectoryError(errno.EISDIR, "a folder", str(path)))
    if path.exists() or path.is_symlink():
        raise StorageError(
            f"{path}: not a regular file (a broken link or a device?). Move it aside, then "
            "run again."
        )
    return False


def sha256_text(text: str) -> str:
    """The hex SHA-256 of ``text`` as written (UTF-8): what report.json records per e-mail."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def json_text(value: Any) -> str:
    """JSON as the build writes it: UTF-8 text, indented, a final newline."""
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def write_json(path: Path, value: Any) -> None:
    write_atomic(path, json_text(value))


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (IsADirectoryError, PermissionError) as exc:
        raise os_problem(exc, path) from None


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
