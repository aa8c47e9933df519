"""Where the files shipped with the package are: the e-mail and preview templates; and the
optional npm assets ``make`` fetches into ``.cache/`` (axe-core, caniemail's data).

``templates/`` sits at the top of the repository, where people edit it; ``pipeline/templates``
is a symlink to it in a checkout and a real folder inside the wheel. Both are found the same
way, through :mod:`importlib.resources`, so an installed tool renders from any folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path


def templates_dir() -> Path:
    """The templates folder as a filesystem path (Jinja's loader and Babel need one)."""
    folder = resources.files("pipeline") / "templates"
    # Installed from a wheel or run from a checkout, the package lives on disk (never zipped:
    # the wheel is not zip-safe), so the Traversable is a real path.
    return Path(str(folder))


# npm assets that make fetches into .cache/ at the checkout's top (axe-core, caniemail).
CACHE_DIR = Path(__file__).resolve().parent.parent / ".cache"


def cache_asset(variable: str, relative: str, env: Mapping[str, str] | None = None) -> Path | None:
    """``$variable`` when set, else ``.cache/<relative>`` of the checkout; None when absent."""
    env = os.environ if env is None else env
    path = Path(env[variable]) if env.get(variable) else CACHE_DIR / relative
    return path if path.is_file() else None
