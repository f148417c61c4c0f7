import json
from collections.abc import Callable
from typing import Any

import pytest

from shared.events.contracts import (
    MAX_EVENT_BYTES,
    EventDecodeError,
    ProfileSnapshot,
    decode_event,
    encode_event,
)
from shared.events.topics import ALL_TOPICS, topic_name


@pytest.mark.parametrize("example", [e for spec in ALL_TOPICS for e in spec.examples],
                         ids=lambda e: e.type)
def test_every_registered_example_round_trips(example: Any) -> None:
    assert decode_event(encode_event(example)) == example


def _valid_profile_event() -> dict[str, Any]:
    event: dict[str, Any] = json.loads(encode_event(ALL_TOPICS[0].examples[0]))
    return event


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda e: e.update(schema_version=2), "schema_version"),
        (lambda e: e.update(type="profile.merged"), "type"),
        (lambda e: e.pop("record_id"), "record_id"),
        (lambda e: e["profile"].update(phone="13800138000"), "phone"),
        (lambda e: e.update(record_version=0), "record_version"),
    ],
)
def test_invalid_events_are_refused_with_the_reason(mutate: Callable[[dict[str, Any]], object], reason: str) -> None:
    event = _valid_profile_event()
    mutate(event)
    with pytest.raises(EventDecodeError, match=reason):
        decode_event(json.dumps(event).encode())


def test_bad_json_empty_and_oversized_events_are_refused() -> None:
    with pytest.raises(EventDecodeError):
        decode_event(b"{not json")
    with pytest.raises(EventDecodeError, match="tombstone"):
        decode_event(None)
    with pytest.raises(EventDecodeError, match="over the limit"):
        decode_event(b" " * (MAX_EVENT_BYTES + 1))


def test_profile_contract_has_no_contact_fields() -> None:
    assert not {"phone", "email", "id_number"} & set(ProfileSnapshot.model_fields)


def test_topic_namespace_prefixes_names() -> None:
    assert topic_name(ALL_TOPICS[0], "t1") == "t1.talentmatch.profiles"
    assert topic_name(ALL_TOPICS[0]) == "talentmatch.profiles"
