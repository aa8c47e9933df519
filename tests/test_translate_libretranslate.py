"""The LibreTranslate engine against a fake server that behaves as the real one does
(``tests/support/libretranslate_fake.py``; compared with the real server in
``tests/test_libretranslate_real.py``). Time is a FakeClock: nothing here sleeps."""

from __future__ import annotations

import html
import random
from pathlib import Path

import httpx
import pytest

from pipeline.errors import ConfigError, ModelMissingError, TranslationError
from pipeline.pacing import RetryPolicy
from pipeline.translate.engine import ENGINES, EngineSettings
from pipeline.translate.libretranslate import LibreTranslateEngine, from_html, to_html
from pipeline.translate.memory import TranslationMemory
from pipeline.translate.stage import translate_issue
from tests.support.libretranslate_fake import TRICKY, FakeLibreTranslate, proxy_page
from tests.support.send_fakebase import FakeClock
from tests.support.translate import make_project, source_document


def upper(text: str, target: str) -> str:
    """A model whose output is visibly not its input: upper case."""
    return text.upper()


def engine(
    server: FakeLibreTranslate,
    *,
    batch: int = 16,
    clock: FakeClock | None = None,
    logs: list[str] | None = None,
    **kwargs: object,
) -> LibreTranslateEngine:
    return LibreTranslateEngine(
        EngineSettings(max_batch_size=batch),
        transport=httpx.MockTransport(server),
        url="http://lt.test/",
        clock=clock or FakeClock(),
        log=(logs if logs is not None else []).append,
        policy=RetryPolicy(attempts=1, rng=random.Random(7)),
        **kwargs,  # type: ignore[arg-type]
    )


def sentences(n: int) -> list[str]:
    return [f"Sentence number {i} is about __0__." for i in range(n)]


# -- what goes over the wire ----------------------------------------------------------------


def test_pairs_come_from_languages_without_the_source_itself() -> None:
    server = FakeLibreTranslate([("en", "de"), ("en", "fr"), ("de", "en")])
    assert engine(server).pairs() == {("en", "de"), ("en", "fr"), ("de", "en")}


def test_batches_go_in_html_mode_with_the_api_key() -> None:
    server = FakeLibreTranslate(api_keys={"secret"})
    out = engine(server, batch=3, api_key="secret").translate("en", "de", ["a", "b", "c", "d"])
    assert out == ["a", "b", "c", "d"]
    assert [r["q"] for r in server.requests] == [["a", "b", "c"], ["d"]]
    assert {(r["format"], r["api_key"], r["source"], r["target"]) for r in server.requests} == {
        ("html", "secret", "en", "de")
    }


def test_api_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBRETRANSLATE_API_KEY", "secret")
    server = FakeLibreTranslate(api_keys={"secret"}, require_key=True)
    assert engine(server).translate("en", "fr", ["x"]) == ["x"]


def test_text_comes_back_exactly_through_a_model_that_copies() -> None:
    """The server decodes every "_" as a space, and unescapes its output: what the engine
    sends must survive both (in text mode, placeholders came back as "  0  ")."""
    assert engine(FakeLibreTranslate()).translate("en", "de", TRICKY) == TRICKY


def test_the_fake_strips_underscores_in_text_mode_as_the_server_does() -> None:
    client = httpx.Client(transport=httpx.MockTransport(FakeLibreTranslate()))
    body = {"q": ["Ask __0__ about __1__.", "a &amp; b"], "source": "en", "target": "de"}
    answer = client.post("http://lt.test/translate", json={**body, "format": "text"}).json()
    assert answer == {"translatedText": ["Ask   0   about   1  .", "a & b"]}


def test_only_the_text_around_kept_words_is_translated() -> None:
    out = engine(FakeLibreTranslate(model=upper)).translate("en", "de", TRICKY[:2] + TRICKY[4:])
    assert out == [
        "ASK __0__ ABOUT __1__.",
        "WRITE TO news_desk@example.org OR SEE https://x.org/a_b?c=1&d=2.",
        "__0__",
        "THANK YOU, __0__!",
    ]


def test_markup_round_trip() -> None:
    for text in TRICKY:  # the server unescapes its whole answer
        assert from_html(html.unescape(to_html(text))) == text
    assert to_html("a_b <c>") == '<span translate="no">a_b</span> &lt;c&gt;'


# -- the server's limits and refusals --------------------------------------------------------


def test_a_batch_limit_is_obeyed_from_then_on() -> None:
    server = FakeLibreTranslate(batch_limit=8)
    logs: list[str] = []
    out = engine(server, logs=logs).translate("en", "de", sentences(20))
    assert out == sentences(20)
    assert [len(r["q"]) for r in server.requests] == [16, 8, 8, 4]
    assert server.statuses == [400, 200, 200, 200]
    assert any("at most 8 texts per request" in line for line in logs)


def test_a_rate_limited_server_is_waited_out() -> None:
    """The server lets a request in while fewer than N texts are in its minute: batches of 5
    under a limit of 10 fill it exactly, and the third batch is refused."""
    clock = FakeClock()
    server = FakeLibreTranslate(req_limit=10, clock=clock.monotonic)
    logs: list[str] = []
    out = engine(server, batch=5, clock=clock, logs=logs).translate("en", "de", sentences(40))
    assert out == sentences(40)
    assert server.statuses[:3] == [200, 200, 429]
    assert server.statuses.count(429) == 1  # from then on the engine keeps count itself
    assert 3 * 60 <= clock.t < 4 * 60  # 40 texts at 10 a minute: 3 minutes of waiting
    assert any("rate limited (10 texts per 1 min 0 s)" in line for line in logs)


def test_retry_after_is_obeyed_up_to_the_policy_cap() -> None:
    clock = FakeClock()
    soon = httpx.Response(
        429, json={"error": "Slowdown: 10 per 1 minute"}, headers={"retry-after": "30"}
    )
    server = FakeLibreTranslate(faults={1: soon})
    assert engine(server, clock=clock).translate("en", "de", ["x"]) == ["x"]
    assert clock.sleeps == [30.0]
    late = httpx.Response(429, json={"error": "Slowdown"}, headers={"retry-after": "7200"})
    with pytest.raises(TranslationError, match=r"asks to wait 2 h 0 min.*run the same command"):
        engine(FakeLibreTranslate(faults={1: late}), clock=clock).translate("en", "de", ["x"])


def test_batches_shrink_when_a_429_does_not_say_the_limit() -> None:
    clock = FakeClock()
    refused = httpx.Response(429, text="<html><body>Too Many Requests</body></html>")
    server = FakeLibreTranslate(faults={1: refused, 2: refused})
    out = engine(server, batch=16, clock=clock).translate("en", "de", sentences(20))
    assert out == sentences(20)
    assert [len(r["q"]) for r in server.requests] == [16, 8, 4, 4, 4, 4, 4]
    assert 0 < clock.t < 10  # the policy's jittered backoff: 1 s, then 2 s


def test_a_rate_limit_that_never_clears_stops_with_the_way_to_resume() -> None:
    clock = FakeClock()
    always = httpx.Response(429, json={"error": "Slowdown: 10 per 1 minute"})
    server = FakeLibreTranslate(faults=dict.fromkeys(range(1, 500), always))
    with pytest.raises(TranslationError, match=r"Slowdown.*still refused.*Run the same command"):
        engine(server, clock=clock).translate("en", "de", ["x"])
    assert 15 * 60 - 60 <= clock.t <= 15 * 60


def test_a_missing_required_key_names_the_variable() -> None:
    server = FakeLibreTranslate(api_keys={"secret"}, require_key=True)
    with pytest.raises(TranslationError) as caught:
        engine(server).translate("en", "de", ["x"])
    assert "HTTP 400: Please contact the server operator" in caught.value.message
    assert "set LIBRETRANSLATE_API_KEY" in caught.value.message
    assert caught.value.exit_code == 2


def test_a_wrong_key_names_the_variable() -> None:
    server = FakeLibreTranslate(api_keys={"secret"}, require_key=True)
    with pytest.raises(
        TranslationError, match=r"403: Invalid API key \(check LIBRETRANSLATE_API_KEY"
    ):
        engine(server, api_key="wrong").translate("en", "de", ["x"])


def test_an_html_error_page_becomes_one_line() -> None:
    server = FakeLibreTranslate(faults={1: proxy_page(502)})
    with pytest.raises(TranslationError) as caught:
        engine(server).translate("en", "de", ["x"])
    message = caught.value.message
    assert "\n" not in message and "\r" not in message
    assert "HTTP 502: 502 Bad Gateway 502 Bad Gateway nginx/1.24.0" in message
    assert "check LIBRETRANSLATE_URL" in message


def test_a_long_text_over_the_char_limit_says_so() -> None:
    server = FakeLibreTranslate(char_limit=20)
    with pytest.raises(TranslationError, match=r"exceeds text limit \(20\).*--char-limit"):
        engine(server).translate("en", "de", ["short", "x" * 30])


def test_an_unserved_pair_is_a_missing_model() -> None:
    with pytest.raises(ModelMissingError, match="en→hr"):
        engine(FakeLibreTranslate()).translate("en", "hr", ["x"])


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


def test_tuning_the_server_decides_gives_a_warning() -> None:
    logs: list[str] = []
    settings = EngineSettings(beam_size=2, compute_type="float32", intra_threads=2)
    LibreTranslateEngine(settings, url="http://lt.test", log=logs.append)
    assert len(logs) == 1
    assert "--beam-size, --compute-type, --threads ignored" in logs[0]
    quiet: list[str] = []
    LibreTranslateEngine(EngineSettings(max_batch_size=4, parallel_languages=3), log=quiet.append)
    assert quiet == []


# -- through the translate stage -------------------------------------------------------------


def use(monkeypatch: pytest.MonkeyPatch, lt: LibreTranslateEngine) -> None:
    monkeypatch.setitem(ENGINES, "libretranslate", lambda settings: lt)


def test_the_stage_keeps_every_protected_term(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSLETTER_CACHE_DIR", str(tmp_path / "cache"))
    project = make_project(tmp_path)
    use(monkeypatch, engine(FakeLibreTranslate(model=upper)))
    results = translate_issue(
        project.config,
        project.paths,
        source_document(),
        ["en", "de", "hr"],
        engine="libretranslate",
    )
    de = results["de"]
    assert (de.status, de.engine, de.model) == ("direct", "libretranslate", "libretranslate en_de")
    assert de.document is not None
    assert (
        de.document.fields["title"]
        == "Smart Belgium ON THE BELGIAN PRESIDENCY OF THE COUNCIL OF THE EU"
    )
    assert [f.code for f in de.findings if "term" in f.code or "placeholder" in f.code] == []
    assert "engine libretranslate cannot translate en→hr" in (results["hr"].message or "")


def test_finished_batches_are_in_the_memory_when_a_later_one_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSLETTER_CACHE_DIR", str(tmp_path / "cache"))
    project = make_project(tmp_path)
    broken = FakeLibreTranslate(faults={3: proxy_page(502)})
    use(monkeypatch, engine(broken, batch=4))
    first = translate_issue(
        project.config, project.paths, source_document(), ["en", "de"], engine="libretranslate"
    )
    assert first["de"].status == "unavailable" and "HTTP 502" in (first["de"].message or "")
    with TranslationMemory() as memory:
        assert memory.count() == 8  # the two batches that were answered
    healthy = FakeLibreTranslate()
    use(monkeypatch, engine(healthy, batch=4))
    again = translate_issue(
        project.config, project.paths, source_document(), ["en", "de"], engine="libretranslate"
    )
    assert again["de"].status == "direct"
    stats = again["de"].stats
    assert stats["memory"] == 8 and stats["engine"] == stats["segments"] - 8 > 0
    done_before = {t for r in broken.requests[:2] for t in r["q"]}
    assert not {t for r in healthy.requests for t in r["q"]} & done_before


FAULTS = [
    httpx.Response(429, json={"error": "Slowdown: 6 per 1 minute"}),
    httpx.Response(429, text="<html><body><h1>429 Too Many Requests</h1></body></html>"),
    proxy_page(502),
    httpx.Response(503, json={"error": "Service Unavailable"}),
    httpx.Response(400, json={"error": "Invalid request: request (4) exceeds text limit (3)"}),
]


@pytest.mark.parametrize("seed", range(12))
def test_random_faults_lose_nothing_and_a_rerun_resumes(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A seeded schedule of the server's failures: whatever was answered is in the memory,
    every failure is one line, and a rerun against a healthy server sends only the rest."""
    rng = random.Random(seed)
    monkeypatch.setenv("NEWSLETTER_CACHE_DIR", str(tmp_path / "cache"))
    project = make_project(tmp_path)
    faults = {i: rng.choice(FAULTS) for i in range(1, 40) if rng.random() < 0.3}
    broken = FakeLibreTranslate([("en", "de"), ("en", "fr")], faults=faults)
    settings = EngineSettings(max_batch_size=4, parallel_languages=1)
    policy = RetryPolicy(attempts=2, rng=random.Random(seed))
    lt = LibreTranslateEngine(
        settings,
        transport=httpx.MockTransport(broken),
        url="http://lt.test",
        clock=FakeClock(),
        log=lambda _line: None,
        policy=policy,
    )
    use(monkeypatch, lt)
    langs = ["en", "de", "fr"]
    first = translate_issue(
        project.config, project.paths, source_document(), langs, engine="libretranslate",
        settings=settings,
    )  # fmt: skip
    for lang in ("de", "fr"):
        message = first[lang].message or ""
        assert first[lang].status in ("direct", "unavailable") and "\n" not in message
    answered = {
        (body["target"], text)
        for body, status in zip(broken.requests, broken.statuses, strict=True)
        if status == 200
        for text in body["q"]
    }
    with TranslationMemory() as memory:
        assert memory.count() == len(answered)
    healthy = FakeLibreTranslate([("en", "de"), ("en", "fr")])
    use(monkeypatch, engine(healthy, batch=4))
    again = translate_issue(
        project.config, project.paths, source_document(), langs, engine="libretranslate"
    )
    resent = {(body["target"], text) for body in healthy.requests for text in body["q"]}
    assert not resent & answered
    monkeypatch.setenv("NEWSLETTER_CACHE_DIR", str(tmp_path / "clean-cache"))
    clean = translate_issue(
        project.config, project.paths, source_document(), langs, engine="libretranslate"
    )
    for lang in ("de", "fr"):
        done, expected = again[lang].document, clean[lang].document
        assert again[lang].status == "direct" and done is not None and expected is not None
        assert [s.text for s in done.segments] == [s.text for s in expected.segments]
