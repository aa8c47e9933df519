"""The ``argos`` engine: local CTranslate2 models, one batch per language.

The models are installed argos packages and, for the pairs no package covers (Croatian and
Maltese), Marian models from the catalogue converted at install time (:mod:`.marian`); an
argos package wins where both exist. argostranslate is used only to find installed packages
and read their metadata; inference runs on ``ctranslate2.Translator`` over the model's
``model/`` with every segment of a language in one ``translate_batch`` call, and text is
(de)tokenised with ``sentencepiece`` directly (argostranslate's decoder turns every ``_`` into
a space). ``argostranslate.translate`` is never imported: it pulls in sentence splitters that
download models at run time. Marian conventions are the converter's: the source gets ``</s>``
appended by CTranslate2 itself (``add_source_eos``), the decoder starts from a zero embedding,
and a multilingual model's target token (``>>hrv<<``) goes before the source pieces.

Importing this module registers the engine in :data:`pipeline.translate.engine.ENGINES`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.document import Attribution
from pipeline.errors import ModelMissingError, TranslationError
from pipeline.translate.engine import EngineSettings, register

TranslatorFactory = Callable[..., Any]
# The public Argos index (mid-2025) has no package to or from these, so pivoting fails too.
NO_ARGOS_PACKAGE = frozenset({"hr", "mt"})


@dataclass(frozen=True)
class ModelFiles:
    """What the engine needs from one installed model (an argos package or a Marian model)."""

    model_id: str  # "translate-en_de 1.9", "hplt-en-hr-v1.0@e3360cdbdfa9"
    model_dir: Path
    sentencepiece: Path
    target_prefix: str
    kind: str = "argos"  # "argos" (a package) or "marian" (from the model catalogue)
    source_prefix: str = ""  # a token before every source sentence (multilingual Marian)
    target_sentencepiece: Path | None = None  # when the target side has a model of its own
    credit: Attribution | None = None  # the licence asks the e-mail to name the model


def _ctranslate2_translator(*args: Any, **kwargs: Any) -> Any:
    import ctranslate2

    return ctranslate2.Translator(*args, **kwargs)


class ArgosEngine:
    """Translate with local CTranslate2 models (see the module docstring)."""

    name = "argos"
    kinds: tuple[str, ...] = ("argos", "marian")  # the kinds of model used, first wins

    def __init__(
        self,
        settings: EngineSettings | None = None,
        *,
        translator_factory: TranslatorFactory | None = None,
    ) -> None:
        self.settings = settings or EngineSettings()
        # Tests inject a counting factory; production uses ctranslate2.Translator.
        self._translator_factory = translator_factory or _ctranslate2_translator
        self._lock = threading.Lock()
        self.stats: dict[str, float] = {"models_loaded": 0, "batches": 0, "segments": 0}

    def pairs(self) -> set[tuple[str, str]]:
        return installed_pairs(self.kinds)

    def model_id(self, source_lang: str, target_lang: str) -> str:
        return model_files(source_lang, target_lang, self.kinds).model_id

    def attribution(self, source_lang: str, target_lang: str) -> Attribution | None:
        """The credit a pair's model asks for where its translation is published, or None."""
        return model_files(source_lang, target_lang, self.kinds).credit

    def translate(self, source_lang: str, target_lang: str, segments: Sequence[str]) -> list[str]:
        """Translate all segments in ONE translate_batch call; load the model once, then free it."""
        with self.hold_models() as held:
            return held.translate(source_lang, target_lang, segments)

    @contextmanager
    def hold_models(self) -> Iterator[_HeldModels]:
        """A view of this engine that keeps loaded models until the block ends, then frees them."""
        held = _HeldModels(self)
        try:
            yield held
        finally:
            held.release()  # free the models before the next language loads

    def _translate_loaded(
        self,
        files: ModelFiles,
        translator: Any,
        segments: Sequence[str],
        pair: str,
        beam_size: int | None = None,
    ) -> list[str]:
        todo = [i for i, text in enumerate(segments) if text.strip()]
        out = ["" for _ in segments]
        if not todo:
            return out
        import sentencepiece as spm

        processor = spm.SentencePieceProcessor(model_file=str(files.sentencepiece))
        target = files.target_sentencepiece
        decoder = spm.SentencePieceProcessor(model_file=str(target)) if target else processor
        prefix = [files.source_prefix] if files.source_prefix else []
        sources = [prefix + processor.encode(segments[i].strip(), out_type=str) for i in todo]
        try:
            hypotheses = self._translate_batch(
                translator, sources, files.target_prefix, beam_size or self.settings.beam_size
            )
        except RuntimeError as exc:  # ctranslate2 reports its failures as RuntimeError
            raise TranslationError(f"{self.name} {files.model_id} failed on {pair}: {exc}") from exc
        for index, source, tokens in zip(todo, sources, hypotheses, strict=True):
            out[index] = _decode(decoder, tokens, files.target_prefix, self._bound(len(source)))
        with self._lock:
            self.stats["batches"] += 1
            self.stats["segments"] += len(todo)
        return out

    def _load(self, files: ModelFiles) -> Any:
        s = self.settings
        try:
            translator = self._translator_factory(
                str(files.model_dir),
                device="cpu",
                compute_type=s.compute_type,
                inter_threads=s.inter_threads or 1,
                intra_threads=s.intra_threads,
            )
        except (RuntimeError, ValueError) as exc:
            raise TranslationError(
                f"cannot load {files.kind} model {files.model_id} from {files.model_dir}: {exc}. "
                "Reinstall it with 'newsletter models install'."
            ) from exc
        with self._lock:
            self.stats["models_loaded"] += 1
        return translator

    def _bound(self, source_tokens: int) -> int:
        return int(self.settings.length_ratio * source_tokens) + self.settings.length_extra

    def _translate_batch(
        self, translator: Any, sources: list[list[str]], prefix: str, beam_size: int
    ) -> list[list[str]]:
        s = self.settings
        longest = max(len(tokens) for tokens in sources)
        results = translator.translate_batch(
            sources,
            target_prefix=[[prefix] for _ in sources] if prefix else None,
            beam_size=beam_size,
            max_batch_size=s.max_batch_size,
            batch_type="examples",
            # One bound for the call (from the longest source, plus the prefix token); each
            # output is then cut to its own source's bound in _decode.
            max_decoding_length=self._bound(longest) + (1 if prefix else 0),
            replace_unknowns=True,
            length_penalty=0.2,
        )
        return [list(result.hypotheses[0]) for result in results]


class _HeldModels:
    """The engine, with each model loaded on first use and kept until :meth:`release`."""

    def __init__(
        self,
        engine: ArgosEngine,
        loaded: dict[str, tuple[ModelFiles, Any]] | None = None,
        beam_size: int | None = None,
    ) -> None:
        self.engine = engine
        self.name = engine.name
        self._loaded: dict[str, tuple[ModelFiles, Any]] = {} if loaded is None else loaded
        self._beam_size = beam_size

    def for_retry(self) -> tuple[_HeldModels, str]:
        """The same loaded models, decoding with ``retry_beam_size`` (see engine.retry_engine)."""
        beam = self.engine.settings.retry_beam_size
        if beam == self.engine.settings.beam_size:
            return self, ""
        return _HeldModels(self.engine, self._loaded, beam), f" retry-beam{beam}"

    def pairs(self) -> set[tuple[str, str]]:
        return self.engine.pairs()

    def model_id(self, source_lang: str, target_lang: str) -> str:
        return self.engine.model_id(source_lang, target_lang)

    def attribution(self, source_lang: str, target_lang: str) -> Attribution | None:
        return self.engine.attribution(source_lang, target_lang)

    def translate(self, source_lang: str, target_lang: str, segments: Sequence[str]) -> list[str]:
        pair = f"{source_lang}→{target_lang}"
        if pair not in self._loaded and any(text.strip() for text in segments):
            files = model_files(source_lang, target_lang, self.engine.kinds)
            self._loaded[pair] = (files, self.engine._load(files))
        if pair not in self._loaded:
            return ["" for _ in segments]
        files, translator = self._loaded[pair]
        return self.engine._translate_loaded(files, translator, segments, pair, self._beam_size)

    def release(self) -> None:
        self._loaded.clear()


def _decode(processor: Any, tokens: list[str], prefix: str, bound: int) -> str:
    """Pieces → text with sentencepiece itself, so "_" and "▁" mean what they should."""
    if prefix and tokens and tokens[0] == prefix:
        tokens = tokens[1:]
    text: str = processor.decode_pieces(tokens[:bound])
    return text.strip()


def installed_pairs(kinds: Sequence[str] = ArgosEngine.kinds) -> set[tuple[str, str]]:
    """The (from, to) pairs the installed models of these kinds translate."""
    pairs: set[tuple[str, str]] = set()
    if "argos" in kinds:
        from pipeline.translate.models import installed_packages

        pairs |= {(p.from_code, p.to_code) for p in installed_packages()}
    if "marian" in kinds:
        from pipeline.translate.marian import installed_models

        pairs |= {m.pair for m in installed_models()}
    return pairs


def model_files(
    source_lang: str, target_lang: str, kinds: Sequence[str] = ArgosEngine.kinds
) -> ModelFiles:
    """The model for a pair: the newest argos package, else a Marian model (in the order of
    ``kinds``); ModelMissingError naming the command that installs one."""
    for kind in kinds:
        found = _argos_files(source_lang, target_lang) if kind == "argos" else None
        if kind == "marian":
            from pipeline.translate.marian import installed_for

            model = installed_for(source_lang, target_lang)
            found = model.files() if model else None
        if found is not None:
            return found
    raise ModelMissingError(missing_model_message(source_lang, target_lang, kinds))


def _argos_files(source_lang: str, target_lang: str) -> ModelFiles | None:
    from pipeline.translate.models import installed_packages, package_id, version_key

    candidates = [
        p for p in installed_packages() if (p.from_code, p.to_code) == (source_lang, target_lang)
    ]
    if not candidates:
        return None
    package = max(candidates, key=lambda p: version_key(p.package_version))
    path = Path(package.package_path)
    tokenizer = path / "sentencepiece.model"
    if not tokenizer.is_file():
        raise TranslationError(
            f"{path}: argos package {package_id(package)} has no sentencepiece.model "
            "(old BPE packages are not supported); install a newer package for "
            f"{source_lang}→{target_lang} with 'newsletter models install {target_lang}'."
        )
    return ModelFiles(package_id(package), path / "model", tokenizer, package.target_prefix or "")


def missing_model_message(
    source_lang: str, target_lang: str, kinds: Sequence[str] = ArgosEngine.kinds
) -> str:
    """The error for a pair with no installed model, naming a command that installs it.

    ``make models`` installs from the source language of an issue (the one named by ISSUE=,
    else the newest), so a pair from another language than English names it with FROM=:
    the newest issue may be an English one."""
    command = f"make models LANGS={target_lang}"
    if source_lang != "en":
        command += f" FROM={source_lang}"
    return model_hint(source_lang, target_lang, kinds, command)


def model_hint(source_lang: str, target_lang: str, kinds: Sequence[str], command: str) -> str:
    """ "no argos model for en→de; run 'COMMAND'", and for a pair no argos package covers, why,
    with the command when the Marian catalogue names a model for it."""
    from pipeline.translate.catalogue import offers

    pair = f"{source_lang}→{target_lang}"
    marian = "marian" in kinds and offers(source_lang, target_lang)
    if "argos" not in kinds:  # the marian engine: only the catalogue can help
        if not marian:
            return f"no Marian model for {pair}: the model catalogue has no entry for it"
        return f"no Marian model for {pair}; run '{command}' to install the one it names"
    head = f"no argos model for {pair}"
    if {source_lang, target_lang} & NO_ARGOS_PACKAGE:
        head += ": the Argos index has no package for it"
        if not marian:
            return head
    if marian:
        return f"{head}; run '{command}' to install the Marian model the model catalogue names"
    return f"{head}; run '{command}'"


register("argos", ArgosEngine)
