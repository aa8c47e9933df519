"""The shape of the package: five stages as five packages, imports only downwards.

Layers, lowest first: the shared modules, then the stages in pipeline order (ingest,
translate, render, preview, send), then the orchestrator and the command line — which
includes each stage's own ``cli.py`` (a stage owns its command-line registration, and a
command may run a stage and refresh what follows it, as ``newsletter render`` does the
preview). A module may import its own layer and any lower one — at the top of the file or
inside a function — never a higher one: no stage reaches back into a later stage, nothing
shared knows a stage, and nothing but ``pipeline.cli`` loads a command module.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"
STAGES = ("ingest", "translate", "render", "preview", "send")
TOP = ("build", "cli", "__main__")


def layer(module: str) -> int:
    """0 for shared modules, 1–5 for the stages in order, 6 for build and the command line."""
    parts = module.split(".")
    if parts[-1] == "cli":
        return 6
    name = parts[1] if len(parts) > 1 else ""
    if name in STAGES:
        return 1 + STAGES.index(name)
    return 6 if name in TOP else 0


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("pipeline.") and _exists(name)}


def _exists(module: str) -> bool:
    relative = Path(*module.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").is_file() or (PACKAGE / relative).is_dir()


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_every_stage_is_a_package_with_an_entry_point_and_a_cli() -> None:
    for stage in STAGES:
        folder = PACKAGE / stage
        assert (folder / "__init__.py").is_file() and (folder / "cli.py").is_file(), stage
        assert "register" in (folder / "cli.py").read_text(encoding="utf-8"), stage
        assert "Entry point" in (folder / "__init__.py").read_text(encoding="utf-8"), stage


def test_no_module_imports_a_higher_layer() -> None:
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "templates" in path.parts:
            continue
        here = module_name(path)
        for target in imports(path):
            if layer(target) > layer(here):
                upward.append(f"{here} imports {target}")
    assert upward == []


def test_help_loads_no_stage_library() -> None:
    """Stage packages import their heavy libraries lazily: --help stays instant."""
    heavy = ("httpx", "jinja2", "mjml", "ctranslate2", "polib", "babel", "tqdm", "argostranslate")
    code = (
        "import sys; from pipeline.cli import build_parser; build_parser(); "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_readme_layout_names_every_module() -> None:
    """The README's tree is how a newcomer finds their way: it must not fall behind the code."""
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    tree = readme[readme.index("## Developing") :]
    tree = tree[tree.index("```") : tree.index("```", tree.index("```") + 3)]
    # "  ingest/   source.py (…), …" up to the next entry of the same indentation
    sections = dict(re.findall(r"\n  (\w+/)(.*?)(?=\n  \S)", tree, re.S))
    top = "".join(re.findall(r"\n  (\w+\.py)", tree))
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in ("__init__.py", "__main__.py") or "templates" in path.parts:
            continue
        folder = path.parent.name
        text = top if folder == "pipeline" else sections.get(f"{folder}/", "")
        if path.name not in text:
            missing.append(str(path.relative_to(PACKAGE)))
    assert missing == []
