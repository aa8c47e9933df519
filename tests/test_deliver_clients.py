"""E-mail client support: the features an e-mail uses, against caniemail's data.

``tests/data/deliver/caniemail-excerpt.json`` is a cut of caniemail's real data (npm
``caniemail`` 2.0.2, MIT) with eight features, so these tests do not depend on the download;
one test runs the full data (fetched by ``make``) over the real seed e-mail.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config import load_issue
from pipeline.render import render_email
from pipeline.render.clients import client_findings, find_caniemail, load_client_data
from pipeline.render.deliver import DeliveryOptions, check_delivery
from pipeline.render.features import css_features, features_used
from pipeline.store import IssuePaths
from tests.support import render as fx
from tests.support.deliver import tool_notes, unavailable

EXCERPT = Path(__file__).parent / "data" / "deliver" / "caniemail-excerpt.json"
DEFAULT = ("gmail", "outlook.windows", "apple-mail", "yahoo")


def page(head_css: str = "", body: str = "<p>text</p>") -> str:
    return (
        f'<!doctype html><html lang="en"><head><style type="text/css">{head_css}</style></head>'
        f"<body>{body}</body></html>"
    )


def findings(html: str, clients: tuple[str, ...] = DEFAULT) -> dict[str, tuple[str, str]]:
    found = client_findings(html, load_client_data(EXCERPT), clients, "de")
    return {f.where or f.code: (f.level, f.message) for f in found}


def test_an_unsupported_layout_feature_is_an_error_naming_clients_and_place() -> None:
    found = findings(page(body='<div style="display:flex;gap:8px"><p>a</p><p>b</p></div>'))
    level, message = found["css-display-flex"]
    assert level == "error"
    assert "display:flex is not supported by Outlook Windows" in message
    assert "Used in: display: flex" in message
    assert "https://www.caniemail.com/features/css-display-flex/" in message


def test_an_unsupported_inline_feature_is_a_warning() -> None:
    found = findings(page(body='<div style="word-break:break-word">Genossenschaftsmodell</div>'))
    level, message = found["css-word-break"]
    assert level == "warning" and "Yahoo! Mail Desktop Webmail" in message


def test_style_sheet_rules_and_decoration_are_one_info_per_language() -> None:
    css = "@media only screen and (max-width:480px) { .px { padding: 0 !important; } }"
    found = findings(page(css, '<a style="border-radius:6px" href="https://x.org/">x</a>'))
    assert set(found) == {"client-enhancements-ignored"}
    level, message = found["client-enhancements-ignored"]
    assert level == "info" and message.startswith("4 enhancements")
    assert "@media (Gmail Mobile Webmail, Outlook Windows)" in message
    assert "border-radius (Outlook Windows)" in message
    assert "<style> element (Gmail Mobile Webmail)" in message


def test_partial_support_and_unnamed_clients_are_not_findings() -> None:
    html = '<html lang="en"><body><td style="padding:8px">x</td></body></html>'
    assert findings(html) == {}  # padding: Outlook's support is partial
    # word-break is unsupported by Yahoo only: a team not writing for Yahoo gets nothing
    html = '<html lang="en"><body><p style="word-break:break-all">x</p></body></html>'
    assert findings(html, ("gmail",)) == {}


def test_outlook_fallbacks_and_what_outlook_never_sees_are_not_held_against_it() -> None:
    body = (
        '<!--[if mso | IE]><table style="display:flex"><tr><td><![endif]-->'
        '<!--[if !mso]><!--><div style="max-height:0px">not for Outlook</div><!--<![endif]-->'
        '<div style="display:none;max-height:0px;mso-hide:all">preheader</div>'
    )
    found = findings(page(body=body), ("outlook.windows",))
    assert found == {}
    assert "css-max-height" in findings(page(body='<div style="max-height:0px">x</div>'))


def test_css_features_follow_caniemails_rules() -> None:
    css = (
        "/* note */ @import url(x.css); .a.b > td + p ~ span, #id [data-x] *:hover::before "
        "{ padding-left: calc(1rem + 2vw); background: rgba(0,0,0,.5) !important; "
        "--brand: red; color: var(--brand); } @media (prefers-color-scheme: dark) { h1 { } }"
    )
    slugs = {slug for slug, _ in css_features(css)}
    assert {
        "css-comments", "css-at-import", "css-selector-class", "css-selector-chaining",
        "css-selector-child", "css-selector-adjacent-sibling", "css-selector-general-sibling",
        "css-selector-grouping", "css-selector-id", "css-selector-attribute",
        "css-selector-universal", "css-selector-type", "css-selector-descendant",
        "css-pseudo-class-hover", "css-pseudo-element-before", "css-padding", "css-padding-left",
        "css-unit-calc", "css-unit-rem", "css-unit-vw", "css-background", "css-rgba",
        "css-important", "css-variables", "css-at-media", "css-at-media-prefers-color-scheme",
    } <= slugs  # fmt: skip


def test_html_features_include_elements_attributes_and_images() -> None:
    html = (
        '<html lang="de" dir="ltr"><body><h2>T</h2><a href="mailto:x@y.org">m</a>'
        '<img src="https://x.org/a.webp" alt="a"><section role="article">s</section></body></html>'
    )
    uses = features_used(html).uses
    assert {
        "html-lang", "html-dir", "html-h1-h6", "html-mailto-links", "html-img", "image-webp",
        "html-semantics", "html-role",
    } <= set(uses)  # fmt: skip
    assert uses["html-lang"].in_sheet is False


def test_a_damaged_data_file_is_a_warning_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "caniemail.json"
    bad.write_text(json.dumps({"data": [{"slug": "x"}]}), encoding="utf-8")
    monkeypatch.setenv("CANIEMAIL_JSON", str(bad))
    result = render_email(fx.config(), fx.german(), provider="brevo", languages=("en", "de"))
    checks = DeliveryOptions(skip=frozenset({"spam", "a11y"}))
    checked = check_delivery(
        fx.config(), IssuePaths.for_issue(fx.ISSUE_DIR, tmp_path), {"de": result}, checks
    )
    [note] = tool_notes(checked.notes)
    assert note.level == "warning" and note.code == "client-check-failed"
    assert str(bad) in note.message
    monkeypatch.setenv("CANIEMAIL_JSON", str(tmp_path / "absent.json"))
    checked = check_delivery(
        fx.config(), IssuePaths.for_issue(fx.ISSUE_DIR, tmp_path), {"de": result}, checks
    )
    assert [(n.level, n.code) for n in tool_notes(checked.notes)] == [
        ("info", "client-check-skipped")
    ]


def test_an_unchanged_email_is_not_scanned_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Findings are kept by the HTML, the clients named and the language: a warm rebuild
    scans nothing; another list of clients or a changed e-mail is checked again."""
    import dataclasses

    from pipeline.render import clients as clients_module

    monkeypatch.setenv("CANIEMAIL_JSON", str(EXCERPT))
    scans: list[str] = []
    real = clients_module.client_findings

    def counting(html: str, *args: object) -> object:
        scans.append(html)
        return real(html, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(clients_module, "client_findings", counting)
    html = page("", '<div style="display:flex">x</div>')
    result = dataclasses.replace(
        render_email(fx.config(), fx.german(), provider="brevo"), html=html
    )
    checks = DeliveryOptions(skip=frozenset({"spam", "a11y"}))
    paths = IssuePaths.for_issue(fx.ISSUE_DIR, tmp_path)

    def run(config: object, given: object) -> object:
        return check_delivery(config, paths, {"de": given}, checks).results["de"].findings  # type: ignore[arg-type]

    first = run(fx.config(), result)
    assert len(scans) == 1 and any(f.code == "client-layout-unsupported" for f in first)
    assert run(fx.config(), result) == first and len(scans) == 1
    only_gmail = dataclasses.replace(fx.config(), email_clients=("gmail",))
    run(only_gmail, result)
    run(fx.config(), dataclasses.replace(result, html=html.replace("x", "y")))
    assert len(scans) == 3


def test_the_seed_email_breaks_no_layout_in_the_default_clients() -> None:
    """With caniemail's full data (make fetches it): the real template is clean of errors."""
    path = find_caniemail()
    if path is None:
        unavailable("no caniemail data in .cache/caniemail (make test fetches it with npm)")
    config = load_issue(fx.SEED_ISSUE / "issue.toml")
    result = render_email(config, fx.seed_document(), provider="brevo", languages=["en"])
    found = client_findings(result.html, load_client_data(path), config.email_clients, "en")
    assert [f for f in found if f.level == "error"] == []
    assert {f.where for f in found if f.level == "warning"} <= {
        "css-display-none",
        "css-word-break",
    }
