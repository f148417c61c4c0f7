"""One real model per test session, shared by every encoder and app of these tests."""

from __future__ import annotations

import pytest

from services.matching.domain.encoders import DenseEncoder, HybridEncoder, LexicalEncoder


@pytest.fixture(scope="session")
def dense_encoder() -> DenseEncoder:
    return DenseEncoder(threads=1)  # the packaged all-MiniLM-L6-v2, offline; 1 thread: a shared box


@pytest.fixture(scope="session")
def hybrid_encoder(dense_encoder: DenseEncoder) -> HybridEncoder:
    return HybridEncoder(dense=dense_encoder, lexical=LexicalEncoder(1024), dense_weight=0.5,
                         lexical_weight=0.5)


@pytest.fixture(scope="session")
def lexical_encoder() -> HybridEncoder:
    """Lexical-only: enough for the logic tests, and needs no model."""
    return HybridEncoder(dense=None, lexical=LexicalEncoder(1024), dense_weight=0.0, lexical_weight=1.0)
