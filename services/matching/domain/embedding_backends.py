"""Fast runtimes for the dense model: ONNX Runtime and OpenVINO, exported locally from the model folder.

Nothing is downloaded: at first use the sentence-transformers folder (a mean-pooling transformer)
is exported to ONNX with the model's mean pooling and L2 normalization inside the graph, optionally
optimized and quantized, and kept in a cache folder keyed by the weights' digest and the library
versions. Every process after the first loads the cached file. Builds go to a temporary folder that is
renamed into place, so two processes starting together never read a half-written model.

Backends (``MATCHING_EMBED_BACKEND``):
- ``onnx``: ONNX Runtime, attention fused, dynamic int8 weights (MatMul only).
- ``openvino``: OpenVINO on the float model; bf16 inference where the CPU has it (AVX512-BF16, AMX).
- ``openvino-int8``: OpenVINO on a statically quantized int8 model (NNCF, calibrated on generated
  profile and posting texts built from the skills vocabulary).

The service default is ``openvino``: on the benchmark texts it keeps the PyTorch vectors (mean cosine
1.000, recall@10 0.995) at several times the throughput; the int8 models are faster still but their
recall@10 against the PyTorch index fell below 0.95 (``python -m bench.embedding``).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import queue
import random
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

Backend = Literal["torch", "onnx", "openvino", "openvino-int8"]
BACKENDS: tuple[Backend, ...] = ("torch", "onnx", "openvino", "openvino-int8")
FORMAT_VERSION = "1"  # bump when the export recipe changes: old cache entries are then ignored
Ids = NDArray[np.int64]
Rows = NDArray[np.float32]

log = logging.getLogger(__name__)


class Runner(Protocol):
    """Runs one padded batch: token ids and attention mask in, L2-normalized pooled rows out."""

    @property
    def parallel(self) -> int: ...

    def run(self, ids: Ids, mask: Ids) -> Rows: ...


@dataclass(frozen=True)
class ModelSpec:
    path: Path
    dim: int
    max_seq_length: int
    model_type: str
    num_heads: int
    weights: Path


def inspect_model(path: str | Path) -> ModelSpec:
    """Read a sentence-transformers folder; refuse layouts the exported graph would not reproduce."""
    root = Path(path)
    modules = json.loads((root / "modules.json").read_text())
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]) \
            or modules[0].get("path", "") != "":
        raise ValueError(f"{root}: only Transformer → mean Pooling (→ Normalize) models can be exported; "
                         f"found {kinds}; use MATCHING_EMBED_BACKEND=torch")
    pooling = json.loads((root / modules[1]["path"] / "config.json").read_text())
    if not pooling.get("pooling_mode_mean_tokens") or any(
            pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_lasttoken")):
        raise ValueError(f"{root}: only mean pooling can be exported; use MATCHING_EMBED_BACKEND=torch")
    config = json.loads((root / "config.json").read_text())
    st_config = root / "sentence_bert_config.json"
    max_len = json.loads(st_config.read_text()).get("max_seq_length") if st_config.exists() else None
    weights = next((root / n for n in ("model.safetensors", "pytorch_model.bin") if (root / n).exists()), None)
    if weights is None:
        raise ValueError(f"{root}: no model.safetensors or pytorch_model.bin")
    return ModelSpec(path=root, dim=int(config["hidden_size"]),
                     max_seq_length=int(max_len or config.get("max_position_embeddings", 512)),
                     model_type=str(config.get("model_type", "")),
                     num_heads=int(config.get("num_attention_heads", 0)), weights=weights)


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "-"


def artifact_key(spec: ModelSpec, variant: str, packages: Sequence[str]) -> str:
    """Names one built artifact: recipe, variant, library versions and the model files' digest."""
    digest = hashlib.sha256(f"{FORMAT_VERSION}|{variant}|".encode())
    for package in ("torch", *packages):
        digest.update(f"{package}={_version(package)}|".encode())
    for name in ("config.json", "tokenizer.json", spec.weights.name):
        file = spec.path / name
        if file.exists():
            with file.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return f"{spec.path.name}-{variant}-{digest.hexdigest()[:16]}"


def cached_build(cache_dir: str | Path, key: str, build: Callable[[Path], None]) -> Path:
    """The folder ``cache_dir/key``, built by ``build(folder)`` unless a finished one is there."""
    final = Path(cache_dir) / key
    if (final / "DONE").exists():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=final.parent))
    try:
        build(work)
        (work / "DONE").write_text("ok\n")
        try:
            os.replace(work, final)  # atomic; fails if another process finished first
        except OSError:
            if not (final / "DONE").exists():
                shutil.rmtree(final, ignore_errors=True)
                os.replace(work, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


def export_onnx(spec: ModelSpec, target: Path) -> None:
    """Export the transformer with mean pooling and L2 normalization in the graph (inputs: ids, mask)."""
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(spec.path), attn_implementation="eager").eval()
    typed = "token_type_ids" in inspect.signature(model.forward).parameters

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            extra = {"token_type_ids": torch.zeros_like(input_ids)} if typed else {}
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask, **extra).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    sample = torch.ones(2, 16, dtype=torch.long)
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "embedding": {0: "batch"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on shape arithmetic; the graph is checked against torch
        torch.onnx.export(Pooled(), (sample, sample), str(target), input_names=["input_ids", "attention_mask"],
                          output_names=["embedding"], dynamic_axes=axes, opset_version=17, dynamo=False)


def _onnx_float(spec: ModelSpec, cache_dir: str | Path) -> Path:
    key = artifact_key(spec, "onnx-fp32", ("onnx",))
    return cached_build(cache_dir, key, lambda work: export_onnx(spec, work / "model.onnx")) / "model.onnx"


def _build_onnx_int8(spec: ModelSpec, source: Path, work: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = source
    if spec.model_type == "bert" and spec.num_heads:
        from onnxruntime.transformers.optimizer import optimize_model

        optimized = optimize_model(str(source), model_type="bert", num_heads=spec.num_heads,
                                   hidden_size=spec.dim, opt_level=1)
        model = work / "fused.onnx"
        optimized.save_model_to_file(str(model))
    quantize_dynamic(str(model), str(work / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"],
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    if model != source:
        model.unlink()


class OnnxRunner:
    """ONNX Runtime on the int8 model; ``session.run`` is thread-safe, batches run one at a time."""

    def __init__(self, spec: ModelSpec, *, cache_dir: str | Path, threads: int) -> None:
        import onnxruntime as ort

        source = _onnx_float(spec, cache_dir)
        key = artifact_key(spec, "onnx-int8", ("onnx", "onnxruntime"))
        folder = cached_build(cache_dir, key, lambda work: _build_onnx_int8(spec, source, work))
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(folder / "model.onnx"), options,
                                             providers=["CPUExecutionProvider"])

    @property
    def parallel(self) -> int:
        return 1

    def run(self, ids: Ids, mask: Ids) -> Rows:
        rows = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return np.asarray(rows, dtype=np.float32)


def calibration_texts(count: int = 300, *, seed: int = 20240) -> list[str]:
    """Profile- and posting-like texts in Chinese and English composed from the skills vocabulary."""
    from shared.reference.skills import SKILLS

    rng = random.Random(seed)
    by_field: dict[str, list[Any]] = {}
    for skill in SKILLS:
        by_field.setdefault(skill.field, []).append(skill)
    fields = sorted(by_field)
    texts = []
    for i in range(count):
        pool = by_field[rng.choice(fields)]
        skills = rng.sample(pool, k=min(3, len(pool)))
        skills += rng.sample(SKILLS, 2)
        zh, en = "、".join(s.zh for s in skills), ", ".join(s.en for s in skills)
        years = rng.randint(0, 10)
        if i % 4 == 0:
            texts.append(f"{en}\nSkills: {en}\n{years} years as an engineer. Experienced in {en}; "
                         f"worked on a data platform.")
        elif i % 4 == 1:
            texts.append(f"{skills[0].zh}工程师\n{zh}\nSkills: {en}\n岗位职责：负责平台研发。任职要求：熟悉{zh}。")
        else:
            texts.append(f"{zh}\nSkills: {en}\n{years}年{skills[0].zh}开发经验，熟悉{zh}，参与过系统的设计与开发。")
    return texts


def _build_openvino_int8(spec: ModelSpec, source: Path, work: Path) -> None:
    import nncf
    import openvino as ov
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(spec.path / "tokenizer.json"))
    tokenizer.enable_truncation(spec.max_seq_length)
    tokenizer.no_padding()

    def sample(text: str) -> dict[str, Ids]:
        ids = np.asarray([tokenizer.encode(text).ids], dtype=np.int64)
        return {"input_ids": ids, "attention_mask": np.ones_like(ids)}

    texts = calibration_texts()
    quantized = nncf.quantize(ov.Core().read_model(str(source)), nncf.Dataset(texts, sample),
                              model_type=nncf.ModelType.TRANSFORMER, subset_size=len(texts))
    ov.save_model(quantized, str(work / "model.xml"))


class OpenVinoRunner:
    """OpenVINO with ``parallel`` streams of one thread each; a pool of infer requests makes it thread-safe."""

    def __init__(self, spec: ModelSpec, *, cache_dir: str | Path, threads: int, int8: bool) -> None:
        import openvino as ov

        source = _onnx_float(spec, cache_dir)
        model_file = source
        if int8:
            key = artifact_key(spec, "openvino-int8", ("onnx", "openvino", "nncf"))
            model_file = cached_build(cache_dir, key,
                                      lambda work: _build_openvino_int8(spec, source, work)) / "model.xml"
        core = ov.Core()
        bf16 = "BF16" in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES")
        self._parallel = max(1, threads)
        # No pinning: OpenVINO would pin each process's streams to the same first cores, so two workers
        # (or a worker and the service) on one machine shared one core while the other idled.
        config = {"PERFORMANCE_HINT": "THROUGHPUT", "NUM_STREAMS": self._parallel,
                  "INFERENCE_NUM_THREADS": self._parallel, "INFERENCE_PRECISION_HINT": "bf16" if bf16 else "f32",
                  "ENABLE_CPU_PINNING": False}
        self.precision = ("int8+" if int8 else "") + ("bf16" if bf16 else "f32")
        self._compiled = core.compile_model(str(model_file), "CPU", config)
        self._output = self._compiled.output(0)
        self._requests: queue.Queue[Any] = queue.Queue()
        for _ in range(self._parallel):
            self._requests.put(self._compiled.create_infer_request())

    @property
    def parallel(self) -> int:
        return self._parallel

    @contextmanager
    def _request(self) -> Iterator[Any]:
        request = self._requests.get()
        try:
            yield request
        finally:
            self._requests.put(request)

    def run(self, ids: Ids, mask: Ids) -> Rows:
        with self._request() as request:  # infer() releases the GIL: two streams run at once
            result = request.infer({"input_ids": ids, "attention_mask": mask})
            return np.array(result[self._output], dtype=np.float32)


def make_runner(backend: Backend, spec: ModelSpec, *, cache_dir: str | Path, threads: int) -> Runner:
    """The runner of a non-torch backend (exports and quantizes on first use, into ``cache_dir``)."""
    threads = threads if threads > 0 else max(1, os.cpu_count() or 1)
    if backend == "onnx":
        return OnnxRunner(spec, cache_dir=cache_dir, threads=threads)
    if backend in ("openvino", "openvino-int8"):
        return OpenVinoRunner(spec, cache_dir=cache_dir, threads=threads, int8=backend == "openvino-int8")
    raise ValueError(f"unknown embedding backend {backend!r}; choose one of {', '.join(BACKENDS)}")
