"""The MIME message of one language: multipart/alternative (text, then HTML), UTF-8.

MJML writes the body on one long line; :func:`wrap_html` breaks it (only where whitespace is
insignificant) so every line stays under SMTP's 998-byte limit and the HTML can travel as
``8bit``, the same size as the file. Quoted-printable would grow Greek by about 65 %, which
matters under Gmail's ~102 KB clipping limit. The message is deterministic: its boundary and
Message-ID derive from the content, so a rebuild of unchanged input is byte-identical.

The message is what a real send looks like, so spam scores and previews of it mean something.
Brevo and listmonk write their own List-Unsubscribe headers from their placeholders; the send
stage uploads only the HTML and text to them, so those headers are never sent twice.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from pipeline.config import IssueConfig

MAX_LINE_BYTES = 998  # RFC 5322, without CRLF
WRAP_AT = 800
_BLOCK_TAG = re.compile(
    r">(?=<(?:!--|/?(?:html|head|body|title|meta|style|table|tbody|thead|tr|td|th|div|p|h[1-6]|ul|ol|li|center)\b))"
)


_TOKEN = re.compile(r"<[^>]*>?|[^<]+")


@dataclass(frozen=True)
class Message:
    data: bytes
    html_transfer_encoding: str
    html_encoded_size: int  # bytes of the HTML part's body as it travels


def wrap_html(html: str, limit: int = WRAP_AT) -> str:
    """Break lines before block-level tags, then long text runs at spaces outside tags."""
    lines = _BLOCK_TAG.sub(">\n", html.rstrip("\n")).split("\n")
    return "\n".join(_wrap_line(line, limit) for line in lines) + "\n"


def _wrap_line(line: str, limit: int) -> str:
    """Greedy wrap at spaces in text (never inside a tag): a line passes ``limit`` only when
    one run between two spaces is longer than ``limit`` on its own."""
    if len(line.encode("utf-8")) <= limit:
        return line
    runs = [""]  # what lies between two breakable spaces: words and whole tags
    for token in _TOKEN.findall(line):
        if token.startswith("<"):  # a tag (or comment) stays whole: a space in it may be a value
            runs[-1] += token
            continue
        # In text and CSS a space is interchangeable with a newline.
        words = token.split(" ")
        runs[-1] += words[0]
        runs.extend(words[1:])
    out = [runs[0]]
    size = len(runs[0].encode("utf-8"))
    for run in runs[1:]:
        length = len(run.encode("utf-8"))
        if size + 1 + length > limit:
            out.append("\n")
            size = length
        else:
            out.append(" ")
            size += 1 + length
        out.append(run)
    return "".join(out)


def longest_line(body: str) -> int:
    return max((len(line.encode("utf-8")) for line in body.split("\n")), default=0)


def transfer_encoding(body: str) -> str:
    """``7bit``/``8bit`` when every line fits, else the smaller of quoted-printable and base64."""
    if longest_line(body) <= MAX_LINE_BYTES:
        return "7bit" if body.isascii() else "8bit"
    qp = len(_encoded_body(body, "quoted-printable"))
    b64 = len(_encoded_body(body, "base64"))
    return "quoted-printable" if qp <= b64 else "base64"


def _encoded_body(body: str, cte: str, subtype: str = "html") -> bytes:
    part = EmailMessage(policy=policy.SMTP)
    part.set_content(body, subtype=subtype, charset="utf-8", cte=cte)
    return part.as_bytes().split(b"\r\n\r\n", 1)[1]


@dataclass(frozen=True)
class Unsubscribe:
    """The List-Unsubscribe header a real send carries (RFC 2369; RFC 8058 one-click)."""

    target: str  # a URL, mailto: or the provider's placeholder, which it fills in per reader
    one_click: bool  # the sender honours List-Unsubscribe-Post (Brevo and listmonk do)


def build_message(
    config: IssueConfig,
    *,
    lang: str,
    subject: str,
    html: str,
    text: str,
    unsubscribe: Unsubscribe | None = None,
) -> Message:
    """The language's ``email.eml``, with the headers a real send has: From, To (``[send] to``,
    else the sender: the list's own address), Reply-To, Date (``send_at``), Message-ID,
    MIME-Version and List-Unsubscribe. A To is what spam filters look for: a Reply-To
    without one scores 3.3 points in SpamAssassin (REPLYTO_WITHOUT_TO_CC, MISSING_HEADERS).
    """
    html_cte, text_cte = transfer_encoding(html), transfer_encoding(text)
    digest = hashlib.sha256(f"{subject}\0{text}\0{html}".encode()).hexdigest()
    sender = config.send.sender
    domain = sender.email.rpartition("@")[2] or "localhost"
    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = subject
    msg["From"] = formataddr((sender.name, sender.email))
    msg["To"] = config.send.to or formataddr((sender.name, sender.email))
    if config.send.reply_to:
        msg["Reply-To"] = config.send.reply_to
    msg["Date"] = format_datetime(config.send_at)
    msg["Message-ID"] = f"<{config.slug}.{lang}.{digest[:16]}@{domain}>"
    if unsubscribe is not None:
        msg["List-Unsubscribe"] = f"<{unsubscribe.target}>"
        if unsubscribe.one_click:
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(text, subtype="plain", charset="utf-8", cte=text_cte)
    msg.add_alternative(html, subtype="html", charset="utf-8", cte=html_cte)
    # after add_alternative, which moves every Content-* header into the first part
    msg["Content-Language"] = lang
    msg.set_boundary(f"=_alt_{digest[16:40]}")
    return Message(msg.as_bytes(), html_cte, encoded_size(html, html_cte))


def encoded_size(body: str, cte: str) -> int:
    """Bytes of ``body`` as it travels (CRLF line ends) in transfer encoding ``cte``."""
    if cte in ("7bit", "8bit"):
        return len(body.encode("utf-8")) + body.count("\n")
    return len(_encoded_body(body, cte))
