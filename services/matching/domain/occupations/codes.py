"""CSCO 2022 code arithmetic: which leaf codes lie under a group code."""

from __future__ import annotations

__all__ = ["PREFIX_BY_LEVEL", "group_prefix", "is_hit"]

# Characters of a code ("2-02-38-03") shared by everything under a group of that level: major group "2",
# sub-major group "2-02", minor group "2-02-38". A level-4 code names one occupation.
PREFIX_BY_LEVEL: dict[int, int] = {1: 1, 2: 4, 3: 7}


def group_prefix(code: str, level: int) -> str:
    """The prefix every code under ``code`` (of taxonomy level ``level``) starts with; the code itself for a leaf."""
    return code[: PREFIX_BY_LEVEL.get(level, len(code))]


def is_hit(expected_code: str, predicted_code: str, expected_level: int | None = None) -> bool:
    """Whether a predicted leaf counts for an expected code: equal, or under a non-leaf expected code.

    ``expected_level`` (1..4) comes from the taxonomy (some leaves end in "-00"); without it the level is
    read from the trailing zero groups of the code.
    """
    if expected_code == predicted_code:
        return True
    if expected_level is None:
        parts = expected_code.split("-")
        expected_level = 4 if parts[-1] != "00" else 3 if parts[2] != "00" else 2 if parts[1] != "00" else 1
    if expected_level >= 4:
        return False
    return predicted_code.startswith(group_prefix(expected_code, expected_level))
