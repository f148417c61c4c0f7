"""The router on its own: polled records in, a sorted batch out, no broker."""

from __future__ import annotations

from datetime import UTC, datetime

from kafka import TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from services.matching.domain.checkpoint import LastRecord
from services.matching.routing import route
from shared.events.contracts import FeedbackRecordedV1, RecordEmbeddedV1, encode_event
from shared.events.topics import FEEDBACK, OPPORTUNITIES, PROFILES, VECTORS, topic_name
from shared.events.vocabulary import ActorRole, FeedbackAction
from tests.matching.factories import ai_posting, profile, profile_deleted

NS = "route"
PROFILES_TP = TopicPartition(topic_name(PROFILES, NS), 0)
OPPORTUNITIES_TP = TopicPartition(topic_name(OPPORTUNITIES, NS), 0)
FEEDBACK_TP = TopicPartition(topic_name(FEEDBACK, NS), 1)
VECTORS_TP = TopicPartition(topic_name(VECTORS, NS), 0)


def _record(tp: TopicPartition, offset: int, value: bytes | None, key: bytes | None = b"k") -> ConsumerRecord:
    return ConsumerRecord(tp.topic, tp.partition, -1, offset, 0, 0, key, value, [], None, -1, -1, -1)


def _feedback() -> FeedbackRecordedV1:
    return FeedbackRecordedV1(event_id="e" * 32, occurred_at=datetime(2026, 3, 2, tzinfo=UTC), talent_id=1,
                              opportunity_id=10, action=FeedbackAction.ENROLLED, actor_role=ActorRole.SEEKER)


def test_records_become_events_feedback_poison_and_positions() -> None:
    upsert, deleted, posting, feedback = profile(1), profile_deleted(2, 3), ai_posting(10), _feedback()
    polled = {
        PROFILES_TP: [_record(PROFILES_TP, 5, encode_event(upsert)), _record(PROFILES_TP, 6, None),
                      _record(PROFILES_TP, 7, b"not json"), _record(PROFILES_TP, 8, encode_event(deleted))],
        OPPORTUNITIES_TP: [_record(OPPORTUNITIES_TP, 0, encode_event(posting)),
                           _record(OPPORTUNITIES_TP, 1, encode_event(upsert))],  # a profile on the wrong topic
        FEEDBACK_TP: [_record(FEEDBACK_TP, 3, encode_event(feedback)),
                      _record(FEEDBACK_TP, 4, encode_event(posting))],  # a record event among feedback
    }
    routed = route(polled, namespace=NS)

    assert [e.record_id for e in routed.events] == [1, 2, 10]
    assert [(topic, event.type) for topic, event in routed.decoded] == [
        (PROFILES_TP.topic, "profile.upserted"), (PROFILES_TP.topic, "profile.deleted"),
        (OPPORTUNITIES_TP.topic, "opportunity.upserted"), (FEEDBACK_TP.topic, "feedback.recorded")]
    reasons = {(r.topic, r.offset): reason for r, reason in routed.poison}
    assert set(reasons) == {(PROFILES_TP.topic, 7), (OPPORTUNITIES_TP.topic, 1), (FEEDBACK_TP.topic, 4)}
    assert "does not belong on topic" in reasons[(OPPORTUNITIES_TP.topic, 1)]
    assert "does not belong on topic" in reasons[(FEEDBACK_TP.topic, 4)]
    assert routed.tombstones == 1 and routed.embedded == []
    assert routed.positions == {PROFILES_TP: 9, OPPORTUNITIES_TP: 2, FEEDBACK_TP: 5}
    assert routed.last_records[PROFILES_TP] == LastRecord.of(8, b"k", encode_event(deleted))
    assert routed.handled == 4 + 3 + 1


def test_embedded_records_are_vetted_and_unwrapped() -> None:
    good = RecordEmbeddedV1(encoder="model@backend", dense="", event=profile(1))
    other = RecordEmbeddedV1(encoder="another@model", dense="", event=profile(2))
    polled = {VECTORS_TP: [_record(VECTORS_TP, 0, encode_event(good)), _record(VECTORS_TP, 1, encode_event(other))]}

    routed = route(polled, namespace=NS,
                   check_embedded=lambda m: None if m.encoder == "model@backend" else "another model")

    assert [m.event.record_id for m in routed.embedded] == [1]
    assert [e.record_id for e in routed.events] == [1]
    assert [(r.offset, reason) for r, reason in routed.poison] == [(1, "another model")]
    without_check = route(polled, namespace=NS)  # a consumer that reads no vectors uses none
    assert len(without_check.poison) == 2 and without_check.embedded == []


def test_an_empty_poll_routes_to_nothing() -> None:
    routed = route({PROFILES_TP: []}, namespace=NS)
    assert routed.handled == 0 and routed.positions == {} and routed.last_records == {}
