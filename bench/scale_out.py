"""Scale-out on Kafka: ingest with one vs two embedding-worker processes (one thread each, a consumer
group sharing the partitions), and a new index replica catching up from the vectors topic vs
re-embedding the record topics, all against one real Tansu broker in the same run. Beside them, the
same work without Kafka in one and in two processes: what the machine's cores give at most (on a
shared virtual machine two busy processes need not run twice as fast as one).

``python -m bench.scale_out [--quick]``
"""

from __future__ import annotations

import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kafka import TopicPartition

from bench._common import Samples, header, progress, run_main, table, write_result
from bench.ingest import produce_events, profile_events

PARTITIONS = 4
ASSIGNED = re.compile(r"embedding worker \S+ assigned \[(.*)\]")
ONE_THREAD = {"MATCHING_TORCH_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "MKL_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}


def _start_workers(count: int, *, bootstrap: str, namespace: str, log_dir: Path) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "TOPIC_NAMESPACE": namespace,
           "TOPIC_PARTITIONS": str(PARTITIONS), "MATCHING_TORCH_THREADS": "1",
           "MATCHING_EMBED_POLL_INTERVAL_MS": "30000", "MATCHING_EMBED_POLL_RECORDS": "16",
           "MATCHING_EMBED_CACHE_SIZE": "0", **ONE_THREAD}
    workers = []
    for i in range(count):
        with open(log_dir / f"{namespace}-worker{i}.log", "wb") as log:
            workers.append(subprocess.Popen([sys.executable, "-m", "services.matching.embedder"],
                                            stdout=log, stderr=subprocess.STDOUT, env=env))
    return workers


def _wait_assigned(count: int, *, namespace: str, log_dir: Path, timeout: float = 180.0) -> None:
    """Until every worker's latest assignment is non-empty and together they cover every partition."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        latest = []
        for i in range(count):
            found = ASSIGNED.findall((log_dir / f"{namespace}-worker{i}.log").read_text(errors="replace"))
            latest.append({p.strip() for p in found[-1].split(",") if p.strip()} if found else set())
        if all(latest) and len(set().union(*latest)) == 2 * PARTITIONS and sum(map(len, latest)) == 2 * PARTITIONS:
            return
        time.sleep(0.2)
    raise TimeoutError(f"{count} embedding workers did not share the partitions within {timeout:.0f}s")


def _count_until(bootstrap: str, topic: str, total: int, timeout: float = 900.0) -> None:
    from shared.kafka import make_consumer

    consumer = make_consumer(bootstrap, client_id=f"bench-count-{uuid.uuid4().hex[:6]}")
    partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    keys: set[bytes] = set()  # a batch redone after a rebalance publishes some records twice
    deadline = time.monotonic() + timeout
    try:
        while len(keys) < total:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(keys)} of {total} records' vectors after {timeout:.0f}s")
            keys.update(r.key for records in consumer.poll(timeout_ms=200).values() for r in records)
    finally:
        consumer.close(autocommit=False)


def _embed_alone(events: Sequence[Any], ready: Any, go: Any, seconds: Any) -> None:
    """A worker's work without Kafka: tag and encode ``events`` in batches of 16, one thread."""
    from services.matching.domain.occupations import build_normalizer
    from services.matching.embedder import derive
    from services.matching.encoder_setup import build_dense_encoder
    from services.matching.settings import MatchingSettings

    settings = MatchingSettings(torch_threads=1, embed_cache_size=0)
    dense = build_dense_encoder(settings)
    assert dense is not None
    normalizer = build_normalizer()
    ready.release()
    go.wait()
    start = time.perf_counter()
    for i in range(0, len(events), 16):
        texts = {d[0] for d in derive(events[i:i + 16], max_chars=settings.max_text_chars,
                                                  normalizer=normalizer) if d is not None}
        dense.encode(sorted(texts))
    seconds.put(time.perf_counter() - start)


def machine_ceiling(events: Sequence[Any], processes: int) -> float:
    """Events/s of ``processes`` one-thread processes each doing a worker's work on ``events`` at once,
    without Kafka: what this machine can give the workers at most (its cores may not be independent)."""
    context = multiprocessing.get_context("spawn")
    ready, go, seconds = context.Semaphore(0), context.Event(), context.Queue()
    procs = [context.Process(target=_embed_alone, args=(events, ready, go, seconds)) for _ in range(processes)]
    saved = dict(os.environ)
    os.environ.update(ONE_THREAD)  # the spawned interpreters start with it; this process keeps its own
    try:
        for proc in procs:
            proc.start()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    for _ in procs:
        ready.acquire()  # every model loaded and normalizer built: only the work is timed
    go.set()
    slowest = max(float(seconds.get(timeout=900)) for _ in procs)
    for proc in procs:
        proc.join()
    return processes * len(events) / slowest


def ingest_round(workers: int, events: Sequence[Any], *, bootstrap: str, log_dir: Path) -> tuple[float, str]:
    """Events/s from producing to the last vector published, with ``workers`` processes already joined."""
    from shared.events.topics import PROFILES, VECTORS, topic_name
    from shared.kafka import ensure_topics

    namespace = f"bench-{uuid.uuid4().hex[:8]}"
    ensure_topics(bootstrap, partitions=PARTITIONS, namespace=namespace)
    procs = _start_workers(workers, bootstrap=bootstrap, namespace=namespace, log_dir=log_dir)
    try:
        _wait_assigned(workers, namespace=namespace, log_dir=log_dir)
        start = time.perf_counter()
        produce_events(bootstrap, topic_name(PROFILES, namespace), events)
        _count_until(bootstrap, topic_name(VECTORS, namespace), len(events))
        return len(events) / (time.perf_counter() - start), namespace
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def _read(bootstrap: str, topic: str, total: int) -> list[bytes]:
    """Values of ``topic`` from the beginning until ``total`` distinct keys were seen."""
    from shared.kafka import make_consumer

    consumer = make_consumer(bootstrap, client_id=f"bench-read-{uuid.uuid4().hex[:6]}", max_poll_records=500)
    partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    values: list[bytes] = []
    keys: set[bytes] = set()
    try:
        while len(keys) < total:  # every record at least once (a redone batch repeats some)
            for records in consumer.poll(timeout_ms=200).values():
                values += [r.value for r in records]
                keys.update(r.key for r in records)
    finally:
        consumer.close(autocommit=False)
    return values


def catch_up(namespace: str, total: int, *, bootstrap: str, encoder: Any) -> dict[str, float]:
    """Seconds for a fresh replica to index ``total`` records: from the vectors topic, and by re-embedding
    the profiles topic (both read from Kafka, decoded and applied in batches of 500)."""
    from services.matching.domain.embedded_vectors import apply_embedded, check_embedded
    from services.matching.domain.occupations import build_normalizer
    from services.matching.domain.state import MatchingState
    from shared.events.contracts import RecordEmbeddedV1, decode_event
    from shared.events.topics import PROFILES, VECTORS, topic_name

    seconds = {}
    start = time.perf_counter()
    replica = MatchingState(encoder.dim)
    raw = _read(bootstrap, topic_name(VECTORS, namespace), total)
    for i in range(0, len(raw), 500):
        messages = [m for v in raw[i:i + 500] if isinstance(m := decode_event(v), RecordEmbeddedV1)]
        for message in messages:
            check_embedded(message, encoder)
        apply_embedded(replica, messages, encoder)
    seconds["from the vectors topic"] = time.perf_counter() - start

    rebuilt = MatchingState(encoder.dim, normalizer=build_normalizer())  # built before the clock starts
    start = time.perf_counter()
    raw = _read(bootstrap, topic_name(PROFILES, namespace), total)
    for i in range(0, len(raw), 500):
        rebuilt.apply([decode_event(v) for v in raw[i:i + 500]], encoder)  # type: ignore[misc]
    seconds["re-embedding the record topic"] = time.perf_counter() - start
    if not len(replica.talents.docs) == len(rebuilt.talents.docs) == total:
        raise RuntimeError(f"indexed {len(replica.talents.docs)} from vectors, {len(rebuilt.talents.docs)} by "
                           f"re-embedding, of {total}")
    return seconds


def run(quick: bool) -> dict[str, Any]:
    from services.matching.encoder_setup import build_encoder
    from services.matching.settings import MatchingSettings
    from talentmatch.embedded import start_broker

    count, rounds = (240, 1) if quick else (1200, 3)
    settings = MatchingSettings(torch_threads=1, embed_cache_size=0)
    header("scale-out: embedding workers and replica catch-up", quick,
           f"{count} profile creates, {PARTITIONS} partitions per topic, {rounds} interleaved round(s); "
           f"workers: one process each, {settings.embed_backend}, 1 thread; worker start and group join "
           "are not timed")
    events = profile_events(count, updates=0.0, seed=11)
    broker = start_broker()
    bootstrap = f"127.0.0.1:{broker.port}"
    rates = {1: Samples(), 2: Samples()}
    alone = {1: Samples(), 2: Samples()}
    try:
        with tempfile.TemporaryDirectory() as logs, progress(total=4 * rounds, desc="ingest rounds") as bar:
            namespace = ""
            for _ in range(rounds):
                for workers in (1, 2):
                    rate, namespace = ingest_round(workers, events, bootstrap=bootstrap, log_dir=Path(logs))
                    rates[workers].add(rate)
                    bar.update()
                for workers in (1, 2):
                    alone[workers].add(machine_ceiling(events[:count // 2], workers))
                    bar.update()
        encoder = build_encoder(settings)
        seconds = catch_up(namespace, count, bootstrap=bootstrap, encoder=encoder)
    finally:
        broker.stop()
    ratio = rates[2].median / rates[1].median
    print(table(["embedding workers", "events/s", "spread", "vs one"],
                [[w, f"{r.median:.1f}", f"{r.spread[0]:.1f}–{r.spread[1]:.1f}", f"{r.median / rates[1].median:.2f}x"]
                 for w, r in rates.items()]))
    ceiling = alone[2].median / alone[1].median
    print(table(["the same work without Kafka", "events/s", "spread", "vs one"],
                [[f"{w} process{'es' if w > 1 else ''}", f"{r.median:.1f}", f"{r.spread[0]:.1f}–{r.spread[1]:.1f}",
                  f"{r.median / alone[1].median:.2f}x"] for w, r in alone.items()]))
    print(f"target: two workers >= 1.7x one; this machine gives two processes {ceiling:.2f}x one, so the "
          f"workers reach {ratio / ceiling:.0%} of what it can give")
    baseline = seconds["re-embedding the record topic"]
    print(table(["new replica indexes", "seconds", "records/s", "vs re-embedding"],
                [[way, f"{s:.2f}", f"{count / s:.0f}", f"{baseline / s:.1f}x"] for way, s in seconds.items()]))
    print("target: catching up from the vectors topic >= 10x faster than re-embedding")
    payload = {"events": count, "rounds": rounds, "partitions": PARTITIONS, "backend": settings.embed_backend,
               "workers": {str(w): {"events_per_s": r.median, "spread": list(r.spread)} for w, r in rates.items()},
               "two_vs_one": ratio, "without_kafka": {str(w): {"events_per_s": r.median, "spread": list(r.spread)}
                                                       for w, r in alone.items()},
               "machine_two_vs_one": ceiling, "catch_up_seconds": seconds, "catch_up_ratio": baseline / seconds[
                   "from the vectors topic"], "targets": {"two_vs_one": 1.7, "catch_up_ratio": 10.0}}
    print(f"→ {write_result('scale_out', payload, quick=quick)}")
    return payload


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(run, argv, __doc__.split("\n")[0] if __doc__ else "")


if __name__ == "__main__":
    raise SystemExit(main())
