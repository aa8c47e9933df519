"""Installed Marian models, and the ``marian`` engine that uses only them.

``newsletter models install hr`` (:mod:`.marian_install`) converts a Marian checkpoint from the
model catalogue (:mod:`.catalogue`) to CTranslate2 and installs it beside the argos packages,
as a folder ``marian-<id>/`` holding ``model/`` (CTranslate2, int8), ``sentencepiece.model``
(and ``target.sentencepiece.model`` when the target side has its own) and a ``metadata.json``
with ``"type": "marian"``: argostranslate (and a LibreTranslate sharing the folder) lists only
``"type": "translate"`` packages, so it ignores these, and the metadata records where the
model came from (source, revision, licence, sha256 of each downloaded file, converter version).

Both CTranslate2 engines run these models with the same code (:mod:`.argos`): the default
``argos`` engine uses an argos package where one exists and a Marian model for the pairs no
package covers; the ``marian`` engine registered here uses only Marian models, so an engine
chain can name it.

Importing this module registers the engine in :data:`pipeline.translate.engine.ENGINES`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.document import Attribution
from pipeline.translate.argos import ArgosEngine, ModelFiles
from pipeline.translate.engine import register

KIND = "marian"
FOLDER_PREFIX = "marian-"


@dataclass(frozen=True)
class InstalledMarian:
    """A Marian model installed in a packages folder, as its metadata.json describes it."""

    path: Path
    metadata: dict[str, Any]

    @property
    def pair(self) -> tuple[str, str]:
        return (str(self.metadata["from_code"]), str(self.metadata["to_code"]))

    @property
    def model_id(self) -> str:
        return f"{self.metadata['code']}@{str(self.metadata['revision'])[:12]}"

    @property
    def licence(self) -> str:
        return str(self.metadata.get("licence", ""))

    def attribution(self) -> Attribution | None:
        """The credit the e-mail must carry, when the licence asks for one (CC-BY-*)."""
        if not self.licence.upper().startswith("CC-BY"):
            return None
        name = str(self.metadata.get("name") or self.metadata["code"])
        return Attribution(self.model_id, name, self.licence, self.metadata.get("url"))

    def files(self) -> ModelFiles:
        target = self.path / "target.sentencepiece.model"
        return ModelFiles(
            self.model_id,
            self.path / "model",
            self.path / "sentencepiece.model",
            "",
            kind=KIND,
            source_prefix=str(self.metadata.get("source_prefix", "")),
            target_sentencepiece=target if target.is_file() else None,
            credit=self.attribution(),
        )


def installed_models() -> list[InstalledMarian]:
    """Every Marian model in the packages folders (unreadable metadata is skipped)."""
    from pipeline.translate.models import packages_dirs

    found = []
    for directory in packages_dirs():
        for meta in sorted(directory.glob("*/metadata.json")) if directory.is_dir() else []:
            data = read_metadata(meta)
            if data is not None and data.get("type") == KIND:
                found.append(InstalledMarian(meta.parent, data))
    return found


def read_metadata(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def installed_for(source_lang: str, target_lang: str) -> InstalledMarian | None:
    matches = [m for m in installed_models() if m.pair == (source_lang, target_lang)]
    return matches[-1] if matches else None


class MarianEngine(ArgosEngine):
    """The CTranslate2 engine restricted to installed Marian models."""

    name = "marian"
    kinds = (KIND,)


register("marian", MarianEngine)
