"""``newsletter models`` and pipeline.translate.models against a loopback argos index.

Everything that imports argostranslate runs in a child process (see tests/support/argos_env).
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import shutil
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from pipeline.errors import ConfigError, ModelMissingError, TranslationError
from pipeline.translate import cli as models_cli
from pipeline.translate import models
from pipeline.translate.argos import missing_model_message
from tests.support.argos_env import ArgosEnv, argos_env, argos_index, served_env
from tests.support.index_server import IndexServer, index_entry
from tests.support.serve_index import PortIndexServer, parse_pairs
from tests.support.tinyargos import build_package

__all__ = ["argos_env", "argos_index"]  # fixtures used below

ROOT = Path(__file__).resolve().parents[1]


def installed_folders(env: ArgosEnv) -> list[str]:
    if not env.packages_dir.exists():
        return []
    return sorted(p.name for p in env.packages_dir.iterdir())


def write_issue(tmp_path: Path, source: str, langs: list[str]) -> Path:
    text = (ROOT / "issues/2024-06-belgian-presidency/issue.toml").read_text("utf-8")
    text = re.sub(r"languages = \[[^\]]*\]", f"languages = {json.dumps(langs)}", text)
    text = re.sub(r'source_lang = "en"', f'source_lang = "{source}"', text)
    issue = tmp_path / "issues" / "2024-06-test"
    issue.mkdir(parents=True)
    (issue / "issue.toml").write_text(text, "utf-8")
    return issue


def test_install_downloads_from_the_index_and_list_shows_it(
    argos_env: ArgosEnv, argos_index: IndexServer
) -> None:
    argos_index.publish([("en", "de"), ("en", "fr")])
    env = served_env(argos_env, argos_index)
    result = env.cli("models", "install", "de")
    assert result.returncode == 0, result.stderr
    assert "installed translate-en_de 1.0" in result.stdout
    assert installed_folders(env) == ["translate-en_de-1_0"]
    listing = env.cli("models", "list")
    assert listing.returncode == 0, listing.stderr
    rows = {line.split()[0]: line for line in listing.stdout.splitlines()[1:]}
    assert rows["en→de"].endswith("installed") and rows["en→fr"].endswith("available")
    again = env.cli("models", "install", "de")
    assert "already installed en→de 1.0" in again.stdout


def test_install_for_an_issue_installs_every_language_and_warns_about_the_rest(
    tmp_path: Path, argos_env: ArgosEnv, argos_index: IndexServer
) -> None:
    argos_index.publish([("en", "de"), ("en", "fr")])
    issue = write_issue(tmp_path, "en", ["en", "de", "fr", "hr"])
    result = served_env(argos_env, argos_index).cli("models", "install", "--issue", str(issue))
    assert result.returncode == 0, result.stderr
    assert installed_folders(argos_env) == ["translate-en_de-1_0", "translate-en_fr-1_0"]
    assert "no argos package or catalogue model for en→hr" in result.stderr


def test_a_french_issue_installs_both_hops_of_a_pivot(
    tmp_path: Path, argos_env: ArgosEnv, argos_index: IndexServer
) -> None:
    argos_index.publish([("fr", "en"), ("en", "de")])
    issue = write_issue(tmp_path, "fr", ["fr", "de"])
    result = served_env(argos_env, argos_index).cli("models", "install", "--issue", str(issue))
    assert result.returncode == 0, result.stderr
    assert installed_folders(argos_env) == ["translate-en_de-1_0", "translate-fr_en-1_0"]


@pytest.mark.parametrize(
    ("langs", "message"),
    [
        (["xx"], "error: unknown language 'xx'; use EU language codes"),
        (["hr"], "error: neither the argos index nor the model catalogue has a model for en→hr"),
    ],
)
def test_unknown_or_unoffered_language_exits_2(
    argos_env: ArgosEnv, argos_index: IndexServer, langs: list[str], message: str
) -> None:
    argos_index.publish([("en", "de")])
    result = served_env(argos_env, argos_index).cli("models", "install", *langs)
    assert result.returncode == 2
    assert result.stderr.startswith(message)
    assert "Traceback" not in result.stderr
    assert installed_folders(argos_env) == []


def test_unreachable_index_is_a_clear_error(argos_env: ArgosEnv) -> None:
    result = argos_env.cli("models", "install", "de")
    assert result.returncode == 2
    assert f"cannot read the argos package index {argos_env.index_url}index.json" in result.stderr
    assert "offline" in result.stderr and "install-file" in result.stderr
    assert "Traceback" not in result.stderr


def test_index_url_without_trailing_slash_is_a_config_error(argos_env: ArgosEnv) -> None:
    argos_env.index_url = argos_env.index_url.rstrip("/")
    result = argos_env.cli("models", "list")
    assert result.returncode == 2
    assert "must end with '/'" in result.stderr


def test_corrupt_download_is_refused_and_installs_nothing(
    argos_env: ArgosEnv, argos_index: IndexServer
) -> None:
    (package,) = argos_index.publish([("en", "de")])
    package.write_bytes(package.read_bytes()[:2000])  # a truncated download
    result = served_env(argos_env, argos_index).cli("models", "install", "de")
    assert result.returncode == 2
    assert "not a valid argos package (not a zip archive" in result.stderr
    assert installed_folders(argos_env) == []


def test_a_package_for_the_wrong_pair_is_refused(
    argos_env: ArgosEnv, argos_index: IndexServer
) -> None:
    (package,) = argos_index.publish([("en", "fr")])
    argos_index.write_index([index_entry("en", "de", "1.0", argos_index.url + package.name)])
    result = served_env(argos_env, argos_index).cli("models", "install", "de")
    assert result.returncode == 2
    assert "it translates en→fr, not en→de" in result.stderr


def test_install_file_installs_and_replaces_an_older_version(
    tmp_path: Path, argos_env: ArgosEnv
) -> None:
    for version in ("1.0", "1.1"):
        path = build_package(tmp_path / "files", "en", "de", version=version)
        result = argos_env.cli("models", "install-file", str(path))
        assert result.returncode == 0, result.stderr
        assert f"installed translate-en_de {version}" in result.stdout
    assert installed_folders(argos_env) == ["translate-en_de-1_1"]
    listing = argos_env.cli("models", "list", "--installed")
    assert listing.stdout.strip() == "en→de  1.1"


def test_install_of_installed_languages_needs_no_index(tmp_path: Path, argos_env: ArgosEnv) -> None:
    argos_env.cli("models", "install-file", str(build_package(tmp_path, "en", "de")))
    result = argos_env.cli("models", "install", "de")  # the index is unreachable
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "already installed en→de 1.0"
    source_only = argos_env.cli("models", "install", "en")
    assert source_only.stdout.strip() == "nothing to install: en is the source language"


def test_install_file_refuses_a_file_that_is_not_a_package(
    tmp_path: Path, argos_env: ArgosEnv
) -> None:
    bogus = tmp_path / "bogus.argosmodel"
    bogus.write_text("not a zip")
    result = argos_env.cli("models", "install-file", str(bogus))
    assert result.returncode == 2
    assert f"error: {bogus}: not a valid argos package" in result.stderr


def test_a_package_folder_without_metadata_gets_a_clear_error(argos_env: ArgosEnv) -> None:
    (argos_env.packages_dir / "leftover").mkdir(parents=True)
    result = argos_env.cli("models", "list", "--installed")
    assert result.returncode == 2
    assert "leftover: not an argos package (no metadata.json)" in result.stderr


def test_a_file_url_index_with_file_links_works(tmp_path: Path, argos_env: ArgosEnv) -> None:
    folder = tmp_path / "fileindex"
    package = build_package(folder, "en", "de")
    entry = index_entry("en", "de", "1.0", package.as_uri())
    (folder / "index.json").write_text(json.dumps([entry]), "utf-8")
    argos_env.index_url = folder.as_uri() + "/"
    result = argos_env.cli("models", "install", "de")
    assert result.returncode == 0, result.stderr
    assert installed_folders(argos_env) == ["translate-en_de-1_0"]


ENSURE = """
    import json
    from pipeline.translate.models import ensure_installed
    report = ensure_installed([("en", "de"), ("en", "fr"), ("en", "hr")], progress=False)
    unavailable = {f"{a}-{b}": why for (a, b), why in report.unavailable.items()}
    print(json.dumps({"installed": report.installed, "present": report.present,
                      "offline": report.offline, "unavailable": unavailable}))
"""


def test_ensure_installed_offline_reports_instead_of_raising(argos_env: ArgosEnv) -> None:
    result = argos_env.python(ENSURE)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["offline"] is True and report["installed"] == []
    assert sorted(report["unavailable"]) == ["en-de", "en-fr", "en-hr"]
    assert result.stderr.count("cannot read the argos package index") == 1


def test_ensure_installed_installs_what_is_missing(
    tmp_path: Path, argos_env: ArgosEnv, argos_index: IndexServer
) -> None:
    argos_index.publish([("en", "de"), ("en", "fr")])
    env = served_env(argos_env, argos_index)
    assert (
        env.cli("models", "install-file", str(build_package(tmp_path, "en", "fr"))).returncode == 0
    )
    report = json.loads(env.python(ENSURE).stdout)
    assert report["installed"] == ["translate-en_de 1.0"]
    assert report["present"] == [["en", "fr"]]
    assert report["offline"] is False
    assert report["unavailable"] == {"en-hr": "the argos index has no package for en→hr"}


# --- in-process: no argostranslate import needed -------------------------------------------


def test_plan_pairs_prefers_direct_then_pivots_through_english() -> None:
    offered = {("fr", "en"), ("en", "de"), ("fr", "es"), ("en", "et")}
    plan = models.plan_pairs("fr", ["fr", "es", "de", "hr"], offered)
    assert plan == {"es": [("fr", "es")], "de": [("fr", "en"), ("en", "de")], "hr": []}


def test_fetch_index_keeps_translate_packages_and_reports_http_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", "https://index.example/")
    entries = [index_entry("en", "de", "1.9", "https://x/en_de"), {"type": "sbd", "code": "x"}]

    def answer(request: httpx.Request) -> httpx.Response:
        assert str(request.url) == "https://index.example/index.json"
        return httpx.Response(200, json=entries)

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        (package,) = models.fetch_index(client)
        assert models.index_pairs(client) == {("en", "de")}
    assert package.model_id == "translate-en_de 1.9"
    failing = httpx.MockTransport(lambda request: httpx.Response(503))
    with httpx.Client(transport=failing) as client, pytest.raises(TranslationError) as info:
        models.fetch_index(client)
    assert (
        "cannot read the argos package index https://index.example/index.json" in info.value.message
    )


def test_a_build_trusts_the_index_it_read_recently_models_commands_ask_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A warm 'make issue' with a language no package covers (hr) asks the index only once in
    a while; 'models list/install' always read it afresh, and another index is another."""
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", "https://index.example/")
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json=[index_entry("en", "de", "1.9", "https://x/en_de")])

    fresh = models.INDEX_FRESH_SECONDS
    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        assert models.index_pairs(client, max_age=fresh) == {("en", "de")}
        assert models.index_pairs(client, max_age=fresh) == {("en", "de")}
        assert len(seen) == 1
        models.fetch_index(client)  # no max_age: the index itself
        assert len(seen) == 2
        monkeypatch.setenv("ARGOS_PACKAGE_INDEX", "https://other.example/")
        models.index_pairs(client, max_age=fresh)
        assert seen[-1] == "https://other.example/index.json" and len(seen) == 3
        monkeypatch.setattr(models.time, "time", lambda: 4102444800.0)  # years later
        models.index_pairs(client, max_age=fresh)
        assert len(seen) == 4


def test_an_index_that_is_not_a_list_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "index.json").write_text('{"not": "a list"}')
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", tmp_path.as_uri() + "/")
    with pytest.raises(TranslationError, match="not an argos package index"):
        models.fetch_index()


def test_install_file_of_a_missing_path_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        models.install_file(tmp_path / "nope.argosmodel")


# --- make models for an issue in another source language -----------------------------------

BUILD = """
import json, sys
from dataclasses import replace
from pathlib import Path
from pipeline.config import load_issue
from pipeline.store import IssuePaths
from pipeline.translate.engine import EngineSettings
from pipeline.translate.stage import translate_issue
from tests.support.translate import source_document

paths = IssuePaths.for_issue(Path(sys.argv[1]))
config = load_issue(paths.issue_toml)
source = replace(source_document(), source_lang=config.source_lang)
results = translate_issue(config, paths, source, list(config.languages),
                          settings=EngineSettings(beam_size=1))
print(json.dumps({lang: [r.status, r.message] for lang, r in results.items()}))
"""


def build(env: ArgosEnv, issue: Path) -> dict[str, list[str | None]]:
    result = env.python(BUILD.replace("sys.argv[1]", repr(str(issue))), timeout=120)
    assert result.returncode == 0, result.stderr
    value: dict[str, list[str | None]] = json.loads(result.stdout.splitlines()[-1])
    return value


def make_models(env: ArgosEnv, issue: Path, *variables: str) -> str:
    """Run what ``make models VARIABLES`` runs for ``issue`` (read with make -n), in ``env``."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    dry = subprocess.run(
        ["make", "-n", "--no-print-directory", "models", f"ISSUE_DIR={issue}", *variables],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    (line,) = [ln for ln in dry.stdout.splitlines() if "newsletter models install" in ln]
    args = shlex.split(line.split("newsletter", 1)[1])
    result = env.cli(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_models_for_a_french_issue_installs_what_the_build_asks_for(
    tmp_path: Path, argos_env: ArgosEnv, argos_index: IndexServer
) -> None:
    argos_index.publish([("fr", "en"), ("en", "es"), ("en", "et"), ("en", "de")])
    issue = write_issue(tmp_path, "fr", ["fr", "es", "et", "de"])
    env = served_env(argos_env, argos_index)
    before = build(env, issue)
    assert before["es"][0] == "unavailable"
    assert "no argos model for fr→es; run 'make models LANGS=es'" in str(before["es"][1])

    out = make_models(env, issue, "LANGS=es,et")  # the command the hint names, for two
    assert installed_folders(env) == [
        "translate-en_es-1_0",
        "translate-en_et-1_0",
        "translate-fr_en-1_0",
    ]
    assert "installed translate-fr_en 1.0" in out
    after = build(env, issue)
    assert {lang: status for lang, (status, _) in after.items()} == {
        "fr": "source",
        "es": "pivot",
        "et": "pivot",
        "de": "unavailable",  # not asked for
    }
    assert "run 'make models LANGS=de'" in str(after["de"][1])


def test_the_engines_hint_for_a_non_english_pair_installs_that_pair(
    tmp_path: Path, argos_env: ArgosEnv, argos_index: IndexServer
) -> None:
    argos_index.publish([("fr", "en")])
    english_issue = write_issue(tmp_path, "en", ["en", "de"])  # the newest may be English
    missing = ModelMissingError(missing_model_message("fr", "en")).message
    assert missing == "no argos model for fr→en; run 'make models LANGS=en FROM=fr'"
    assert missing_model_message("en", "de") == (
        "no argos model for en→de; run 'make models LANGS=de'"  # the contract's wording
    )
    make_models(served_env(argos_env, argos_index), english_issue, "LANGS=en", "FROM=fr")
    assert installed_folders(argos_env) == ["translate-fr_en-1_0"]


def test_make_models_without_langs_installs_the_whole_issue(
    tmp_path: Path, argos_env: ArgosEnv, argos_index: IndexServer
) -> None:
    argos_index.publish([("en", "de"), ("en", "fr")])
    issue = write_issue(tmp_path, "en", ["en", "de", "fr"])
    make_models(served_env(argos_env, argos_index), issue)
    assert installed_folders(argos_env) == ["translate-en_de-1_0", "translate-en_fr-1_0"]


def test_a_language_reached_through_english_needs_no_index(
    tmp_path: Path, argos_env: ArgosEnv
) -> None:
    for src, tgt in (("fr", "en"), ("en", "de")):
        path = build_package(tmp_path / "files", src, tgt)
        assert argos_env.cli("models", "install-file", str(path)).returncode == 0
    issue = write_issue(tmp_path, "fr", ["fr", "de"])
    result = argos_env.cli("models", "install", "de", "--issue", str(issue))  # offline
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "already installed en→de 1.0",
        "already installed fr→en 1.0",
    ]
    direct = argos_env.cli("models", "install", "es", "--issue", str(issue))
    assert direct.returncode == 2 and "cannot read the argos package index" in direct.stderr


def test_a_bare_issue_flag_means_the_newest_issue_or_english_when_there_is_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = argparse.Namespace(issue=models_cli.NEWEST, langs=["de"], source=None)
    assert models_cli._targets(args) == ("en", ["de"], False)
    write_issue(tmp_path, "fr", ["fr", "de", "es"])
    assert models_cli._targets(args) == ("fr", ["de"], False)
    whole = argparse.Namespace(issue=models_cli.NEWEST, langs=[], source=None)
    assert models_cli._targets(whole) == ("fr", ["de", "es"], True)


# --- tests/support/serve_index -------------------------------------------------------------


def test_serve_index_listens_on_the_port_it_is_given(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = PortIndexServer(tmp_path / "index", port).start()
    try:
        assert server.url == f"http://127.0.0.1:{port}/"
        server.publish(parse_pairs("de,fr-en"))
        entries = httpx.get(server.url + "index.json").json()
    finally:
        server.stop()
    assert sorted((e["from_code"], e["to_code"]) for e in entries) == [("en", "de"), ("fr", "en")]
    ephemeral = PortIndexServer(tmp_path / "other", 0)
    assert ephemeral.url != "http://127.0.0.1:0/"
    ephemeral._server.server_close()
