"""The preview stage: a static review site, every language beside the source.

Entry point: :func:`write_preview`. :mod:`.model` reads the build into values, :mod:`.site`
writes the pages, :mod:`.screenshots` drives headless Chromium; :mod:`.cli` registers
``newsletter preview``.
"""

from pipeline.preview.site import write_preview

__all__ = ["write_preview"]
