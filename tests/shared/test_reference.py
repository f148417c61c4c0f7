import pytest

from shared.reference.cities import UnknownCityError, city_directory, normalize_city
from shared.reference.occupations import digital_field, digital_occupations, occupation_by_code
from shared.reference.skills import extract_skills, skill_label


@pytest.mark.parametrize(
    ("text", "city"),
    [("杭州", "杭州市"), ("Hangzhou", "杭州市"), ("浙江省杭州市", "杭州市"), ("北京市海淀区", "北京市"),
     ("shanghai", "上海市"), ("Chongqing", "重庆市"), ("Chengdu", "成都市"), ("xiamen", "厦门市"),
     ("深圳市南山区", "深圳市")],
)
def test_cities_normalize_names_short_names_pinyin_and_districts(text: str, city: str) -> None:
    assert normalize_city(text) == city


def test_district_is_kept_when_given() -> None:
    assert city_directory().resolve("北京市海淀区").district == "海淀区"


@pytest.mark.parametrize("text", ["火星市", "", "Atlantis"])
def test_unknown_cities_are_refused(text: str) -> None:
    with pytest.raises(UnknownCityError):
        normalize_city(text)


def test_directory_has_every_prefecture_level_city() -> None:
    assert len(city_directory().cities) > 330


def test_digital_occupations_follow_the_s_mark() -> None:
    digital = digital_occupations()
    assert 90 <= len(digital) <= 110
    big_data = occupation_by_code()["2-02-38-03"]
    assert big_data.name == "大数据工程技术人员" and big_data.digital and "数据仓库工程师" in big_data.aliases
    nurse = occupation_by_code()["2-05-08-01"]
    assert nurse.name == "内科护士" and not nurse.digital
    assert digital_field("2-02-38-01") == "人工智能"


def test_skills_are_found_in_chinese_and_english_alike() -> None:
    assert extract_skills("熟悉机器学习与数据治理") == ["machine-learning", "data-governance"]
    assert extract_skills("Machine Learning and data governance") == ["machine-learning", "data-governance"]
    assert extract_skills(["K8s", "Spark"]) == ["kubernetes", "spark"]


def test_short_acronyms_do_not_match_ordinary_words() -> None:
    assert extract_skills("I go to work by bus") == []
    assert extract_skills("Go and C++") == ["go", "cpp"]


def test_skill_labels_in_both_languages() -> None:
    assert skill_label("machine-learning") == "机器学习"
    assert skill_label("machine-learning", lang="en") == "machine learning"
