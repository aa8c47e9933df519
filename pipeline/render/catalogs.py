"""The template's own words per language: gettext catalogs read from ``templates/locale``.

Catalogs are the ``.po`` files themselves (``templates/locale/<lang>/LC_MESSAGES/messages.po``),
read with Babel at run time, so no compiled ``.mo`` file has to be built or committed. Entries
marked ``#, fuzzy`` are machine drafts awaiting review and are USED on purpose: a draft in the
reader's language beats English. A message with no entry falls back to English and is
remembered in :attr:`CatalogTranslations.missing`, which the render stage reports.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from pipeline.errors import RenderError
from pipeline.languages import babel_locale
from pipeline.resources import templates_dir

LOCALE_DIR = templates_dir() / "locale"
_ENGLISH_PLURAL = "(n != 1)"


def catalog_path(lang: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / lang / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=64)
def load_catalog(lang: str, locale_dir: Path = LOCALE_DIR) -> Catalog | None:
    """The language's catalog, or None when it has none (English needs none)."""
    path = catalog_path(lang, locale_dir)
    if not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            catalog: Catalog = read_po(handle, locale=babel_locale(lang), abort_invalid=True)
    except Exception as exc:  # Babel raises several types for a broken file
        raise RenderError(f"{path}: cannot read the catalog: {exc}. Fix the PO syntax.") from None
    return catalog


class CatalogTranslations:
    """The gettext interface Jinja's i18n extension needs, over one Babel catalog.

    Fuzzy (machine-drafted) entries count as translations; empty ones fall back to English.
    """

    def __init__(self, lang: str, catalog: Catalog | None) -> None:
        self.lang = lang
        self.catalog = catalog
        self.missing: set[str] = set()
        expr = catalog.plural_expr if catalog is not None else _ENGLISH_PLURAL
        self._plural: Callable[[int], int] = gettext.c2py(expr)

    def _lookup(self, msgid: str) -> str | tuple[str, ...] | None:
        if self.catalog is None:
            return None
        message = self.catalog.get(msgid)
        if message is None or not message.string:
            return None
        string = message.string
        if isinstance(string, str):
            return string
        forms = tuple(string)
        return forms if all(forms) else None

    def _note_missing(self, msgid: str) -> None:
        if self.catalog is not None or self.lang != "en":
            self.missing.add(msgid)

    def gettext(self, message: str) -> str:
        found = self._lookup(message)
        if isinstance(found, str):
            return found
        self._note_missing(message)
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self._lookup(singular)
        if isinstance(found, tuple):
            index = self._plural(n)
            if 0 <= index < len(found):
                return found[index]
        self._note_missing(singular)
        return singular if n == 1 else plural


def translations_for(lang: str, locale_dir: Path = LOCALE_DIR) -> CatalogTranslations:
    """A fresh translations object (its ``missing`` set belongs to one render)."""
    return CatalogTranslations(lang, load_catalog(lang, locale_dir))
