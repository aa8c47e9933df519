"""Which models to install for a language: an argos package, else a Marian model.

One plan for both callers, ``newsletter models install`` (:mod:`.cli`) and ``newsletter build
--install-models`` (:func:`.stage.install_models`): routes are :func:`.route.find_route`'s
(the direct pair, else through English) over every pair that is installed, offered by the
argos index or named by the Marian model catalogue (:mod:`.catalogue`). A pair both offer is
installed from the argos index; the catalogue fills the pairs the index lacks (Croatian and
Maltese), so a default build of all 24 languages needs no configuration.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pipeline.errors import ConfigError, TranslationError
from pipeline.translate import models
from pipeline.translate.catalogue import CatalogueEntry, load_catalogue
from pipeline.translate.route import Pair

Say = Callable[[str], None]


def installed(kinds: Sequence[str] = ("argos", "marian")) -> dict[Pair, str]:
    """Every installed pair and what translates it ("1.9" for a package, else a model id)."""
    have: dict[Pair, str] = {}
    if "marian" in kinds:
        from pipeline.translate.marian import installed_models

        have.update({m.pair: m.model_id for m in installed_models()})
    if "argos" in kinds:
        have.update(models.installed_versions())  # a package wins, as in translation
    return have


def catalogue() -> dict[Pair, CatalogueEntry]:
    return {entry.pair: entry for entry in load_catalogue()}


def install(
    pairs: Sequence[Pair],
    index: list[models.IndexPackage] | None,
    entries: Mapping[Pair, CatalogueEntry],
    client: Any | None = None,
    progress: bool = True,
) -> list[str]:
    """Install each pair: from the index where it offers the pair, else from the catalogue."""
    offered = {(p.from_code, p.to_code) for p in index or ()}
    argos = [pair for pair in pairs if pair in offered]
    done = models.install_pairs(argos, client, progress, index=index) if argos else []
    from pipeline.translate import marian_install

    for pair in pairs:
        if pair not in offered:
            done.append(marian_install.install(entries[pair], client, progress))
    return done


def install_missing(
    kinds: Sequence[str], source_lang: str, targets: Sequence[str], say: Say
) -> None:
    """For ``build --install-models``: install what the targets need; never raises for a
    language it cannot serve (offline, no model anywhere): the stage then marks it, and an
    unreachable index is said once."""
    index: set[Pair] = set()
    if "argos" in kinds:
        try:
            index = models.index_pairs(max_age=models.INDEX_FRESH_SECONDS)
        except TranslationError as exc:
            reason = exc.message.rstrip(".")
            say(f"models: {reason}. Building the languages whose models are installed.")
            return
    entries = _catalogue_or_say(say) if "marian" in kinds else {}
    have = installed(kinds)
    plan = models.plan_pairs(source_lang, targets, index | set(entries) | set(have))
    wanted = list(dict.fromkeys(p for hops in plan.values() for p in hops if p not in have))
    argos = [pair for pair in wanted if pair in index]
    if argos:
        models.ensure_installed(argos, warn=say)
    from pipeline.translate import marian_install

    for pair in (p for p in wanted if p not in argos):
        try:
            say(
                f"models: installing the Marian model {entries[pair].model_id} for {'→'.join(pair)}"
            )
            marian_install.install(entries[pair])
        except TranslationError as exc:
            say(f"models: {exc.message}")


def _catalogue_or_say(say: Say) -> dict[Pair, CatalogueEntry]:
    try:
        return catalogue()
    except (ConfigError, TranslationError) as exc:
        say(f"models: {exc.message}")
        return {}
