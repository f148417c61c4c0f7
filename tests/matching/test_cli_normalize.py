"""``talentmatch occupations normalize``: job titles on stdin → one JSON line per title, in order."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from talentmatch.cli import main


def test_normalize_reads_stdin_and_writes_json_lines(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("大数据开发工程师\n\nmachine learning engineer\r\n急聘\n护士"))
    assert main(["occupations", "normalize", "--top", "2"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["input"] for line in lines] == ["大数据开发工程师", "", "machine learning engineer", "急聘", "护士"]
    first = lines[0]["matches"]
    assert len(first) == 2 and set(first[0]) == {"code", "name", "score", "digital"}
    assert first[0]["code"] == "2-02-38-03" and first[0]["digital"] is True and 0 < first[0]["score"] <= 1
    assert lines[1]["matches"] == [] and lines[3]["matches"] == []  # blank and noise-only titles
    assert lines[2]["matches"][0]["code"] == "2-02-38-01"
    assert lines[4]["matches"][0]["code"].startswith("2-05-")


def test_normalize_as_a_process_keeps_chinese_readable() -> None:
    done = subprocess.run([sys.executable, "-m", "talentmatch.cli", "occupations", "normalize"],
                          input="大数据开发工程师\n".encode(), capture_output=True, timeout=120, check=True)
    out = done.stdout.decode("utf-8")
    assert "大数据工程技术人员" in out  # ensure_ascii=False: no \\u escapes
    (line,) = [json.loads(x) for x in out.splitlines()]
    assert line["input"] == "大数据开发工程师" and len(line["matches"]) == 3


def test_top_is_bounded(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["occupations", "normalize", "--top", "0"])
    assert "between 1 and 20" in capsys.readouterr().err
