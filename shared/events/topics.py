"""Every topic declared once: its name, key, producers, consumers, the event types it carries and an
example. A consumer dead-letters an event of a type its topic does not carry (``misplaced``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import BaseModel

from shared.events.contracts import (
    ApplicationChangedV1,
    ApplicationSnapshot,
    ApplicationStatus,
    FeedbackRecordedV1,
    OpportunityDeletedV1,
    OpportunitySnapshot,
    OpportunityUpsertedV1,
    ProfileDeletedV1,
    ProfileSnapshot,
    ProfileUpsertedV1,
    RecordEmbeddedV1,
)
from shared.events.vocabulary import ActorRole, FeedbackAction, OpportunityKind, SkillLevel, TrainingMode


@dataclass(frozen=True)
class TopicSpec:
    name: str
    key: str
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    compacted: bool
    events: tuple[type[BaseModel], ...] = field(default=())  # the event types the topic carries
    examples: tuple[BaseModel, ...] = field(default=())


PROFILES = TopicSpec(
    name="talentmatch.profiles",
    key="profile id",
    producers=("profiles",),
    consumers=("matching",),
    compacted=True,
    events=(ProfileUpsertedV1, ProfileDeletedV1),
    examples=(
        ProfileUpsertedV1(
            record_id=42,
            record_version=3,
            owner_id="seeker-42",
            profile=ProfileSnapshot(
                display_name="王敏",
                city="杭州市",
                desired_cities=["杭州市", "上海市"],
                level=SkillLevel.INTERMEDIATE,
                years_experience=3,
                skills=["Python", "机器学习", "数据治理"],
                skills_text="三年大数据平台开发经验，熟悉 Spark、Flink 与数据治理。",
            ),
        ),
        ProfileDeletedV1(record_id=42, record_version=4, owner_id="seeker-42"),
    ),
)

OPPORTUNITIES = TopicSpec(
    name="talentmatch.opportunities",
    key="opportunity id",
    producers=("jobs",),
    consumers=("matching", "portal"),  # the portal: new-match notifications
    compacted=True,
    events=(OpportunityUpsertedV1, OpportunityDeletedV1),
    examples=(
        OpportunityUpsertedV1(
            record_id=7,
            record_version=1,
            owner_id="enterprise-3",
            opportunity=OpportunitySnapshot(
                kind=OpportunityKind.TRAINING_CLASS,
                title="工业互联网平台运维订单班",
                organization="杭州海康智造科技有限公司",
                city="杭州市",
                skills=["工业互联网", "Linux", "边缘计算"],
                training_mode=TrainingMode.ORDER_BASED,
                hiring_commitment=True,
                seats=40,
            ),
        ),
        OpportunityDeletedV1(record_id=7, record_version=2, owner_id="enterprise-3"),
    ),
)

# Facts, not records: never compacted (every event counts), kept as long as the figures should reach
# back (docker-compose.yml keeps them forever: replaying the topic rebuilds the figures).
FEEDBACK = TopicSpec(
    name="talentmatch.feedback",
    key="talent id:opportunity id",
    producers=("matching",),
    consumers=("matching",),
    compacted=False,
    events=(FeedbackRecordedV1,),
    examples=(
        FeedbackRecordedV1(
            event_id="0d5c2f7e9b8a4c6f8e1d2a3b4c5d6e7f",
            occurred_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
            talent_id=42,
            opportunity_id=7,
            action=FeedbackAction.CLICKED,
            actor_role=ActorRole.SEEKER,
            position=1,
            score=0.82,
        ),
    ),
)

# Applications and enrolments as the jobs service stores them: one event per change, never compacted
# (each move is a fact the operator figures count), keyed by application id so one's moves stay in order.
APPLICATIONS = TopicSpec(
    name="talentmatch.applications",
    key="application id",
    producers=("jobs",),
    consumers=("matching", "portal"),  # the portal: status notifications
    compacted=False,
    events=(ApplicationChangedV1,),
    examples=(
        ApplicationChangedV1(
            record_id=5,
            record_version=1,
            owner_id="seeker-p42",
            application=ApplicationSnapshot(opportunity_id=7, opportunity_kind=OpportunityKind.TRAINING_CLASS,
                                            talent_id=42, status=ApplicationStatus.ENROLLED),
        ),
        ApplicationChangedV1(
            record_id=6,
            record_version=4,
            owner_id="seeker-p42",
            application=ApplicationSnapshot(opportunity_id=8, opportunity_kind=OpportunityKind.JOB_POSTING,
                                            talent_id=42, status=ApplicationStatus.HIRED),
        ),
    ),
)

DEAD_LETTER = TopicSpec(
    name="talentmatch.dead-letter",
    key="source topic:partition:offset",
    producers=("matching", "portal"),
    consumers=("operators",),
    compacted=False,
)

# Scale-out only (MATCHING_ROLE=embedder / replica): compacted, so a new replica reads each record's
# newest vector once instead of its history.
VECTORS = TopicSpec(
    name="talentmatch.vectors",
    key="side:record id",
    producers=("matching embedder",),
    consumers=("matching replica",),
    compacted=True,
    events=(RecordEmbeddedV1,),
    examples=(
        RecordEmbeddedV1(
            encoder="all-MiniLM-L6-v2@openvino",
            dense="AACAPwAAAAA=",  # [1.0, 0.0]: real vectors have the model's 384 values
            event=OpportunityDeletedV1(record_id=7, record_version=2, owner_id="enterprise-3"),
        ),
    ),
)

ALL_TOPICS = (PROFILES, OPPORTUNITIES, FEEDBACK, APPLICATIONS, DEAD_LETTER, VECTORS)


def topic_name(spec: TopicSpec, namespace: str = "") -> str:
    """The topic's name on the broker; a namespace keeps test runs or tenants apart."""
    return f"{namespace}.{spec.name}" if namespace else spec.name


def misplaced(topic: str, event: BaseModel, *, namespace: str = "") -> str | None:
    """Why ``event`` does not belong on the broker topic ``topic``, or None when its type is one the topic
    carries."""
    fits = any(isinstance(event, spec.events) for spec in ALL_TOPICS if topic_name(spec, namespace) == topic)
    kind = getattr(event, "type", type(event).__name__)
    return None if fits else f"event type {kind!r} does not belong on topic {topic}"
