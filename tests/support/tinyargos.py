"""Build a small but real argos package (``.argosmodel``) offline, without torch.

A SentencePiece model trained on a little text, a CTranslate2 Transformer whose weights are
random numpy arrays (with an end-of-sentence bias on the output so decoding stops), and a
``metadata.json``, zipped under one top-level folder exactly as argos packages are. The model
is a real CTranslate2 model that loads and decodes like any argos model; its output is noise,
so it says nothing about translation quality. The benchmark reuses it with real dimensions.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

CORPUS = """\
CECOP had the chance to sit down with its member Smart and discuss the Belgian Presidency.
The Council of the European Union represents the interests of the Member States.
Together with the European Parliament, the Council decides on new directives and regulations.
Cooperatives are enterprises owned by their members, who share the risks and the benefits.
Smart offers freelancers and artists a way to work as employees of their own cooperative.
We are here to help you navigate these institutional waters.
The rotating presidency changes every six months, and each country sets its priorities.
Workers, producers and users govern their cooperative together, one member one vote.
What does the presidency mean for social economy enterprises across Europe?
Twenty-five years ago, a small association in Brussels started to support artists.
Today it has more than thirty thousand members in several countries.
The elections to the European Parliament take place in June, and turnout matters.
Please write to news_desk@example.org or visit https://www.cecop.coop/ for more information.
Numbers such as 2024, 1.5 million and 21 % should come out unchanged.
"""


@dataclass(frozen=True)
class Dims:
    """The size of the stand-in Transformer."""

    encoder_layers: int = 2
    decoder_layers: int = 2
    d_model: int = 64
    heads: int = 4
    ffn: int = 128
    vocab: int = 400  # SentencePiece pieces; larger sizes are padded with unused symbols


TINY = Dims()
# The dimensions of the real argos (OPUS-MT era) models: transformer base, 32k vocabulary.
REAL = Dims(encoder_layers=6, decoder_layers=6, d_model=512, heads=8, ffn=2048, vocab=32000)


def package_name(from_code: str, to_code: str, version: str) -> str:
    return f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"


def build_package(
    dest: Path,
    from_code: str = "en",
    to_code: str = "de",
    *,
    version: str = "1.0",
    dims: Dims = TINY,
    seed: int = 0,
    eos_bias: float | None = None,
    corpus: str = CORPUS,
    target_prefix: str | None = None,
) -> Path:
    """Write ``dest/<name>.argosmodel`` and return its path (``dest`` is created)."""
    dest.mkdir(parents=True, exist_ok=True)
    name = package_name(from_code, to_code, version)
    with tempfile.TemporaryDirectory(prefix="tinyargos-") as tmp:
        folder = Path(tmp) / name
        build_package_dir(
            folder,
            from_code,
            to_code,
            version=version,
            dims=dims,
            seed=seed,
            eos_bias=eos_bias,
            corpus=corpus,
            target_prefix=target_prefix,
        )
        target = dest / f"{name}.argosmodel"
        _zip_folder(folder, target)
    return target


def build_package_dir(
    folder: Path,
    from_code: str = "en",
    to_code: str = "de",
    *,
    version: str = "1.0",
    dims: Dims = TINY,
    seed: int = 0,
    eos_bias: float | None = None,
    corpus: str = CORPUS,
    target_prefix: str | None = None,
    stop_after: int | None = None,
) -> Path:
    """Write the unzipped package folder (metadata.json, sentencepiece.model, model/)."""
    folder.mkdir(parents=True, exist_ok=True)
    pieces = train_sentencepiece(folder / "sentencepiece.model", corpus, dims.vocab)
    if target_prefix:
        pieces.append(target_prefix)
    spec = transformer_spec(dims, pieces, seed=seed, eos_bias=eos_bias, stop_after=stop_after)
    (folder / "model").mkdir(exist_ok=True)
    spec.save(str(folder / "model"))
    metadata: dict[str, Any] = {
        "package_version": version,
        "argos_version": "1.9.0",
        "from_code": from_code,
        "from_name": from_code.upper(),
        "to_code": to_code,
        "to_name": to_code.upper(),
        "code": f"translate-{from_code}_{to_code}",
    }
    if target_prefix:
        metadata["target_prefix"] = target_prefix
    (folder / "metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    return folder


def train_sentencepiece(model_path: Path, corpus: str, vocab: int) -> list[str]:
    """Train a unigram SentencePiece model; return its pieces (the model vocabulary).

    Past what the corpus supports, the vocabulary is padded with user-defined symbols that
    never occur in text, so a 32k-row embedding and output layer cost what a real one costs.
    """
    import sentencepiece as spm

    learned = min(vocab, 1000)
    padding = [f"⟦{i}⟧" for i in range(max(0, vocab - learned))]
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus.splitlines() * 4),
        model_writer=model,
        vocab_size=learned + len(padding),
        hard_vocab_limit=False,
        user_defined_symbols=padding,
        character_coverage=1.0,
        minloglevel=2,
        num_threads=1,
    )
    model_path.write_bytes(model.getvalue())
    processor = spm.SentencePieceProcessor(model_file=str(model_path))
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def transformer_spec(
    dims: Dims,
    pieces: list[str],
    *,
    seed: int,
    eos_bias: float | None,
    stop_after: int | None = None,
) -> Any:
    """A validated, int8-quantised TransformerSpec with random weights and this vocabulary."""
    from ctranslate2.specs import TransformerSpec

    spec = TransformerSpec.from_config(
        num_layers=(dims.encoder_layers, dims.decoder_layers), num_heads=dims.heads, pre_norm=True
    )
    rng = np.random.default_rng(seed)
    d, vocab = dims.d_model, len(pieces)
    embeddings = _weights(rng, vocab, d, scale=1.0)
    spec.encoder.embeddings[0].weight = embeddings
    spec.decoder.embeddings.weight = embeddings  # shared, as in the real models
    for layer in spec.encoder.layer:
        _fill_attention(rng, layer.self_attention, d, fused=3)
        _fill_ffn(rng, layer.ffn, d, dims.ffn)
    for layer in spec.decoder.layer:
        _fill_attention(rng, layer.self_attention, d, fused=3)
        _fill_attention(rng, layer.attention, d, fused=0)
        _fill_ffn(rng, layer.ffn, d, dims.ffn)
    _fill_norm(spec.encoder.layer_norm, d)
    _fill_norm(spec.decoder.layer_norm, d)
    # An output layer of its own: tied to the embeddings, a random model only repeats the
    # token it was fed. Scaled so logits have unit variance and the EOS bias means the same
    # at every size.
    spec.decoder.projection.weight = _weights(rng, vocab, d)
    bias = np.zeros(vocab, dtype=np.float32)
    # The end-of-sentence bias makes a random model stop after a handful of tokens; the
    # default is tuned so outputs are roughly as long as their sources.
    bias[pieces.index("</s>")] = _default_eos_bias(dims) if eos_bias is None else eos_bias
    spec.decoder.projection.bias = bias
    if stop_after:
        _add_clock(spec, rng, d, pieces.index("</s>"), stop_after)
    spec.register_source_vocabulary(pieces)
    spec.register_target_vocabulary(pieces)
    spec.validate()
    spec.optimize(quantization="int8")
    return spec


def _add_clock(spec: Any, rng: np.random.Generator, d: int, eos: int, stop_after: int) -> None:
    """Make the decoder stop after about ``stop_after`` tokens, whatever the weights say.

    The last model dimension becomes a clock: the decoder's position encodings ramp it up,
    nothing else writes to it (embeddings and every sublayer output leave it at zero), and
    only the ``</s>`` row of the output layer reads it. A plain EOS bias on a random model
    either stops at once or never; this gives outputs of realistic length (in the benchmark:
    about as many tokens as the average source sentence), with a little jitter.
    """
    k = d - 1
    spec.encoder.embeddings[0].weight[:, k] = 0.0  # the same (shared) array as the decoder's
    for layer in spec.decoder.layer:
        layer.self_attention.linear[1].weight[k, :] = 0.0
        layer.attention.linear[2].weight[k, :] = 0.0
        layer.ffn.linear_1.weight[k, :] = 0.0
    positions = np.arange(1024, dtype=np.float32)[:, None]
    half = d // 2
    timescales = np.exp(-np.arange(half, dtype=np.float32) * np.log(10000.0) / (half - 1))
    encodings = np.concatenate([np.sin(positions * timescales), np.cos(positions * timescales)], 1)
    encodings[:, k] = positions[:, 0] * (CLOCK_SLOPE / stop_after)
    spec.decoder.position_encodings.encodings = encodings.astype(np.float32)
    projection = spec.decoder.projection
    projection.weight[:, k] = 0.0
    projection.weight[eos, :] = 0.0
    projection.weight[eos, k] = 1.0
    projection.bias[eos] = CLOCK_BIAS


CLOCK_SLOPE = 100.0
CLOCK_BIAS = 0.0


def _default_eos_bias(dims: Dims) -> float:
    return 1.0 if dims.d_model <= 64 else 3.4


def _weights(rng: np.random.Generator, rows: int, cols: int, scale: float | None = None) -> Any:
    std = scale if scale is not None else cols**-0.5
    return (rng.standard_normal((rows, cols)) * std).astype(np.float32)


def _fill_norm(norm: Any, d: int) -> None:
    norm.gamma = np.ones(d, dtype=np.float32)
    norm.beta = np.zeros(d, dtype=np.float32)


def _fill_linear(rng: np.random.Generator, linear: Any, rows: int, cols: int) -> None:
    linear.weight = _weights(rng, rows, cols)
    linear.bias = np.zeros(rows, dtype=np.float32)


def _fill_attention(rng: np.random.Generator, attention: Any, d: int, *, fused: int) -> None:
    """Self-attention: linear[0] is the fused QKV. Cross-attention: linear[0] Q, [1] fused KV."""
    _fill_norm(attention.layer_norm, d)
    if fused == 3:
        _fill_linear(rng, attention.linear[0], 3 * d, d)
        _fill_linear(rng, attention.linear[1], d, d)
    else:
        _fill_linear(rng, attention.linear[0], d, d)
        _fill_linear(rng, attention.linear[1], 2 * d, d)
        _fill_linear(rng, attention.linear[2], d, d)


def _fill_ffn(rng: np.random.Generator, ffn: Any, d: int, inner: int) -> None:
    _fill_norm(ffn.layer_norm, d)
    _fill_linear(rng, ffn.linear_0, inner, d)
    _fill_linear(rng, ffn.linear_1, d, inner)


def _zip_folder(folder: Path, target: Path) -> None:
    partial = target.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    shutil.move(partial, target)
