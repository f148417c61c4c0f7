"""Alembic environment of the matching database: its tables are the ones the feedback ledger declares."""

from services.matching.feedback_ledger.models import Base
from shared.migrations import run_env

run_env(Base.metadata)
