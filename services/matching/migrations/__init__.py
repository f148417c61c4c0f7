"""Alembic history of the matching database: accepted feedback and its outbox (see shared.migrations)."""
