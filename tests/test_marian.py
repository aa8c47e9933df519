"""Marian models for Croatian and Maltese: the catalogue, install, conversion and translation.

Tests build a tiny random Marian checkpoint (tests/support/tinymarian: an .npz with the
parameter names CTranslate2's MarianConverter expects, a Marian-style SentencePiece model),
serve it from loopback, install it with ``newsletter models install hr`` (the real converter)
and translate with it. Whatever imports argostranslate runs in a child process
(tests/support/argos_env).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from pipeline.errors import ConfigError
from pipeline.translate.catalogue import load_catalogue, parse_catalogue
from tests.support.argos_env import ArgosEnv, argos_env, argos_index, served_env
from tests.support.index_server import IndexServer
from tests.support.tinyargos import build_package
from tests.support.tinymarian import CHECKPOINT, train_marian_spm
from tests.test_models import make_models, write_issue

__all__ = ["argos_env", "argos_index"]  # fixtures used below

MODEL_ID = "tiny-en-hr@0123456789ab"
ROOT = Path(__file__).resolve().parents[1]


def marian_env(env: ArgosEnv, server: IndexServer) -> ArgosEnv:
    return served_env(env, server, {"NEWSLETTER_MODEL_CATALOGUE": server.catalogue_url})


def folders(env: ArgosEnv) -> list[str]:
    return sorted(p.name for p in env.packages_dir.iterdir()) if env.packages_dir.exists() else []


def metadata(env: ArgosEnv, name: str = "marian-tiny-en-hr") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((env.packages_dir / name / "metadata.json").read_text())
    return data


def run_json(env: ArgosEnv, code: str) -> Any:
    result = env.python(code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


# --- install, list, translate ----------------------------------------------------------------


def test_models_install_hr_converts_the_checkpoint_and_translates_with_it(
    argos_env: ArgosEnv, argos_index: IndexServer
) -> None:
    argos_index.publish([("en", "de")])
    pinned = argos_index.publish_marian([("en", "hr")])
    env = marian_env(argos_env, argos_index)
    result = env.cli("models", "install", "hr")
    assert result.returncode == 0, result.stderr
    assert f"installed {MODEL_ID}" in result.stdout
    assert folders(env) == ["marian-tiny-en-hr"]
    meta = metadata(env)
    assert meta["type"] == "marian" and (meta["from_code"], meta["to_code"]) == ("en", "hr")
    assert meta["source"] == argos_index.url + "marian/en-hr/"
    assert meta["revision"] == "0123456789abcdef0123456789abcdef01234567"
    assert meta["licence"] == "CC-BY-4.0"
    assert meta["files"][CHECKPOINT]["sha256"] == pinned["en-hr"]
    assert meta["converter"].startswith("ctranslate2 4.") and meta["quantization"] == "int8"
    downloads = env.root / "newsletter-cache" / "downloads"
    assert not downloads.exists() or not any(downloads.iterdir())  # cleaned up

    listing = env.cli("models", "list", "--installed")
    assert f"en→hr  {MODEL_ID} (marian, CC-BY-4.0)" in listing.stdout
    full = env.cli("models", "list")
    (row,) = [line for line in full.stdout.splitlines() if line.startswith("en→hr")]
    assert "marian" in row and "installed" in row and "CC-BY-4.0" in row

    out = run_json(
        env,
        """
        import json
        from pipeline.translate.argos import ArgosEngine
        from pipeline.translate.marian import MarianEngine
        texts = ["Smart helps freelancers in Brussels.", "", "Hello."]
        argos, marian = ArgosEngine(), MarianEngine()
        print(json.dumps({
            "pairs": sorted(map(list, argos.pairs())),
            "id": argos.model_id("en", "hr"),
            "credit": vars(argos.attribution("en", "hr")),
            "argos": argos.translate("en", "hr", texts),
            "marian": marian.translate("en", "hr", texts),
            "loaded": marian.stats["models_loaded"],
        }))
        """,
    )
    assert out["pairs"] == [["en", "hr"]] and out["id"] == MODEL_ID
    assert out["credit"]["licence"] == "CC-BY-4.0" and out["credit"]["model"] == MODEL_ID
    assert out["argos"] == out["marian"]  # the same model, the same CTranslate2 code
    assert out["argos"][0] and out["argos"][1] == "" and out["loaded"] == 1


def test_make_models_langs_hr_mt_installs_both_from_the_catalogue(
    tmp_path: Path, argos_env: ArgosEnv, argos_index: IndexServer
) -> None:
    argos_index.publish([("en", "de")])
    argos_index.publish_marian([("en", "hr"), ("en", "mt")])
    issue = write_issue(tmp_path, "en", ["en", "de", "hr", "mt"])
    out = make_models(marian_env(argos_env, argos_index), issue, "LANGS=hr,mt")
    assert "installed tiny-en-hr@" in out and "installed tiny-en-mt@" in out
    assert folders(argos_env) == ["marian-tiny-en-hr", "marian-tiny-en-mt"]


def test_a_build_translates_hr_and_names_the_model_and_licence(
    tmp_path: Path, argos_env: ArgosEnv, argos_index: IndexServer
) -> None:
    argos_index.publish([("en", "de")])
    argos_index.publish_marian([("en", "hr")])
    env = marian_env(argos_env, argos_index)
    issue = write_issue(tmp_path, "en", ["en", "de", "hr"])
    (issue / "interview.txt").write_text(
        "CECOP (C): What does Smart do?\n\nAnne-Laure Desgris (ALD): It helps freelancers.\n",
        "utf-8",
    )
    out = tmp_path / "build"
    args = ("build", str(issue), "--out", str(out), "--install-models", "--no-screenshots")
    result = env.cli(*args, timeout=180)
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "report.json").read_text())
    hr, de = report["languages"]["hr"], report["languages"]["de"]
    assert (hr["status"], hr["engine"], hr["model"]) == ("direct", "argos", MODEL_ID)
    assert hr["attributions"] == [
        {
            "model": MODEL_ID,
            "name": "Tiny test model en–hr",
            "licence": "CC-BY-4.0",
            "url": "https://example.org/tiny-en-hr",
        }
    ]
    assert de["model"] == "translate-en_de 1.0" and de["attributions"] == []
    document = json.loads((out / "hr" / "document.json").read_text())
    assert {s["origin"]["model"] for s in document["segments"]} == {MODEL_ID}
    html = (out / "hr" / "email.html").read_text()
    assert 'Model za prevođenje: <a href="https://example.org/tiny-en-hr"' in html
    assert "(licencija: CC-BY-4.0)" in html
    assert "Tiny test model en–hr (licencija: CC-BY-4.0)" in (out / "hr" / "email.txt").read_text()
    assert "Übersetzungsmodell" not in (out / "de" / "email.html").read_text()
    assert (
        "credited in the e-mail: Tiny test model en–hr (CC-BY-4.0)"
        in (out / "preview" / "index.html").read_text()
    )

    again = env.cli(*args, "--langs", "hr", timeout=180)  # the memory key names the model
    assert again.returncode == 0, again.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["languages"]["hr"]["segments"]["memory"] == len(document["segments"])


def test_the_marian_engine_uses_only_marian_models(
    tmp_path: Path, argos_env: ArgosEnv, argos_index: IndexServer
) -> None:
    argos_index.publish_marian([("en", "hr")])
    env = marian_env(argos_env, argos_index)
    assert env.cli("models", "install", "hr").returncode == 0
    # An argos package for the same pair: the argos engine prefers it, marian ignores it, and
    # installing it leaves the Marian model in place.
    package = build_package(tmp_path / "pkg", "en", "hr")
    assert env.cli("models", "install-file", str(package)).returncode == 0
    assert folders(env) == ["marian-tiny-en-hr", "translate-en_hr-1_0"]
    ids = run_json(
        env,
        """
        import json
        from pipeline.translate.argos import ArgosEngine, model_files
        from pipeline.translate.marian import MarianEngine
        from pipeline.errors import ModelMissingError
        try:
            MarianEngine().model_id("en", "de")
        except ModelMissingError as exc:
            missing = exc.message
        print(json.dumps([ArgosEngine().model_id("en", "hr"), MarianEngine().model_id("en", "hr"),
                          sorted(map(list, MarianEngine().pairs())), missing]))
        """,
    )
    assert ids[:3] == ["translate-en_hr 1.0", MODEL_ID, [["en", "hr"]]]
    assert ids[3] == "no Marian model for en→de: the model catalogue has no entry for it"


# --- what the first real download checks -----------------------------------------------------


def test_a_checkpoint_whose_sha256_differs_is_refused_and_deleted(
    argos_env: ArgosEnv, argos_index: IndexServer
) -> None:
    argos_index.publish_marian([("en", "hr")])
    argos_index.write_catalogue({"en-hr": "0" * 64})
    env = marian_env(argos_env, argos_index)
    result = env.cli("models", "install", "hr")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert re.match(r"error: http://127\.0\.0\.1:\d+/marian/en-hr/model\.npz\.best-chrf\.npz: "
                    r"sha256 [0-9a-f]{64} is not the 0{64}", result.stderr)  # fmt: skip
    assert folders(env) == []
    assert not list((env.root / "newsletter-cache" / "downloads").rglob(CHECKPOINT))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("decoder_l1_ffn_W1", "model attributes are not set: decoder/layer_0/ffn/linear_0/weight"),
        ("encoder_l1_self_Wo_ln_scale", "it has no parameter 'encoder_l1_self_Wo_ln_scale'"),
        ("vocab", "Source vocabulary 0 has size"),
        ("yml", "Option --transformer-ffn-activation tanh is not supported"),
    ],
)
def test_a_checkpoint_the_converter_cannot_read_is_a_clear_error(
    argos_env: ArgosEnv, argos_index: IndexServer, change: str, message: str
) -> None:
    folder = argos_index.folder / "marian" / "en-hr"
    dropped = (change,) if change.startswith(("encoder", "decoder")) else ()
    argos_index.publish_marian([("en", "hr")], drop=dropped)
    if change == "vocab":  # a vocabulary of another size: not the one the model was trained with
        train_marian_spm(folder / "model.en-hr.spm", 120)
    if change == "yml":
        _rewrite_model_yml(folder / CHECKPOINT, "ffn-activation: relu", "ffn-activation: tanh")
    argos_index.write_catalogue({"en-hr": ""})  # unpinned, so the edited files are taken
    env = marian_env(argos_env, argos_index)
    result = env.cli("models", "install", "hr")
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"error: cannot convert {CHECKPOINT} of {MODEL_ID}")
    assert message in result.stderr and "Traceback" not in result.stderr
    assert folders(env) == []  # nothing half-installed
    assert not [p for p in env.packages_dir.parent.iterdir() if p.name.startswith(".marian")]


def _rewrite_model_yml(path: Path, old: str, new: str) -> None:
    import numpy as np

    with np.load(path) as npz:
        weights = dict(npz)
    text = weights["special:model.yml"].tobytes().decode().replace(old, new)
    weights["special:model.yml"] = np.frombuffer(text.encode(), dtype=np.int8)
    np.savez(path, **weights)


# --- the catalogue -----------------------------------------------------------------------------


def test_the_built_in_catalogue_pins_hr_and_mt_to_hub_commits_and_checkpoint_hashes() -> None:
    entries = {e.to_code: e for e in load_catalogue()}
    assert set(entries) == {"hr", "mt"}
    for entry in entries.values():
        assert entry.source.startswith("https://huggingface.co/HPLT/")
        assert f"/resolve/{entry.revision}/" in entry.source and len(entry.revision) == 40
        assert entry.checkpoint_sha256 and entry.licence == "CC-BY-4.0"
        assert entry.checkpoint == CHECKPOINT and entry.quantization == "int8"


GOOD = {
    "id": "x", "from": "en", "to": "hr", "name": "X", "licence": "CC-BY-4.0",
    "url": "https://example.org/x", "revision": "a" * 40, "checkpoint": CHECKPOINT,
    "vocabs": ["model.en-hr.spm"], "size_mb": 300,
    "source": f"https://huggingface.co/org/model/resolve/{'a' * 40}/",
}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"source": "https://huggingface.co/org/model/resolve/main/"}, "must be pinned"),
        ({"revision": "b" * 40}, "must be pinned"),
        ({"to": "xx"}, "'to' = 'xx' is not an EU language code"),
        ({"vocabs": []}, "'vocabs' must list one SentencePiece file"),
        ({"checkpoint_sha256": "ABC"}, "'checkpoint_sha256' must be 64 lowercase hex digits"),
        ({"url": "http://example.org/x"}, "'url' must be an https:// link"),
        ({"size_mb": 0}, "'size_mb' must be a positive whole number"),
    ],
)
def test_a_bad_catalogue_entry_is_refused_naming_entry_and_key(
    change: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_catalogue({"model": [GOOD | change]}, "cat.toml")
    assert info.value.message == "cat.toml: 1 problem in the model catalogue"
    assert len(info.value.details) == 1 and problem in info.value.details[0]
    assert info.value.details[0].startswith("x: ")


def test_every_problem_of_a_catalogue_is_reported_at_once() -> None:
    second = GOOD | {"id": "y", "name": ""}
    with pytest.raises(ConfigError) as info:
        parse_catalogue({"model": [GOOD, GOOD | {"id": "z"}, second]}, "cat.toml")
    assert info.value.details == [
        "y: 'name' must be a non-empty string",
        "z: en→hr is already x's",
    ]


def test_a_catalogue_file_given_by_path_replaces_the_built_in_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "models.toml"
    path.write_text('[[model]]\nid = "x"\n', "utf-8")
    monkeypatch.setenv("NEWSLETTER_MODEL_CATALOGUE", str(path))
    with pytest.raises(ConfigError, match=r"models\.toml: \d+ problems in the model catalogue"):
        load_catalogue()
    path.write_text("", "utf-8")
    assert load_catalogue() == []


# --- the engine's Marian conventions -------------------------------------------------------------


class Recording:
    """A CTranslate2 translator stand-in that records what it is given and echoes it back."""

    def __init__(self) -> None:
        self.batches: list[list[list[str]]] = []

    def translate_batch(self, sources: list[list[str]], **options: Any) -> list[Any]:
        self.batches.append(sources)
        return [type("R", (), {"hypotheses": [tokens[1:]]})() for tokens in sources]


def test_a_multilingual_models_target_token_goes_before_the_source(tmp_path: Path) -> None:
    from pipeline.translate.argos import ArgosEngine, ModelFiles

    spm = tmp_path / "source.spm"
    train_marian_spm(spm, 300)
    files = ModelFiles("opus@1", tmp_path, spm, "", kind="marian", source_prefix=">>hrv<<")
    translator = Recording()
    out = ArgosEngine()._translate_loaded(files, translator, ["Smart is 25.", " "], "en→hr")
    ((tokens,),) = translator.batches
    assert (
        tokens[0] == ">>hrv<<" and "".join(tokens[1:]).replace("▁", " ").strip() == "Smart is 25."
    )
    assert out == ["Smart is 25.", ""]  # decoded without the token, with SentencePiece itself


# --- all 24 languages --------------------------------------------------------------------------


def test_a_default_build_of_all_24_languages_from_loopback_machine_translates_every_one(
    tmp_path: Path, argos_env: ArgosEnv, argos_index: IndexServer
) -> None:
    """What `python -m tests.support.serve_index --langs all` serves, `make issue` builds: 22
    languages from argos packages, Croatian and Maltese from Marian models, no configuration."""
    from pipeline.languages import EU_LANGUAGES
    from tests.support.serve_index import MARIAN_ONLY, parse_pairs

    pairs = parse_pairs("all")
    argos_index.publish([p for p in pairs if p[1] not in MARIAN_ONLY])
    argos_index.publish_marian([p for p in pairs if p[1] in MARIAN_ONLY])
    root = tmp_path / "project"
    shutil.copytree(ROOT / "issues", root / "issues")
    env = marian_env(argos_env, argos_index)
    issue = root / "issues" / "2024-06-belgian-presidency"
    (issue / "interview.txt").write_text(SHORT_INTERVIEW, "utf-8")  # the seed's 24 issue.toml
    args = ("--install-models", "--no-screenshots", "--beam-size", "1")
    result = env.cli("build", str(issue), *args, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads((root / "build" / issue.name / "report.json").read_text())
    statuses = {lang: entry["status"] for lang, entry in report["languages"].items()}
    assert sorted(statuses) == sorted(EU_LANGUAGES)
    assert statuses.pop("en") == "source" and set(statuses.values()) == {"direct"}
    machine = [lang for lang, e in report["languages"].items() if e["segments"]["engine"]]
    assert len(machine) == 23  # every language but the source, none left to a human
    assert {lang for lang, e in report["languages"].items() if e["attributions"]} == MARIAN_ONLY
    index = (root / "build" / issue.name / "preview" / "index.html").read_text()
    assert '<span class="badge state-complete">complete</span> 24</li>' in index  # the summary


SHORT_INTERVIEW = """CECOP had the chance to sit down with its member Smart Belgium.

CECOP (C): Congratulations to Smart on its 25th anniversary. What are its achievements?

Anne-Laure Desgris (ALD): The first was the creation of Smart in 1998.
"""
