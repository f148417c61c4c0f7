"""Alembic history of the portal database (see shared.migrations)."""
