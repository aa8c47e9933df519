"""The Marian model catalogue: which checkpoint to fetch for a pair, from where, under what licence.

The catalogue is data (``marian-models.toml`` beside this module, described at its top);
``$NEWSLETTER_MODEL_CATALOGUE`` (a path, or an http(s)/file URL) replaces it, which is how the
tests and ``python -m tests.support.serve_index`` point installs at loopback. Every problem in
it is reported at once, naming the entry and the key. A Hugging Face hub source must be pinned
to a commit (``…/resolve/<40 hex digits>/``), so an install fetches the same bytes every time.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError, RemoteError, TranslationError
from pipeline.languages import EU_LANGUAGES

ENV = "NEWSLETTER_MODEL_CATALOGUE"
BUILT_IN = "marian-models.toml"
_HUB = re.compile(r"https://huggingface\.co/[^/]+/[^/]+/resolve/(?P<revision>[^/]+)/")
_COMMIT = re.compile(r"[0-9a-f]{40}")
_STRINGS = ("id", "from", "to", "name", "licence", "url", "source", "revision", "checkpoint")


@dataclass(frozen=True)
class CatalogueEntry:
    """One Marian model for one direction, as the catalogue describes it."""

    id: str
    from_code: str
    to_code: str
    name: str
    licence: str
    url: str
    source: str  # the folder URL the files are fetched from (ends with '/')
    revision: str
    checkpoint: str
    checkpoint_sha256: str | None
    vocabs: tuple[str, ...]  # one SentencePiece model for both sides, or (source, target)
    size_mb: int
    quantization: str = "int8"
    source_prefix: str = ""

    @property
    def model_id(self) -> str:
        """The identity in provenance and the memory key: entry and revision."""
        return f"{self.id}@{self.revision[:12]}"

    @property
    def pair(self) -> tuple[str, str]:
        return (self.from_code, self.to_code)

    def file_url(self, name: str) -> str:
        return self.source + name

    @property
    def files(self) -> tuple[str, ...]:
        return (self.checkpoint, *dict.fromkeys(self.vocabs))


def catalogue_location() -> str:
    return os.environ.get(ENV) or f"{BUILT_IN} (built in)"


def load_catalogue(client: Any | None = None) -> list[CatalogueEntry]:
    """Every entry of the catalogue in use; ConfigError listing every problem."""
    where = catalogue_location()
    text = _read(os.environ.get(ENV), client)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}. Fix the syntax at that line.") from None
    return parse_catalogue(data, where)


def entry_for(source_lang: str, target_lang: str, client: Any | None = None) -> CatalogueEntry:
    """The catalogue's model for a pair, or a ConfigError naming what the catalogue offers."""
    for entry in load_catalogue(client):
        if entry.pair == (source_lang, target_lang):
            return entry
    raise ConfigError(
        f"the model catalogue ({catalogue_location()}) has no Marian model for "
        f"{source_lang}→{target_lang}; add a [[model]] entry for it (see the catalogue's header)."
    )


def offers(source_lang: str, target_lang: str) -> bool:
    """Whether the catalogue names a model for the pair (False when it cannot be read)."""
    try:
        return any(e.pair == (source_lang, target_lang) for e in load_catalogue())
    except (ConfigError, TranslationError):
        return False


def _read(location: str | None, client: Any | None) -> str:
    if not location:
        return (resources.files("pipeline.translate") / BUILT_IN).read_text(encoding="utf-8")
    from pipeline.translate.models import read_url

    try:
        url = location if "://" in location else Path(location).resolve().as_uri()
        return read_url(url, client).decode("utf-8")
    except (OSError, RemoteError, UnicodeDecodeError) as exc:
        raise TranslationError(
            f"cannot read the model catalogue {location}: {str(exc).splitlines()[0]}. "
            f"Check {ENV}, or unset it to use the built-in catalogue."
        ) from None


def parse_catalogue(data: Mapping[str, Any], where: str) -> list[CatalogueEntry]:
    problems: list[str] = []
    models = data.get("model", [])
    if not isinstance(models, list) or any(not isinstance(m, dict) for m in models):
        raise ConfigError(f"{where}: 'model' must be a list of [[model]] tables")
    entries = [_entry(m, f"model[{i}]", problems) for i, m in enumerate(models)]
    seen: dict[tuple[str, str], str] = {}
    for entry in filter(None, entries):
        if entry.pair in seen:
            problems.append(f"{entry.id}: {'→'.join(entry.pair)} is already {seen[entry.pair]}'s")
        seen.setdefault(entry.pair, entry.id)
    if problems:
        count = len(problems)
        raise ConfigError(
            f"{where}: {count} problem{'s' if count > 1 else ''} in the model catalogue",
            details=problems,
        )
    return [e for e in entries if e is not None]


def _entry(raw: Mapping[str, Any], where: str, problems: list[str]) -> CatalogueEntry | None:
    name = str(raw.get("id") or where)
    before = len(problems)
    for key in _STRINGS:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            problems.append(f"{name}: '{key}' must be a non-empty string")
    for key in ("from", "to"):
        if isinstance(raw.get(key), str) and raw[key] not in EU_LANGUAGES:
            problems.append(f"{name}: '{key}' = {raw[key]!r} is not an EU language code")
    vocabs: list[str] = raw.get("vocabs") or []
    if not _strings(vocabs) or not 1 <= len(vocabs) <= 2:
        problems.append(
            f"{name}: 'vocabs' must list one SentencePiece file, or two (source, target)"
        )
    if not isinstance(raw.get("size_mb"), int) or raw["size_mb"] <= 0:
        problems.append(f"{name}: 'size_mb' must be a positive whole number of megabytes")
    sha = raw.get("checkpoint_sha256") or None
    if sha is not None and not (isinstance(sha, str) and re.fullmatch(r"[0-9a-f]{64}", sha)):
        problems.append(f"{name}: 'checkpoint_sha256' must be 64 lowercase hex digits")
    if len(problems) == before:
        _check_source(name, raw["source"], raw["revision"], problems)
        if not raw["url"].startswith("https://"):
            problems.append(f"{name}: 'url' must be an https:// link (the e-mail links it)")
    if len(problems) > before:
        return None
    return CatalogueEntry(
        raw["id"], raw["from"], raw["to"], raw["name"], raw["licence"], raw["url"],
        raw["source"], raw["revision"], raw["checkpoint"], sha, tuple(vocabs),
        raw["size_mb"], str(raw.get("quantization", "int8")), str(raw.get("source_prefix", "")),
    )  # fmt: skip


def _check_source(name: str, source: str, revision: str, problems: list[str]) -> None:
    if not source.endswith("/") or "://" not in source:
        problems.append(f"{name}: 'source' must be a folder URL ending with '/'")
    hub = _HUB.match(source)
    if source.startswith("https://huggingface.co/") and (
        hub is None or not _COMMIT.fullmatch(hub["revision"]) or hub["revision"] != revision
    ):
        problems.append(
            f"{name}: a hub 'source' must be pinned: https://huggingface.co/<org>/<model>/"
            f"resolve/<commit>/ with the 40-digit commit that 'revision' names"
        )


def _strings(value: Any) -> bool:
    return (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and all(isinstance(v, str) and v.strip() for v in value)
    )
