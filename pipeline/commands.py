"""Where the stage-owned subcommands of ``newsletter`` are registered.

Each stage with commands of its own (models, review, preview, send, due) has a ``cli`` module
with a ``register(subparsers)`` function, listed in :data:`COMMAND_MODULES`. ``cli.py`` stays
small, and each stage's parser lives beside its code. Those modules import their heavy
dependencies inside the handlers, so ``newsletter --help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib

COMMAND_MODULES: list[str] = [
    "pipeline.translate.models_cli",
    "pipeline.translate.review_cli",
    # "pipeline.translate.cli",   models list|install|install-file, review export
    "pipeline.preview_cli",  # preview
    "pipeline.send.cli",  # send, due
]


def register_all(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
