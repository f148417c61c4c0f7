"""Dense vectors computed by embedding workers: the wire codec of ``RecordEmbeddedV1.dense``, and how an
index replica applies a batch of them, blending each with its own (cheap) lexical channel exactly as
the all-in-one service blends the model's output."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence

import numpy as np

from services.matching.domain.documents import Tags
from services.matching.domain.encoders import HybridEncoder, Vectors
from services.matching.domain.occupations import OccupationMatch
from services.matching.domain.state import AppliedBatch, MatchingState, Side
from shared.events.contracts import RecordEmbeddedV1


def pack(vector: Vectors) -> str:
    """One row as base64 of little-endian float32."""
    return base64.b64encode(np.ascontiguousarray(vector, dtype="<f4").tobytes()).decode("ascii")


def unpack(text: str, dim: int) -> Vectors:
    """The row ``pack`` wrote; ``ValueError`` if it does not hold ``dim`` values."""
    raw = base64.b64decode(text, validate=True)
    if len(raw) != 4 * dim:
        raise ValueError(f"dense vector of {len(raw) // 4} values, expected {dim}")
    return np.frombuffer(raw, dtype="<f4").astype(np.float32)


class EmbeddedBatchError(ValueError):
    """A vector message this replica cannot use (another model, a malformed vector)."""


def apply_embedded(state: MatchingState, messages: Sequence[RecordEmbeddedV1], encoder: HybridEncoder, *,
                   offsets: Mapping[str, int] | None = None) -> AppliedBatch:
    """Apply record events whose dense vectors arrived with them; check each with ``check_embedded`` first."""
    dense_of = {(_side(m), m.event.record_id, m.event.record_version): m.dense for m in messages}
    tags = {(_side(m), m.event.record_id, m.event.record_version): _tags(m) for m in messages}
    plan = state.plan([m.event for m in messages], tags=tags)
    upserts = plan.to_embed  # the upserts whose text changed: the others keep their vector
    dense_rows: Vectors | None = None
    if encoder.dense is not None:
        dim = encoder.dense.dim
        dense_rows = np.zeros((len(upserts), dim), dtype=np.float32)
        for row, change in enumerate(upserts):
            dense_rows[row] = unpack(dense_of[(change.side, change.record_id, change.version)], dim)
    vectors = encoder.blend(plan.texts, dense_rows=dense_rows) if upserts else np.zeros((0, state.dim), np.float32)
    return state.commit(plan, vectors, offsets=offsets)


def check_embedded(message: RecordEmbeddedV1, encoder: HybridEncoder) -> None:
    """Raise ``EmbeddedBatchError`` unless ``message`` was embedded by this replica's model."""
    expected = encoder.dense.name if encoder.dense is not None else "none"
    if message.encoder != expected and expected != "none":
        raise EmbeddedBatchError(f"embedded by {message.encoder!r}; this replica uses {expected!r}")
    upsert = message.event.type.endswith(".upserted")
    if encoder.dense is not None and upsert:
        try:
            unpack(message.dense, encoder.dense.dim)
        except ValueError as exc:
            raise EmbeddedBatchError(f"bad dense vector: {exc}") from exc


def _tags(message: RecordEmbeddedV1) -> Tags:
    return Tags(tuple(message.skills), tuple(OccupationMatch(**o.model_dump()) for o in message.occupations))


def _side(message: RecordEmbeddedV1) -> Side:
    return "talents" if message.event.type.startswith("profile.") else "opportunities"
