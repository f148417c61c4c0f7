"""A deleted profile's raw data leaves the operators' figures store; counts of what was erased stay."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import permutations
from typing import Any

from services.matching.metrics.facts import ServedList, ServedMatch
from services.matching.metrics.store import FiguresStore
from shared.events.contracts import FeedbackRecordedV1, RecordEvent
from shared.events.vocabulary import ActorRole, FeedbackAction
from tests.matching.factories import ai_posting, profile, profile_deleted

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _feedback(event_id: str, talent: int, action: FeedbackAction = FeedbackAction.CLICKED) -> FeedbackRecordedV1:
    return FeedbackRecordedV1(event_id=event_id, occurred_at=NOW, talent_id=talent, opportunity_id=10,
                              action=action, actor_role=ActorRole.SEEKER, position=1, score=0.7)


def _served(operation: Any, subject: int, *talents: int) -> ServedList:
    return ServedList(at=NOW, operation=operation, subject_id=subject, cached=False,
                      matches=tuple(ServedMatch(talent_id=t, opportunity_id=10 if operation == "recommendations"
                                                else subject, score=0.6) for t in talents))


def _talent_ids(store: FiguresStore) -> set[int]:
    snapshot = store.snapshot()
    return ({*snapshot.talents} | {f.talent_id for f in snapshot.feedback}
            | {s.subject_id for s in snapshot.served if s.operation == "recommendations"}
            | {m.talent_id for s in snapshot.served for m in s.matches})


def test_a_profile_delete_erases_its_facts_feedback_and_served_lists() -> None:
    store = FiguresStore()
    store.apply([profile(1), profile(2), ai_posting(10), _feedback("a", 1), _feedback("b", 2),
                 _feedback("c", 1, FeedbackAction.HIRED)])
    store.record_served(_served("recommendations", 1, 1))
    store.record_served(_served("recommendations", 2, 2))
    store.record_served(_served("shortlist", 10, 1, 2))

    store.apply([profile_deleted(1, 2)])

    assert 1 not in _talent_ids(store) and _talent_ids(store) == {2}
    snapshot = store.snapshot()
    assert [f.event_id for f in snapshot.feedback] == ["b"]
    assert [(s.operation, s.subject_id) for s in snapshot.served] == [("recommendations", 2), ("shortlist", 10)]
    assert [m.talent_id for m in snapshot.served[1].matches] == [2], "the shortlist lost only its match"
    assert store.erased == {"talents": 1, "feedback": 2, "served": 1}, "aggregate counts stay"
    assert 10 in snapshot.opportunities

    # after the delete, anything about the erased talent is dropped on arrival; a replay changes nothing
    store.apply([_feedback("d", 1), profile(1, 1), _feedback("a", 1)])
    store.record_served(_served("recommendations", 1, 1))
    store.record_served(_served("shortlist", 10, 1))
    assert _talent_ids(store) == {2}
    assert store.erased == {"talents": 1, "feedback": 3, "served": 2}


def test_erasure_does_not_depend_on_the_order_a_replay_reads_the_topics_in() -> None:
    """Profiles and feedback are different topics: a rebuild may read the feedback before or after the delete."""
    profile_topic: list[RecordEvent | FeedbackRecordedV1] = [profile(1), profile(2), profile_deleted(1, 2)]
    feedback_topic: list[RecordEvent | FeedbackRecordedV1] = [_feedback("a", 1), _feedback("b", 2), _feedback("c", 1)]
    outcomes = set()
    for first, second in permutations([profile_topic, feedback_topic]):
        store = FiguresStore()
        store.apply([*first, *second])
        snapshot = store.snapshot()
        outcomes.add((frozenset(snapshot.talents), tuple(sorted(f.event_id for f in snapshot.feedback)),
                      tuple(sorted(store.erased.items()))))
    assert outcomes == {(frozenset({2}), ("b",), (("feedback", 2), ("talents", 1)))}


def test_the_checkpoint_export_holds_no_erased_talent() -> None:
    store = FiguresStore()
    store.apply([profile(1), profile(2), _feedback("a", 1), profile_deleted(1, 2)])
    restored = FiguresStore()
    restored.restore(store.export())
    assert {*restored.snapshot().talents} == {2} and restored.snapshot().feedback == ()
    restored.apply([_feedback("late", 1)])
    assert restored.snapshot().feedback == (), "the tombstone survives the checkpoint"
