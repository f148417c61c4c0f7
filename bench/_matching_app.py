"""Matching for the benchmarks: ``create_app`` with the encoder built from every embedding setting
(backend, LRU cache, model cache dir, max_seq_length), which ``main.build_encoder`` may not pass yet."""

from __future__ import annotations

from fastapi import FastAPI

from services.matching.domain.encoders import DenseEncoder, HybridEncoder, LexicalEncoder
from services.matching.main import create_app as create_matching_app
from services.matching.settings import MatchingSettings


def build_encoder(settings: MatchingSettings) -> HybridEncoder:
    dense = (DenseEncoder(settings.embedding_model, batch_size=settings.embed_batch_size,
                          threads=settings.torch_threads, backend=settings.embed_backend,
                          cache_size=settings.embed_cache_size, cache_dir=settings.model_cache_dir,
                          max_seq_length=settings.embed_max_seq_length)
             if settings.dense_weight > 0 else None)
    return HybridEncoder(dense=dense, lexical=LexicalEncoder(settings.lexical_dim),
                         dense_weight=settings.dense_weight, lexical_weight=settings.lexical_weight)


def create_app() -> FastAPI:
    settings = MatchingSettings()
    return create_matching_app(settings, encoder=build_encoder(settings))
