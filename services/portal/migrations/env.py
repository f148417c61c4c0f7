"""Alembic environment of the portal database: its tables are the ones its models declare."""

from services.portal.models import Base
from shared.migrations import run_env

run_env(Base.metadata)
