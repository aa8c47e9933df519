"""The "apertium" engine: rule-based machine translation by Apertium, run as a subprocess.

Apertium installs from Debian (``apt-get install apertium apertium-eng-spa apertium-hbs-eng``):
each language pair adds *modes* (``eng-spa``, ``eng-hbs_HR``, …) under
``$APERTIUM_DATADIR/modes`` (default ``/usr/share/apertium``). A mode's sides map to the EU
codes by ISO 639-3 (``eng`` → en, ``spa`` → es), or ISO 639-1 in older pairs (``es-pt``);
Serbo-Croatian is Croatian as a target only in its ``hbs_HR`` variant, and as a source (its
analyser reads every variant). It is deterministic and fast (the seed issue in 0.2 s), and it
is the one real MT engine the tests can run: it turns "Smart" into "Listo", so the glossary
masking meets a real engine here.

All segments of a language go through ONE ``apertium -u -f html MODE`` run, each escaped in a
``<p id="sN">`` of its own: Apertium's HTML format keeps markup as it is, and the paragraphs
carry the segments back apart. ``-u`` leaves unknown words (the ``__0__`` placeholders, names)
unmarked; the ``#`` Apertium puts on a word it could not generate is taken off, and the spaces
it leaves where it dropped a word (a pronoun) are closed up.

Importing this module registers the engine in :data:`pipeline.translate.engine.ENGINES`.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ModelMissingError, TranslationError
from pipeline.http import one_line
from pipeline.translate.engine import EngineSettings, register

# Apertium's language codes (ISO 639-3) for the EU languages; ISO 639-1 names map to themselves.
ISO3 = {
    "bul": "bg", "ces": "cs", "dan": "da", "deu": "de", "ell": "el", "eng": "en", "spa": "es",
    "est": "et", "fin": "fi", "fra": "fr", "gle": "ga", "hrv": "hr", "hun": "hu", "ita": "it",
    "lit": "lt", "lav": "lv", "mlt": "mt", "nld": "nl", "pol": "pl", "por": "pt", "ron": "ro",
    "slk": "sk", "slv": "sl", "swe": "sv",
}  # fmt: skip
AS_SOURCE = {"hbs": "hr"}  # Serbo-Croatian's analyser reads Croatian
AS_TARGET = {"hbs_HR": "hr"}  # … but only this variant writes it
TIMEOUT = 600.0
_SEGMENT = re.compile(r'<p id="s(\d+)">(.*?)</p>', re.DOTALL)
_PACKAGE = re.compile(r"/(apertium-[a-z]{2,3}(?:_[A-Za-z]+)?-[a-z]{2,3}(?:_[A-Za-z]+)?)/")


@dataclass(frozen=True)
class Mode:
    """One installed translation direction."""

    name: str  # "eng-hbs_HR"
    source: str  # "en"
    target: str  # "hr"
    package: str  # "apertium-hbs-eng 0.5.1-2" (or a digest of the mode file)


def data_dir() -> Path:
    return Path(os.environ.get("APERTIUM_DATADIR", "/usr/share/apertium"))


def installed_modes() -> dict[tuple[str, str], Mode]:
    """The EU language pairs the installed Apertium modes translate (none without apertium)."""
    if shutil.which("apertium") is None:
        return {}
    modes: dict[tuple[str, str], Mode] = {}
    for path in sorted((data_dir() / "modes").glob("*.mode")):
        pair = _pair(path.stem)
        if pair is not None and pair[0] != pair[1]:
            modes.setdefault(pair, Mode(path.stem, *pair, _package(path)))
    return modes


def _pair(mode: str) -> tuple[str, str] | None:
    sides = mode.split("-")
    if len(sides) != 2:
        return None
    source = sides[0].split("_")[0]
    source_lang = AS_SOURCE.get(source) or ISO3.get(source) or _iso1(source)
    target_lang = AS_TARGET.get(sides[1]) or ISO3.get(sides[1]) or _iso1(sides[1])
    return (source_lang, target_lang) if source_lang and target_lang else None


def _iso1(code: str) -> str | None:
    return code if code in ISO3.values() else None


def _package(mode_file: Path) -> str:
    """The Debian package (and version) that holds a mode's data, else a digest of the mode:
    part of the memory key, so new linguistic data misses the memory."""
    text = mode_file.read_text(encoding="utf-8", errors="replace")
    match = _PACKAGE.search(text)
    if match and shutil.which("dpkg-query"):
        found = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", match.group(1)],
            capture_output=True,
            text=True,
            check=False,
        )
        if found.returncode == 0 and found.stdout.strip():
            return f"{match.group(1)} {found.stdout.strip()}"
    return f"{mode_file.stem} {hashlib.sha256(text.encode()).hexdigest()[:12]}"


class ApertiumEngine:
    """Translate with the installed Apertium modes (see the module docstring)."""

    name = "apertium"

    def __init__(self, settings: EngineSettings | None = None) -> None:
        self.settings = settings or EngineSettings()  # Apertium has nothing to tune
        self._modes: dict[tuple[str, str], Mode] | None = None

    def modes(self) -> dict[tuple[str, str], Mode]:
        if self._modes is None:
            self._modes = installed_modes()
        return self._modes

    def pairs(self) -> set[tuple[str, str]]:
        if shutil.which("apertium") is None:
            raise TranslationError(
                "apertium is not installed: apt-get install apertium and the pairs you need "
                "(apertium-eng-spa, apertium-hbs-eng, …)"
            )
        return set(self.modes())

    def model_id(self, source_lang: str, target_lang: str) -> str:
        mode = self._mode(source_lang, target_lang)
        return f"apertium {mode.name} ({mode.package})"

    def translate(self, source_lang: str, target_lang: str, segments: Sequence[str]) -> list[str]:
        mode = self._mode(source_lang, target_lang)
        document = "".join(
            f'<p id="s{i}">{html.escape(text, quote=False)}</p>\n'
            for i, text in enumerate(segments)
        )
        output = self._run(mode, document)
        found = {int(i): text for i, text in _SEGMENT.findall(output)}
        if sorted(found) != list(range(len(segments))):
            raise TranslationError(
                f"apertium {mode.name} gave back {len(found)} of {len(segments)} segments "
                "(its HTML format moved the markup); this is a bug in the apertium engine"
            )
        return [tidy(segments[i], html.unescape(found[i])) for i in range(len(segments))]

    def _mode(self, source_lang: str, target_lang: str) -> Mode:
        mode = self.modes().get((source_lang, target_lang))
        if mode is None:
            raise ModelMissingError(
                f"apertium cannot translate {source_lang}→{target_lang}: no such pair is "
                "installed (apt-cache search apertium lists the Debian packages)"
            )
        return mode

    def _run(self, mode: Mode, document: str) -> str:
        command = ["apertium", "-u", "-f", "html", mode.name]
        try:
            done = subprocess.run(
                command,
                input=document,
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TranslationError(f"{' '.join(command)} failed: {exc}") from None
        if done.returncode != 0:
            raise TranslationError(
                f"{' '.join(command)} exited with {done.returncode}: "
                f"{one_line(done.stderr or done.stdout, 200)}"
            )
        return done.stdout


def tidy(source: str, text: str) -> str:
    """Apertium's output as text: generation marks off, dropped words' spaces closed up, and
    the source's final full stop back where an abbreviation took it ("etc." → "itd")."""
    if "#" not in source:
        text = text.replace("#", "")  # "#word": Apertium could not generate it
    text = " ".join(text.split())
    for mark in ".,;:!?)":
        if f" {mark}" not in source:
            text = text.replace(f" {mark}", mark)
    if "( " not in source:
        text = text.replace("( ", "(")
    end = source.rstrip()[-1:]
    if end in (".", "!", "?") and text[-1:].isalnum():
        text += end
    return text


register("apertium", ApertiumEngine)
