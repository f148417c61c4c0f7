from tests.matching.conftest import dense_encoder, hybrid_encoder  # noqa: F401  (shared fixtures)
