"""Kafka clients configured once: durable producers, manually committed consumers, topic setup."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from shared.events.topics import ALL_TOPICS, TopicSpec, topic_name

log = logging.getLogger(__name__)


def make_producer(bootstrap: str, *, client_id: str) -> KafkaProducer:
    """A producer that loses nothing it acknowledged: all replicas ack, idempotent, retried."""
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        retries=5,
        linger_ms=5,
        request_timeout_ms=10_000,
        max_block_ms=5_000,
        bootstrap_timeout_ms=5_000,
    )


def make_consumer(bootstrap: str, *, client_id: str, group_id: str | None = None,
                  max_poll_interval_ms: int = 60_000, max_poll_records: int = 500) -> KafkaConsumer:
    """A consumer that never commits on its own and starts from the beginning when it has no offset."""
    return KafkaConsumer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_interval_ms=max_poll_interval_ms,
        max_poll_records=max_poll_records,
        session_timeout_ms=min(10_000, max_poll_interval_ms),
        heartbeat_interval_ms=1_000,
        request_timeout_ms=max(30_000, max_poll_interval_ms + 5_000),
    )


def ensure_topics(bootstrap: str, *, partitions: int, namespace: str = "",
                  topics: Iterable[TopicSpec] = ALL_TOPICS, timeout_ms: int = 5_000) -> None:
    """Create the declared topics if missing (compacted where the spec says so).

    Raises ``KafkaError`` (e.g. ``NoBrokersAvailable``) within ``timeout_ms`` when no broker answers.
    """
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="talentmatch-admin",
                             bootstrap_timeout_ms=timeout_ms)
    try:
        existing = set(admin.list_topics())
        wanted = [
            NewTopic(
                name=topic_name(spec, namespace),
                num_partitions=partitions,
                replication_factor=1,
                topic_configs={"cleanup.policy": "compact"} if spec.compacted else {},
            )
            for spec in topics
            if topic_name(spec, namespace) not in existing
        ]
        if wanted:
            try:
                admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                pass
            except KafkaError as exc:
                # Some brokers refuse topic configs they do not know; create plainly then.
                log.warning("create_topics with configs failed (%s); retrying without configs", exc)
                admin.create_topics([NewTopic(t.name, t.num_partitions, 1) for t in wanted])
    finally:
        admin.close()
