"""The posting screen: barred requirements found with their exact phrase, openness and benefits left alone."""

from __future__ import annotations

import pytest

from services.jobs.screening import Category, Finding, screen, screen_text

GENDER, AGE, ETHNICITY = Category.GENDER, Category.AGE, Category.ETHNICITY
MARITAL, HUKOU = Category.MARITAL_STATUS, Category.HOUSEHOLD_REGISTRATION

POSITIVES: list[tuple[str, list[tuple[Category, str]]]] = [
    ("Java开发工程师，限男性，35岁以下", [(GENDER, "限男性"), (AGE, "35岁以下")]),
    ("任职要求：男性优先，本科及以上学历", [(GENDER, "男性优先")]),
    ("前台接待，仅限女性", [(GENDER, "仅限女性")]),
    ("性别：女，形象气质佳", [(GENDER, "性别：女")]),
    ("只招男生，能适应出差", [(GENDER, "只招男生")]),
    ("Warehouse supervisor, male only, night shifts", [(GENDER, "male only")]),
    ("Female candidates preferred for this role", [(GENDER, "Female candidates preferred")]),
    ("1、年龄18-30岁，大专以上学历", [(AGE, "年龄18-30岁")]),
    ("2、40周岁以下，具有3年及以上开发经验", [(AGE, "40周岁以下")]),
    ("原则上年龄不超过35周岁", [(AGE, "年龄不超过35周岁")]),
    ("年龄要求21岁——35岁，有志于长期在IT行业发展", [(AGE, "年龄要求21岁——35岁")]),
    ("年龄可在45岁至60岁之间", [(AGE, "45岁至60岁之间")]),
    ("三十五岁以下，熟悉Linux", [(AGE, "三十五岁以下")]),
    ("Backend engineer, under 35, fluent in Go", [(AGE, "under 35")]),
    ("Applicants aged 22-30 with a degree", [(AGE, "aged 22-30")]),
    ("Candidates must be 25 to 35 years old", [(AGE, "25 to 35 years old")]),
    ("普工，限汉族，包住宿", [(ETHNICITY, "限汉族")]),
    ("汉族优先，能吃苦耐劳", [(ETHNICITY, "汉族优先")]),
    ("要求未婚，能接受长期出差", [(MARITAL, "未婚")]),
    ("已婚已育优先，工作稳定", [(MARITAL, "已婚已育优先")]),
    ("婚姻状况：未婚", [(MARITAL, "婚姻状况：未婚")]),
    ("Marital status: single", [(MARITAL, "Marital status: single")]),
    ("本地户口，有驾照", [(HUKOU, "本地户口")]),
    ("限本市户籍，熟悉本地市场", [(HUKOU, "限本市户籍")]),
    ("北京户口优先", [(HUKOU, "北京户口优先")]),
    ("本地人优先，会说方言", [(HUKOU, "本地人优先")]),
    ("Sales rep, local hukou required", [(HUKOU, "local hukou")]),
    ("限女性，28岁以下，未婚，本地户口", [(GENDER, "限女性"), (AGE, "28岁以下"), (MARITAL, "未婚"),
                                       (HUKOU, "本地户口")]),
]

NEGATIVES = [
    "性别不限，本科及以上学历",
    "男女不限，可接受应届毕业生",
    "年龄不限，有3年以上Java开发经验",
    "不限户籍，欢迎外地生源",
    "户籍不限，民族不限",
    "享受带薪年假、婚假、产假、陪产假、哺乳假",
    "结婚礼金、生育礼金、节日福利",
    "民族品牌，中华民族伟大复兴的参与者",
    "work experience 3-5 years, 5+ years of Python",
    "over 10 years of experience in distributed systems",
    "a team of under 50 engineers in 12 countries",
    "公司成立于2005年，已有20年历史",
    "团队成员平均年龄28岁，氛围轻松",
    "公司研发团队，年龄在25-35岁之间，大部分来自名校",
    "负责8-12岁学员的编程课程教学",
    "面向10-15岁青少年的机器人课程",
    "应届生符合要求可解决北京户口",
    "公司可协助办理落户，提供人才公寓",
    "提供单身公寓和员工食堂",
    "联系人：刘女士，简历投递邮箱见下方",
    "三八妇女节女性员工放假半天",
    "女装电商运营，熟悉淘宝后台",
    "Male and female candidates are equally welcome, regardless of age",
    "3年以上工作经验，本科及以上学历，熟悉Spring Boot",
]


@pytest.mark.parametrize(("text", "expected"), POSITIVES, ids=[t for t, _ in POSITIVES])
def test_barred_requirements_are_found_with_their_phrase(text: str, expected: list[tuple[Category, str]]) -> None:
    assert [(f.category, f.phrase) for f in screen_text(text)] == expected


@pytest.mark.parametrize("text", NEGATIVES)
def test_openness_benefits_and_the_company_are_not_flagged(text: str) -> None:
    assert screen_text(text) == []


def test_fields_are_named_and_list_fields_screened_item_by_item() -> None:
    findings = screen({"title": "销售代表（限男性）", "description": "性别不限", "skills": ["Excel", "35岁以下"],
                       "requirements": None})
    assert findings == [Finding(GENDER, "限男性", "title"), Finding(AGE, "35岁以下", "skills")]


def test_a_phrase_repeated_in_one_field_is_flagged_once() -> None:
    assert len(screen_text("35岁以下；重申：35岁以下")) == 1
