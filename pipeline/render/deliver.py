"""Deliverability checks over every rendered language at once, after the e-mails are written.

Each check needs a tool the machine may lack, so each runs when its tool is there and is
otherwise skipped with one issue-level note (never a failed build):

* **spam** — SpamAssassin scores every ``email.eml`` in one run (:mod:`.spam`);
* **clients** — caniemail's data against the features each e-mail uses (:mod:`.clients`);
* **a11y** — axe-core on every ``email.html`` in one Chromium session (:mod:`.a11y`);
* **links** — only with ``--check-links``: each distinct link asked once (:mod:`.linkcheck`).

Results are kept by content (:mod:`.checkcache`): an e-mail that did not change since a build
is not checked again, so a warm rebuild runs no tool and scans no HTML.
``NEWSLETTER_SKIP_CHECKS=spam,a11y`` (any of spam, clients, a11y) leaves checks out. The
findings join each language's render findings; the spam score goes into report.json as
``languages.<lang>.spam``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import httpx

from pipeline.browser import find_chromium
from pipeline.config import IssueConfig
from pipeline.document import Finding, Level, finding_to_dict
from pipeline.errors import ConfigError
from pipeline.render import a11y, clients, features, spam
from pipeline.render.checkcache import CheckCache, tool_identity
from pipeline.render.linkcheck import check_links, link_client
from pipeline.render.qa import links_of
from pipeline.render.result import RenderResult
from pipeline.store import IssuePaths

CHECKS = ("spam", "clients", "a11y")
# check → (the prefix of its finding codes, its name in messages)
NAMES = {"spam": ("spam", "spam"), "clients": ("client", "client-support"),
         "a11y": ("accessibility", "accessibility")}  # fmt: skip


@dataclass(frozen=True)
class DeliveryOptions:
    check_links: bool = False
    skip: frozenset[str] = frozenset()  # of CHECKS
    # the link checker's HTTP client (tests hand in one bound to a loopback server)
    link_client: Callable[[], httpx.Client] = link_client

    @classmethod
    def from_env(
        cls, *, check_links: bool = False, env: Mapping[str, str] | None = None
    ) -> DeliveryOptions:
        env = os.environ if env is None else env
        names = {n.strip() for n in env.get("NEWSLETTER_SKIP_CHECKS", "").split(",") if n.strip()}
        unknown = names - set(CHECKS)
        if unknown:
            raise ConfigError(
                f"NEWSLETTER_SKIP_CHECKS: unknown check {', '.join(sorted(unknown))}. "
                f"Use a comma-separated list of {', '.join(CHECKS)}."
            )
        return cls(check_links=check_links, skip=frozenset(names))


@dataclass
class Delivery:
    """The results with the checks' findings added, and notes about the issue as a whole."""

    results: dict[str, RenderResult]
    notes: list[Finding] = field(default_factory=list)

    def add(self, found: Mapping[str, list[Finding]]) -> None:
        for lang, findings in found.items():
            if findings and lang in self.results:
                result = self.results[lang]
                self.results[lang] = replace(result, findings=(*result.findings, *findings))

    def note(self, code: str, message: str, level: Level = "info") -> None:
        self.notes.append(Finding(level, code, message))


def check_delivery(
    config: IssueConfig,
    paths: IssuePaths,
    results: Mapping[str, RenderResult],
    options: DeliveryOptions,
) -> Delivery:
    """Run every available check over the rendered languages."""
    delivery = Delivery(dict(results))
    if not results:
        return delivery
    for check in sorted(options.skip):
        prefix, name = NAMES[check]
        message = f"The {name} check was skipped (NEWSLETTER_SKIP_CHECKS); unset it before sending."
        delivery.note(f"{prefix}-check-skipped", message)
    if "spam" not in options.skip:
        _spam(config, delivery)
    if "clients" not in options.skip:
        _clients(config, delivery)
    if "a11y" not in options.skip:
        _a11y(paths, delivery)
    if options.check_links:
        _links(delivery, options)
    return delivery


def _spam(config: IssueConfig, delivery: Delivery) -> None:
    command = spam.find_spamassassin()
    if command is None:
        delivery.note("spam-check-skipped", spam.missing_spamassassin_note())
        return
    cache = CheckCache("spam", tool_identity(command, *spam.RULE_FOLDERS, spam.__file__))
    scores, todo = cache.split({lang: r.eml for lang, r in delivery.results.items()})
    scores = {lang: spam.SpamScore.from_dict(value) for lang, value in scores.items()}
    try:
        new = spam.score_messages({lang: delivery.results[lang].eml for lang in todo}, command)
    except spam.SpamCheckFailed as exc:
        delivery.note("spam-check-failed", f"The spam check failed: {exc}", "warning")
        return
    cache.put_all(todo, {lang: score.to_dict(None) for lang, score in new.items()}, new)
    scores |= new
    limit = config.max_spam_score
    for lang, score in scores.items():
        result = delivery.results[lang]
        delivery.results[lang] = replace(
            result,
            spam=score.to_dict(limit),
            findings=(*result.findings, *spam.spam_findings(lang, score, limit)),
        )


def _clients(config: IssueConfig, delivery: Delivery) -> None:
    path = clients.find_caniemail()
    if path is None:
        delivery.note("client-check-skipped", clients.missing_caniemail_note())
        return
    # Findings depend on the HTML, the clients named and the language they are filed under.
    cache = CheckCache("clients", tool_identity(path, clients.__file__, features.__file__))
    asked = "\0".join(config.email_clients)
    keyed = {lang: f"{lang}\0{asked}\0{r.html}".encode() for lang, r in delivery.results.items()}
    stored, todo = cache.split(keyed)
    found = {lang: [Finding(**f) for f in value] for lang, value in stored.items()}
    if todo:
        try:
            data = clients.load_client_data(path)
        except (OSError, ValueError) as exc:
            message = f"The client-support check failed: {exc}"
            delivery.note("client-check-failed", message, "warning")
            return
        html = {lang: delivery.results[lang].html for lang in todo}
        new = {lang: clients.client_findings(h, data, config.email_clients, lang)
               for lang, h in html.items()}  # fmt: skip
        cache.put_all(todo, {lang: [finding_to_dict(f) for f in fs] for lang, fs in new.items()},
                      new)  # fmt: skip
        found |= new
    delivery.add(found)


def _a11y(paths: IssuePaths, delivery: Delivery) -> None:
    chromium, axe = find_chromium(), a11y.find_axe()
    if chromium is None or axe is None:
        delivery.note("accessibility-check-skipped", a11y.missing_tools_note(chromium, axe))
        return
    cache = CheckCache("a11y", tool_identity(chromium, axe, a11y.__file__))
    html = {lang: result.html.encode("utf-8") for lang, result in delivery.results.items()}
    stored, todo = cache.split(html)
    found = {lang: [Finding(**f) for f in value] for lang, value in stored.items()}
    emails = {lang: paths.email_html(lang) for lang in todo}
    try:
        new = a11y.check_accessibility(emails, chromium=chromium, axe=axe) if emails else {}
    except a11y.AccessibilityCheckFailed as exc:
        message = f"The accessibility check failed: {exc}"
        delivery.note("accessibility-check-failed", message, "warning")
        return
    cache.put_all(todo, {lang: [finding_to_dict(f) for f in fs] for lang, fs in new.items()}, new)
    delivery.add(found | new)


def _links(delivery: Delivery, options: DeliveryOptions) -> None:
    links = {lang: links_of(result.html) for lang, result in delivery.results.items()}
    with options.link_client() as client:
        found, notes = check_links(links, client)
    delivery.add(found)
    delivery.notes.extend(notes)
