"""What a human translation must keep verbatim: placeholders and protected terms.

The machine path masks protected terms itself (:mod:`pipeline.translate.glossary`); a person
typing a translation can drop or retype anything. This is the check for their text, used by
``newsletter review import`` (every entry) and shown by the preview's editor beside each
segment before the file is downloaded:

- placeholders: provider merge tags (``{{ unsubscribe }}``, ``{% … %}``, ``*|UNSUB|*``,
  ``[[UNSUB]]``), format fields (``%s``, ``%(name)s``, ``%1$s``, ``{name}``), URLs and e-mail
  addresses. Each must occur as often as in the source, and none may be added (the renderer
  shows content text as text, but a reader would see a broken tag);
- the glossary's masking tokens (``__0__``) never belong in a translation;
- every protected term (``protect`` in ``issues/glossary.toml``) found in the source must be in
  the translation, written the same way.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from pipeline.translate.glossary import has_leftovers

_PLACEHOLDER = re.compile(
    r"\{\{.*?\}\}|\{%.*?%\}"  # Jinja-style merge tags (Brevo, listmonk)
    r"|\*\|[^|\s]+\|\*|\[\[[A-Z0-9_]+\]\]"  # Mailchimp, other providers
    r"|%(?:\(\w+\))?[sd]|%\d\$[sd]|\{\w*\}"  # format fields
    r"|https?://[^\s<>\"]*[^\s<>\".,;:!?)\]»”’']"  # URLs, without the sentence's punctuation
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
)


def placeholders(text: str) -> Counter[str]:
    return Counter(_PLACEHOLDER.findall(text))


def _term(term: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(term)}(?!\w)")


def must_keep(source: str, protect: Sequence[str]) -> list[str]:
    """What a translation of ``source`` must contain verbatim, in order, each once."""
    terms = [t for t in protect if _term(t).search(source)]
    return list(dict.fromkeys([*_PLACEHOLDER.findall(source), *terms]))


def problems(source: str, target: str, protect: Sequence[str]) -> list[str]:
    """Why ``target`` cannot stand for ``source`` (empty when it can)."""
    found: list[str] = []
    wanted, given = placeholders(source), placeholders(target)
    for token, count in wanted.items():
        if given[token] < count:
            found.append(f"placeholder {token} is missing (the source has it {count}×)")
    for token in given:  # in the order they appear
        if token not in wanted:
            found.append(f"placeholder {token} is not in the source")
    if has_leftovers(source, target):
        found.append("it holds a masking token like __0__; write the term itself")
    for term in protect:
        if _term(term).search(source) and not _term(term).search(target):
            found.append(f'protected term "{term}" is missing; keep it as written')
    return found
