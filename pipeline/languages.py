"""The EU's 24 official languages and the locale each one uses for dates and names."""

from __future__ import annotations

EU_LANGUAGES: tuple[str, ...] = (
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr",
    "hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
)  # fmt: skip

# Babel's bare "en" is US English and bare "pt" is Brazilian; an EU newsletter wants these.
_LOCALE_OVERRIDES = {"en": "en_IE", "pt": "pt_PT"}


def babel_locale(lang: str) -> str:
    """The Babel locale identifier used to format dates and language names for ``lang``."""
    return _LOCALE_OVERRIDES.get(lang, lang)


def native_name(lang: str) -> str:
    """The language's name in itself, capitalised ("Français", "Deutsch")."""
    from babel import Locale

    name: str = Locale.parse(babel_locale(lang)).get_language_name(babel_locale(lang)) or lang
    return name[:1].upper() + name[1:]


def english_name(lang: str) -> str:
    from babel import Locale

    return str(Locale.parse(lang).get_language_name("en") or lang)
