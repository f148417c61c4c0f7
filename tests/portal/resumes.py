"""Résumé files written by the tests: a PDF (fpdf2, with a CJK font when the machine has one), a DOCX
(python-docx) and plain text."""

from __future__ import annotations

import io
from pathlib import Path

import docx
from fpdf import FPDF

CJK_FONTS = (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
             Path("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc"),
             Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"))
ENGLISH = ("Li Lei - Shenzhen\nMaster of Science in Computer Science\n"
           "7 years of software engineering experience: Python, Kubernetes, deep learning and SQL.")
CHINESE = "王敏 杭州\n学历：本科\n5年大数据开发经验，熟悉 Spark、Flink、Python 与机器学习，负责数据治理。"


def pdf(text: str) -> bytes:
    """A one-page PDF with ``text``; Chinese needs a CJK font on the machine (fonts-noto-cjk)."""
    document = FPDF()
    document.add_page()
    font = next((f for f in CJK_FONTS if f.is_file()), None)
    if font is not None:
        document.add_font("cjk", fname=str(font))
        document.set_font("cjk", size=12)
    else:
        if not text.isascii():
            raise FileNotFoundError("no CJK font: apt-get install fonts-noto-cjk")
        document.set_font("helvetica", size=12)
    document.multi_cell(0, 8, text)
    return bytes(document.output())


def docx_file(text: str) -> bytes:
    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
