"""The mailing providers the send stage knows, and how each is built from the environment.

``PROVIDERS`` maps a provider name to a :class:`ProviderSpec`: its unsubscribe placeholder
(checked in the built HTML before anything leaves the machine) and a factory that builds the
provider from the environment (secrets), the injected ``httpx.Client`` and clock. The
orchestration lives in :mod:`pipeline.send.run`; the command line in :mod:`pipeline.send.cli`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from pipeline.config import IssueConfig, check_provider
from pipeline.errors import ConfigError
from pipeline.http import Service
from pipeline.pacing import Log, Throttle
from pipeline.send.base import Clock, Provider
from pipeline.store import IssuePaths

DEFAULT_REQUESTS_PER_HOUR = {"brevo": 100, "listmonk": 0}


@dataclass(frozen=True)
class ProviderContext:
    config: IssueConfig
    paths: IssuePaths
    env: Mapping[str, str]
    client: httpx.Client
    clock: Clock
    log: Log


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    placeholder: str | None
    secrets: tuple[str, ...]  # environment variables that must be set
    factory: Callable[[ProviderContext], Provider]
    optional: tuple[str, ...] = ()  # environment variables that may be set (URLs)

    def check_environment(self, env: Mapping[str, str]) -> None:
        """Refuse, naming the variable and never its value, a secret or URL with a line
        break or another control character: it would end up in a header or a URL, and the
        HTTP library's own error quotes the value."""
        for name in (*self.secrets, *self.optional):
            value = env.get(name) or ""
            if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
                raise ConfigError(
                    f"{name} contains a line break or another control character (its value is "
                    "not shown). Set it again without it: a stray newline when it was pasted "
                    "is the usual cause (in CI: edit the secret or variable)."
                )


def _secret(ctx: ProviderContext, name: str, how: str) -> str:
    value = ctx.env.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set. {how}")
    return value


def _throttle(ctx: ProviderContext, provider: str) -> Throttle:
    options: Mapping[str, Any] = ctx.config.send.options.get(provider, {})
    per_hour = options.get("requests_per_hour", DEFAULT_REQUESTS_PER_HOUR[provider])
    if not isinstance(per_hour, int) or per_hour < 0:
        raise ConfigError(
            f"{ctx.paths.issue_toml}: send.{provider}.requests_per_hour must be a whole number "
            "≥ 0 (0: no client-side limit)."
        )
    return Throttle(per_hour, ctx.clock, ctx.log, provider)


def _brevo(ctx: ProviderContext) -> Provider:
    from pipeline.send.brevo import DEFAULT_URL, Brevo

    key = _secret(
        ctx,
        "BREVO_API_KEY",
        "Create an API key in Brevo (SMTP & API → API keys) and export BREVO_API_KEY "
        "(in CI: a secret of the send environment).",
    )
    url = ctx.env.get("BREVO_API_URL") or DEFAULT_URL
    api = Service(
        "brevo",
        ctx.client,
        url,
        {"api-key": key, "accept": "application/json"},
        clock=ctx.clock,
        log=ctx.log,
        throttle=_throttle(ctx, "brevo"),
        secrets=[key],
    )
    return Brevo(api)


def _listmonk(ctx: ProviderContext) -> Provider:
    from pipeline.send.listmonk import Listmonk

    how = "export LISTMONK_URL, LISTMONK_USER and LISTMONK_TOKEN (an API user of listmonk)."
    url = _secret(
        ctx, "LISTMONK_URL", "Export the instance's root URL, e.g. https://lists.example.org."
    )
    user = _secret(ctx, "LISTMONK_USER", how)
    token = _secret(ctx, "LISTMONK_TOKEN", how)
    api = Service(
        "listmonk",
        ctx.client,
        url.rstrip("/") + "/api",
        {"authorization": f"token {user}:{token}", "accept": "application/json"},
        clock=ctx.clock,
        log=ctx.log,
        throttle=_throttle(ctx, "listmonk"),
        secrets=[token],
    )
    return Listmonk(api)


def _outbox(ctx: ProviderContext) -> Provider:
    from pipeline.send.outbox import Outbox

    return Outbox(ctx.paths.out / "outbox")


PROVIDERS: dict[str, ProviderSpec] = {
    "brevo": ProviderSpec(
        "brevo", "{{ unsubscribe }}", ("BREVO_API_KEY",), _brevo, optional=("BREVO_API_URL",)
    ),
    "listmonk": ProviderSpec(
        "listmonk",
        "{{ UnsubscribeURL }}",
        ("LISTMONK_URL", "LISTMONK_USER", "LISTMONK_TOKEN"),
        _listmonk,
    ),
    "outbox": ProviderSpec("outbox", None, (), _outbox),
}


def provider_spec(name: str) -> ProviderSpec:
    return PROVIDERS[check_provider(name, "send")]


__all__ = ["PROVIDERS", "ProviderContext", "ProviderSpec", "provider_spec"]
