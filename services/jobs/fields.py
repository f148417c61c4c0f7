"""Constrained field types of the jobs API: names, labels, cities and CSCO 2022 occupation codes."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from shared.reference.cities import CityName
from shared.reference.occupations import occupation_by_code

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


def _known_occupation(code: str) -> str:
    if code not in occupation_by_code():
        raise ValueError(f"unknown CSCO 2022 occupation code {code!r}; codes look like 2-02-38-03")
    return code


def distinct(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Labels = Annotated[list[Label], Field(max_length=50), AfterValidator(distinct)]
City = CityName
OccupationCode = Annotated[str, AfterValidator(_known_occupation)]
OccupationCodes = Annotated[list[OccupationCode], Field(max_length=20), AfterValidator(distinct)]
Description = Annotated[str, Field(max_length=8000)]
Salary = Annotated[int, Field(ge=0, le=10_000_000)]
