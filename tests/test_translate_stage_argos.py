"""The translate stage through the real argos engine, on tiny packages (output is noise).

This checks the wiring only: the seed interview goes through ``translate_issue`` with real
CTranslate2 models installed by ``newsletter models install-file``, the glossary's terms come
back from the placeholders (or the QA says so), and a second run loads no model.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.argos_env import ArgosEnv, argos_env
from tests.support.tinyargos import build_package
from tests.support.translate import make_project

__all__ = ["argos_env"]

RUN = """
import json, sys
from pipeline.ingest import ingest_file
from pipeline.translate.argos import ArgosEngine
from pipeline.translate.engine import ENGINES, EngineSettings
from pipeline.translate.stage import translate_issue
from tests.support.translate import make_project
from pathlib import Path
from pipeline.config import load_issue
from pipeline.store import IssuePaths

loads = []
class Counting(ArgosEngine):
    def _load(self, files):
        loads.append(files.model_id)
        return super()._load(files)

ENGINES["argos"] = lambda settings: Counting(settings)
paths = IssuePaths.for_issue(Path(sys.argv[1]))
config = load_issue(paths.issue_toml)
source = ingest_file(paths.interview, source_lang="en").document
# Greedy: beam search on a random tiny model runs to the length bound (slow, and noise).
settings = EngineSettings(beam_size=1)
results = translate_issue(config, paths, source, ["en", "de", "fr", "hr"], settings=settings)
print(json.dumps({
    "loads": loads,
    "status": {k: r.status for k, r in results.items()},
    "stats": {k: dict(r.stats) for k, r in results.items()},
    "codes": sorted({f.code for r in results.values() for f in r.findings}),
    "model": results["de"].model,
    "texts": [s.text for s in results["de"].document.segments],
    "protect_missing": [f.where for f in results["de"].findings
                        if f.code == "protected-term-missing"],
}))
"""


def test_the_seed_through_tiny_argos_models_twice(argos_env: ArgosEnv, tmp_path: Path) -> None:
    for lang in ("de", "fr"):
        package = build_package(tmp_path / "pkgs", "en", lang, version="1.9")
        installed = argos_env.cli("models", "install-file", str(package))
        assert installed.returncode == 0, installed.stderr
    project = make_project(tmp_path / "project")
    script = RUN.replace("sys.argv[1]", repr(str(project.paths.issue_dir)))

    first = argos_env.python(script, timeout=120)
    assert first.returncode == 0, first.stderr
    one = json.loads(first.stdout.splitlines()[-1])
    assert one["status"] == {"en": "source", "de": "direct", "fr": "direct", "hr": "unavailable"}
    # Loaded once per call: the batch, and a retry of segments whose placeholder the noise
    # model lost (reported as placeholder-lost).
    assert set(one["loads"]) == {"translate-en_de 1.9", "translate-en_fr 1.9"}
    assert len(one["loads"]) == 2  # one load per language, even when a retry is needed
    assert one["model"] == "translate-en_de 1.9"
    assert one["stats"]["de"]["engine"] == one["stats"]["de"]["segments"] > 64
    assert not any("__" in text for text in one["texts"])  # no placeholder leaks out

    second = argos_env.python(script, timeout=120)
    assert second.returncode == 0, second.stderr
    two = json.loads(second.stdout.splitlines()[-1])
    assert two["loads"] == []  # nothing changed: no model loaded
    assert two["stats"]["de"]["memory"] == two["stats"]["de"]["segments"]
    assert two["texts"] == one["texts"]
