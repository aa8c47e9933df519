"""QA checks on one rendered e-mail: what must hold before it may reach a provider.

mjml-python validates nothing, so the pipeline checks its own output. Errors (they block the
build and the send): HTML over Gmail's clipping limit after transfer encoding, an image
without ``alt``, a link that is not absolute https, mailto: or a provider placeholder, leftover
template syntax (``{{``, ``{%``) or unknown ``mj-`` elements, a missing unsubscribe link or
``lang`` attribute. Warnings: a subject over 78 characters, a preheader outside 40–130.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import unescape
from typing import Protocol

from pipeline.document import Finding
from pipeline.errors import CheckError

GMAIL_CLIP_BYTES = 102_000  # Gmail clips above "102 KB"; stay under the decimal reading
SIZE_WARNING_SHARE = 0.9
SUBJECT_MAX = 78
PREHEADER_RANGE = (40, 130)
_TEMPLATE_SYNTAX = re.compile(r"\{\{|\{%")
_MJ_TAG = re.compile(r"</?mj-[a-z-]+", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


_ATTR = re.compile(r'([a-zA-Z-:]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|([^\s>]+))')
_START_TAG = re.compile(r"<(html|a|img)\b([^>]*)>", re.IGNORECASE)


@dataclass
class _Scan:
    """What the checks look at: links, images without alt and the root's lang attribute.

    A regular expression over the start tags, not a full parser: MJML's output is regular
    and html.parser was the slowest step of rendering 24 languages.
    """

    links: list[str] = field(default_factory=list)
    images_without_alt: list[str] = field(default_factory=list)
    html_lang: str | None = None

    @classmethod
    def of(cls, html: str) -> _Scan:
        scan = cls()
        for found in _START_TAG.finditer(_COMMENT.sub("", html)):
            tag = found.group(1).lower()
            attrs = {
                m[0].lower(): unescape(m[1] or m[2] or m[3]) for m in _ATTR.findall(found.group(2))
            }
            if tag == "html" and scan.html_lang is None:
                scan.html_lang = attrs.get("lang")
            elif tag == "a" and "href" in attrs:
                scan.links.append(attrs["href"])
            elif tag == "img" and "alt" not in attrs:
                scan.images_without_alt.append(attrs.get("src") or "?")
        return scan


def links_of(html: str) -> list[str]:
    """Every link target (href of <a>) in the HTML, in order."""
    return _Scan.of(html).links


def check_email(
    *,
    lang: str,
    html: str,
    subject: str,
    preheader: str,
    html_encoded_size: int,
    placeholders: Sequence[str] = (),
    unsubscribe: str = "",
) -> list[Finding]:
    """Every finding for one language's e-mail; ``placeholders`` are the provider's own tags."""
    scan = _Scan.of(html)
    findings = [
        *_size(html_encoded_size),
        *_images(scan.images_without_alt),
        *_links(scan.links, placeholders),
        *_leftovers(html, placeholders),
        *_structure(scan, unsubscribe),
        *_text_lengths(subject, preheader),
    ]
    return [Finding(f.level, f.code, f.message, lang, f.where) for f in findings]


def _size(encoded: int) -> list[Finding]:
    kb = f"{encoded / 1000:.1f} KB"
    if encoded > GMAIL_CLIP_BYTES:
        text = f"HTML is {kb} after transfer encoding; Gmail clips above ~102 KB. Shorten the issue"
        return [Finding("error", "html-too-large", text)]
    if encoded > GMAIL_CLIP_BYTES * SIZE_WARNING_SHARE:
        text = f"HTML is {kb} after transfer encoding, close to Gmail's ~102 KB clipping limit"
        return [Finding("warning", "html-near-limit", text)]
    return []


def _images(sources: Iterable[str]) -> list[Finding]:
    return [
        Finding(
            "error",
            "image-without-alt",
            f"the image {src!r} has no alt attribute; add alt text in the template",
            where=src,
        )
        for src in sources
    ]


def _links(links: Iterable[str], placeholders: Sequence[str]) -> list[Finding]:
    bad = [
        url
        for url in links
        if url not in placeholders and not url.startswith(("https://", "mailto:"))
    ]
    return [
        Finding(
            "error",
            "link-not-https",
            f"link {url!r} is neither absolute https://, mailto: nor a provider placeholder",
            where=url,
        )
        for url in bad
    ]


def _leftovers(html: str, placeholders: Sequence[str]) -> list[Finding]:
    stripped = html
    for tag in placeholders:
        stripped = stripped.replace(tag, "")
    findings = []
    syntax = _TEMPLATE_SYNTAX.search(stripped)
    if syntax:
        excerpt = stripped[max(0, syntax.start() - 30) : syntax.end() + 30]
        text = f"template syntax left in the HTML near {excerpt!r}"
        findings.append(Finding("error", "template-syntax-left", text))
    # MJML's own conditional comments may hold anything; real leftovers are outside them.
    names = {tag.lstrip("</").lower() for tag in _MJ_TAG.findall(_COMMENT.sub("", stripped))}
    for tag in sorted(f"<{name}" for name in names):  # <mj-x> and </mj-x> are one problem
        text = f"unknown MJML element {tag}> passed into the HTML; fix its name in the template"
        findings.append(Finding("error", "unknown-mj-element", text, where=tag))
    return findings


def _structure(scan: _Scan, unsubscribe: str) -> list[Finding]:
    findings = []
    if not unsubscribe or unsubscribe not in scan.links:
        text = f"no unsubscribe link ({unsubscribe or 'none'}) in the HTML"
        findings.append(Finding("error", "unsubscribe-missing", text))
    if not scan.html_lang:
        findings.append(Finding("error", "lang-missing", "<html> has no lang attribute"))
    return findings


def _text_lengths(subject: str, preheader: str) -> list[Finding]:
    findings = []
    if len(subject) > SUBJECT_MAX:
        text = f"subject has {len(subject)} characters (over {SUBJECT_MAX} may be cut in inboxes)"
        findings.append(Finding("warning", "subject-long", text))
    low, high = PREHEADER_RANGE
    if not low <= len(preheader) <= high:
        text = f"preheader has {len(preheader)} characters; {low}–{high} shows best in inboxes"
        findings.append(Finding("warning", "preheader-length", text))
    return findings


class _HasFindings(Protocol):
    @property
    def findings(self) -> tuple[Finding, ...]: ...


def errors_of(results: Mapping[str, _HasFindings]) -> list[Finding]:
    return [f for r in results.values() for f in r.findings if f.level == "error"]


def raise_on_errors(results: Mapping[str, _HasFindings]) -> None:
    """Raise one CheckError listing every error of every language; do nothing when clean."""
    errors = errors_of(results)
    if not errors:
        return
    langs = sorted({f.lang or "?" for f in errors})
    raise CheckError(
        f"{len(errors)} check error{'s' if len(errors) > 1 else ''} in {', '.join(langs)}; "
        "nothing can be sent until they are fixed",
        details=[f"{f.lang}: {f.code}: {f.message}" for f in errors],
    )
