"""Fixtures of the scale-out tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _matching_database(matching_database: str) -> str:
    """Every matching app of these tests keeps its accepted feedback in a fresh database at the head."""
    return matching_database
