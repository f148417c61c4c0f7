"""Alembic environment of the jobs database: its tables are the ones its models declare."""

from services.jobs.models import Base
from shared.migrations import run_env

run_env(Base.metadata)
