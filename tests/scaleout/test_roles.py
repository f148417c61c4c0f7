"""The two scale-out roles as apps from the same code: an embedder app publishes vectors, a replica app
serves recommendations from them without embedding the stream."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from services.matching.domain.encoders import HybridEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.main import create_app
from services.matching.settings import MatchingSettings
from shared.events.topics import OPPORTUNITIES, PROFILES, topic_name
from shared.kafka import ensure_topics
from tests.matching.conftest import auth_headers
from tests.matching.factories import ai_posting, nursing_posting, profile
from tests.matching.kafka_helpers import produce, wait_for


def test_a_replica_serves_what_the_embedder_embedded(occupation_normalizer: OccupationNormalizer,
                                                     bootstrap: str, redis_url: str, topic_suffix: str,
                                                     tmp_path: Path, hybrid_encoder: HybridEncoder) -> None:
    ensure_topics(bootstrap, partitions=2, namespace=topic_suffix)
    common: dict[str, Any] = {"kafka_bootstrap_servers": bootstrap, "redis_url": redis_url,
                              "topic_namespace": topic_suffix, "topic_partitions": 2}
    embedder = MatchingSettings(**common, role="embedder", embed_backend="torch", torch_threads=1,
                                embed_poll_interval_ms=5_000)
    replica = MatchingSettings(**common, role="replica", checkpoint_dir=str(tmp_path / "checkpoint"))
    operator = auth_headers(replica, "operator")

    with TestClient(create_app(embedder)) as embedder_app, \
            TestClient(create_app(replica, encoder=hybrid_encoder, normalizer=occupation_normalizer)) as replica_app:
        assert embedder_app.get("/v1/status").status_code == 401
        assert embedder_app.get("/v1/talents/1/recommendations", headers=operator).status_code == 404  # no queries
        produce(bootstrap, topic_name(PROFILES, topic_suffix), [profile(1)])
        produce(bootstrap, topic_name(OPPORTUNITIES, topic_suffix), [ai_posting(10), nursing_posting(11)])

        def indexed() -> dict[str, Any] | None:
            body: dict[str, Any] = replica_app.get("/v1/status", headers=operator).json()
            return body if body["index"] == {"talents": 1, "opportunities": 2} else None

        status = wait_for(indexed, timeout=90, what="the replica to index the embedded records")
        assert status["consumer"]["partitions"], "the replica reads the vectors topic"
        assert all(key.startswith(f"{topic_suffix}.talentmatch.vectors:") or "feedback" in key
                   or "applications" in key for key in status["consumer"]["partitions"])  # facts: figures only
        worker = embedder_app.get("/v1/status", headers=operator).json()
        assert worker["events_embedded"] == 3 and worker["encoder"] == hybrid_encoder.dense.name  # type: ignore[union-attr]

        seeker = auth_headers(replica, "seeker", "seeker-1")
        answer = replica_app.get("/v1/talents/1/recommendations", headers=seeker)
        assert answer.status_code == 200
        # the ML posting; nursing shares no skill, occupation or close text with the profile: not listed
        assert [item["id"] for item in answer.json()["items"]] == [10]
