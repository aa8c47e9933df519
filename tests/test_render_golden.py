"""Golden files: English and German rendered from fixed input match the checked-in output.

After an intended change, run ``make golden`` and review ``git diff tests/data/golden``.
"""

from __future__ import annotations

import pytest

from tests import golden


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
