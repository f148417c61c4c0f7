"""Job-title cleaning: recruitment noise out, the title split into segments and bracketed extras.

``clean_title`` removes salary/perks ("8k-12k", "五险一金", "包吃住"), hiring words ("急聘"; a company
prefix before "招聘" is dropped), seniority ("高级", "资深", "senior"), province, city and district names,
request codes ("J10865") and training-class words ("订单班", "定向班"); bracketed text is kept aside as a
lower-weighted variant and "/", "+", "、" … split the title into segments.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from services.matching.domain.occupations.data import city_rows, stopwords
from shared.reference.occupations import occupations

__all__ = [
    "CJK_RUN",
    "LATIN_TOKEN",
    "SEPARATORS",
    "CleanTitle",
    "classifier_text",
    "clean_title",
    "exact_key",
    "has_content",
    "nfkc",
]

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
CJK_RUN = re.compile(f"[{_CJK}]+")
LATIN_TOKEN = re.compile(r"c\+\+|c#|\.net|[a-z0-9][a-z0-9+#]*(?:\.[a-z0-9+#]+)*")
_BRACKETS = re.compile(r"[(\[{【〔「『《<]([^()\[\]{}【】〔〕「」『』《》<>]*)[)\]}】〕」』》>]")
_STRAY_BRACKETS = re.compile(r"[()\[\]{}【】〔〕「」『』《》<>]")
SEPARATORS = re.compile(r"[/\\、,，;；|+&·~～]+|\s+-\s+|--+|—+")
_NOISE_PUNCT = re.compile(r"[!！?？。:：\"'“”‘’*★☆●◆■▲※#@=^…]+")
_NUM = r"\d+(?:\.\d+)?"
_CN_NUM = r"[零一二三四五六七八九十两几\d]+"
_SALARY = re.compile(
    r"(?:提供|包|管|有|享)(?:吃住|食宿|住宿|宿舍|吃|住|社保|五险一金|饭补|餐补|饭|餐|员工餐|分红|带薪培训|培训)+|"
    r"(?:接受)?(?:小白|无经验|生熟手|新手)[均皆都]?可|"
    rf"(?:月|年|日|周)(?:薪|入|结|均|收入)?(?:过|超)?{_NUM}[kw千万]?\+?(?:起|以上)?|"
    r"(?:薪资|待遇|工资)(?:面议|优厚|高|可谈)|"
    rf"(?:年薪|月薪|日薪|薪资|保障薪资|底薪|无责|保底|综合薪资){_NUM}[kw千万亿]?\+?|"
    rf"{_NUM}[kw千万]?\+?(?:年薪|月薪|薪资|保障薪资|底薪|无责|元)|"
    rf"{_NUM}[kw千万]?\s*[-~到至]\s*{_NUM}[kw千万]?(?:元|薪)?|"
    rf"{_NUM}[kw]?/?(?:天|月|一天|每月|小时|时|h)\b|"
    rf"{_NUM}[kw千万]\+?|"
    rf"早{_CN_NUM}晚{_CN_NUM}|朝[九十\d]+晚[五六七\d]+|{_CN_NUM}点(?:上|下)班|"
    rf"上{_CN_NUM}休{_CN_NUM}|月休{_CN_NUM}天|(?:周末)?[单双法]休|"
    r"[五六七]险[一二]金|"
    rf"{_CN_NUM}\s*(?:名|人|位)(?![a-z\u4e00-\u9fff]*(?:员|师))|[若多]干名|"
    r"\d{2,4}\s*(?:年|届)|\d+\s*薪|"
    r"\b[a-z]{1,3}\d{3,}\b|"  # request codes: J10865
    r"\d{3,}"
)
_NOISE_WORDS = (
    "急聘", "急招", "直招", "代招", "诚聘", "聘请", "直聘", "高薪聘请", "高薪", "高收入", "高提成", "提成",
    "年终奖", "双休", "单休", "大小周", "包吃住", "包食宿", "包住", "包吃", "食宿", "五险", "六险", "一金",
    "社保", "日结", "周结", "月结", "轻松上手", "生熟手均可", "坐班", "长白班", "不加班", "无责", "保底",
    "上市公司", "500强", "五百强", "大厂", "小厂", "应届生", "应届", "毕业生", "校招", "社招", "可兼职",
    "兼职", "全职", "长期", "短期", "暑假工", "寒假工", "暑期工", "临时工", "不限经验", "无经验", "经验不限",
    "零基础", "小白", "宝妈", "可带教", "带教", "带薪培训", "男女不限", "限男", "限女", "学历不限",
    "在家", "居家", "线上", "远程", "名额", "若干", "实习生", "实习", "见习", "急", "热招", "高级", "资深",
    "初级", "中级", "senior", "junior", "sr.", "sr", "jr.", "jr", "intern", "internship", "principal",
    "trainee", "entry-level", "entry level", "mid-level", "experienced", "remote", "full-time",
    "full time", "part-time", "part time",
)
# Words that contain a noise word but are real job words.
_PROTECTED = ("高级中学", "高级技工", "初级中学", "实习律师", "实习医生", "实习医师")
# "招聘" followed by a bare role word is an HR title ("招聘专家"), not a company prefix before the job.
_RECRUIT_ROLES = ("专员", "专家", "师", "经理", "主管", "顾问", "总监", "助理", "官", "负责人", "hr", "/")
_RECRUIT_KEEP = tuple("招聘" + role for role in _RECRUIT_ROLES)
_RECRUIT = re.compile(r"(?:高薪)?(?:招聘|诚聘|急聘|急招|直招|热招)")
_PLACE_SUFFIX = "(?:市内|市区|区域|地区|周边|方向|片区|驻场|驻点)?"
# A training class is named after the job it trains for plus a class word: "大模型应用开发订制班",
# "工业互联网平台运维订单班". The class word says nothing about the occupation, and its characters mislead
# the n-gram scorers on a short title ("订制班" → 模特 through "模型"), so it goes.
# (Shift words such as "晚班", "周末班" stay: they name a job's hours. Two characters of the job must remain.)
_CLASS_SUFFIX = re.compile(
    r"(?<=\w\w)(?:(?:订制|定制|订单|定向|培训|实训|研修|进修|就业|精英|冲刺|速成)班|(?:训练|特训|集训|实训)营)$"
)


@cache
def _noise_pattern() -> re.Pattern[str]:
    stop = [unicodedata.normalize("NFKC", w).lower() for w in stopwords()]
    words = sorted({w for w in (*_NOISE_WORDS, *stop) if w}, key=len, reverse=True)
    protected = "|".join(re.escape(p) for p in _PROTECTED)
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(f"(?!{protected})(?:{alternatives})")


@cache
def _place_pattern() -> re.Pattern[str]:
    """Province/city names (full and short) and district/county full names, minus words used by occupations."""
    occupation_text = "".join(o.name + "".join(o.aliases) for o in occupations())
    names: set[str] = set()
    for row in city_rows():
        full, short = row["name"].strip(), row["short_name"].strip()
        if len(full) >= 3:
            names.add(full)
        if int(row["deep"] or 0) <= 2 and len(short) >= 2:
            names.add(short)
    names = {n for n in names if n not in occupation_text}
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(f"(?:{alternatives}){_PLACE_SUFFIX}")


@dataclass(frozen=True)
class CleanTitle:
    text: str  # cleaned main text: the segments joined by " / "
    segments: tuple[str, ...]  # main text split at separators ("/", "+", "、" …)
    extras: tuple[str, ...]  # cleaned text from brackets


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().strip()


def has_content(text: str) -> bool:
    return bool(CJK_RUN.search(text) or re.search(r"[a-z]", text))


def _strip_noise(text: str) -> str:
    text = _SALARY.sub(" ", text)
    text = _place_pattern().sub(" ", text)
    text = _noise_pattern().sub(" ", text)
    return _NOISE_PUNCT.sub(" ", text)


def _drop_recruiter(text: str) -> str:
    """'XX公司招聘保安' → '保安'; HR titles such as '招聘专员' are kept."""
    if any(k in text for k in _RECRUIT_KEEP):
        return text
    parts = _RECRUIT.split(text)
    if len(parts) > 1 and has_content(parts[-1]):
        return parts[-1]
    return _RECRUIT.sub(" ", text)


def _tidy(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" -_.")


def _clean_parts(text: str) -> list[str]:
    cleaned = _strip_noise(_drop_recruiter(text))
    parts = (_tidy(_CLASS_SUFFIX.sub("", _tidy(p))) for p in SEPARATORS.split(cleaned))
    return [part for part in parts if has_content(part)]


def clean_title(title: str) -> CleanTitle:
    """Remove recruitment noise from a job title (see the module docstring)."""
    text = nfkc(title)
    extras = [part for m in _BRACKETS.finditer(text) for part in _clean_parts(m.group(1))]
    main = _STRAY_BRACKETS.sub(" ", _BRACKETS.sub(" / ", text))
    segments = tuple(_clean_parts(main))
    return CleanTitle(text=" / ".join(segments), segments=segments, extras=tuple(extras))


def classifier_text(cleaned: CleanTitle) -> str:
    return " ".join((*cleaned.segments, *cleaned.extras))


def exact_key(text: str) -> str:
    """Key for exact alias lookup: NFKC, lowercase, without spaces and punctuation."""
    return re.sub(r"[^\w+#]+", "", nfkc(text)).replace("_", "")
