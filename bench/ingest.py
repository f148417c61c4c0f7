"""Ingest: events/s from Kafka (a real Tansu broker) through decoding and embedding into the index —
the micro-batched apply (one batched encode, one FAISS add per side per poll) against a per-event
encode-and-add loop, both reading the same topic from the beginning, in interleaved rounds.

``python -m bench.ingest [--quick]``
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

from kafka import TopicPartition

from bench._common import Samples, header, progress, run_main, table, write_result

MODES = ("micro-batched apply", "per-event loop")


def profile_events(count: int, *, updates: float, seed: int) -> list[Any]:
    """``count`` profile events: creates, and a share of updates (a new version with new text) of
    records created shortly before, as a stream of edits looks."""
    import random

    from shared.events.contracts import ProfileSnapshot, ProfileUpsertedV1
    from talentmatch.demo.generate import DemoGenerator

    generator, rng = DemoGenerator(seed=seed), random.Random(seed)
    fields = set(ProfileSnapshot.model_fields)
    versions: dict[int, int] = {}
    events = []
    for body in generator.profiles(count):
        snapshot = ProfileSnapshot.model_validate({k: v for k, v in body.items() if k in fields})
        edit = bool(versions) and rng.random() < updates
        record = rng.choice(list(versions)[-200:]) if edit else len(versions) + 1
        versions[record] = versions.get(record, 0) + 1
        events.append(ProfileUpsertedV1(record_id=record, record_version=versions[record], profile=snapshot))
    return events


def produce_events(bootstrap: str, topic: str, events: Sequence[Any]) -> None:
    from shared.events.contracts import encode_event
    from shared.kafka import make_producer

    producer = make_producer(bootstrap, client_id="bench-ingest")
    for event in events:
        producer.send(topic, key=str(event.record_id).encode(), value=encode_event(event))
    producer.flush(timeout=60)
    producer.close()


def _consume(bootstrap: str, topic: str, total: int, encoder: Any, *, batched: bool,
             normalizer: Any) -> tuple[float, int]:
    """Read the topic from the start and apply every event; seconds from the first poll to the last
    apply, and the number of encode calls."""
    from services.matching.domain.state import AnyEvent, MatchingState
    from shared.events.contracts import decode_event
    from shared.kafka import make_consumer

    consumer = make_consumer(bootstrap, client_id=f"bench-{uuid.uuid4().hex[:6]}", max_poll_records=500)
    partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    state = MatchingState(encoder.dim, normalizer=normalizer)
    seen = calls = 0
    start = time.perf_counter()
    while seen < total:
        polled = consumer.poll(timeout_ms=500, max_records=500)
        events = [e for records in polled.values() for r in records
                  if isinstance(e := decode_event(r.value), AnyEvent)]
        if batched:
            state.apply(events, encoder)
            calls += 1
        else:
            for event in events:
                state.apply([event], encoder)
                calls += 1
        seen += len(events)
    seconds = time.perf_counter() - start
    consumer.close(autocommit=False)
    return seconds, calls


def run(quick: bool) -> dict[str, Any]:
    from services.matching.domain.encoders import HybridEncoder, LexicalEncoder
    from services.matching.encoder_setup import build_dense_encoder
    from services.matching.settings import MatchingSettings
    from shared.events.topics import PROFILES, topic_name
    from shared.kafka import ensure_topics
    from talentmatch.embedded import start_broker

    settings = MatchingSettings()
    workloads = {"creates": 0.0, "creates + 30% edits": 0.3}
    count, rounds = (200, 2) if quick else (1500, 3)
    header("ingest: Kafka → decode → embed → index", quick,
           f"{count} profile events per workload, 3 partitions, max 500 per poll, {rounds} interleaved rounds; "
           f"hybrid encoder: {settings.embed_backend} dense + lexical, LRU cache off")
    dense = build_dense_encoder(settings.model_copy(update={"embed_cache_size": 0}))
    encoder = HybridEncoder(dense=dense, lexical=LexicalEncoder(settings.lexical_dim),
                            dense_weight=settings.dense_weight, lexical_weight=settings.lexical_weight)
    from services.matching.domain.occupations import build_normalizer
    from services.matching.domain.state import MatchingState

    # Untimed: the normalizer's index and classifier (built once, shared by every round) and the runtime's
    # first inferences, which the first timed round would otherwise pay alone.
    normalizer = build_normalizer()
    MatchingState(encoder.dim, normalizer=normalizer).apply(profile_events(32, updates=0.0, seed=99), encoder)
    broker = start_broker()
    bootstrap = f"127.0.0.1:{broker.port}"
    results, rows = [], []
    try:
        for workload, updates in workloads.items():
            namespace = f"bench-{uuid.uuid4().hex[:8]}"
            ensure_topics(bootstrap, partitions=3, namespace=namespace)
            topic = topic_name(PROFILES, namespace)
            produce_events(bootstrap, topic, profile_events(count, updates=updates, seed=5))
            times = {mode: Samples() for mode in MODES}
            calls = dict.fromkeys(MODES, 0)
            with progress(total=rounds * len(MODES), desc=f"ingest {workload}") as bar:
                for _ in range(rounds):
                    for mode in MODES:
                        seconds, calls[mode] = _consume(bootstrap, topic, count, encoder,
                                                        batched=mode == MODES[0], normalizer=normalizer)
                        times[mode].add(count / seconds)
                        bar.update()
            baseline = times[MODES[1]].median
            for mode in MODES:
                rate = times[mode]
                result = {"workload": workload, "mode": mode, "events_per_s": rate.median,
                          "spread": list(rate.spread), "ratio_vs_per_event": rate.median / baseline,
                          "encode_calls": calls[mode], "events": count}
                results.append(result)
                rows.append([workload, mode, f"{rate.median:.1f}", f"{rate.spread[0]:.1f}–{rate.spread[1]:.1f}",
                             f"{result['ratio_vs_per_event']:.2f}x", calls[mode]])
    finally:
        broker.stop()
    print(table(["workload", "mode", "events/s", "spread", "vs per-event", "encode calls"], rows))
    print("target: micro-batched >= 5x the per-event loop")
    payload = {"events": count, "rounds": rounds, "backend": settings.embed_backend, "results": results,
               "target_ratio": 5.0}
    print(f"→ {write_result('ingest', payload, quick=quick)}")
    return payload


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(run, argv, __doc__.split("\n")[0] if __doc__ else "")


if __name__ == "__main__":
    raise SystemExit(main())
