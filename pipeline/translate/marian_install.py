"""Install a Marian model from the catalogue: download, check, convert to CTranslate2, install.

1. Each file of the entry (the ``.npz`` checkpoint, the SentencePiece model(s)) is fetched into
   ``$NEWSLETTER_CACHE_DIR/downloads/<id>-<revision>/`` through the HTTP boundary, with a
   progress bar, atomically and resumed (:mod:`pipeline.download`): an interrupted install
   continues where the bytes stopped the next time it is run.
2. The checkpoint's sha256 must equal the catalogue's ``checkpoint_sha256`` when it names one;
   the sha256 of every file is recorded either way.
3. Marian's vocabulary for a SentencePiece model is the model's own pieces in id order, so the
   ``token: id`` YAML that CTranslate2's ``MarianConverter`` reads is written from the ``.spm``
   (and read back with the converter's own parser, to be sure it says the same).
4. ``MarianConverter`` converts the checkpoint (numpy + PyYAML, no torch) with the entry's
   quantization; its checks (architecture options, every parameter name, vocabulary size
   against the embeddings) become one error naming the entry and what did not fit.
5. The converted model translates a test sentence, then ``metadata.json`` is written and the
   folder is renamed into the packages folder, replacing an older Marian model for the pair.
   Nothing is half-installed: everything before the rename happens in a staging folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from pipeline.errors import RemoteError, TranslationError
from pipeline.languages import english_name
from pipeline.translate.catalogue import CatalogueEntry
from pipeline.translate.marian import FOLDER_PREFIX, KIND, installed_models

TEST_SENTENCE = "The cooperative was founded in 1998."


def install(entry: CatalogueEntry, client: Any | None = None, progress: bool = True) -> str:
    """Install one catalogue entry (see the module docstring); its model id."""
    from pipeline.translate.models import packages_dirs

    target_dir = packages_dirs()[0]
    target_dir.mkdir(parents=True, exist_ok=True)
    downloads = download_dir(entry)
    _check_space(entry, downloads)
    fetched = {name: _fetch(entry, name, downloads, client, progress) for name in entry.files}
    _check_hash(entry, fetched[entry.checkpoint])
    staging = Path(tempfile.mkdtemp(prefix=f".{FOLDER_PREFIX}", dir=target_dir.parent))
    try:
        folder = staging / f"{FOLDER_PREFIX}{entry.id}"
        converter = convert(entry, fetched, folder)
        _metadata(entry, fetched, converter, folder)
        _replace(target_dir, folder, entry)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(downloads, ignore_errors=True)
    return entry.model_id


def download_dir(entry: CatalogueEntry) -> Path:
    from pipeline.store import cache_dir

    return cache_dir() / "downloads" / f"{entry.id}-{entry.revision[:12]}"


def _check_space(entry: CatalogueEntry, downloads: Path) -> None:
    """The download plus the converted model (int8: about a quarter) must fit."""
    downloads.mkdir(parents=True, exist_ok=True)
    need = int(entry.size_mb * 1.5) * 10**6
    free = shutil.disk_usage(downloads).free
    if free < need:
        raise TranslationError(
            f"installing {entry.model_id} needs about {need // 10**6} MB free in {downloads} "
            f"(the download is {entry.size_mb} MB), but {free // 10**6} MB are free. Free some "
            "space or set NEWSLETTER_CACHE_DIR to a larger disk."
        )


class Fetched:
    """A downloaded file with its sha256 and size."""

    def __init__(self, path: Path) -> None:
        self.path = path
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        self.sha256 = digest.hexdigest()
        self.size = path.stat().st_size


def _fetch(
    entry: CatalogueEntry, name: str, downloads: Path, client: Any | None, progress: bool
) -> Fetched:
    """One file, downloaded unless a complete copy is there from an earlier, failed install."""
    from pipeline.translate.models import fetch_file

    target = downloads / name
    if not target.is_file():  # download_file renames only a complete file into place
        url = entry.file_url(name)
        try:
            fetch_file(url, target, client, progress, f"{entry.id} {name}")
        except (OSError, RemoteError) as exc:
            raise TranslationError(
                f"cannot download {url} for {entry.model_id}: {str(exc).splitlines()[0]}. "
                "Are you offline? Run the same command again: it resumes where it stopped."
            ) from None
    return Fetched(target)


def _check_hash(entry: CatalogueEntry, checkpoint: Fetched) -> None:
    expected = entry.checkpoint_sha256
    if expected and checkpoint.sha256 != expected:
        checkpoint.path.unlink()
        raise TranslationError(
            f"{entry.file_url(entry.checkpoint)}: sha256 {checkpoint.sha256} is not the "
            f"{expected} the model catalogue pins for {entry.model_id} ({checkpoint.size} bytes "
            "arrived). The download was deleted; run the command again, and if it happens "
            "again the file at that revision changed: check the catalogue entry."
        )


def convert(entry: CatalogueEntry, fetched: dict[str, Fetched], folder: Path) -> str:
    """``folder``/model (CTranslate2) and the SentencePiece model(s); the converter's name."""
    import ctranslate2
    from ctranslate2.converters import MarianConverter

    folder.mkdir(parents=True)
    vocabs = [fetched[name].path for name in entry.vocabs]
    ymls = [marian_vocab(path, folder.parent / f"vocab{i}.yml") for i, path in enumerate(vocabs)]
    checkpoint = fetched[entry.checkpoint].path
    try:
        converter = MarianConverter(str(checkpoint), [str(ymls[0]), str(ymls[-1])])
        converter.convert(str(folder / "model"), quantization=entry.quantization)
    except KeyError as exc:  # numpy: "'name' is not a file in the archive"
        name = str(exc.args[0]).removesuffix(" is not a file in the archive")
        raise _unfit(entry, f"it has no parameter '{name}'") from None
    except (ValueError, RuntimeError, NotImplementedError, OSError) as exc:
        raise _unfit(entry, " ".join(str(exc).split())) from None
    shutil.copyfile(vocabs[0], folder / "sentencepiece.model")
    if len(vocabs) > 1:
        shutil.copyfile(vocabs[1], folder / "target.sentencepiece.model")
    _try_model(entry, folder)
    return f"ctranslate2 {ctranslate2.__version__} MarianConverter"


def _unfit(entry: CatalogueEntry, why: str) -> TranslationError:
    return TranslationError(
        f"cannot convert {entry.checkpoint} of {entry.model_id} ({entry.url}): {why}. The "
        "checkpoint and vocabulary do not fit what CTranslate2's Marian converter reads (a "
        "Marian transformer .npz with its special:model.yml, and the SentencePiece model it "
        "was trained with); check the catalogue entry's files."
    )


def marian_vocab(spm_path: Path, yml_path: Path) -> Path:
    """Marian's YAML vocabulary for a SentencePiece model: its pieces, in id order."""
    import sentencepiece as spm
    from ctranslate2.converters.marian import load_vocab

    try:
        processor = spm.SentencePieceProcessor(model_file=str(spm_path))
    except (RuntimeError, OSError) as exc:
        raise TranslationError(
            f"{spm_path.name} is not a SentencePiece model ({' '.join(str(exc).split())}); "
            "check the catalogue entry's 'vocabs'."
        ) from None
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    if "</s>" not in pieces or "<unk>" not in pieces:
        raise TranslationError(
            f"{spm_path.name} has no </s> or <unk> piece: it is not the vocabulary of a Marian "
            "model; check the catalogue entry's 'vocabs'."
        )
    lines = (f"{json.dumps(piece, ensure_ascii=False)}: {i}\n" for i, piece in enumerate(pieces))
    yml_path.write_text("".join(lines), encoding="utf-8")
    if load_vocab(str(yml_path)) != pieces:  # the converter's own reading must agree
        raise TranslationError(f"{spm_path.name}: a piece does not survive Marian's YAML form")
    return yml_path


def _try_model(entry: CatalogueEntry, folder: Path) -> None:
    """Load the converted model and translate one sentence: a model that cannot is refused."""
    import ctranslate2
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_file=str(folder / "sentencepiece.model"))
    tokens = processor.encode(TEST_SENTENCE, out_type=str)
    prefix = [entry.source_prefix] if entry.source_prefix else []
    try:
        translator = ctranslate2.Translator(str(folder / "model"), compute_type="int8")
        translator.translate_batch([prefix + tokens], beam_size=1, max_decoding_length=16)
    except (RuntimeError, ValueError) as exc:
        raise _unfit(entry, f"the converted model cannot translate: {exc}") from None


def _metadata(
    entry: CatalogueEntry, fetched: dict[str, Fetched], converter: str, folder: Path
) -> None:
    metadata = {
        "type": KIND,  # argostranslate lists only "translate" packages: it ignores this folder
        "code": entry.id,
        "package_version": entry.revision[:12],
        "from_code": entry.from_code,
        "to_code": entry.to_code,
        "from_name": english_name(entry.from_code),
        "to_name": english_name(entry.to_code),
        "name": entry.name,
        "licence": entry.licence,
        "url": entry.url,
        "source": entry.source,
        "revision": entry.revision,
        "files": {name: {"sha256": f.sha256, "bytes": f.size} for name, f in fetched.items()},
        "converter": converter,
        "quantization": entry.quantization,
        "source_prefix": entry.source_prefix,
        "installed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    (folder / "metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")


def _replace(target_dir: Path, folder: Path, entry: CatalogueEntry) -> None:
    """Rename the new model into place; older Marian models for the pair go."""
    from argostranslate.package import package_lock

    with package_lock:
        for old in [m.path for m in installed_models() if m.pair == entry.pair]:
            shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(target_dir / folder.name, ignore_errors=True)
        os.replace(folder, target_dir / folder.name)
