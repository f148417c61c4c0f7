"""Accepted feedback, owned by matching in its own SQL database and published through a transactional outbox."""
