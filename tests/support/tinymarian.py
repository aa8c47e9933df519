"""Build a tiny but real Marian checkpoint offline, as HPLT's MT release publishes them.

The files are the ones a catalogue entry names: ``model.npz.best-chrf.npz`` (every parameter
under the name Marian gives it, plus ``special:model.yml``) and ``model.<src>-<tgt>.spm`` (one
SentencePiece model for both sides, trained the way Marian trains its own: ``</s>`` = 0,
``<unk>`` = 1, no ``<s>``). The architecture is HPLT's transformer-base in miniature: post-norm
(``transformer-preprocess: ""``, ``transformer-postprocess: dan``), ``tied-embeddings-all``
(one ``Wemb`` for source, target and output, with ``decoder_ff_logit_out_b``), ReLU. The
parameter names and options were read from ``ctranslate2/converters/marian.py`` and from
HPLT's training log for en-hr (``hplt-project/HPLT-MT-Models``, v1.0/training/en-hr); the
tests convert the result with the real ``MarianConverter``. Weights are random: output is
noise, usually a token repeated until the engine's length bound stops it.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.support.tinyargos import CORPUS

CHECKPOINT = "model.npz.best-chrf.npz"


@dataclass(frozen=True)
class MarianDims:
    layers: int = 2
    d_model: int = 32
    heads: int = 4
    ffn: int = 64
    vocab: int = 400  # asked of SentencePiece; a small corpus may give fewer pieces


TINY = MarianDims()


def vocab_name(from_code: str, to_code: str) -> str:
    return f"model.{from_code}-{to_code}.spm"


def build_checkpoint(
    folder: Path,
    from_code: str = "en",
    to_code: str = "hr",
    *,
    dims: MarianDims = TINY,
    seed: int = 0,
    eos_bias: float = 4.0,
    drop: tuple[str, ...] = (),
) -> dict[str, str]:
    """Write the checkpoint and vocabulary into ``folder``; {file name: sha256}.

    ``drop`` leaves parameters out (to test what the converter says about a checkpoint that
    does not fit)."""
    folder.mkdir(parents=True, exist_ok=True)
    spm_path = folder / vocab_name(from_code, to_code)
    size = train_marian_spm(spm_path, dims.vocab)
    weights = marian_weights(dims, size, seed=seed, eos_bias=eos_bias)
    for name in drop:
        weights.pop(name)
    np.savez(folder / CHECKPOINT, **weights)
    return {p.name: sha256(p) for p in (folder / CHECKPOINT, spm_path)}


def train_marian_spm(path: Path, vocab: int) -> int:
    """A unigram SentencePiece model with Marian's special ids; the number of pieces."""
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS.splitlines() * 4),
        model_writer=model,
        vocab_size=vocab,
        hard_vocab_limit=False,
        character_coverage=1.0,
        eos_id=0,
        unk_id=1,
        bos_id=-1,
        pad_id=-1,
        minloglevel=2,
        num_threads=1,
    )
    path.write_bytes(model.getvalue())
    return int(spm.SentencePieceProcessor(model_file=str(path)).get_piece_size())


def marian_weights(
    dims: MarianDims, vocab: int, *, seed: int, eos_bias: float
) -> dict[str, np.ndarray]:
    """Every parameter as Marian names and shapes it (weights [in, out], biases [1, out])."""
    rng = np.random.default_rng(seed)
    d = dims.d_model
    weights: dict[str, np.ndarray] = {"Wemb": _normal(rng, (vocab, d), 1.0)}

    def linear(prefix: str, suffix: str, rows: int, cols: int) -> None:
        weights[f"{prefix}_W{suffix}"] = _normal(rng, (rows, cols), rows**-0.5)
        weights[f"{prefix}_b{suffix}"] = np.zeros((1, cols), np.float32)

    def norm(prefix: str) -> None:  # post-norm: no "_pre" suffix
        weights[f"{prefix}_ln_scale"] = np.ones((1, d), np.float32)
        weights[f"{prefix}_ln_bias"] = np.zeros((1, d), np.float32)

    for side in ("encoder", "decoder"):
        for layer in range(1, dims.layers + 1):
            for attention in ("self", "context") if side == "decoder" else ("self",):
                scope = f"{side}_l{layer}_{attention}"
                for part in "qkvo":
                    linear(scope, part, d, d)
                norm(f"{scope}_Wo")
            scope = f"{side}_l{layer}_ffn"
            linear(scope, "1", d, dims.ffn)
            linear(scope, "2", dims.ffn, d)
            norm(f"{scope}_ffn")
    bias = np.zeros((1, vocab), np.float32)
    bias[0, 0] = eos_bias  # id 0 is </s>; a large bias makes every output one token long
    weights["decoder_ff_logit_out_b"] = bias
    weights["special:model.yml"] = _model_yml(dims, vocab)
    return weights


def _model_yml(dims: MarianDims, vocab: int) -> np.ndarray:
    """``special:model.yml`` as Marian stores it: the YAML text and a NUL, as bytes."""
    text = f"""version: v1.11.13 320dd390 2022-12-08 15:07:59 +0200
type: transformer
dim-vocabs:
  - {vocab}
  - {vocab}
dim-emb: {dims.d_model}
enc-depth: {dims.layers}
dec-depth: {dims.layers}
tied-embeddings: false
tied-embeddings-all: true
tied-embeddings-src: false
transformer-heads: {dims.heads}
transformer-no-projection: false
transformer-pool: false
transformer-dim-ffn: {dims.ffn}
transformer-decoder-dim-ffn: 0
transformer-ffn-depth: 2
transformer-decoder-ffn-depth: 0
transformer-ffn-activation: relu
transformer-dim-aan: 2048
transformer-aan-depth: 2
transformer-aan-activation: swish
transformer-aan-nogate: false
transformer-decoder-autoreg: self-attention
transformer-tied-layers:
  []
transformer-guided-alignment-layer: last
transformer-preprocess: ""
transformer-postprocess: dan
transformer-postprocess-emb: d
transformer-postprocess-top: ""
transformer-train-position-embeddings: false
transformer-depth-scaling: false
"""
    return np.frombuffer((text + "\0").encode("utf-8"), dtype=np.int8)


def _normal(rng: np.random.Generator, shape: tuple[int, int], std: float) -> np.ndarray:
    return (rng.standard_normal(shape) * std).astype(np.float32)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def catalogue_entry(
    from_code: str,
    to_code: str,
    source: str,
    *,
    checkpoint_sha256: str = "",
    revision: str = "0123456789abcdef0123456789abcdef01234567",
    licence: str = "CC-BY-4.0",
) -> str:
    """A ``[[model]]`` table for a catalogue TOML, its files under the folder URL ``source``."""
    sha = f'checkpoint_sha256 = "{checkpoint_sha256}"\n' if checkpoint_sha256 else ""
    return (
        f'[[model]]\nid = "tiny-{from_code}-{to_code}"\nfrom = "{from_code}"\nto = "{to_code}"\n'
        f'name = "Tiny test model {from_code}–{to_code}"\nlicence = "{licence}"\n'
        f'url = "https://example.org/tiny-{from_code}-{to_code}"\nsource = "{source}"\n'
        f'revision = "{revision}"\ncheckpoint = "{CHECKPOINT}"\n{sha}'
        f'vocabs = ["{vocab_name(from_code, to_code)}"]\nsize_mb = 1\n'
        'quantization = "int8"\nsource_prefix = ""\n'
    )
