"""Pinned small cases for the occupation normalizer (no timing, no quality thresholds over large sets)."""

from __future__ import annotations

import pytest

from services.matching.domain.documents import occupations_for
from services.matching.domain.occupations import LazyNormalizer, OccupationMatch, OccupationNormalizer, is_hit
from services.matching.domain.occupations.aliases import ENGLISH_ALIASES
from services.matching.domain.occupations.cleaning import clean_title
from shared.reference.occupations import DIGITAL_FIELDS
from shared.reference.occupations import occupations as load_occupations


@pytest.fixture(scope="module")
def taxonomy_only() -> OccupationNormalizer:
    """Index from the taxonomy and English aliases only (no labelled titles)."""
    return OccupationNormalizer()


@pytest.fixture(scope="module", params=["taxonomy", "default"])
def normalizer(request: pytest.FixtureRequest, taxonomy_only: OccupationNormalizer,
               occupation_normalizer: OccupationNormalizer) -> OccupationNormalizer:
    return taxonomy_only if request.param == "taxonomy" else occupation_normalizer


def _codes(matches: list[OccupationMatch], k: int) -> list[str]:
    return [m.code for m in matches[:k]]


@pytest.mark.parametrize(
    ("title", "code"),
    [
        ("大数据开发工程师", "2-02-38-03"),
        ("Java开发工程师", "2-02-10-03"),
        ("machine learning engineer", "2-02-38-01"),
        ("Senior Data Engineer", "2-02-38-03"),
        ("DevOps engineer", "2-02-38-04"),
        ("backend developer", "2-02-10-03"),
        ("IC design engineer", "2-02-38-09"),
        ("高级Java开发工程师（北京出差）", "2-02-10-03"),
    ],
)
def test_known_titles_in_top3(normalizer: OccupationNormalizer, title: str, code: str) -> None:
    assert code in _codes(normalizer.normalize(title), 3)


def test_security_engineer_is_a_security_occupation(normalizer: OccupationNormalizer) -> None:
    assert {"2-02-38-12", "2-02-10-07"} & set(_codes(normalizer.normalize("security engineer"), 3))


def test_nurse_is_health_first(normalizer: OccupationNormalizer) -> None:
    first = normalizer.normalize("护士")[0]
    assert first.code.startswith("2-05-")


def test_exact_alias_scores_one(taxonomy_only: OccupationNormalizer) -> None:
    # "保安" is a taxonomy alias of 4-07-05-01 保安员; noise around it is stripped.
    for title in ("保安", "金房物业招聘保安", "急聘保安（包吃住）8k-10k"):
        first = taxonomy_only.normalize(title)[0]
        assert (first.code, first.score) == ("4-07-05-01", 1.0)


def test_results_are_leaves_sorted_and_flagged(normalizer: OccupationNormalizer) -> None:
    by_code = {o.code: o for o in load_occupations()}
    for title in ("大数据开发工程师", "护士", "销售经理", "数控车工", "UI设计师", "cloud engineer"):
        matches = normalizer.normalize(title, top=5)
        assert len(matches) == 5
        assert len({m.code for m in matches}) == 5
        scores = [m.score for m in matches]
        assert scores == sorted(scores, reverse=True)
        for m in matches:
            occ = by_code[m.code]
            assert occ.is_leaf
            assert 0.0 <= m.score <= 1.0
            assert m.name == occ.name
            assert m.digital == occ.digital
            assert m.field == DIGITAL_FIELDS.get(m.code)


def test_digital_field_on_digital_engineers(taxonomy_only: OccupationNormalizer) -> None:
    first = taxonomy_only.normalize("大数据开发工程师")[0]
    assert (first.code, first.digital, first.field) == ("2-02-38-03", True, "大数据")
    nurse = taxonomy_only.normalize("护士")[0]
    assert (nurse.digital, nurse.field) == (False, None)


@pytest.mark.parametrize("title", ["", "   ", "\n\t", "急聘", "（）", "8k-12k 五险一金"])
def test_empty_or_noise_only_title_gives_empty_list(taxonomy_only: OccupationNormalizer, title: str) -> None:
    assert taxonomy_only.normalize(title) == []


def test_top_is_respected_and_validated(taxonomy_only: OccupationNormalizer) -> None:
    assert len(taxonomy_only.normalize("会计", top=1)) == 1
    assert len(taxonomy_only.normalize("会计", top=12)) == 12
    with pytest.raises(ValueError):
        taxonomy_only.normalize("会计", top=0)


def test_normalize_many_keeps_order(taxonomy_only: OccupationNormalizer) -> None:
    titles = ["护士", "", "Java开发工程师", "machine learning engineer", "   ", "大数据开发工程师"]
    many = taxonomy_only.normalize_many(titles, top=3)
    assert len(many) == len(titles)
    assert many == [taxonomy_only.normalize(t, top=3) for t in titles]
    assert many[1] == [] and many[4] == []
    # Batching does not change results.
    assert taxonomy_only.normalize_many(titles, top=3, batch_size=2) == many


def test_clean_title_strips_noise() -> None:
    assert clean_title("高薪急聘销售专员+朝九晚六").text == "销售专员"
    assert clean_title("钟山区悦典茶饮品店招聘奶茶店店员").text == "奶茶店店员"
    assert clean_title("福州少儿数学教师(J10865)").text == "少儿数学教师"
    assert clean_title("Senior Java Developer").text == "java developer"
    assert clean_title("招聘专员").text == "招聘专员"
    assert clean_title("高级中学教师").text == "高级中学教师"
    cleaned = clean_title("软件运维工程师（软件工程师）")
    assert cleaned.segments == ("软件运维工程师",) and cleaned.extras == ("软件工程师",)


def test_is_hit_handles_non_leaf_expected_codes() -> None:
    assert is_hit("2-02-38-03", "2-02-38-03")
    assert not is_hit("2-02-38-03", "2-02-38-01")
    assert is_hit("2-08-02-00", "2-08-02-01")
    assert is_hit("2-02-00-00", "2-02-38-01")
    assert is_hit("6-00-00-00", "6-31-01-03")
    assert not is_hit("2-08-02-00", "2-08-03-00")
    # A leaf whose code ends in "-00" is matched exactly when its level is given.
    assert not is_hit("1-02-01-00", "1-02-01-05", expected_level=4)


def test_english_aliases_point_at_leaves() -> None:
    leaves = {o.code for o in load_occupations() if o.is_leaf}
    assert set(ENGLISH_ALIASES) <= leaves


def test_exclude_aliases_removes_exact_match() -> None:
    held_out = OccupationNormalizer(exclude_aliases=[("4-07-05-01", "保安")])
    first = held_out.normalize("保安")[0]
    assert first.score < 1.0


def test_labelled_titles_extend_the_index() -> None:
    normalizer = OccupationNormalizer(labelled_titles=[("奶茶店店员", "4-03-02-10"), ("奶茶店店员", "1-00-00-00")])
    assert normalizer.normalize("奶茶店店员")[0].code == "4-03-02-10"


def test_free_text_is_tagged_by_the_ingest_path(occupation_normalizer: OccupationNormalizer) -> None:
    # The one tagging path (``documents.occupations_for``), with the normalizer the service builds.
    text = "大数据开发工程师\n熟悉 Hadoop、Spark、Hive，数据仓库建模"
    tags = occupations_for(occupation_normalizer, lead=text, top=3)
    assert 1 <= len(tags) <= 3
    assert tags[0].code == "2-02-38-03"
    assert [t.score for t in tags] == sorted((t.score for t in tags), reverse=True)
    assert occupations_for(occupation_normalizer, lead="") == ()
    assert occupations_for(occupation_normalizer, lead="   \n ") == ()


def test_a_lazy_normalizer_builds_once_on_first_use(taxonomy_only: OccupationNormalizer) -> None:
    builds: list[int] = []

    def build() -> OccupationNormalizer:
        builds.append(1)
        return taxonomy_only

    lazy = LazyNormalizer(build)
    assert builds == []
    assert lazy.normalize_many([]) == [] and builds == [1]  # the first call builds, even for no titles
    assert lazy.normalize_many(["护士"], top=2) == taxonomy_only.normalize_many(["护士"], top=2)
    assert lazy.get() is taxonomy_only and builds == [1]


def test_classifier_learns_labelled_titles() -> None:
    labelled = [("奶茶店店员", "4-03-02-10"), ("奶茶小哥", "4-03-02-10"), ("茶饮店员", "4-03-02-10")]
    normalizer = OccupationNormalizer(labelled_titles=labelled)
    assert normalizer.normalize("奶茶店小哥")[0].code == "4-03-02-10"


def test_group_labelled_titles_train_the_classifier() -> None:
    # A title labelled with a unit group (non-leaf) trains the classifier on one leaf under that group.
    normalizer = OccupationNormalizer(labelled_titles=[("奶茶小哥", "4-03-02-00")])
    first = normalizer.normalize("奶茶小哥")[0]
    assert first.code.startswith("4-03-02-")


def test_training_class_words_are_stripped() -> None:
    assert clean_title("工业互联网平台运维订单班").text == "工业互联网平台运维"
    assert clean_title("大模型应用开发订制班").text == "大模型应用开发"
    assert clean_title("Java定向班").text == "java"
    # Shift words name a job's hours, and a bare class word is all the title says.
    assert clean_title("保安夜班").text == "保安夜班"
    assert clean_title("晚班").text == "晚班"
    assert clean_title("培训班").text == "培训班"


def test_a_training_class_is_tagged_with_the_occupation_it_trains_for(
        occupation_normalizer: OccupationNormalizer) -> None:
    # Was 模特 (fashion model): a packaged label filed "模型开发" under 模特 (``LABEL_FIXES``).
    first = occupation_normalizer.normalize("大模型应用开发订制班")[0]
    assert (first.code, first.field) == ("2-02-38-01", "人工智能")
    tags = occupations_for(occupation_normalizer, lead="大模型应用开发订制班")
    assert tags[0].code == "2-02-38-01"
    assert "模特" not in [t.name for t in tags]


@pytest.mark.parametrize("title", ["数据标注员", "数据标注专员", "数据标注师"])
def test_data_annotators_are_ai_trainers(normalizer: OccupationNormalizer, title: str) -> None:
    # The taxonomy lists 数据标注师 under 人工智能训练师; two packaged labels filed 数据标注员 under
    # 数据库运行管理员 (``LABEL_FIXES``), and a labelled title's exact match went before the taxonomy's
    # alias with another role suffix (now the taxonomy's comes first, for any alias).
    first = normalizer.normalize(title)[0]
    assert (first.code, first.name, first.score) == ("4-04-05-05", "人工智能训练师", 1.0)


def test_recruiter_titles_keep_their_role_word() -> None:
    # "招聘专家" is an HR title, not a company prefix before the job "专家".
    assert clean_title("招聘专家").text == "招聘专家"
    assert clean_title("金房物业招聘保安").text == "保安"


@pytest.mark.parametrize(("title", "code"), [("Python研发工程师", "2-02-10-03"),
                                             ("资深DevOps研发工程师（Python/GO）", "2-02-10-03")])
def test_a_title_naming_a_digital_skill_gets_a_digital_occupation(
        occupation_normalizer: OccupationNormalizer, title: str, code: str) -> None:
    # "研发工程师" alone is an alias of materials and chemical engineers.
    first = occupation_normalizer.normalize(title)[0]
    assert first.code == code and first.digital
