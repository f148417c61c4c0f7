"""Test data: events as the profiles and jobs services would publish them.

Each record has an owner (the event's ``owner_id``): by default ``seeker-<id>`` for profile ``<id>`` and
``ent-<id>`` for opportunity ``<id>``; ``owner=`` names another.
"""

from __future__ import annotations

from typing import Any

from shared.events.contracts import (
    OpportunityDeletedV1,
    OpportunitySnapshot,
    OpportunityUpsertedV1,
    ProfileDeletedV1,
    ProfileSnapshot,
    ProfileUpsertedV1,
)
from shared.events.vocabulary import OpportunityKind, SkillLevel, TrainingMode
from talentmatch.demo.generate import DemoGenerator


def seeker_of(record_id: int) -> str:
    return f"seeker-{record_id}"


def enterprise_of(record_id: int) -> str:
    return f"ent-{record_id}"


def profile(record_id: int, version: int = 1, *, owner: str | None = None, **fields: Any) -> ProfileUpsertedV1:
    snapshot: dict[str, Any] = {
        "display_name": "王敏",
        "city": "杭州市",
        "desired_cities": ["杭州市"],
        "level": SkillLevel.INTERMEDIATE,
        "skills": ["机器学习", "Python"],
        "skills_text": "三年机器学习模型开发经验，熟悉 Python 与数据分析。",
        "wanted_kinds": [OpportunityKind.JOB_POSTING],
    }
    snapshot.update(fields)
    return ProfileUpsertedV1(record_id=record_id, record_version=version, owner_id=owner or seeker_of(record_id),
                             profile=ProfileSnapshot(**snapshot))


def profile_deleted(record_id: int, version: int) -> ProfileDeletedV1:
    return ProfileDeletedV1(record_id=record_id, record_version=version, owner_id=seeker_of(record_id))


def _opportunity(record_id: int, version: int, owner: str | None, snapshot: dict[str, Any]) -> OpportunityUpsertedV1:
    return OpportunityUpsertedV1(record_id=record_id, record_version=version,
                                 owner_id=owner or enterprise_of(record_id),
                                 opportunity=OpportunitySnapshot(**snapshot))


def ai_posting(record_id: int, version: int = 1, *, owner: str | None = None, **fields: Any) -> OpportunityUpsertedV1:
    snapshot: dict[str, Any] = {
        "kind": OpportunityKind.JOB_POSTING,
        "title": "机器学习算法工程师",
        "organization": "杭州智算科技有限公司",
        "city": "杭州市",
        "description": "负责机器学习模型的训练与上线，要求熟练使用 Python、PyTorch。",
        "skills": ["机器学习", "Python", "PyTorch"],
        "level": SkillLevel.INTERMEDIATE,
    }
    snapshot.update(fields)
    return _opportunity(record_id, version, owner, snapshot)


def nursing_posting(record_id: int, version: int = 1, *, owner: str | None = None,
                    **fields: Any) -> OpportunityUpsertedV1:
    snapshot: dict[str, Any] = {
        "kind": OpportunityKind.JOB_POSTING,
        "title": "护理人员",
        "organization": "杭州康宁护理院",
        "city": "杭州市",
        "description": "负责病房护理与老人照护，持有护士执业证书。",
    }
    snapshot.update(fields)
    return _opportunity(record_id, version, owner, snapshot)


def order_class(record_id: int, version: int = 1, *, owner: str | None = None,
                **fields: Any) -> OpportunityUpsertedV1:
    snapshot: dict[str, Any] = {
        "kind": OpportunityKind.TRAINING_CLASS,
        "title": "人工智能训练师订单班",
        "organization": "杭州智算科技有限公司",
        "city": "杭州市",
        "skills": ["机器学习", "数据标注"],
        "training_mode": TrainingMode.ORDER_BASED,
        "hiring_commitment": True,
        "seats": 40,
    }
    snapshot.update(fields)
    return _opportunity(record_id, version, owner, snapshot)


def opportunity_deleted(record_id: int, version: int) -> OpportunityDeletedV1:
    return OpportunityDeletedV1(record_id=record_id, record_version=version, owner_id=enterprise_of(record_id))


def demo_events(*, profiles: int, opportunities: int,
                seed: int = 2024) -> list[ProfileUpsertedV1 | OpportunityUpsertedV1]:
    """The demo set (``talentmatch.demo``) as the services would publish it: opportunities ``1..n`` (owned by
    ``ent-<id>``), then profiles ``1..m`` (``seeker-<id>``), with the same generator and seed as
    ``talentmatch demo`` loads."""
    generator = DemoGenerator(seed=seed)
    common = set(OpportunitySnapshot.model_fields) - {"details"}
    events: list[ProfileUpsertedV1 | OpportunityUpsertedV1] = []
    for n, body in enumerate(generator.opportunities(opportunities), start=1):
        snapshot = {key: value for key, value in body.items() if key in common}
        details = {key: value for key, value in body.items() if key not in common}
        events.append(_opportunity(n, 1, None, {**snapshot, "details": details}))
    fields = set(ProfileSnapshot.model_fields)
    for n, body in enumerate(generator.profiles(profiles), start=1):
        events.append(ProfileUpsertedV1(record_id=n, record_version=1, owner_id=seeker_of(n),
                                        profile=ProfileSnapshot.model_validate(
                                            {k: v for k, v in body.items() if k in fields})))
    return events
