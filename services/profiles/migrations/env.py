"""Alembic environment of the profiles database: its tables are the ones its models declare."""

from services.profiles.models import Base
from shared.migrations import run_env

run_env(Base.metadata)
