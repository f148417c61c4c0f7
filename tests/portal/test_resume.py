"""Résumé reading: real PDF, DOCX and text files in Chinese and English, and files that cannot be read."""

from __future__ import annotations

import pytest
from fpdf import FPDF

from services.portal.resume import UnreadableResumeError, extract_text, propose
from shared.events.vocabulary import Education
from tests.portal.resumes import CHINESE, ENGLISH, docx_file, pdf


@pytest.mark.parametrize(("name", "make"), [("cv.pdf", pdf), ("cv.docx", docx_file),
                                            ("cv.txt", lambda text: text.encode("utf-8"))])
def test_a_chinese_resume_proposes_skills_city_years_and_education(name: str, make) -> None:  # type: ignore[no-untyped-def]
    proposal = propose(extract_text(name, make(CHINESE)))
    assert proposal.city == "杭州市"
    assert proposal.years_experience == 5
    assert proposal.education is Education.BACHELOR
    assert {"Spark", "Flink", "Python", "机器学习", "数据治理"} <= set(proposal.skills)


@pytest.mark.parametrize(("name", "make"), [("cv.pdf", pdf), ("cv.docx", docx_file)])
def test_an_english_resume_proposes_the_same_fields(name: str, make) -> None:  # type: ignore[no-untyped-def]
    proposal = propose(extract_text(name, make(ENGLISH)))
    assert proposal.city == "深圳市"
    assert proposal.years_experience == 7
    assert proposal.education is Education.MASTER
    assert {"Python", "Kubernetes", "深度学习", "SQL"} <= set(proposal.skills)


def test_gb18030_text_is_read() -> None:
    assert "杭州" in extract_text("cv.txt", CHINESE.encode("gb18030"))


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("cv.pdf", b"%PDF-1.7\n this is no pdf", "could not be read"),
    ("cv.docx", b"PK\x03\x04 broken zip", "could not be read"),
    ("cv.pdf", b"plain text pretending", "content matches"),
    ("cv.exe", b"MZ\x90\x00", "PDF, DOCX or TXT"),
    ("cv.txt", bytes(range(256)) * 4, "neither UTF-8"),
    ("cv.txt", b"   \n  ", "no text"),
])
def test_an_unreadable_file_says_why(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableResumeError, match=reason):
        extract_text(name, data)


def test_a_pdf_without_text_is_unreadable() -> None:
    document = FPDF()
    document.add_page()  # a page with no text, like a scanned image
    with pytest.raises(UnreadableResumeError, match="no text"):
        extract_text("scan.pdf", bytes(document.output()))
