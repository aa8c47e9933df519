"""The LibreTranslate engine against a fake server that follows its API (httpx.MockTransport)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from pipeline.errors import ConfigError, ModelMissingError, TranslationError
from pipeline.http import RetryPolicy
from pipeline.translate.engine import ENGINES, EngineSettings
from pipeline.translate.libretranslate import LibreTranslateEngine
from pipeline.translate.stage import translate_issue
from tests.support.translate import make_project, source_document

LANGUAGES = [
    {"code": "en", "name": "English", "targets": ["de", "en", "fr"]},
    {"code": "de", "name": "German", "targets": ["en"]},
    {"code": "fr", "name": "French", "targets": ["en"]},
]


class FakeServer:
    """LibreTranslate's /languages and /translate, with an API key and its error answers."""

    def __init__(self, api_key: str | None = "secret") -> None:
        self.api_key = api_key
        self.requests: list[dict[str, object]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path == "/languages":
            return httpx.Response(200, json=LANGUAGES)
        if request.method != "POST" or request.url.path != "/translate":
            return httpx.Response(404, json={"error": "Not Found"})
        body = json.loads(request.content)
        self.requests.append(body)
        if self.api_key and body.get("api_key") != self.api_key:
            return httpx.Response(403, json={"error": "Invalid API key"})
        if body.get("format") not in ("text", "html"):
            return httpx.Response(400, json={"error": "Invalid request: format"})
        q = body["q"]
        texts = q if isinstance(q, list) else [q]
        out = [f"<{body['target']}> {t}" for t in texts]
        return httpx.Response(200, json={"translatedText": out if isinstance(q, list) else out[0]})


def engine(server: FakeServer, **kwargs: object) -> LibreTranslateEngine:
    return LibreTranslateEngine(
        EngineSettings(max_batch_size=3),
        transport=httpx.MockTransport(server),
        url="http://lt.test/",
        **kwargs,  # type: ignore[arg-type]
    )


def test_pairs_come_from_languages() -> None:
    assert engine(FakeServer()).pairs() == {("en", "de"), ("en", "fr"), ("de", "en"), ("fr", "en")}


def test_translate_batches_q_as_a_list_with_the_api_key() -> None:
    server = FakeServer()
    out = engine(server, api_key="secret").translate("en", "de", ["a", "b", "c", "d"])
    assert out == ["<de> a", "<de> b", "<de> c", "<de> d"]
    assert [r["q"] for r in server.requests] == [["a", "b", "c"], ["d"]]
    assert server.requests[0] == {
        "q": ["a", "b", "c"],
        "source": "en",
        "target": "de",
        "format": "text",
        "api_key": "secret",
    }


def test_api_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBRETRANSLATE_API_KEY", "secret")
    assert engine(FakeServer()).translate("en", "fr", ["x"]) == ["<fr> x"]


def test_an_error_answer_is_a_translation_error_naming_the_fix() -> None:
    with pytest.raises(
        TranslationError, match=r"403: Invalid API key \(check LIBRETRANSLATE_API_KEY\)"
    ):
        engine(FakeServer(), api_key="wrong").translate("en", "de", ["x"])


def test_an_unserved_pair_is_a_missing_model() -> None:
    with pytest.raises(ModelMissingError, match="en→hr"):
        engine(FakeServer()).translate("en", "hr", ["x"])


def test_an_unreachable_server_is_a_translation_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    lt = LibreTranslateEngine(
        transport=httpx.MockTransport(refuse), url="http://lt.test", policy=RetryPolicy(attempts=1)
    )
    with pytest.raises(TranslationError, match=r"connection failed.*LIBRETRANSLATE_URL"):
        lt.pairs()


def test_missing_url_is_a_config_error_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIBRETRANSLATE_URL", raising=False)
    with pytest.raises(ConfigError, match="LIBRETRANSLATE_URL"):
        LibreTranslateEngine().pairs()


def test_the_stage_translates_through_libretranslate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSLETTER_CACHE_DIR", str(tmp_path / "cache"))
    project = make_project(tmp_path)
    server = FakeServer(api_key=None)
    monkeypatch.setitem(ENGINES, "libretranslate", lambda settings: engine(server))
    results = translate_issue(
        project.config,
        project.paths,
        source_document(),
        ["en", "de", "hr"],
        engine="libretranslate",
    )
    de = results["de"]
    assert (de.status, de.engine, de.model) == ("direct", "libretranslate", "libretranslate en_de")
    assert de.document is not None and de.document.fields["title"].startswith("<de> ")
    assert results["hr"].status == "unavailable"
    assert "engine libretranslate cannot translate en→hr" in (results["hr"].message or "")
