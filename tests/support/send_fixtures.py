"""A built issue on disk, as the send stage finds it: issue.toml, report.json, language folders.

``make_send_build(root, provider="brevo", langs=("en", "de", "fr"))`` writes
``root/issues/<slug>/issue.toml`` and ``root/build/<slug>/`` with a report.json in the format of
INTERFACES.md and, per language, ``email.html`` (with the provider's unsubscribe placeholder),
``email.txt`` and ``email.eml``. Keyword arguments bend it into the cases the refusals check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from pipeline.store import write_atomic, write_json

SLUG = "2030-06-send-test"
FUTURE = "2030-06-03T09:00:00+02:00"
PLACEHOLDERS = {"brevo": "{{ unsubscribe }}", "listmonk": "{{ UnsubscribeURL }}", "outbox": ""}
SUBJECTS = {
    "en": "Belgian Presidency: a conversation",
    "de": "Belgische Ratspräsidentschaft: ein Gespräch",
    "fr": "Présidence belge : une conversation",
    "el": "Βελγική Προεδρία: μια συζήτηση",
}

ISSUE_TOML = """\
title = "Send test issue"
subject = "Belgian Presidency: a conversation"
preheader = "Preheader from issue.toml"
date = 2030-06-03
send_at = {send_at}
source_lang = "en"
languages = {languages}
require_review = {require_review}

[organisation]
name = "CECOP"
address = "Avenue Milcamps 105, 1030 Brussels, Belgium"
website = "https://www.cecop.coop/"

[send]
provider = "{provider}"
sender = {{ name = "CECOP", email = "news@example.org" }}
reply_to = "info@example.org"
{extra}
[send.brevo]
lists = {{ default = [2], fr = [7] }}

[send.listmonk]
lists = {{ default = [1] }}
"""


def html_for(lang: str, provider: str, body: str = "") -> str:
    placeholder = PLACEHOLDERS[provider]
    link = placeholder or "https://www.cecop.coop/unsubscribe"
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{SUBJECTS.get(lang, lang)}</title></head><body><p>Text in {lang}. {body}</p>"
        f'<p><a href="{link}">unsubscribe</a></p></body></html>\n'
    )


def _eml(lang: str, html: str, text: str) -> bytes:
    mail = EmailMessage()
    mail["Subject"] = SUBJECTS.get(lang, lang)
    mail["From"] = "CECOP <news@example.org>"
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    return bytes(mail)


def language_entry(lang: str, *, status: str = "direct", ok: bool = True) -> dict[str, Any]:
    machine = status not in ("source", "human-only")
    return {
        "name": lang, "english_name": lang, "status": status, "message": None,
        "engine": "argos" if machine else None, "model": None,
        "segments": {"total": 10, "human": 0 if machine else 10, "memory": 0,
                     "engine": 10 if machine else 0, "source": 10 if status == "source" else 0},
        "reviewed_share": 0.0 if machine else 1.0,
        "subject": SUBJECTS.get(lang, f"Subject {lang}"),
        "preheader": f"Preheader {lang}",
        "sizes": {"html": 1000, "html_encoded": 1000, "text": 100, "eml": 2000},
        "transfer_encoding": "8bit",
        "files": {"html": f"{lang}/email.html", "text": f"{lang}/email.txt",
                  "eml": f"{lang}/email.eml", "document": f"{lang}/document.json"},
        "findings": [] if ok else [{"level": "error", "code": "size", "message": "too big",
                                    "lang": lang, "where": None}],
        "ok": ok,
    }  # fmt: skip


def make_send_build(
    root: Path,
    *,
    provider: str = "brevo",
    built_for: str | None = None,
    langs: Sequence[str] = ("en", "de", "fr"),
    send_at: str = FUTURE,
    require_review: bool = False,
    unavailable: Sequence[str] = (),
    failed: Sequence[str] = (),
    html_overrides: Mapping[str, str] | None = None,
    extra_send: str = "",
    slug: str = SLUG,
) -> Path:
    """Write the issue and its build; return the issue folder."""
    issue_dir = root / "issues" / slug
    toml = ISSUE_TOML.format(
        send_at=send_at, languages="[" + ", ".join(f'"{x}"' for x in langs) + "]",
        require_review=str(require_review).lower(), provider=provider, extra=extra_send,
    )  # fmt: skip
    write_atomic(issue_dir / "issue.toml", toml)
    out = root / "build" / slug
    languages: dict[str, Any] = {}
    for lang in langs:
        status = "source" if lang == "en" else "direct"
        if lang in unavailable:
            languages[lang] = {
                "name": lang, "english_name": lang, "status": "unavailable", "ok": False,
                "message": f"no argos model for en→{lang}; add translations/{lang}.po",
                "findings": [], "reviewed_share": 0.0,
            }  # fmt: skip
            continue
        languages[lang] = language_entry(lang, status=status, ok=lang not in failed)
        html = (html_overrides or {}).get(lang) or html_for(lang, built_for or provider)
        text = f"Text in {lang}.\n"
        write_atomic(out / lang / "email.html", html)
        write_atomic(out / lang / "email.txt", text)
        write_atomic(out / lang / "email.eml", _eml(lang, html, text))
    report = {
        "issue": slug, "title": "Send test issue", "source_lang": "en",
        "provider": built_for or provider, "built_at": "2030-05-30T10:00:00+00:00",
        "languages": languages, "findings": [],
    }  # fmt: skip
    write_json(out / "report.json", report)
    return issue_dir


def newsletter_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The environment for a ``newsletter`` subprocess: ours without provider variables."""
    import os

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BREVO_", "LISTMONK_"))}
    return {**clean, **extra}


def start_newsletter(cwd: Path, *args: str, env: Mapping[str, str], stderr: Path) -> Any:
    """``python -m pipeline ARGS`` as a running process (stdout and stderr to ``stderr``)."""
    import subprocess
    import sys

    with stderr.open("w") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline", *args], cwd=cwd, env=newsletter_env(env),
            stdout=handle, stderr=subprocess.STDOUT,
        )  # fmt: skip
