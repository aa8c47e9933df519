"""Where the files shipped with the package are: the e-mail and preview templates.

``templates/`` sits at the top of the repository, where people edit it; ``pipeline/templates``
is a symlink to it in a checkout and a real folder inside the wheel. Both are found the same
way, through :mod:`importlib.resources`, so an installed tool renders from any folder.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def templates_dir() -> Path:
    """The templates folder as a filesystem path (Jinja's loader and Babel need one)."""
    folder = resources.files("pipeline") / "templates"
    # Installed from a wheel or run from a checkout, the package lives on disk (never zipped:
    # the wheel is not zip-safe), so the Traversable is a real path.
    return Path(str(folder))
