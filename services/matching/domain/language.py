"""The language of a profile or a request: the reasons of a ranked list come in it."""

from __future__ import annotations

import re
from typing import Literal, get_args

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def text_language(text: str) -> Language:
    """"en" for a text written in English (Latin letters outnumber Chinese characters three to one: a
    Chinese text naming Java, SQL and Python stays Chinese), else "zh"."""
    latin, cjk = len(_LATIN.findall(text)), len(_CJK.findall(text))
    return "en" if latin > 3 * cjk else "zh"
