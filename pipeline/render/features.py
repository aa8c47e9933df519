"""Which HTML and CSS features an e-mail uses, named by caniemail's feature slugs.

The client-support check (:mod:`pipeline.render.clients`) looks these slugs up in caniemail's
data. The detection follows the rules of caniemail's own npm checker (``css-titles.js``,
``html-titles.js``, ``selectors.js``): a property matches its feature and the shorthand it
belongs to (``padding-left`` is ``css-padding``), ``display:flex`` is a property–value pair, a
unit is a digit followed by it, and so on. It goes further in one place: media features
(``@media (prefers-color-scheme: dark)``) count as their own features.

Outlook's conditional comments are honoured: what sits in ``<!--[if mso]>…<![endif]-->`` is a
fallback written for Outlook and is not scanned; what sits in ``<!--[if !mso]><!-->…`` is
hidden from Outlook for Windows, so it counts for every client but that one. A regular
expression scan over MJML's regular output, like the QA checks: html.parser was the slowest
step of rendering.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape

# What only Outlook (Word engine) reads, and what it skips; the "<!-->" may sit on the next line.
_MSO_ONLY = re.compile(r"<!--\[if (?:[^\]!]*\bmso\b[^\]]*)\]>.*?<!\[endif\]-->", re.DOTALL | re.I)
_NOT_MSO = re.compile(
    r"<!--\[if !mso[^\]]*\]>\s*<!-->(.*?)<!--\s*<!\[endif\]-->", re.DOTALL | re.IGNORECASE
)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_ATTR = re.compile(r'([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|([^\s>]+)))?')
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_FUNCTION = re.compile(r"([a-z-]+)\(")
_PSEUDO = re.compile(r"(::?[a-z-]+)")

SEMANTIC_ELEMENTS = frozenset(
    {
        "article", "aside", "details", "figcaption", "figure", "footer", "header", "main",
        "mark", "nav", "section", "summary", "time",
    }
)  # fmt: skip
ELEMENT_SLUGS = {
    "address": "html-address", "base": "html-base", "map": "html-image-maps",
    "svg": "html-svg", "ul": "html-lists", "ol": "html-lists", "dl": "html-lists",
    **{f"h{n}": "html-h1-h6" for n in range(1, 7)},
}  # fmt: skip
# caniemail's attribute features ("align attribute", …); other attributes have no data, and
# a generic html-<name> would mistake the style attribute for the <style> element.
ATTRIBUTE_SLUGS = {
    **{name: f"html-{name}" for name in (
        "align", "background", "cellpadding", "cellspacing", "dir", "height", "hidden", "lang",
        "popover", "required", "role", "target", "valign", "width", "aria-describedby",
        "aria-hidden", "aria-label", "aria-labelledby", "aria-live",
    )},
    "srcset": "html-srcset", "sizes": "html-srcset", "loading": "html-loading-attribute",
    "inert": "css-inert-attribute",
}  # fmt: skip
IMAGE_TYPES = {"jpeg": "jpg", "jpg": "jpg", "png": "png", "gif": "gif", "webp": "webp",
               "svg": "svg", "avif": "avif", "bmp": "bmp", "ico": "ico", "tif": "tiff",
               "tiff": "tiff", "heic": "heif", "heif": "heif"}  # fmt: skip
# Properties whose feature is not named after them (caniemail's title lists them).
PROPERTY_SLUGS = {
    "block-size": "css-block-inline-size", "inline-size": "css-block-inline-size",
    "border-inline": "css-border-inline-block", "border-block": "css-border-inline-block",
    "color-scheme": "css-color-scheme", "columns": "css-column-layout-properties",
    "column-gap": "css-gap", "row-gap": "css-gap", "gap": "css-gap",
    "grid-template": "css-grid-template", "margin-block": "css-margin-inline-block",
    "margin-inline": "css-margin-inline-block", "padding-block": "css-padding-inline-block",
    "padding-inline": "css-padding-inline-block", "left": "css-left-right-top-bottom",
    "right": "css-left-right-top-bottom", "top": "css-left-right-top-bottom",
    "bottom": "css-left-right-top-bottom", "font": "css-font", "height": "css-height",
    "width": "css-width",
    **{f"margin-{side}-{edge}": f"css-margin-{side}-start-end"
       for side in ("block", "inline") for edge in ("start", "end")},
    **{f"padding-{side}-{edge}": f"css-padding-{side}-start-end"
       for side in ("block", "inline") for edge in ("start", "end")},
    **{f"border-{a}-{b}": "css-border-inline-block-individual"
       for a in ("block", "inline") for b in ("start", "end")},
    **{f"border-{a}-{b}": "css-border-inline-block-longhand"
       for a in ("block", "inline") for b in ("color", "style", "width")},
    **{f"border-{a}-{b}-radius": "css-border-radius-logical"
       for a in ("start", "end") for b in ("start", "end")},
    **{f"column-{p}": "css-column-layout-properties"
       for p in ("count", "fill", "rule", "span", "width")},
}  # fmt: skip
PAIR_SLUGS = {
    ("display", "flex"): "css-display-flex", ("display", "grid"): "css-display-grid",
    ("display", "none"): "css-display-none", ("flex-direction", "column"): "css-flex-direction",
    ("flex-wrap", "wrap"): "css-flex-wrap",
}  # fmt: skip
FUNCTION_SLUGS = {
    "rgb": "css-rgb", "rgba": "css-rgba", "calc": "css-unit-calc", "clamp": "css-function-clamp",
    "max": "css-function-max", "min": "css-function-min", "var": "css-variables",
    "light-dark": "css-function-light-dark", "linear-gradient": "css-linear-gradient",
    "radial-gradient": "css-radial-gradient", "conic-gradient": "css-conic-gradient",
    **{name: "css-modern-color" for name in ("lch", "oklch", "lab", "oklab")},
}  # fmt: skip
UNITS = ("ch", "cm", "em", "ex", "in", "mm", "pc", "pt", "px", "rem", "vh", "vmax", "vmin", "vw")
MEDIA_FEATURES = {
    "prefers-color-scheme": "css-at-media-prefers-color-scheme",
    "prefers-reduced-motion": "css-at-media-prefers-reduced-motion",
    "orientation": "css-at-media-orientation", "any-hover": "css-at-media-hover",
    "hover": "css-at-media-hover", "-webkit-device-pixel-ratio": "css-at-media-device-pixel-ratio",
    "-webkit-min-device-pixel-ratio": "css-at-media-device-pixel-ratio",
}  # fmt: skip
AT_RULES = {"media", "font-face", "import", "keyframes", "supports"}


@dataclass(frozen=True)
class Use:
    """Where an e-mail first uses a feature."""

    example: str  # the piece of markup or CSS
    in_sheet: bool  # only in a <style> sheet: an enhancement over the inline styles
    outlook_windows: bool  # False when only in <!--[if !mso]>, which Outlook skips


@dataclass
class Usage:
    """The caniemail feature slugs an e-mail uses, each with where it is first used."""

    uses: dict[str, Use] = field(default_factory=dict)

    def add(self, slug: str, example: str, *, in_sheet: bool, outlook_windows: bool) -> None:
        old = self.uses.get(slug)
        new = Use(example.strip()[:80], in_sheet, outlook_windows)
        if old is None:
            self.uses[slug] = new
        elif (old.in_sheet and not in_sheet) or (outlook_windows and not old.outlook_windows):
            # the wider use wins: inline over sheet, seen by every client over hidden from one
            self.uses[slug] = Use(
                new.example if old.in_sheet and not in_sheet else old.example,
                old.in_sheet and in_sheet,
                old.outlook_windows or outlook_windows,
            )


def features_used(html: str) -> Usage:
    """Every caniemail feature ``html`` uses."""
    usage = Usage()
    visible = _MSO_ONLY.sub("", html)
    hidden_parts = _NOT_MSO.findall(visible)
    _scan(_NOT_MSO.sub("", visible), usage, outlook_windows=True)
    for part in hidden_parts:
        _scan(part, usage, outlook_windows=False)
    return usage


def _scan(html: str, usage: Usage, *, outlook_windows: bool) -> None:
    def add(slug: str, example: str, in_sheet: bool = False, outlook: bool = True) -> None:
        usage.add(slug, example, in_sheet=in_sheet, outlook_windows=outlook_windows and outlook)

    if re.match(r"\s*<!doctype html", html, re.IGNORECASE):
        add("html-doctype", "<!doctype html>")
    comment = _COMMENT.search(html)
    if comment:
        add("html-comments", comment.group(0))
    for css in _STYLE.findall(html):
        for slug, example in css_features(css):
            add(slug, example, in_sheet=True)
    for tag, attrs in _tags(_COMMENT.sub("", html)):
        # mso-hide:all hides the element from Outlook for Windows (the hidden preheader)
        outlook = "mso-hide:all" not in attrs.get("style", "").replace(" ", "")
        for slug, example in element_features(tag, attrs):
            add(slug, example, outlook=outlook)


def _tags(html: str) -> Iterator[tuple[str, dict[str, str]]]:
    for found in _TAG.finditer(html):
        attrs = {
            m[0].lower(): unescape(m[1] or m[2] or m[3] or "") for m in _ATTR.findall(found[2])
        }
        yield found[1].lower(), attrs


def element_features(tag: str, attrs: dict[str, str]) -> Iterator[tuple[str, str]]:
    """Features of one start tag: the element, its attributes, its style and its images."""
    example = f"<{tag}{''.join(f' {k}' for k in attrs)}>"
    if tag in SEMANTIC_ELEMENTS:
        yield "html-semantics", example
    yield ELEMENT_SLUGS.get(tag, f"html-{tag}"), example
    for name, value in attrs.items():
        if name in ATTRIBUTE_SLUGS:
            yield ATTRIBUTE_SLUGS[name], f'{name}="{value[:40]}"'
    yield from _element_pairs(tag, attrs, example)
    if "style" in attrs:
        yield from declaration_features(attrs["style"])
    for url in _image_urls(tag, attrs):
        yield from _image_features(url)


def _element_pairs(tag: str, attrs: dict[str, str], example: str) -> Iterator[tuple[str, str]]:
    href = attrs.get("href", "")
    if tag == "a" and (href.startswith("#") or "name" in attrs):
        yield "html-anchor-links", example
    if tag == "a" and href.startswith("mailto:"):
        yield "html-mailto-links", f'<a href="{href[:40]}">'
    if tag == "meta" and attrs.get("name") == "color-scheme":
        yield "html-meta-color-scheme", example
    if tag in ("input", "button") and "type" in attrs:
        yield f"html-{tag}-{attrs['type'].lower()}", f'<{tag} type="{attrs["type"]}">'
    if tag == "html" and ("amp4email" in attrs or "⚡4email" in attrs):
        yield "amp", example


def _image_urls(tag: str, attrs: dict[str, str]) -> list[str]:
    urls = [attrs["src"]] if tag == "img" and attrs.get("src") else []
    for candidate in attrs.get("srcset", "").split(","):
        if candidate.strip():
            urls.append(candidate.split()[0])
    return urls


def _image_features(url: str) -> Iterator[tuple[str, str]]:
    if url.startswith("data:"):
        yield "image-base64", url[:40]
    found = re.search(r"\.([a-zA-Z]{3,4})(?:[?#]|$)", url)
    if found and found[1].lower() in IMAGE_TYPES:
        yield f"image-{IMAGE_TYPES[found[1].lower()]}", url


# ---------------------------------------------------------------- CSS


def css_features(css: str) -> Iterator[tuple[str, str]]:
    """Features of a style sheet: at-rules, media features, selectors, declarations."""
    comment = _CSS_COMMENT.search(css)
    if comment:
        yield "css-comments", comment.group(0)
    yield from _rules(_CSS_COMMENT.sub("", css))


def _rules(css: str) -> Iterator[tuple[str, str]]:
    for prelude, block in _blocks(css):
        if prelude.startswith("@"):
            name = re.match(r"@([a-z-]+)", prelude)
            at = name[1] if name else ""
            if at in AT_RULES:
                yield f"css-at-{at}", prelude
            for feature, slug in MEDIA_FEATURES.items():
                if at == "media" and re.search(rf"\(\s*{re.escape(feature)}\b", prelude):
                    yield slug, prelude
            if block is not None and at in ("media", "supports"):
                yield from _rules(block)
            continue
        yield from selector_features(prelude)
        if block is not None:
            yield from declaration_features(block)


def _blocks(css: str) -> Iterator[tuple[str, str | None]]:
    """(prelude, block) pairs at the top level; ``@import …;`` has no block."""
    i, start, depth, prelude = 0, 0, 0, ""
    while i < len(css):
        char = css[i]
        if char == ";" and depth == 0:
            if css[start:i].strip():
                yield css[start:i].strip(), None
            start = i + 1
        elif char == "{":
            if depth == 0:
                prelude, start_block = css[start:i].strip(), i + 1
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                yield prelude, css[start_block:i]
                start = i + 1
        i += 1


def declaration_features(block: str) -> Iterator[tuple[str, str]]:
    """Features of ``prop: value; …`` (a style attribute or a rule's body)."""
    for declaration in block.split(";"):
        name, colon, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip()
        if not colon or not re.fullmatch(r"-?[a-z][a-z-]*", name):
            continue
        text = f"{name}: {value}"[:80]
        yield from ((slug, text) for slug in _property_slugs(name))
        yield from ((slug, text) for slug in _value_slugs(name, value.lower()))


def _property_slugs(name: str) -> Iterator[str]:
    if name.startswith("--"):
        yield "css-variables"
        return
    if name.startswith("-"):  # a vendor prefix: caniemail has no data for these
        return
    yield PROPERTY_SLUGS.get(name, f"css-{name}")
    parts = name.split("-")
    for cut in range(1, len(parts)):  # padding-left → padding; border-top-color → border…
        yield PROPERTY_SLUGS.get("-".join(parts[:cut]), f"css-{'-'.join(parts[:cut])}")


def _value_slugs(name: str, value: str) -> Iterator[str]:
    bare = value.replace("!important", "").strip()
    if (name, bare) in PAIR_SLUGS:
        yield PAIR_SLUGS[(name, bare)]
    if "!important" in value:
        yield "css-important"
    for function in set(_FUNCTION.findall(value)):
        if function in FUNCTION_SLUGS:
            yield FUNCTION_SLUGS[function]
    for unit in UNITS:
        if re.search(rf"\d{unit}\b", value):
            yield f"css-unit-{unit}"
    if re.search(r"\d%", value):
        yield "css-unit-percent"
    if re.search(r"\binitial\b", value):
        yield "css-unit-initial"
    if re.search(r"(^|[\s,])(fit-content|min-content|max-content)([\s,]|$)", value):
        yield "css-intrinsic-size"
    if re.search(r"(^|[\s,])(system-ui|ui-serif|ui-sans-serif|ui-rounded|ui-monospace)", value):
        yield "css-sytem-ui"  # sic: caniemail's slug


def selector_features(selectors: str) -> Iterator[tuple[str, str]]:
    """Selector kinds, combinators and pseudo-classes of a rule's selector list."""
    group = [s.strip() for s in selectors.split(",") if s.strip()]
    if len(group) > 1:
        yield "css-selector-grouping", selectors
    for selector in group:
        bare = re.sub(r"\[[^\]]*\]", "[]", re.sub(r"\([^)]*\)", "()", selector))
        yield from ((slug, selector) for slug in _selector_slugs(selector, bare))


def _selector_slugs(selector: str, bare: str) -> Iterator[str]:
    if re.search(r"\.[\w-]+", bare):
        yield "css-selector-class"
    if re.search(r"\.[\w-]+\.[\w-]+", bare):
        yield "css-selector-chaining"
    if re.search(r"#[\w-]+", bare):
        yield "css-selector-id"
    if "[]" in bare:
        yield "css-selector-attribute"
    if "*" in bare:
        yield "css-selector-universal"
    if re.search(r"(^|[\s>+~(])[a-zA-Z][\w-]*", bare):
        yield "css-selector-type"
    combinators = {">": "child", "+": "adjacent-sibling", "~": "general-sibling"}
    for mark, slug in combinators.items():
        if mark in bare:
            yield f"css-selector-{slug}"
    if re.search(r"[\w\])*]\s+[\w.#\[:*]", bare):
        yield "css-selector-descendant"
    for pseudo in _PSEUDO.findall(bare):
        kind = "element" if pseudo.startswith("::") else "class"
        yield f"css-pseudo-{kind}-{pseudo.lstrip(':')}"
