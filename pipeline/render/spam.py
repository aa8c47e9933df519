"""The spam check: SpamAssassin scores every language's ``email.eml``, network tests off.

``spamassassin -L`` (local tests only: no DNS blocklists, no Razor/Pyzor) reads all
messages as one mbox in a single process, which costs one start (about a second, for the
rules) instead of one per language. It adds headers that carry each rule's exact points
(``_TESTSSCORES_``) and its description (``_REPORT_``). Bayes is off and no user
preferences file is created: the check reads, it never learns or writes.

The command is ``$SPAMASSASSIN`` or ``spamassassin`` on PATH (Debian package
``spamassassin``); without it the check is skipped with one note. Scores follow
SpamAssassin: 5.0 marks spam; ``send`` refuses a language above ``max_spam_score``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from pipeline.document import Finding
from pipeline.report import spam_rules_text

SPAM_OPTIONS = (
    "-L",  # local tests only
    "-x",  # do not create ~/.spamassassin/user_prefs
    "--mbox",
    "--cf=use_bayes 0",
    "--cf=report_safe 0",  # keep each message as it is, headers added
    "--cf=add_header all NLTests _TESTSSCORES(,)_",
    "--cf=add_header all NLReport _REPORT_",
)
# Where Debian keeps the rules (sa-update writes the first): a change means checking again.
RULE_FOLDERS = ("/var/lib/spamassassin", "/usr/share/spamassassin", "/etc/spamassassin")
START_SECONDS = 60.0  # loading the rules; then per message
PER_MESSAGE_SECONDS = 10.0
_REPORT_LINE = re.compile(r"^\*\s+(-?\d+(?:\.\d+)?)\s+([A-Z0-9_]+)\s+(.*)$")
_MBOX_FROM = b"From newsletter@localhost Thu Jan  1 00:00:00 1970\n"
ORDER_HEADER = "X-Newsletter-Spam-Check"


class SpamCheckFailed(Exception):
    """SpamAssassin could not score the messages (it crashed, hung or answered nonsense)."""


@dataclass(frozen=True)
class SpamRule:
    name: str
    score: float
    description: str


@dataclass(frozen=True)
class SpamScore:
    score: float
    rules: tuple[SpamRule, ...]  # every rule hit, highest points first

    def to_dict(self, max_score: float | None) -> dict[str, Any]:
        """What report.json keeps under languages.<lang>.spam (without ``max``: the cache's)."""
        limit = {} if max_score is None else {"max": max_score}
        return {"score": self.score, **limit, "rules": [vars(rule) for rule in self.rules]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SpamScore:
        rules = tuple(SpamRule(str(r["name"]), float(r["score"]), str(r["description"]))
                      for r in data["rules"])  # fmt: skip
        return cls(float(data["score"]), rules)


def find_spamassassin(env: Mapping[str, str] | None = None) -> str | None:
    """``$SPAMASSASSIN`` when set (a path or a command name), else ``spamassassin`` on PATH."""
    env = os.environ if env is None else env
    return shutil.which(env.get("SPAMASSASSIN") or "spamassassin", path=env.get("PATH"))


def missing_spamassassin_note(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    where = f"SPAMASSASSIN={env['SPAMASSASSIN']} is not a command" if env.get("SPAMASSASSIN") else (
        "spamassassin is not on PATH"
    )  # fmt: skip
    return (
        f"The spam check was skipped: {where}. Install it (apt-get install spamassassin) "
        "and build again; send cannot hold a language to max_spam_score without a score."
    )


def score_messages(messages: Mapping[str, bytes], command: str) -> dict[str, SpamScore]:
    """Score every message (language → .eml bytes) in one SpamAssassin run."""
    if not messages:
        return {}
    langs = list(messages)
    # SpamAssassin does not keep the mbox's order: a header of ours says which is which.
    mbox = b"".join(
        _MBOX_FROM + f"{ORDER_HEADER}: {i}\n".encode() + _mbox_body(messages[lang]) + b"\n"
        for i, lang in enumerate(langs)
    )
    timeout = START_SECONDS + PER_MESSAGE_SECONDS * len(langs)
    try:
        done = subprocess.run(
            [command, *SPAM_OPTIONS], input=mbox, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise SpamCheckFailed(f"{command} gave no answer within {timeout:.0f} s") from None
    except OSError as exc:
        raise SpamCheckFailed(f"{command} could not run: {exc}") from None
    if done.returncode != 0:
        error = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SpamCheckFailed(
            f"{command} exited with {done.returncode}: {error[-1] if error else 'no message'}"
        )
    scored = dict(_score(message) for message in _split_mbox(done.stdout))
    if sorted(scored) != list(range(len(langs))):
        raise SpamCheckFailed(f"{command} returned {len(scored)} of {len(langs)} messages")
    return {lang: scored[i] for i, lang in enumerate(langs)}


def _mbox_body(eml: bytes) -> bytes:
    """The message with LF line ends and body lines starting "From " quoted (mboxrd)."""
    text = eml.replace(b"\r\n", b"\n")
    text = re.sub(rb"(?m)^(>*From )", rb">\1", text)
    return text if text.endswith(b"\n") else text + b"\n"


def _split_mbox(data: bytes) -> list[bytes]:
    parts = re.split(rb"(?m)^From [^\n]*\n", data)
    return [part for part in parts if part.strip()]


def _score(message: bytes) -> tuple[int, SpamScore]:
    headers = BytesHeaderParser(policy=compat32).parsebytes(message)
    tests = _unfold(headers.get("X-Spam-NLTests"))
    order = str(headers.get(ORDER_HEADER, ""))
    if tests is None or not order.strip().isdigit():
        raise SpamCheckFailed("SpamAssassin did not add its score headers to a message")
    descriptions = _descriptions(headers.get("X-Spam-NLReport") or "")
    rules = []
    for item in filter(None, (part.strip() for part in tests.split(","))):
        name, _, points = item.partition("=")
        try:
            score = float(points)
        except ValueError:
            raise SpamCheckFailed(f"SpamAssassin reported a rule as {item!r}") from None
        rules.append(SpamRule(name, score, descriptions.get(name, "")))
    rules.sort(key=lambda rule: (-rule.score, rule.name))
    return int(order), SpamScore(round(sum(rule.score for rule in rules), 3), tuple(rules))


def _unfold(value: Any) -> str | None:
    return None if value is None else re.sub(r"\s+", " ", str(value)).strip()


def _descriptions(report: str) -> dict[str, str]:
    """Rule → description from SpamAssassin's report (continuation lines joined)."""
    out: dict[str, str] = {}
    last = None
    for line in report.splitlines():
        line = line.strip()
        found = _REPORT_LINE.match(line)
        if found:
            last = found[2]
            out[last] = found[3].strip()
        elif last and line.startswith("*"):
            out[last] = f"{out[last]} {line.lstrip('* ').strip()}".strip()
    return out


def spam_findings(lang: str, result: SpamScore, max_score: float) -> list[Finding]:
    """A warning when the score is above ``max_spam_score`` (send refuses it), naming the rules."""
    if result.score <= max_score:
        return []
    message = (
        f"SpamAssassin scores this e-mail {result.score:.1f} points, above max_spam_score "
        f"{max_score:g}: {spam_rules_text(result.to_dict(max_score))}. send refuses it until "
        "the rules are fixed (see docs/findings.md)"
    )
    return [Finding("warning", "spam-score-high", message, lang)]
