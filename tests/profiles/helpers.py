"""Test data and a broker reader for the profiles tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from shared.events.topics import PROFILES, topic_name

CONTACT = {"phone": "13812345678", "email": "wang.min@example.com", "id_number": "33010619900307123X"}


def profile_body(**overrides: Any) -> dict[str, Any]:
    """A valid create request; ``overrides`` replace or add fields."""
    body: dict[str, Any] = {
        "display_name": "王敏",
        **CONTACT,
        "city": "杭州",
        "desired_cities": ["杭州市", "上海"],
        "education": "bachelor",
        "years_experience": 3,
        "level": "intermediate",
        "skills": ["Python", "机器学习", "数据治理"],
        "skills_text": "三年大数据平台开发经验，熟悉 Spark、Flink 与数据治理。",
        "certificates": [{"name": "数字技术工程师", "level": "intermediate"}],
        "wanted_kinds": ["job_posting", "training_class"],
        "open_to_work": True,
    }
    body.update(overrides)
    return body


def profiles_topic(namespace: str) -> str:
    return topic_name(PROFILES, namespace)


def read_topic(bootstrap: str, topic: str, *, until: Callable[[list[ConsumerRecord]], bool],
               timeout: float = 30.0) -> list[ConsumerRecord]:
    """Every record of ``topic`` from the beginning, polled until ``until(records)`` or the deadline."""
    deadline = time.monotonic() + timeout
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    records: list[ConsumerRecord] = []
    try:
        partitions: set[int] = set()
        while not partitions:  # the service creates the topic in the background
            partitions = consumer.partitions_for_topic(topic)
            if not partitions:
                assert time.monotonic() < deadline, f"topic {topic} never appeared"
                threading.Event().wait(0.1)
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        while not until(records):
            assert time.monotonic() < deadline, f"condition not met before the deadline; read {records}"
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
    finally:
        consumer.close()
    return records


def wait_for(condition: Callable[[], bool], *, timeout: float = 30.0, what: str = "condition") -> None:
    """Poll ``condition`` until it holds or the deadline passes."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not hold within {timeout:.0f}s"
        threading.Event().wait(0.1)
