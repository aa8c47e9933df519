"""The template's words in the 24 languages: complete catalogs, plurals, fuzzy drafts, fallback."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from pipeline.languages import EU_LANGUAGES
from pipeline.render import render_email
from pipeline.render.catalogs import LOCALE_DIR, CatalogTranslations, load_catalog, translations_for
from tests.support import render as fx

POT = LOCALE_DIR / "messages.pot"


def template_ids() -> set[str]:
    with POT.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


@pytest.mark.parametrize("lang", [lang for lang in EU_LANGUAGES if lang != "en"])
def test_every_language_translates_every_template_string(lang: str) -> None:
    catalog = load_catalog(lang)
    assert catalog is not None, f"templates/locale/{lang}/LC_MESSAGES/messages.po is missing"
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    assert ids == template_ids()
    for message in catalog:
        if not message.id:
            continue
        if message.pluralizable:
            assert len(message.string) == catalog.num_plurals, (lang, message.id)
        strings = message.string if message.pluralizable else (message.string,)
        assert all(strings), (lang, message.id)
        for placeholder in ("%(language)s", "%(organisation)s", "%(num)d"):
            source = message.id if isinstance(message.id, str) else message.id[0]
            for string in strings:
                assert (placeholder in string) == (placeholder in source), (lang, string)


def test_the_pot_matches_the_templates(tmp_path: Path) -> None:
    from babel.messages.frontend import CommandLineInterface

    out = tmp_path / "messages.pot"
    root = Path(__file__).resolve().parents[1]
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(root / "babel.cfg"), "--no-location",
         "-o", str(out), str(root / "templates")]
    )  # fmt: skip
    with out.open("rb") as handle:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert extracted == template_ids(), "run the pybabel commands in templates/locale/README.md"


def test_maltese_has_four_plural_forms() -> None:
    t = translations_for("mt")
    forms = {
        n: t.ngettext("%(num)d minute read", "%(num)d minutes read", n) for n in (1, 2, 11, 20)
    }
    assert forms == {
        1: "%(num)d minuta qari",
        2: "%(num)d minuti qari",
        11: "%(num)d-il minuta qari",
        20: "%(num)d minuta qari",
    }
    assert t.missing == set()


def test_fuzzy_drafts_are_used() -> None:
    catalog = load_catalog("fr")
    assert catalog is not None and catalog["Unsubscribe"].fuzzy
    assert translations_for("fr").gettext("Unsubscribe") == "Se désabonner"


def test_a_missing_entry_falls_back_to_english_and_is_reported() -> None:
    catalog = Catalog(locale="de")
    catalog.add("Unsubscribe", "Abmelden")
    t = CatalogTranslations("de", catalog)
    assert t.gettext("Unsubscribe") == "Abmelden"
    assert t.gettext("Read online") == "Read online"
    assert t.ngettext("%(num)d minute read", "%(num)d minutes read", 3) == "%(num)d minutes read"
    assert t.missing == {"Read online", "%(num)d minute read"}


def test_missing_entries_become_render_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.render.stage as render

    def sparse(lang: str) -> CatalogTranslations:
        return CatalogTranslations(lang, Catalog(locale="de"))

    monkeypatch.setattr(render, "translations_for", sparse)
    result = render_email(fx.config(), fx.german(), provider="brevo")
    missing = [f for f in result.findings if f.code == "template-string-missing"]
    # all but "Also available in:" (no links) and the credit of a model whose licence asks
    # for one (German is translated by an argos package: no attribution)
    assert len(missing) == len(template_ids()) - 2
    assert all(f.level == "warning" and f.lang == "de" for f in missing)
    assert "Unsubscribe" in result.html


def test_english_needs_no_catalog() -> None:
    t = translations_for("en")
    assert t.gettext("Unsubscribe") == "Unsubscribe" and t.missing == set()
