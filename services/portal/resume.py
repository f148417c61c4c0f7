"""Résumé import: the text of a PDF, DOCX or plain-text file, and a profile proposed from it.

The file is read from memory and dropped with the request; only what the seeker confirms is saved.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from functools import cache

import docx
from docx.opc.exceptions import PackageNotFoundError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from shared.events.vocabulary import Education
from shared.reference.cities import city_directory
from shared.reference.skills import extract_skills, skill_label

MAX_TEXT_CHARS = 200_000
SKILLS_TEXT_CHARS = 1500  # the profile's free text keeps the résumé's opening, within its 4,000 limit
ALLOWED = {"pdf": "PDF", "docx": "DOCX", "txt": "TXT"}


class UnreadableResumeError(ValueError):
    """The file is not a PDF, DOCX or text file we can read, or holds no text."""


@dataclass
class Proposal:
    skills: list[str] = field(default_factory=list)  # canonical labels in the page's language
    city: str | None = None
    years_experience: int | None = None
    education: Education | None = None
    skills_text: str = ""


def file_type(name: str, data: bytes) -> str:
    """``pdf``, ``docx`` or ``txt`` from the content (the name's extension must agree)."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if data.startswith(b"%PDF-"):
        kind = "pdf"
    elif data.startswith(b"PK\x03\x04"):
        kind = "docx"
    else:
        kind = "txt"
    if extension not in ALLOWED or extension != kind:
        raise UnreadableResumeError("upload a PDF, DOCX or TXT file whose content matches its extension")
    return kind


def extract_text(name: str, data: bytes) -> str:
    """The file's text; ``UnreadableResumeError`` when it cannot be read or holds none."""
    kind = file_type(name, data)
    try:
        if kind == "pdf":
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                raise UnreadableResumeError("the PDF is password-protected")
            text = "\n".join(page.extract_text() or "" for page in reader.pages[:20])
        elif kind == "docx":
            document = docx.Document(io.BytesIO(data))
            cells = (cell.text for table in document.tables for row in table.rows for cell in row.cells)
            text = "\n".join([*(p.text for p in document.paragraphs), *cells])
        else:
            text = _decode(data)
    except (PdfReadError, PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        if isinstance(exc, UnreadableResumeError):
            raise
        raise UnreadableResumeError(f"the {ALLOWED[kind]} file could not be read") from exc
    text = text.replace("\x00", "").strip()[:MAX_TEXT_CHARS]
    if len(re.sub(r"\s", "", text)) < 10:
        raise UnreadableResumeError("no text found in the file (a scanned image cannot be read)")
    return text


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        printable = sum(ch.isprintable() or ch.isspace() for ch in text)
        if printable >= 0.95 * max(1, len(text)):
            return text
    raise UnreadableResumeError("the text file is neither UTF-8 nor GB18030 text")


_YEARS = (
    re.compile(r"(\d{1,2})\s*(?:\+|多)?\s*年(?:以上)?(?:的)?(?:[\u4e00-\u9fff]{0,8})?(?:经验|经历|工作)"),
    re.compile(r"(?:工作年限|工作经验)[:：\s]*(\d{1,2})"),
    re.compile(r"(\d{1,2})\s*\+?\s*years?(?:'|’)?\s+(?:of\s+)?(?:[A-Za-z-]+\s+){0,3}?(?:experience|work)", re.I),
)
_EDUCATION = (  # highest first
    (Education.DOCTORATE, re.compile(r"博士|Ph\.?\s?D|Doctor(?:ate)?\b", re.I)),
    (Education.MASTER, re.compile(r"硕士|研究生|Master(?:'s)?\b|M\.S\.|MBA", re.I)),
    (Education.BACHELOR, re.compile(r"本科|学士|Bachelor(?:'s)?\b|B\.S\.|B\.Eng", re.I)),
    (Education.VOCATIONAL, re.compile(r"大专|专科|高职|Associate\b|vocational college", re.I)),
    (Education.SECONDARY, re.compile(r"中专|高中|技校|high school|secondary school", re.I)),
)


@cache
def _city_patterns() -> list[tuple[re.Pattern[str], str]]:
    patterns = []
    for city in city_directory().cities:
        names = {city.name}
        short = city.name.removesuffix("市")
        if len(short) >= 2 and short != city.name:
            names.add(short)
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        patterns.append((re.compile(alternatives), city.name))
        if city.pinyin:
            patterns.append((re.compile(rf"\b{re.escape(city.pinyin)}\b", re.I), city.name))
    return patterns


def _city(text: str) -> str | None:
    """The city named first in the text (its canonical name)."""
    best: tuple[int, str] | None = None
    for pattern, name in _city_patterns():
        match = pattern.search(text)
        if match is not None and (best is None or match.start() < best[0]):
            best = (match.start(), name)
    return best[1] if best else None


def _years(text: str) -> int | None:
    found = [int(m.group(1)) for pattern in _YEARS for m in pattern.finditer(text)]
    plausible = [years for years in found if 0 < years <= 50]
    return max(plausible) if plausible else None


def _education(text: str) -> Education | None:
    return next((level for level, pattern in _EDUCATION if pattern.search(text)), None)


def propose(text: str, *, lang: str = "zh") -> Proposal:
    """Skills from the canonical vocabulary, the first city named, the most years stated, the highest degree."""
    labels = [skill_label(skill_id, lang=lang) for skill_id in extract_skills(text)]
    summary = re.sub(r"[ \t]+", " ", re.sub(r"\n\s*\n+", "\n", text)).strip()[:SKILLS_TEXT_CHARS]
    return Proposal(skills=labels[:50], city=_city(text), years_experience=_years(text), education=_education(text),
                    skills_text=summary)
