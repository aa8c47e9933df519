"""The send stage: one campaign per language at a mailing provider, never sent twice.

Entry point: :func:`send_issue`. :mod:`.plan` reads the build and decides what each language
needs, :mod:`.run` carries it out and reconciles after every uncertain failure, :mod:`.ledger`
records each step; :mod:`.providers` lists the providers (:mod:`.brevo`, :mod:`.listmonk`,
:mod:`.outbox`), :mod:`.due` finds the issues due to send; :mod:`.cli` registers ``newsletter
send`` and ``newsletter due``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.send.run import send_issue

__all__ = ["send_issue"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so that ``newsletter --help`` does not load httpx.
    if name in __all__:
        return getattr(importlib.import_module("pipeline.send.run"), name)
    raise AttributeError(f"module 'pipeline.send' has no attribute {name!r}")
