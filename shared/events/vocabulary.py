"""Closed vocabularies used by the API schemas and the event contracts alike."""

from __future__ import annotations

from enum import StrEnum


class OpportunityKind(StrEnum):
    JOB_POSTING = "job_posting"
    TRAINING_CLASS = "training_class"
    INCUBATOR_PROGRAM = "incubator_program"
    INDUSTRIAL_PARK = "industrial_park"


class TrainingMode(StrEnum):
    """Enterprise-commissioned class modes of the 2024–2026 digital talent action plan."""

    ORDER_BASED = "order_based"  # 订单班: the sponsor commits to hire graduates
    CUSTOM = "custom"  # 订制班: curriculum built to one enterprise's need
    DIRECTED = "directed"  # 定向班: trains for named positions or regions


class SkillLevel(StrEnum):
    JUNIOR = "junior"  # 初级
    INTERMEDIATE = "intermediate"  # 中级
    SENIOR = "senior"  # 高级


class Education(StrEnum):
    SECONDARY = "secondary"  # 中专/高中
    VOCATIONAL = "vocational"  # 高职/大专
    BACHELOR = "bachelor"  # 本科
    MASTER = "master"  # 硕士
    DOCTORATE = "doctorate"  # 博士


class FeedbackAction(StrEnum):
    """What a seeker or an enterprise did with one recommended pair, roughly in funnel order."""

    SHOWN = "shown"
    CLICKED = "clicked"
    APPLIED = "applied"  # a seeker applied to a job posting, incubator or park
    ENROLLED = "enrolled"  # a seeker enrolled in a training class
    INTERVIEWED = "interviewed"
    HIRED = "hired"
    DISMISSED = "dismissed"


class ActorRole(StrEnum):
    SEEKER = "seeker"  # acted on a recommendation
    ENTERPRISE = "enterprise"  # acted on a shortlist


TRAINING_MODE_LABELS = {
    TrainingMode.ORDER_BASED: "订单班",
    TrainingMode.CUSTOM: "订制班",
    TrainingMode.DIRECTED: "定向班",
}
LEVEL_LABELS = {SkillLevel.JUNIOR: "初级", SkillLevel.INTERMEDIATE: "中级", SkillLevel.SENIOR: "高级"}
