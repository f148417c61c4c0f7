"""How matching builds its encoders from settings: one place for the service, the embedding workers
and the benchmarks, so each runs the model the same way."""

from __future__ import annotations

from services.matching.domain.encoders import DenseEncoder, HybridEncoder, LexicalEncoder
from services.matching.settings import MatchingSettings


def build_dense_encoder(settings: MatchingSettings) -> DenseEncoder | None:
    """The model with its configured runtime; None when ``dense_weight`` is 0."""
    if settings.dense_weight <= 0:
        return None
    return DenseEncoder(settings.embedding_model, batch_size=settings.embed_batch_size,
                        threads=settings.torch_threads, backend=settings.embed_backend,
                        cache_size=settings.embed_cache_size, cache_dir=settings.model_cache_dir,
                        max_seq_length=settings.embed_max_seq_length, text_view=settings.embed_text_view)


def build_encoder(settings: MatchingSettings) -> HybridEncoder:
    """Load the model once (skipped when ``dense_weight`` is 0) and blend it with the lexical channel."""
    dense = build_dense_encoder(settings)
    return HybridEncoder(dense=dense, lexical=LexicalEncoder(settings.lexical_dim),
                         dense_weight=settings.dense_weight, lexical_weight=settings.lexical_weight)
