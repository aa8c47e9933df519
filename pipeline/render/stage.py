"""Render stage: one Document per language → e-mail HTML, plain text and a MIME message.

Jinja2 (autoescape on, StrictUndefined, ``jinja2.ext.i18n`` over the catalogs in
``templates/locale``) writes MJML, mjml-python compiles it to HTML; the plain-text part comes
from its own template. :func:`render_email` is the pure core (values in, a
:class:`RenderResult` out); :func:`render_issue` is the stage shell that writes the files.
The template context is built by :mod:`pipeline.render.context`, the MIME message by
:mod:`pipeline.render.mime`, the QA findings by :mod:`pipeline.render.qa`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import mjml

from pipeline.config import IssueConfig
from pipeline.document import Document, Finding, from_dict
from pipeline.errors import RenderError
from pipeline.render.catalogs import CatalogTranslations, translations_for
from pipeline.render.context import (
    PLACEHOLDERS,
    Notes,
    Placeholders,
    ProviderTag,
    build_context,
    html_text,
    placeholders_for,
    plain_text,
)
from pipeline.render.deliver import DeliveryOptions, check_delivery
from pipeline.render.mime import Unsubscribe, build_message, wrap_html
from pipeline.render.qa import check_email
from pipeline.render.result import RenderResult
from pipeline.report import merge_issue_findings, merge_stage
from pipeline.resources import templates_dir
from pipeline.store import IssuePaths, read_json, sha256_text, write_atomic

__all__ = [
    "PLACEHOLDERS",
    "Placeholders",
    "ProviderTag",
    "RenderResult",
    "compile_mjml",
    "render_email",
    "render_issue",
]

TEMPLATE_DIR = templates_dir()
HTML_TEMPLATE = "email.mjml.j2"
TEXT_TEMPLATE = "email.txt.j2"


# ---------------------------------------------------------------- Jinja and MJML


@lru_cache(maxsize=2)
def environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def render_template(name: str, context: Mapping[str, Any], t: CatalogTranslations) -> str:
    env = environment(autoescape=not name.endswith(".txt.j2"))
    env.install_gettext_translations(t, newstyle=True)  # type: ignore[attr-defined]
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateError as exc:
        raise RenderError(
            f"{t.lang}: {_template_position(exc, name)}: {exc}. Fix the template or its input."
        ) from exc


def _template_position(exc: BaseException, name: str) -> str:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"templates/{exc.filename or name}:{exc.lineno}"
    tb = exc.__traceback__
    where = f"templates/{name}"
    while tb is not None:  # Jinja rewrites frames so they point into the template source
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            where = f"templates/{Path(filename).relative_to(TEMPLATE_DIR)}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


def compile_mjml(source: str, lang: str) -> str:
    """MJML → HTML; a parse error names the language and the line of the generated MJML."""
    try:
        html: str = mjml.mjml2html(source, fonts={})
    except ValueError as exc:
        raise RenderError(
            f"{lang}: MJML failed: {exc}{_mjml_position(source, str(exc))}. "
            f"The MJML comes from templates/{HTML_TEMPLATE} and its partials (content is "
            "escaped, so the template's markup is at fault)."
        ) from exc
    return html


def _mjml_position(source: str, message: str) -> str:
    found = re.search(r"position (\d+):(\d+)", message)
    if not found:
        return ""
    offset = int(found.group(1))
    before = source.encode("utf-8")[:offset].decode("utf-8", "replace")
    line = before.count("\n") + 1
    excerpt = source.splitlines()[line - 1].strip()[:120] if source.splitlines() else ""
    return f" (generated MJML line {line}: {excerpt!r})"


# ---------------------------------------------------------------- the pure core


def render_email(
    config: IssueConfig, document: Document, *, provider: str, languages: Sequence[str] = ()
) -> RenderResult:
    """Render one language: HTML, text and MIME, with its QA findings. No I/O."""
    lang = document.lang
    notes = Notes(lang)
    translations = translations_for(lang)
    html_ctx = build_context(
        config, document, provider=provider, languages=languages, text=html_text, notes=notes
    )
    text_ctx = build_context(
        config, document, provider=provider, languages=languages, text=plain_text, notes=Notes(lang)
    )
    html = wrap_html(compile_mjml(render_template(HTML_TEMPLATE, html_ctx, translations), lang))
    text = render_template(TEXT_TEMPLATE, text_ctx, translations)
    subject, preheader = str(text_ctx["subject"]), str(text_ctx["preheader"])
    tags = placeholders_for(provider, config, lang)
    unsubscribe = Unsubscribe(tags.unsubscribe, one_click=provider in PLACEHOLDERS)
    message = build_message(
        config, lang=lang, subject=subject, html=html, text=text, unsubscribe=unsubscribe
    )
    checks = check_email(
        lang=lang,
        html=html,
        subject=subject,
        preheader=preheader,
        html_encoded_size=message.html_encoded_size,
        placeholders=(tags.unsubscribe, tags.mirror) if provider in PLACEHOLDERS else (),
        unsubscribe=tags.unsubscribe,
    )
    sizes = {
        "html": len(html.encode("utf-8")),
        "html_encoded": message.html_encoded_size,
        "text": len(text.encode("utf-8")),
        "eml": len(message.data),
    }
    findings = (*notes.findings, *_missing_strings(translations), *checks)
    return RenderResult(
        lang, subject, preheader, html, text, message.data, sizes, message.html_transfer_encoding,
        findings,
    )  # fmt: skip


def _missing_strings(translations: CatalogTranslations) -> list[Finding]:
    return [
        Finding(
            "warning",
            "template-string-missing",
            f"no {translations.lang} translation for the template text {msgid!r}; English used. "
            f"Add it to templates/locale/{translations.lang}/LC_MESSAGES/messages.po",
            translations.lang,
        )
        for msgid in sorted(translations.missing)
    ]


# ---------------------------------------------------------------- the stage shell


def report_fields(result: RenderResult) -> dict[str, Any]:
    """The render stage's part of a language's entry in report.json (its findings aside)."""
    lang = result.lang
    return {
        "subject": result.subject,
        "preheader": result.preheader,
        "sizes": dict(result.sizes),
        # what send checks the files against: a build that stopped half-way (a full disk)
        # leaves new e-mails beside an old report, and they must not go out on its word
        "sha256": {"html": sha256_text(result.html), "text": sha256_text(result.text)},
        "transfer_encoding": result.transfer_encoding,
        "spam": dict(result.spam) if result.spam is not None else None,
        "files": {
            "html": f"{lang}/email.html",
            "text": f"{lang}/email.txt",
            "eml": f"{lang}/email.eml",
            "document": f"{lang}/document.json",
        },
    }


def render_issue(
    config: IssueConfig, paths: IssuePaths, documents: Mapping[str, Document], *, provider: str
) -> dict[str, RenderResult]:
    """Render every language in ``documents`` and write email.html/.txt/.eml for each."""
    languages = list(documents)
    results: dict[str, RenderResult] = {}
    for lang, document in documents.items():
        if document.lang != lang:
            raise RenderError(
                f"{lang}: the Document given for {lang} is in '{document.lang}'. "
                "Pass each language's own Document (build/<slug>/<lang>/document.json)."
            )
        result = render_email(config, document, provider=provider, languages=languages)
        write_atomic(paths.email_html(lang), result.html)
        write_atomic(paths.email_txt(lang), result.text)
        write_atomic(paths.email_eml(lang), result.eml)
        results[lang] = result
    return results


def rerender_issue(
    config: IssueConfig,
    paths: IssuePaths,
    report: Mapping[str, Any],
    *,
    provider: str,
    delivery: DeliveryOptions | None = None,
) -> dict[str, Any]:
    """Render again every language of an earlier build from its translated document.json
    (after a template edit, say), run the deliverability checks, and return the report with
    the render parts (the languages' and the issue's) replaced."""
    languages = dict(report["languages"])
    documents = {
        lang: document
        for lang in languages
        if (document := _built_document(paths, lang)) is not None
    }
    results = render_issue(config, paths, documents, provider=provider)
    checked = check_delivery(config, paths, results, delivery or DeliveryOptions.from_env())
    for lang, result in checked.results.items():
        languages[lang] = merge_stage(
            languages[lang], "render", report_fields(result), result.findings
        )
    updated = dict(report) | {"provider": provider, "languages": languages}
    return merge_issue_findings(updated, "render", checked.notes)


def _built_document(paths: IssuePaths, lang: str) -> Document | None:
    path = paths.lang_document_json(lang)
    if not path.is_file():
        return None  # a language the build could not translate
    try:
        return from_dict(read_json(path))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise RenderError(
            f"{path}: not a translated document ({type(exc).__name__}: {exc}). "
            f"Build the issue again: newsletter build {paths.issue_dir}."
        ) from None
