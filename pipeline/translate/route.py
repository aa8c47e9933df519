"""Which engine calls reach a target language: the direct pair, else two hops through English.

One rule, used both to pick the packages to install (:mod:`.models`) and to translate
(:mod:`.stage`): argos packages are English-centric, so English is the one pivot.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Literal

PIVOT = "en"
Pair = tuple[str, str]


@dataclass(frozen=True)
class Route:
    status: Literal["direct", "pivot"]
    hops: tuple[Pair, ...]  # (from, to) per engine call

    @property
    def via(self) -> str | None:
        return self.hops[0][1] if len(self.hops) > 1 else None


def find_route(pairs: AbstractSet[Pair], source_lang: str, target_lang: str) -> Route | None:
    """The direct pair, else both hops through English, else None."""
    if (source_lang, target_lang) in pairs:
        return Route("direct", ((source_lang, target_lang),))
    hops = ((source_lang, PIVOT), (PIVOT, target_lang))
    if PIVOT not in (source_lang, target_lang) and set(hops) <= pairs:
        return Route("pivot", hops)
    return None
