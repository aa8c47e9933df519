"""Golden files: English and German rendered from fixed input match the checked-in output.

After an intended change, run ``make golden`` and review ``git diff tests/data/golden``.
"""

from __future__ import annotations

import pytest

from tests import golden
from tests.support import render as fx


@pytest.fixture(scope="module")
def rendered() -> dict[str, dict[str, str]]:
    return {lang: golden.outputs(result) for lang, result in golden.render_all().items()}


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("name", golden.FILES)
def test_matches_the_golden_file(rendered: dict[str, dict[str, str]], lang: str, name: str) -> None:
    path = golden.GOLDEN / lang / name
    assert path.is_file(), f"{path} is missing: run `make golden`"
    expected = path.read_text(encoding="utf-8")
    assert rendered[lang][name] == expected, (
        f"{path} differs: run `make golden` and review the diff"
    )


def test_the_german_fixture_holds_only_segments_the_stage_makes() -> None:
    """The golden German e-mail once hid untranslated link labels: its fixture invented
    ``link.*`` segments the stage never made. Now every segment is one the stage makes."""
    from pipeline.translate.segment import all_segments, split_document

    source = fx.english()
    made = all_segments(fx.config(), source, split_document(source))
    assert [(s.key, s.source) for s in fx.german().segments] == made
    assert {"field.link.0", "field.link.1"} <= {key for key, _ in made}
