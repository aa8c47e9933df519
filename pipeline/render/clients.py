"""E-mail client support: the features an e-mail uses, against caniemail's data.

caniemail.com publishes, per HTML/CSS feature, how each e-mail client supports it (``y``,
``a`` partial, ``n``, ``u`` unknown, per client version). The npm package ``caniemail``
carries that data as ``data/caniemail.json``; ``make`` unpacks it into ``.cache/caniemail``
(like axe-core), ``$CANIEMAIL_JSON`` names another copy. Without it the check is skipped with
one note. Node is not needed: this module reads the JSON and
:mod:`pipeline.render.features` finds the features.

Like caniemail's own checker, each client counts at its newest tested version. Per language,
one finding per feature that a named client (``email_clients`` in issue.toml) does not support:
an **error** when the feature is one the layout stands on (flex, grid, position, …: without it
boxes lose their place or size), else a **warning**; partial support is an **info** with
caniemail's note. MJML's Outlook fallbacks are not counted against Outlook (see features.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.config_delivery import expand_clients
from pipeline.document import Finding
from pipeline.render.features import Use, features_used
from pipeline.resources import cache_asset

CANIEMAIL_PATH = "caniemail/package/data/caniemail.json"
# Without these the boxes of the layout lose their place or size (not just their looks).
LAYOUT_FEATURES = frozenset(
    {
        "css-display-flex", "css-display-grid", "css-grid-template", "css-flex-direction",
        "css-flex-wrap", "css-gap", "css-align-items", "css-justify-content", "css-position",
        "css-float", "css-clear", "css-left-right-top-bottom", "css-inset", "css-transform",
        "css-column-count", "css-column-layout-properties", "css-aspect-ratio", "css-variables",
        "css-function-clamp", "css-function-min", "css-function-max", "css-unit-calc",
        "css-unit-vw", "css-unit-vh", "css-unit-vmin", "css-unit-vmax", "css-box-sizing",
        "html-table",
    }
)  # fmt: skip
# Enhancements: their loss changes looks or behaviour around the text (or drops a style
# sheet whose rules the inline styles stand without), never what the reader can read.
ENHANCEMENTS = frozenset(
    {
        "css-border-radius", "css-box-shadow", "css-text-shadow", "css-cursor", "css-outline",
        "css-letter-spacing", "css-word-spacing", "css-text-transform", "css-opacity",
        "css-white-space", "html-target", "html-doctype", "html-comments", "html-aria-label",
        "html-aria-labelledby", "html-aria-describedby", "html-aria-hidden", "html-role",
        "html-style", "html-meta-color-scheme", "html-body",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Feature:
    slug: str
    title: str
    url: str
    stats: Mapping[str, Mapping[str, Mapping[str, str]]]  # family → platform → version → y/a/n
    notes: Mapping[str, str]  # note number → text

    def _latest(self, client: str) -> str:
        family, _, platform = client.partition(".")
        versions = self.stats.get(family, {}).get(platform) or {}
        return versions[sorted(versions)[-1]] if versions else ""

    def status(self, client: str) -> str:
        """y, a (partial), n or u at the client's newest tested version; "" when untested."""
        return self._latest(client)[:1]

    def notes_for(self, client: str) -> list[str]:
        numbers = [part[1:] for part in self._latest(client).split() if part.startswith("#")]
        return [self.notes[n] for n in numbers if n in self.notes]


@dataclass(frozen=True)
class ClientData:
    path: Path
    updated: str
    features: Mapping[str, Feature]
    family_names: Mapping[str, str]
    platform_names: Mapping[str, str]

    def client_name(self, client: str) -> str:
        family, _, platform = client.partition(".")
        names = self.family_names.get(family, family), self.platform_names.get(platform, platform)
        return " ".join(names)


def find_caniemail(env: Mapping[str, str] | None = None) -> Path | None:
    """``$CANIEMAIL_JSON``, else the copy ``make`` fetched into ``.cache/``; None when absent."""
    return cache_asset("CANIEMAIL_JSON", CANIEMAIL_PATH, env)


def missing_caniemail_note() -> str:
    return (
        "E-mail client support was not checked: caniemail's data is missing. Run "
        "'make issue' with npm installed (it fetches the npm package caniemail into "
        ".cache/caniemail), or set CANIEMAIL_JSON to a caniemail.json."
    )


def load_client_data(path: Path) -> ClientData:
    """caniemail.json → ClientData; ValueError when it is not caniemail's format."""
    stat = path.stat()
    return _load(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=2)
def _load(path: Path, mtime: int, size: int) -> ClientData:
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
        features = {
            item["slug"]: Feature(
                item["slug"], item["title"], item.get("url") or "", item["stats"],
                item.get("notes_by_num") or {},
            )
            for item in raw["data"]
        }  # fmt: skip
        names = raw.get("nicenames") or {}
        return ClientData(
            path, str(raw.get("last_update_date", "")), features,
            names.get("family") or {}, names.get("platform") or {},
        )  # fmt: skip
    except (KeyError, TypeError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not caniemail's data ({type(exc).__name__}: {exc})") from None


def client_findings(
    html: str, data: ClientData, clients: Sequence[str], lang: str
) -> list[Finding]:
    """A finding per used feature a named client lacks; the enhancements in one info."""
    names = expand_clients(list(clients))
    findings, enhancements = [], []
    for slug, use in features_used(html).uses.items():
        feature = data.features.get(slug)
        if feature is None:
            continue
        seen_by = [c for c in names if use.outlook_windows or c != "outlook.windows"]
        lacking = [c for c in seen_by if feature.status(c) == "n"]
        if not lacking:
            continue
        if feature.slug not in LAYOUT_FEATURES and (use.in_sheet or slug in ENHANCEMENTS):
            enhancements.append(f"{feature.title} ({_clients(data, lacking)})")
        else:
            findings.append(_finding(feature, use, lacking, data, lang))
    if enhancements:
        count = f"{len(enhancements)} enhancement{'s are' if len(enhancements) > 1 else ' is'}"
        message = (
            f"{count} ignored by some clients, which show the e-mail a little plainer but just "
            f"as readable: {'; '.join(enhancements)}"
        )
        findings.append(Finding("info", "client-enhancements-ignored", message, lang))
    return findings


def _clients(data: ClientData, clients: Sequence[str]) -> str:
    return ", ".join(data.client_name(c) for c in clients)


def _finding(
    feature: Feature, use: Use, lacking: Sequence[str], data: ClientData, lang: str
) -> Finding:
    layout = feature.slug in LAYOUT_FEATURES
    notes = sorted({n for c in lacking for n in feature.notes_for(c)})
    message = (
        f"{feature.title} is not supported by {_clients(data, lacking)}"
        f"{' (' + ' '.join(notes) + ')' if notes else ''}; "
        f"{'the layout breaks there' if layout else 'those readers miss its effect'}. "
        f"Used in: {use.example}. See {feature.url}"
    )
    if layout:
        return Finding("error", "client-layout-unsupported", message, lang, feature.slug)
    return Finding("warning", "client-unsupported", message, lang, feature.slug)
