"""What rendering one language gives: the e-mail's parts, sizes and QA findings.

Its own module so the render stage (:mod:`.stage`) and the deliverability checks that run
after it (:mod:`.deliver`) share it without importing each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.document import Finding


@dataclass(frozen=True)
class RenderResult:
    lang: str
    subject: str
    preheader: str
    html: str
    text: str
    eml: bytes
    sizes: Mapping[str, int]  # html, html_encoded (after transfer encoding), text, eml
    transfer_encoding: str  # of the HTML part
    findings: tuple[Finding, ...]  # level error blocks the build and the send
    spam: Mapping[str, Any] | None = None  # SpamAssassin's score and rules (deliver.py)
