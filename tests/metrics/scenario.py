"""One small market and what its events imply: the figures every metrics test checks against.

Profiles 1, 2, 4 live (3 deleted, 4 not open to work); opportunities 10–14 live (14 closed).
Feedback (24 h window): 5 impressions, 1 click, 3 applications/enrolments, 1 hire, 1 dismissal.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.events.contracts import ApplicationChangedV1, ApplicationSnapshot, ApplicationStatus, FeedbackRecordedV1
from shared.events.vocabulary import ActorRole, FeedbackAction, OpportunityKind, TrainingMode
from tests.matching.factories import (
    ai_posting,
    opportunity_deleted,
    order_class,
    profile,
    profile_deleted,
    seeker_of,
)

HANGZHOU, SHANGHAI = "杭州市", "上海市"
SEEKER, ENTERPRISE = ActorRole.SEEKER, ActorRole.ENTERPRISE


def profile_events() -> list[Any]:
    return [
        profile(1, wanted_kinds=["job_posting", "training_class"]),
        profile(2, city=SHANGHAI, desired_cities=[SHANGHAI], skills=["Java"], skills_text="五年 Java 后端开发经验",
                wanted_kinds=[]),
        profile(3, skills=["Verilog", "FPGA"], skills_text="芯片验证"),
        profile_deleted(3, 2),
        profile(4, skills=["Python"], skills_text="数据清洗", open_to_work=False),
        profile(1, 1),  # a repeated version: ignored
    ]


def opportunity_events() -> list[Any]:
    return [
        ai_posting(10, details={"openings": 3, "occupation_code": "2-02-38-01"}),
        order_class(11, details={"committed_hires": 30, "target_occupations": ["2-02-38-01"]}),
        order_class(12, title="Java 后端开发订制班", organization="上海软件学院", city=SHANGHAI, skills=["Java"],
                    training_mode=TrainingMode.CUSTOM, hiring_commitment=False, seats=20),
        ai_posting(13, kind=OpportunityKind.INCUBATOR_PROGRAM, title="区块链创业孵化计划", city=SHANGHAI,
                   organization="上海创业园", description="", skills=["区块链"], level=None),
        ai_posting(14, title="Python 数据工程师", description="", skills=["Python"], open=False),
        ai_posting(15, title="已撤下的岗位"),
        opportunity_deleted(15, 2),
    ]


def feedback_specs(now: datetime) -> list[dict[str, Any]]:
    """(talent, opportunity, action, role, position[, minutes ago]) as request bodies."""
    rows: list[tuple[Any, ...]] = [
        (1, 10, FeedbackAction.SHOWN, SEEKER, 1), (1, 10, FeedbackAction.CLICKED, SEEKER, 1),
        (1, 10, FeedbackAction.APPLIED, SEEKER, 1), (1, 11, FeedbackAction.SHOWN, SEEKER, 2),
        (1, 11, FeedbackAction.ENROLLED, SEEKER, 2), (1, 12, FeedbackAction.SHOWN, SEEKER, 3),
        (2, 12, FeedbackAction.SHOWN, SEEKER, 1), (2, 12, FeedbackAction.ENROLLED, SEEKER, 1),
        (2, 10, FeedbackAction.SHOWN, SEEKER, 2), (2, 10, FeedbackAction.DISMISSED, SEEKER, 2),
        (1, 11, FeedbackAction.HIRED, ENTERPRISE, None),
        (2, 13, FeedbackAction.CLICKED, SEEKER, 1, 3 * 24 * 60),  # three days ago: outside a 24 h window
    ]
    specs = []
    for index, (talent, opportunity, action, role, position, *ago) in enumerate(rows):
        specs.append({"event_id": f"scenario-{index:04d}", "talent_id": talent, "opportunity_id": opportunity,
                      "action": action.value, "actor_role": role.value, "position": position, "score": 0.5,
                      "occurred_at": (now - timedelta(minutes=ago[0] if ago else 1)).isoformat()})
    return specs


# The actions whose one source is the jobs service: its application events, not POST /v1/feedback.
STATUS_OF = {FeedbackAction.APPLIED: ApplicationStatus.RECEIVED, FeedbackAction.ENROLLED: ApplicationStatus.ENROLLED,
             FeedbackAction.INTERVIEWED: ApplicationStatus.INTERVIEWING, FeedbackAction.HIRED: ApplicationStatus.HIRED}
KIND_OF = {10: OpportunityKind.JOB_POSTING, 11: OpportunityKind.TRAINING_CLASS, 12: OpportunityKind.TRAINING_CLASS}


def api_feedback_specs(now: datetime) -> list[dict[str, Any]]:
    """What seekers and enterprises post to ``POST /v1/feedback``: shown, clicked, dismissed."""
    return [spec for spec in feedback_specs(now) if FeedbackAction(spec["action"]) not in STATUS_OF]


def application_events(now: datetime) -> list[ApplicationChangedV1]:
    """The scenario's applied / enrolled / hired as the jobs service publishes them: one application per
    (talent, opportunity), each step its next version, at the same instant as the feedback spec."""
    ids: dict[tuple[int, int], int] = {}
    versions: dict[int, int] = {}
    events = []
    for spec in feedback_specs(now):
        action = FeedbackAction(spec["action"])
        if action not in STATUS_OF:
            continue
        pair = (spec["talent_id"], spec["opportunity_id"])
        application = ids.setdefault(pair, len(ids) + 1)
        versions[application] = versions.get(application, 0) + 1
        events.append(ApplicationChangedV1(
            record_id=application, record_version=versions[application], owner_id=seeker_of(pair[0]),
            occurred_at=datetime.fromisoformat(spec["occurred_at"]),
            application=ApplicationSnapshot(opportunity_id=pair[1], opportunity_kind=KIND_OF[pair[1]],
                                            talent_id=pair[0], status=STATUS_OF[action])))
    return events


def feedback_events(now: datetime) -> list[FeedbackRecordedV1]:
    events = [FeedbackRecordedV1.model_validate(spec) for spec in feedback_specs(now)]
    return [*events, events[1]]  # a repeated event_id (a client retry): counted once


EXPECTED_VOLUMES = {
    "profiles": 3, "profiles_open_to_work": 2, "new_profiles": 3,
    "opportunities": 5, "open_opportunities": 4, "new_opportunities": 5,
    "opportunities_by_kind": {"job_posting": 2, "training_class": 2, "incubator_program": 1, "industrial_park": 0},
    "feedback_events": 11,
    "feedback_by_action": {"shown": 5, "clicked": 1, "applied": 1, "enrolled": 2, "interviewed": 0, "hired": 1,
                           "dismissed": 1},
}
EXPECTED_FUNNEL = {
    "impressions": 5, "clicked": 1, "applied_or_enrolled": 3, "interviewed": 0, "hired": 1, "dismissed": 1,
    "click_through_rate": 0.2, "apply_rate": 0.6, "hire_rate": 0.2, "dismiss_rate": 0.2,
    # seeker 1: 2 of 3 shown pairs acted on; seeker 2: 1 of 2; the enterprise's hire has no position
    "precision_at_k": {"5": 0.5833, "10": 0.5833},
}
EXPECTED_TRAINING = {
    "classes": 2, "seats": 60, "enrolled": 2, "fill_rate": 0.0333, "enrolments_in_window": 2,
    "by_mode": {"order_based": {"classes": 1, "seats": 40, "enrolled": 1, "fill_rate": 0.025},
                "custom": {"classes": 1, "seats": 20, "enrolled": 1, "fill_rate": 0.05},
                "directed": {"classes": 0, "seats": 0, "enrolled": 0, "fill_rate": None}},
    "order_based_hires": 1, "order_based_hires_in_window": 1, "order_based_committed_hires": 30,
}
EXPECTED_SUPPLY = {
    "talents": 2, "positions": 64,  # 3 openings + 40 and 20 seats + 1 incubator
    "by_field": [
        {"name": "人工智能", "talents": 1, "opportunities": 2, "positions": 43, "talents_per_position": 0.0233},
        {"name": "软件开发", "talents": 1, "opportunities": 1, "positions": 20, "talents_per_position": 0.05},
        {"name": "大数据", "talents": 1, "opportunities": 1, "positions": 3, "talents_per_position": 0.3333},
        {"name": "区块链", "talents": 0, "opportunities": 1, "positions": 1, "talents_per_position": 0.0},
    ],
    "by_city": [
        {"name": HANGZHOU, "talents": 1, "opportunities": 2, "positions": 43, "talents_per_position": 0.0233},
        {"name": SHANGHAI, "talents": 1, "opportunities": 2, "positions": 21, "talents_per_position": 0.0476},
    ],
    "scarce_skills": ["machine-learning", "blockchain", "data-annotation", "pytorch", "java", "python"],
}
# City 上海市: profile 2; opportunities 12 and 13; the pairs on opportunity 12.
EXPECTED_SHANGHAI = {"profiles": 1, "opportunities": 2, "impressions": 2, "applied_or_enrolled": 1,
                     "seats": 20, "enrolled": 1}
