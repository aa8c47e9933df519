"""Suite-wide settings: the build's slow deliverability checks run only where a test asks.

SpamAssassin (about a second to start) and axe-core in Chromium (a browser per build) would
run in every test that builds an issue. ``NEWSLETTER_SKIP_CHECKS`` (a documented user knob)
leaves them out, except in tests marked ``deliverability``, which exercise them for real.
The client-support check is cheap and stays on.

Every test also gets its own ``NEWSLETTER_CACHE_DIR``: the translation memory and the stored
check results never leak from one test (or from the developer's own builds) into another.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _skip_slow_delivery_checks(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if request.node.get_closest_marker("deliverability") is None:
        monkeypatch.setenv("NEWSLETTER_SKIP_CHECKS", "spam,a11y")
    else:
        monkeypatch.delenv("NEWSLETTER_SKIP_CHECKS", raising=False)


@pytest.fixture(autouse=True)
def _own_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSLETTER_CACHE_DIR", str(tmp_path / "newsletter-cache"))
