"""Matching logic without HTTP or Kafka: documents, encoders, vector index, state and ranking."""
