"""Argos packages: read the package index, list, choose, download (streamed) and install them.

The index is ``$ARGOS_PACKAGE_INDEX`` + ``index.json`` (http(s) or ``file://``). Downloads go
through the HTTP boundary (:mod:`pipeline.http`: retries, error mapping; :mod:`pipeline.download`:
resumed with ``Range``) into a temporary file behind a progress bar on stderr, are checked (a zip
with one top-level folder holding ``metadata.json`` for the expected pair) and then unpacked
into argostranslate's packages folder. argostranslate's ``install_from_path`` is not used: it
only unzips, and afterwards imports ``argostranslate.translate`` (which needs minisbd, left
out of this environment on purpose); unpacking here also makes an install atomic and replaces
an older version of the same pair instead of keeping both.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

from packaging.version import InvalidVersion, Version

from pipeline import console
from pipeline.errors import ConfigError, RemoteError, TranslationError
from pipeline.http import Service, make_client
from pipeline.pacing import RetryPolicy
from pipeline.store import cache_dir, write_json
from pipeline.translate.route import Pair, find_route

DEFAULT_INDEX = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/"
# Short waits: offline, every retry only delays the "offline" message that make issue gives.
DOWNLOAD_RETRIES = RetryPolicy(attempts=3, backoff=0.5)
# The index is small: one quick retry; a build offline should not wait to say so.
INDEX_RETRIES = RetryPolicy(attempts=2, backoff=0.25)
# How long 'build --install-models' trusts the index it read last: a warm rebuild with a
# language no package covers (hr, mt) then asks nobody. 'models list/install' always ask.
INDEX_FRESH_SECONDS = 6 * 3600.0
INDEX_CACHE = "argos-index.json"


@dataclass(frozen=True)
class IndexPackage:
    """One translate package offered by the index."""

    code: str
    from_code: str
    to_code: str
    version: str
    links: tuple[str, ...]

    @property
    def model_id(self) -> str:
        return f"{self.code} {self.version}"


@dataclass(frozen=True)
class PackageState:
    """A pair as ``models list`` shows it."""

    pair: Pair
    code: str
    installed: str | None  # installed version
    available: str | None  # version in the index

    @property
    def state(self) -> str:
        if self.installed is None:
            return "available"
        if self.available and version_key(self.available) > version_key(self.installed):
            return "update available"
        return "installed"


@dataclass(frozen=True)
class InstallReport:
    """What :func:`ensure_installed` did; ``unavailable`` maps a pair to why."""

    installed: tuple[str, ...] = ()  # model ids installed now
    present: tuple[Pair, ...] = ()  # already installed
    unavailable: Mapping[Pair, str] = field(default_factory=dict)
    offline: bool = False
    message: str | None = None


# --- the index -----------------------------------------------------------------------------


def index_url() -> str:
    base = os.environ.get("ARGOS_PACKAGE_INDEX") or DEFAULT_INDEX
    if not base.endswith("/"):
        raise ConfigError(
            f"ARGOS_PACKAGE_INDEX={base!r} must end with '/' (index.json is appended); "
            f"set it to {base + '/'!r}."
        )
    return base + "index.json"


def fetch_index(client: Any | None = None, *, max_age: float | None = None) -> list[IndexPackage]:
    """The translate packages the index offers; TranslationError when it cannot be read.

    ``max_age``: a copy read from the same URL less than that many seconds ago will do."""
    url = index_url()
    try:
        entries = _cached_index(url, max_age)
        if entries is None:
            entries = json.loads(read_url(url, client, INDEX_RETRIES))
            _keep_index(url, entries)
    except (OSError, ValueError, RemoteError) as exc:
        raise TranslationError(
            f"cannot read the argos package index {url}: {_reason(exc)}. Are you offline? "
            "Connect, or set ARGOS_PACKAGE_INDEX to a reachable index ending with '/' "
            "(file:// works), or install a package file with "
            "'newsletter models install-file PATH.argosmodel'."
        ) from None
    if not isinstance(entries, list):
        raise TranslationError(f"{url}: not an argos package index (expected a JSON list).")
    return [p for p in (_index_entry(e) for e in entries) if p is not None]


def _index_entry(entry: Any) -> IndexPackage | None:
    if not isinstance(entry, dict) or entry.get("type", "translate") != "translate":
        return None
    src, tgt = entry.get("from_code"), entry.get("to_code")
    if not isinstance(src, str) or not isinstance(tgt, str):
        return None
    code = entry.get("code") or f"translate-{src}_{tgt}"
    links = tuple(str(link) for link in entry.get("links", []))
    return IndexPackage(str(code), src, tgt, str(entry.get("package_version", "")), links)


def index_pairs(client: Any | None = None, *, max_age: float | None = None) -> set[Pair]:
    """Every (from, to) pair the index offers (raises TranslationError when unreachable)."""
    return {(p.from_code, p.to_code) for p in fetch_index(client, max_age=max_age)}


def _cached_index(url: str, max_age: float | None) -> Any | None:
    if max_age is None:
        return None
    try:
        kept = json.loads((cache_dir() / INDEX_CACHE).read_text(encoding="utf-8"))
        fresh = time.time() - float(kept["read_at"]) < max_age and kept["url"] == url
        return kept["entries"] if fresh else None
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no copy, or a damaged one: ask the index


def _keep_index(url: str, entries: Any) -> None:
    with contextlib.suppress(OSError):  # a copy not kept only costs the next build a request
        write_json(
            cache_dir() / INDEX_CACHE, {"url": url, "read_at": time.time(), "entries": entries}
        )


def _newest(packages: Iterable[IndexPackage]) -> dict[Pair, IndexPackage]:
    best: dict[Pair, IndexPackage] = {}
    for p in packages:
        pair = (p.from_code, p.to_code)
        if pair not in best or version_key(p.version) > version_key(best[pair].version):
            best[pair] = p
    return best


def plan_pairs(
    source_lang: str, targets: Sequence[str], offered: set[Pair]
) -> dict[str, list[Pair]]:
    """For each target: the pairs of its route (:func:`.route.find_route`), or [] for none."""
    plan: dict[str, list[Pair]] = {}
    for tgt in targets:
        if tgt != source_lang:
            route = find_route(offered, source_lang, tgt)
            plan[tgt] = list(route.hops) if route else []
    return plan


# --- installed packages --------------------------------------------------------------------


def packages_dirs() -> list[Path]:
    from argostranslate import settings

    return [Path(p) for p in settings.package_dirs]


def installed_packages() -> list[Any]:
    """argostranslate's installed translate packages, with a clear error for a broken folder."""
    from argostranslate import package

    for directory in packages_dirs():
        for path in sorted(directory.iterdir()) if directory.is_dir() else []:
            if path.is_dir() and not (path / "metadata.json").is_file():
                raise TranslationError(
                    f"{path}: not an argos package (no metadata.json), so no package can be "
                    "read. Delete that folder, then reinstall with 'newsletter models install'."
                )
    return [p for p in package.get_installed_packages() if p.type == "translate"]


def package_id(pkg: Any) -> str:
    """The model identity used in provenance and the memory key: "translate-en_de 1.9"."""
    code = pkg.code or f"translate-{pkg.from_code}_{pkg.to_code}"
    return f"{code} {pkg.package_version}"


def installed_versions() -> dict[Pair, str]:
    best: dict[Pair, str] = {}
    for p in installed_packages():
        pair = (p.from_code, p.to_code)
        if pair not in best or version_key(p.package_version) > version_key(best[pair]):
            best[pair] = p.package_version
    return best


def list_packages(client: Any | None = None) -> list[PackageState]:
    """Installed and available packages, sorted by pair."""
    installed = installed_versions()
    offered = _newest(fetch_index(client))
    pairs = sorted(set(installed) | set(offered))
    return [
        PackageState(
            pair,
            offered[pair].code if pair in offered else f"translate-{pair[0]}_{pair[1]}",
            installed.get(pair),
            offered[pair].version if pair in offered else None,
        )
        for pair in pairs
    ]


# --- download and install ------------------------------------------------------------------


def install_file(path: Path, expected: Pair | None = None) -> str:
    """Install one ``.argosmodel`` file and return its model id; replaces older versions."""
    metadata, top = _check_archive(path, expected)
    target_dir = packages_dirs()[0]
    target_dir.mkdir(parents=True, exist_ok=True)
    pair = (metadata["from_code"], metadata["to_code"])
    from argostranslate.package import package_lock

    staging = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}-", dir=target_dir.parent))
    try:
        with zipfile.ZipFile(path) as archive:
            archive.extractall(staging)
        with package_lock:
            for old in [*_installed_folders(target_dir, pair), target_dir / top]:
                shutil.rmtree(old, ignore_errors=True)
            os.replace(staging / top, target_dir / top)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    code = metadata.get("code") or f"translate-{pair[0]}_{pair[1]}"
    return f"{code} {metadata.get('package_version', '')}"


def _installed_folders(directory: Path, pair: Pair) -> list[Path]:
    found = []
    for meta in directory.glob("*/metadata.json"):
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        # Only argos packages: a Marian model for the same pair ("type": "marian") stays.
        argos = data.get("type", "translate") == "translate"
        if argos and (data.get("from_code"), data.get("to_code")) == pair:
            found.append(meta.parent)
    return found


def _check_archive(path: Path, expected: Pair | None) -> tuple[dict[str, Any], str]:
    """(metadata, top-level folder) of a valid package file, else TranslationError."""

    def corrupt(why: str) -> TranslationError:
        return TranslationError(
            f"{path}: not a valid argos package ({why}). Download it again "
            "('newsletter models install LANG') or get a good .argosmodel file."
        )

    if not path.is_file():
        raise ConfigError(f"{path}: no such file. Pass the path of a .argosmodel file.")
    if not zipfile.is_zipfile(path):
        raise corrupt("not a zip archive; the download may be truncated")
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            tops = {n.split("/", 1)[0] for n in names}
            if len(tops) != 1 or any(n.startswith("/") or ".." in n.split("/") for n in names):
                raise corrupt("it must hold exactly one top-level folder")
            top = tops.pop()
            metadata = json.loads(archive.read(f"{top}/metadata.json"))
            if archive.testzip() is not None:
                raise corrupt("a file in it fails its checksum")
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise corrupt(f"no readable {path.name}/metadata.json: {exc}") from None
    if not isinstance(metadata, dict) or not {"from_code", "to_code"} <= metadata.keys():
        raise corrupt("metadata.json lacks from_code/to_code")
    if expected and (metadata["from_code"], metadata["to_code"]) != expected:
        got = f"{metadata['from_code']}→{metadata['to_code']}"
        raise corrupt(f"it translates {got}, not {expected[0]}→{expected[1]}")
    return metadata, top


def download(
    pkg: IndexPackage, dest: Path, client: Any | None = None, progress: bool = True
) -> Path:
    """Stream the package into ``dest`` (a folder) behind a progress bar; return the file."""
    if not pkg.links:
        raise TranslationError(f"the index lists no download link for {pkg.model_id}.")
    target = dest / f"{pkg.code}-{pkg.version}.argosmodel"
    errors = []
    for link in pkg.links:
        try:
            fetch_file(link, target, client, progress, f"{pkg.from_code}→{pkg.to_code}")
            return target
        except (OSError, RemoteError) as exc:
            errors.append(f"{link}: {_reason(exc)}")
    raise TranslationError(
        f"cannot download {pkg.model_id}: {'; '.join(errors)}. Are you offline? Retry, or "
        "install a package file with 'newsletter models install-file PATH.argosmodel'."
    )


def fetch_file(url: str, target: Path, client: Any | None, progress: bool, label: str) -> None:
    """Download ``url`` to ``target`` (atomic, resumed: :func:`pipeline.download.download_file`)
    behind a progress bar on stderr; a ``file://`` URL is copied."""
    if urlparse(url).scheme == "file":
        shutil.copyfile(_file_path(url), target)
        return
    from tqdm import tqdm

    from pipeline.download import download_file

    # disable=None: no bar when stderr is not a terminal (CI logs), as tqdm decides.
    bar = tqdm(unit="B", unit_scale=True, desc=label, file=sys.stderr,
               disable=None if progress else True, leave=False)  # fmt: skip

    def show(done: int, total: int | None) -> None:
        bar.total = total
        bar.update(done - bar.n)

    with bar, _service(client) as service:
        download_file(service, url, target, progress=show)


def install_pairs(
    pairs: Sequence[Pair],
    client: Any | None = None,
    progress: bool = True,
    index: list[IndexPackage] | None = None,
) -> list[str]:
    """Download and install the newest package of each pair; return the model ids."""
    offered = _newest(index if index is not None else fetch_index(client))
    missing = [p for p in pairs if p not in offered]
    if missing:
        names = ", ".join(f"{a}→{b}" for a, b in missing)
        raise ConfigError(f"the argos index {index_url()} has no package for {names}.")
    done = []
    with tempfile.TemporaryDirectory(prefix="newsletter-models-") as tmp:
        for pair in pairs:
            path = download(offered[pair], Path(tmp), client, progress)
            done.append(install_file(path, expected=pair))
            path.unlink()
    return done


def ensure_installed(
    pairs: Iterable[Pair],
    client: Any | None = None,
    *,
    progress: bool = True,
    warn: Callable[[str], None] | None = None,
) -> InstallReport:
    """Install the pairs that are missing. Never raises for offline or unknown pairs: the
    report says which are unavailable and why (the stage then marks those languages)."""
    wanted = list(dict.fromkeys(pairs))
    have = installed_versions()
    present = tuple(p for p in wanted if p in have)
    missing = [p for p in wanted if p not in have]
    if not missing:
        return InstallReport(present=present)
    try:
        offered = _newest(fetch_index(client))
    except TranslationError as exc:
        (warn or _warn)(exc.message)  # said once, for every missing pair
        reason = "offline: the argos package index cannot be read"
        return InstallReport(
            present=present,
            unavailable=dict.fromkeys(missing, reason),
            offline=True,
            message=exc.message,
        )
    installed, unavailable = [], {}
    for pair in missing:
        if pair not in offered:
            unavailable[pair] = f"the argos index has no package for {pair[0]}→{pair[1]}"
            continue
        try:
            installed += install_pairs([pair], client, progress, index=list(offered.values()))
        except TranslationError as exc:
            unavailable[pair] = exc.message
    return InstallReport(tuple(installed), present, unavailable)


# --- helpers -------------------------------------------------------------------------------


def read_url(url: str, client: Any | None, policy: RetryPolicy = DOWNLOAD_RETRIES) -> bytes:
    if urlparse(url).scheme == "file":
        return _file_path(url).read_bytes()
    with _service(client, policy) as service:
        return service.request("GET", url, idempotent=True).content


@contextmanager
def _service(client: Any | None, policy: RetryPolicy = DOWNLOAD_RETRIES) -> Iterator[Service]:
    """The package host as a service of the HTTP boundary (an injected client stays open)."""
    own = client is None
    http = client or make_client()
    try:
        # A retry is a detail (--verbose); what finally fails is said by the caller.
        yield Service("package download", http, log=console.detail, policy=policy)
    finally:
        if own:
            http.close()


def _file_path(url: str) -> Path:
    parsed = urlparse(url)
    return Path(url2pathname(parsed.path))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, RemoteError):  # "package download: GET <url> connection failed (…)"
        text = re.sub(r"^[^:]*: \S+ \S+ ", "", text)  # the caller names the URL already
    return text.splitlines()[0]


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def version_key(version: str) -> Version:
    """A package version for comparisons; one that is not PEP 440 sorts first."""
    try:
        return Version(version)
    except InvalidVersion:
        return Version("0")
