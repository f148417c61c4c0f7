"""A replica's state on disk, so a restart resumes from the offsets it covers instead of re-reading the topics.

One file, ``matching.ckpt``: an uncompressed zip of ``meta.json`` (format version, the encoder/config
fingerprint, generation, and per partition the next offset and the last record applied), the vectors and
versions of each side as ``.npy`` arrays, the documents and the operators' figures as pickles. It is written
to a temporary file, fsynced and renamed over the previous one, so a crash leaves the old checkpoint or the
new one, never half of one. An approximate index is streamed straight from the live one (the writers wait
meanwhile, searches do not: ``MatchingState.copy_out(hold=True)``), so a save needs no second copy of it.

A checkpoint is only used by the code and model that wrote it: the config string (encoder name, widths,
weights, text limit, document fields) must match, and so must the vector of a probe text (same weights).
Anything else is ignored with a log line and the replica rebuilds from the topics. Pickles are read only
from the service's own checkpoint directory. Nothing in it is contact data: events never carry any.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import pickle
import time
import uuid
import zipfile
import zlib
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import numpy as np

from services.matching.domain.documents import OpportunityDoc, TalentDoc
from services.matching.domain.encoders import TextEncoder, Vectors
from services.matching.domain.index import VectorIndex
from services.matching.domain.state import SideCopy, StateCopy

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
FILE_NAME = "matching.ckpt"
PROBE_TEXT = "checkpoint probe: 大数据开发工程师 Python Spark Flink data engineer"
PROBE_MIN_COSINE = 0.999
SIDES = ("talents", "opportunities")
DOCS_PER_PICKLE = 10_000


@dataclass(frozen=True)
class LastRecord:
    """The last record applied from a partition: enough to tell that the log is still the same log."""

    offset: int
    crc: int  # of key and value

    @classmethod
    def of(cls, offset: int, key: bytes | None, value: bytes | None) -> LastRecord:
        return cls(offset=offset, crc=record_crc(key, value))


def record_crc(key: bytes | None, value: bytes | None) -> int:
    return zlib.crc32(value or b"", zlib.crc32(key or b"\0"))


@dataclass(frozen=True)
class Fingerprint:
    config: str
    probe: Vectors  # the encoder's vector of PROBE_TEXT

    @classmethod
    def of(cls, encoder: TextEncoder, *, max_text_chars: int) -> Fingerprint:
        doc_fields = ",".join(f.name for cls_ in (TalentDoc, OpportunityDoc) for f in fields(cls_))
        config = f"{encoder.name}|dim={encoder.dim}|chars={max_text_chars}|docs={doc_fields}"
        return cls(config=config, probe=np.asarray(encoder.encode([PROBE_TEXT])[0], dtype=np.float32))

    def mismatch(self, config: str, probe: Vectors) -> str | None:
        """Why a checkpoint written under ``config``/``probe`` does not fit this encoder, if it does not."""
        if config != self.config:
            return f"written for {config!r}, running {self.config!r}"
        if probe.shape != self.probe.shape or float(np.dot(probe, self.probe)) < PROBE_MIN_COSINE:
            return "written by other model weights (the probe text embeds differently)"
        return None


@dataclass(frozen=True)
class Checkpoint:
    state: StateCopy
    positions: dict[str, int]  # "topic:partition" → next offset, every topic read (feedback too)
    last_records: dict[str, LastRecord]
    figures: Any  # the figures store's export, or None
    saved_at: datetime


@dataclass(frozen=True)
class Written:
    path: Path
    bytes: int
    seconds: float


def _npy(zf: zipfile.ZipFile, name: str, array: np.ndarray[Any, Any]) -> None:
    with zf.open(name, "w", force_zip64=True) as out:
        np.lib.format.write_array(out, np.ascontiguousarray(array), allow_pickle=False)


def _blob(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    with zf.open(name, "w", force_zip64=True) as out:
        out.write(data)


def _pickle(zf: zipfile.ZipFile, name: str, obj: Any) -> None:
    with zf.open(name, "w", force_zip64=True) as out:  # framed: streamed, no bytes of the whole pickle
        pickle.dump(obj, out, protocol=pickle.HIGHEST_PROTOCOL)


def _pickle_docs(zf: zipfile.ZipFile, name: str, docs: dict[int, Any]) -> None:
    """Documents as consecutive pickles of ``DOCS_PER_PICKLE`` each: a pickler remembers every object it
    wrote (hundreds of bytes a document), so one pickle of a million would hold that memo for all of them."""
    items = iter(docs.items())
    with zf.open(name, "w", force_zip64=True) as out:
        while chunk := dict(itertools.islice(items, DOCS_PER_PICKLE)):
            pickle.dump(chunk, out, protocol=pickle.HIGHEST_PROTOCOL)


def _unpickle_docs(data: IO[bytes]) -> dict[int, Any]:
    """What ``_pickle_docs`` wrote (or one pickle of them all, as earlier checkpoints hold)."""
    docs: dict[int, Any] = {}
    while True:
        try:
            docs.update(pickle.load(data))  # our own file: see the module doc
        except EOFError:
            return docs


def _pairs(mapping: dict[int, int]) -> np.ndarray[Any, Any]:
    """``mapping`` as rows (key, value) sorted by key, without a list of tuples in between."""
    keys = np.fromiter(mapping.keys(), dtype=np.int64, count=len(mapping))
    values = np.fromiter(mapping.values(), dtype=np.int64, count=len(mapping))
    order = np.argsort(keys, kind="stable")
    return np.stack([keys[order], values[order]], axis=1).reshape(-1, 2)


def _write_zip(out: IO[bytes], checkpoint: Checkpoint, fingerprint: Fingerprint) -> None:
    state = checkpoint.state
    meta = {
        "format": FORMAT_VERSION,
        "config": fingerprint.config,
        "saved_at": checkpoint.saved_at.isoformat(),
        "generation": state.generation,
        "offsets": state.offsets,
        "positions": checkpoint.positions,
        "last_records": {k: [r.offset, r.crc] for k, r in checkpoint.last_records.items()},
        "counts": {side: len(getattr(state, side).ids) for side in SIDES},
        "trained_for": {side: getattr(state, side).index.trained_for for side in SIDES
                        if getattr(state, side).index is not None},
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        _blob(zf, "meta.json", json.dumps(meta).encode())
        _npy(zf, "probe.npy", fingerprint.probe)
        for side in SIDES:  # vectors first: they may be the live ones, whose writers wait (``StateCopy.hold``)
            copy: SideCopy = getattr(state, side)
            _npy(zf, f"{side}.ids.npy", np.asarray(copy.ids, dtype=np.int64))
            if copy.index is not None:  # streamed in FAISS's format: no serialized copy in memory
                with zf.open(f"{side}.index.faiss", "w", force_zip64=True) as out:
                    copy.index.write(out)
            _npy(zf, f"{side}.vectors.npy", np.asarray(copy.vectors, dtype=np.float32))
        state.release()
        for side in SIDES:
            copy = getattr(state, side)
            _npy(zf, f"{side}.versions.npy", _pairs(copy.versions))
            _npy(zf, f"{side}.digests.npy", _pairs(copy.digests))
            _pickle_docs(zf, f"{side}.docs.pickle", copy.docs)
        if checkpoint.figures is not None:
            _pickle(zf, "figures.pickle", checkpoint.figures)


def write(directory: Path, checkpoint: Checkpoint, fingerprint: Fingerprint) -> Written:
    """Write atomically: a temporary file in ``directory``, fsync, rename over the old one, fsync the folder.

    A state copy that holds the writers' lock (live indexes) is released once its indexes are in the file,
    and in any case before this returns."""
    started = time.perf_counter()
    path = directory / FILE_NAME
    temporary = directory / f".{FILE_NAME}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as out:
            _write_zip(out, checkpoint, fingerprint)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    finally:
        checkpoint.state.release()
        temporary.unlink(missing_ok=True)
    folder = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return Written(path=path, bytes=path.stat().st_size, seconds=time.perf_counter() - started)


def _array(zf: zipfile.ZipFile, name: str) -> np.ndarray[Any, Any]:
    with zf.open(name) as data:
        return np.lib.format.read_array(data, allow_pickle=False)


def _side(zf: zipfile.ZipFile, side: str, meta: dict[str, Any], dim: int) -> SideCopy:
    ids = _array(zf, f"{side}.ids.npy")
    index = None
    if f"{side}.index.faiss" in zf.namelist():
        with zf.open(f"{side}.index.faiss") as data:
            index = VectorIndex.read(data, dim, [int(i) for i in ids], trained_for=int(meta["trained_for"][side]))
    versions = _array(zf, f"{side}.versions.npy")
    with zf.open(f"{side}.docs.pickle") as data:
        docs = _unpickle_docs(data)
    # Text digests: absent from earlier checkpoints, whose records are re-embedded at their next change.
    digests = _array(zf, f"{side}.digests.npy") if f"{side}.digests.npy" in zf.namelist() else ()
    return SideCopy(ids=[int(i) for i in ids], vectors=_array(zf, f"{side}.vectors.npy"), docs=docs,
                    versions={int(i): int(v) for i, v in versions}, digests={int(i): int(d) for i, d in digests},
                    index=index)


def read(directory: Path, fingerprint: Fingerprint) -> Checkpoint | None:
    """The checkpoint in ``directory`` if there is one this encoder can use; None (and a log line) otherwise."""
    path = directory / FILE_NAME
    if not path.exists():
        log.info("no checkpoint at %s: reading the topics from the beginning", path)
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            meta = json.loads(zf.read("meta.json"))
            if meta.get("format") != FORMAT_VERSION:
                log.warning("ignoring checkpoint %s: format %r, this code reads %d", path, meta.get("format"),
                            FORMAT_VERSION)
                return None
            reason = fingerprint.mismatch(str(meta.get("config")), _array(zf, "probe.npy"))
            if reason is not None:
                log.warning("ignoring checkpoint %s: %s", path, reason)
                return None
            dim = int(fingerprint.probe.shape[-1])
            talents, opportunities = _side(zf, "talents", meta, dim), _side(zf, "opportunities", meta, dim)
            names = zf.namelist()
            figures = pickle.loads(zf.read("figures.pickle")) if "figures.pickle" in names else None
    except Exception as exc:  # a damaged or foreign file: rebuild rather than refuse to start
        log.warning("ignoring unreadable checkpoint %s: %s: %s", path, type(exc).__name__, exc)
        return None
    state = StateCopy(generation=int(meta["generation"]), offsets={k: int(v) for k, v in meta["offsets"].items()},
                      talents=talents, opportunities=opportunities)
    return Checkpoint(state=state, positions={k: int(v) for k, v in meta["positions"].items()},
                      last_records={k: LastRecord(int(o), int(c)) for k, (o, c) in meta["last_records"].items()},
                      figures=figures, saved_at=datetime.fromisoformat(meta["saved_at"]))
