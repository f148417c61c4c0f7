"""An English profile against Chinese postings: its tags come from the bilingual vocabulary, and the
multilingual model serves the posting it obviously fits above an unrelated one."""

from __future__ import annotations

from services.matching.domain.documents import record_tags, talent_document
from services.matching.domain.encoders import DenseEncoder, HybridEncoder, LexicalEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.domain.ranking import RankingWeights
from services.matching.domain.state import MatchingState
from services.matching.service import INTERNAL, MatchingService
from shared.events.contracts import ProfileSnapshot
from tests.matching.factories import ai_posting, nursing_posting, profile

BACKEND = "Python backend developer, Django and MySQL"
SOFTWARE_ENGINEER = "2-02-10-03"  # 计算机软件工程技术人员


def _english_backend(record_id: int = 1) -> ProfileSnapshot:
    return profile(record_id, skills=["Python", "Django", "MySQL"], skills_text=BACKEND, city="北京市",
                   desired_cities=[]).profile


def test_an_english_profile_gets_canonical_skills_and_an_occupation(
        occupation_normalizer: OccupationNormalizer) -> None:
    snapshot = _english_backend()
    tags = record_tags([snapshot], normalizer=occupation_normalizer)[0]
    doc, text = talent_document(1, snapshot, max_chars=2000, tags=tags)
    assert doc.language == "en"
    assert {"python", "sql"} <= set(doc.skills)  # MySQL is the canonical SQL skill 拉勾 labels 数据库/MySQL
    assert doc.occupation is not None and doc.occupation.code == SOFTWARE_ENGINEER
    # The headline leads and the skills are named once: no canonical "Skills: Python, SQL" repeating them.
    assert text.splitlines()[0] == BACKEND and "Skills:" not in text
    chinese = profile(2, skills=["Python", "机器学习"], skills_text="三年机器学习模型开发经验").profile
    _, chinese_text = talent_document(2, chinese, max_chars=2000,
                                      tags=record_tags([chinese], normalizer=occupation_normalizer)[0])
    assert "Skills: Python, machine learning" in chinese_text  # a Chinese profile keeps its English bridge


def test_an_english_seeker_is_served_the_chinese_posting_it_fits(dense_encoder: DenseEncoder,
                                                                 occupation_normalizer: OccupationNormalizer) -> None:
    encoder = HybridEncoder(dense=dense_encoder, lexical=LexicalEncoder(1024), dense_weight=0.97, lexical_weight=0.03)
    state = MatchingState(encoder.dim, normalizer=occupation_normalizer)
    state.apply([
        ai_posting(10, title="Python后端开发工程师", city="北京市", skills=["Python", "Django", "MySQL"],
                   description="负责电商平台后端服务的设计与开发，使用 Django 框架和 MySQL 数据库。"),
        nursing_posting(11, city="北京市"),
        ai_posting(12, title="新媒体运营专员", city="北京市", skills=["新媒体运营", "文案策划"],
                   description="负责公众号与短视频账号的内容策划和日常运营。"),
        profile(1, skills=["Python", "Django", "MySQL"], skills_text=BACKEND, city="北京市", desired_cities=[]),
    ], encoder)
    service = MatchingService(state=state, encoder=encoder, cache=None, weights=RankingWeights())
    items = service.recommend_for_talent(1, k=3, principal=INTERNAL).model.items
    assert items and items[0].id == 10
    similarity = {i.id: i.score for i in items}
    assert all(similarity[10] > similarity[other] for other in (11, 12) if other in similarity)
