"""The "libretranslate" engine: the same argos models, served over HTTP by LibreTranslate.

For teams that outgrow one machine: several LibreTranslate servers behind a load balancer.
``POST /translate`` with ``q`` as a list (``source``, ``target``, ``format: "text"``,
``api_key``) answers ``{"translatedText": [...]}``; ``GET /languages`` lists
``[{"code", "name", "targets": [...]}]``. The server is ``$LIBRETRANSLATE_URL`` and the key
``$LIBRETRANSLATE_API_KEY`` (optional). Requests go through the HTTP boundary
(:mod:`pipeline.http`): translating changes nothing on the server, so every request is
idempotent and may be repeated after a 5xx, a timeout or a 429. The httpx client (or just its
transport) can be injected, which is how the tests talk to a fake server.

Importing this module registers the engine in :data:`pipeline.translate.engine.ENGINES`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import httpx

from pipeline.errors import (
    ConfigError,
    ModelMissingError,
    RemoteError,
    TranslationError,
)
from pipeline.http import RetryPolicy, Service, make_client
from pipeline.translate.engine import EngineSettings, register

TIMEOUT = httpx.Timeout(10.0, read=300.0)  # a long batch takes a while on a CPU server


class LibreTranslateEngine:
    name = "libretranslate"

    def __init__(
        self,
        settings: EngineSettings | None = None,
        *,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        url: str | None = None,
        api_key: str | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self._policy = policy
        self.settings = settings or EngineSettings()
        self._client = client
        self._transport = transport
        self._url = url
        self._api_key = api_key if api_key is not None else os.environ.get("LIBRETRANSLATE_API_KEY")
        self._pairs: set[tuple[str, str]] | None = None
        self._service: Service | None = None

    @property
    def url(self) -> str:
        url = self._url or os.environ.get("LIBRETRANSLATE_URL", "")
        if not url:
            raise ConfigError(
                "LIBRETRANSLATE_URL is not set: export LIBRETRANSLATE_URL=https://your-server "
                "to use --engine libretranslate"
            )
        return url.rstrip("/")

    def service(self) -> Service:
        if self._service is None:
            client = self._client or make_client(transport=self._transport, timeout=TIMEOUT)
            secrets = [self._api_key] if self._api_key else []
            self._service = Service(
                f"LibreTranslate at {self.url}",
                client,
                self.url,
                policy=self._policy,
                secrets=secrets,
                auth_hint="check LIBRETRANSLATE_API_KEY",
            )
        return self._service

    def pairs(self) -> set[tuple[str, str]]:
        if self._pairs is None:
            languages = self._request("GET", "/languages")
            if not isinstance(languages, list):
                raise TranslationError(f"LibreTranslate at {self.url}: /languages is not a list")
            self._pairs = {
                (lang["code"], target)
                for lang in languages
                for target in lang.get("targets", [])
                if target != lang["code"]
            }
        return self._pairs

    def model_id(self, source_lang: str, target_lang: str) -> str:
        # The server does not say which model version it runs; the pair is the identity.
        return f"libretranslate {source_lang}_{target_lang}"

    def translate(self, source_lang: str, target_lang: str, segments: Sequence[str]) -> list[str]:
        if (source_lang, target_lang) not in self.pairs():
            raise ModelMissingError(
                f"LibreTranslate at {self.url} cannot translate {source_lang}→{target_lang}; "
                "install that argos model on the server"
            )
        out: list[str] = []
        size = max(1, self.settings.max_batch_size)
        for start in range(0, len(segments), size):
            out += self._translate_chunk(
                source_lang, target_lang, list(segments[start : start + size])
            )
        return out

    def _translate_chunk(self, source_lang: str, target_lang: str, chunk: list[str]) -> list[str]:
        body: dict[str, Any] = {
            "q": chunk,
            "source": source_lang,
            "target": target_lang,
            "format": "text",
        }
        if self._api_key:
            body["api_key"] = self._api_key
        answer = self._request("POST", "/translate", json=body)
        texts = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(texts, list) or len(texts) != len(chunk):
            raise TranslationError(
                f"LibreTranslate at {self.url} answered {source_lang}→{target_lang} with "
                f"{answer!r:.200} instead of {len(chunk)} translations"
            )
        return [str(t) for t in texts]

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            return self.service().call(method, path, idempotent=True, **kwargs)
        except RemoteError as err:
            hint = (
                "; check LIBRETRANSLATE_API_KEY"
                if getattr(err, "status", None) in (401, 403)
                else ""
            )
            if err.exit_code != 2 and not hint:
                hint = "; check LIBRETRANSLATE_URL and that the server is running"
            raise TranslationError(f"{err.message}{hint}") from None


register("libretranslate", LibreTranslateEngine)
