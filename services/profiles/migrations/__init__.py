"""Alembic history of the profiles database (see shared.migrations)."""
