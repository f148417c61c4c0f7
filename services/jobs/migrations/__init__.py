"""Alembic history of the jobs database (see shared.migrations)."""
