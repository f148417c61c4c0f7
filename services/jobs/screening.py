"""Finds requirements the Employment Promotion Law bars (就业促进法 art. 3, 27–31) in a posting's text.

Pure text rules, no I/O. A rule names what a posting *requires of a candidate* (限男性, 35岁以下,
"local hukou"); phrases that only mention the topic — benefits (婚假, 解决北京户口), the company (成立10年,
民族品牌), explicit openness (性别不限, 不限户籍) or a course's pupils (8-12岁学员) — are not flags.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    GENDER = "gender"
    AGE = "age"
    ETHNICITY = "ethnicity"
    MARITAL_STATUS = "marital_status"
    HOUSEHOLD_REGISTRATION = "household_registration"


@dataclass(frozen=True)
class Finding:
    """One barred requirement: its category, the exact phrase and the field it was found in."""

    category: Category
    phrase: str
    field: str


# 男/女 alone only at a clause end, so that 女装 or 男篮 is not read as a sex
_SEX = r"(?:男|女)(?:性|士|生|(?=[，,。；;、\s）)]|$))"
_CN_AGE = r"(?:[一二三四五六]十[一二三四五六七八九]?|十[六七八九])"
_AGE = rf"(?:[1-6]\d|{_CN_AGE})"
_DASH = r"\s*(?:-+|－|~|～|—+|–|至|到)\s*"
_AGE_TAIL = r"(?:\s*(?:以下|以内|以上|之间|左右|上下|或以下|及以下|及以上|以前))"
_PLACE = r"(?:本地|本市|本省|本区|本县|当地|[\u4e00-\u9fff]{2,3}(?:市|省)?)"
_HUKOU = r"(?:户口|户籍|籍贯)"

_RULES: dict[Category, tuple[str, ...]] = {
    Category.GENDER: (
        rf"(?:仅|只)?限(?:于)?{_SEX}(?!女|男)",
        rf"(?:只|仅)(?:招|要|收|聘)(?:收|聘)?{_SEX}",
        r"(?<![不])(?:男|女)(?:性|士|生)优先",
        rf"(?:要求|需|须|必须)(?:为|是)?{_SEX}(?!女|男)",
        r"性别(?:要求)?\s*[：:]?\s*(?:男|女)(?:性)?(?!女|男|不限|均可|皆可)",
        r"\b(?:male|female|men|women)\s+only\b",
        r"\bonly\s+(?:male|female|men|women)\b",
        r"\b(?:male|female)s?(?:\s+(?:candidates?|applicants?))?\s+(?:preferred|only|required)\b",
        r"\bgender\s*:\s*(?:male|female)\b",
    ),
    Category.AGE: (
        rf"{_AGE}\s*(?:周岁|岁)?{_DASH}{_AGE}\s*(?:周岁|岁){_AGE_TAIL}?",
        rf"{_AGE}\s*(?:周岁|岁){_AGE_TAIL}",
        rf"(?:年龄|年纪)(?:要求)?(?:在|为|须|需)?\s*[：:]?\s*(?:约)?{_AGE}(?:\s*(?:周岁|岁)?{_DASH}{_AGE})?\s*(?:周岁|岁)?{_AGE_TAIL}?",
        rf"(?:(?:年龄|年纪)\s*)?(?:不超过|不大于|不高于|小于|低于|未满|最高|最大|不得超过)\s*{_AGE}\s*(?:周岁|岁)",
        r"\b(?:aged?|age\s*:)\s*(?:between\s+)?\d{2}(?:\s*(?:-|–|to|and)\s*\d{2})?(?:\s+years?\s+old)?\b",
        # "under 35" alone, not "under 50 engineers": the number ends the clause unless "years old" follows
        r"\b(?:under|below|younger than|no older than|not older than)\s+(?:the\s+age\s+of\s+)?\d{2}"
        r"(?:\s+years?\s+(?:old|of\s+age)\b|(?=\s*(?:[,.;:)/，。；]|$|and\b|or\b|preferred\b|only\b)))",
        r"\b(?:over|above|older than)\s+(?:the\s+age\s+of\s+\d{2}\b|\d{2}\s+years?\s+(?:old|of\s+age)\b)",
        r"\b\d{2}\s*(?:-|–|to)\s*\d{2}\s+years?\s+(?:old|of\s+age)\b",
    ),
    Category.ETHNICITY: (
        r"(?:仅|只)?限(?:于)?(?:汉|藏|回|蒙古|维吾尔|壮|满|苗|彝)族",
        r"(?:要求|需|须|必须)(?:为|是)?(?:汉|藏|回|蒙古|维吾尔|壮|满)族",
        r"(?:汉|藏|回|蒙古|维吾尔|壮|满)族(?:优先|人士优先|员工优先)",
        r"民族\s*[：:]\s*汉族?",
        r"(?:非|不招|不要|不收)少数民族|少数民族(?:勿扰|除外|不考虑|慎投)",
        r"\bhan\s+(?:chinese\s+)?(?:only|ethnicity\s+(?:only|required|preferred))\b",
        r"\b(?:ethnicity|ethnic group)\s*:\s*han\b",
    ),
    Category.MARITAL_STATUS: (
        r"(?:已婚|未婚)(?:已育|未育)?(?:者)?(?:优先)?",
        r"(?:已育|未育)(?:者)?(?:优先)?",
        r"婚(?:姻|育)(?:状况|情况)?\s*[：:]\s*(?!不限)[\u4e00-\u9fff]{2}",
        r"(?:要求|限|仅限)单身",
        r"\b(?:unmarried|must be (?:single|married)|single only|married (?:candidates?\s+)?(?:only|preferred))\b",
        r"\bmarital status\s*:\s*(?:single|married)\b",
    ),
    Category.HOUSEHOLD_REGISTRATION: (
        rf"(?:仅|只)?限(?:于)?{_PLACE}{_HUKOU}",
        rf"(?:本地|本市|本省|本区|当地)(?:{_HUKOU}|人(?!才|员|力|群|民|士))(?:优先)?",
        rf"{_PLACE}{_HUKOU}(?:优先|者优先)",
        rf"(?:要求|需|须|必须)(?:有|具有|具备|持有|为)?{_PLACE}{_HUKOU}",
        rf"(?:具有|持有){_PLACE}{_HUKOU}",
        rf"非{_PLACE}{_HUKOU}(?:勿扰|不要|不考虑|慎投)",
        rf"{_HUKOU}(?:要求|限制)\s*[：:]?\s*(?!不限){_PLACE}",
        r"\blocal\s+(?:hukou|household\s+registration)\b",
        r"\b(?:hukou|household\s+registration)\s+(?:required|only)\b",
    ),
}
_COMPILED = {category: re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
             for category, patterns in _RULES.items()}

# Openness stated outright; a match inside one of these is no flag (男女不限 contains 男女, 不限户籍 户籍 …).
_OPEN = re.compile(r"(?:性别|男女|年龄|民族|婚否|婚姻|婚育|户籍|户口|籍贯)(?:不限|均可|皆可|无要求)"
                   r"|不限(?:性别|男女|年龄|民族|婚否|婚姻|户籍|户口|籍贯)"
                   r"|(?:any|all)\s+(?:gender|age|ethnicity)s?|regardless of (?:gender|age|ethnicity|marital status)",
                   re.IGNORECASE)
# Words in the same clause before an age or a hukou phrase that show it describes someone other than the
# candidate or a benefit the employer offers (团队平均年龄28岁, 8-12岁学员, 可解决北京户口, 协助办理户口).
_NOT_A_REQUIREMENT = {
    Category.AGE: re.compile(r"平均|团队|同事|儿童|孩子|少儿|青少年|宝宝|小朋友|成立|历史|品牌"),
    Category.HOUSEHOLD_REGISTRATION: re.compile(r"解决|办理|落户|申请|申报|协助|提供|指标|可"),
    Category.MARITAL_STATUS: re.compile(r"福利|礼金|补贴|假"),
}
_PUPILS_AFTER = re.compile(r"^\s*(?:的)?(?:儿童|孩子|少儿|青少年|宝宝|小朋友)")
_CLAUSE_END = re.compile(r"[。；;！!？?\n]|[，,](?=\s*\d+[、.．）)])|\d+[、．）)]")


def _clause_before(text: str, start: int) -> str:
    """The text between the last clause boundary and ``start``."""
    head = text[max(0, start - 30):start]
    parts = _CLAUSE_END.split(head)
    return parts[-1] if parts else head


def screen_text(text: str, *, field: str = "text") -> list[Finding]:
    """Every barred requirement in ``text``, in reading order, each phrase once per category."""
    open_spans = [m.span() for m in _OPEN.finditer(text)]
    found: list[tuple[int, Finding]] = []
    for category, pattern in _COMPILED.items():
        seen: set[str] = set()
        for match in pattern.finditer(text):
            start, end = match.span()
            phrase = match.group(0).strip()
            if not phrase or phrase in seen:
                continue
            if any(start < o_end and o_start < end for o_start, o_end in open_spans):
                continue
            context = _NOT_A_REQUIREMENT.get(category)
            if context is not None and context.search(_clause_before(text, start) + phrase):
                continue
            if category is Category.AGE and _PUPILS_AFTER.match(text[end:]):
                continue
            seen.add(phrase)
            found.append((start, Finding(category, phrase, field)))
    return [finding for _, finding in sorted(found, key=lambda pair: pair[0])]


def screen(fields: Mapping[str, str | Sequence[str] | None]) -> list[Finding]:
    """Screen named text fields (a list field is screened item by item); fields in the given order."""
    findings: list[Finding] = []
    for name, value in fields.items():
        texts: Iterable[str] = () if value is None else ([value] if isinstance(value, str) else value)
        for text in texts:
            findings.extend(screen_text(text, field=name))
    return findings
