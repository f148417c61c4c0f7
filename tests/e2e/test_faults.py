"""Faults against the whole stack: broker restart, Redis outage, matching killed mid-stream,
and a scan of everything that leaves the profiles service for personal data."""

from __future__ import annotations

import base64
import random
import threading
import time
from typing import Any

import httpx
import pytest
import redis
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from talentmatch.demo.generate import DemoGenerator
from talentmatch.demo.load import enterprise_subject
from talentmatch.stack import LocalStack
from tests.e2e.conftest import eventually

Seeded = dict[str, list[dict[str, Any]]]

pytestmark = pytest.mark.e2e


def _service(stack: LocalStack) -> dict[str, str]:
    return stack.headers("service", "svc-e2e")


def _create_profile(stack: LocalStack, http: httpx.Client, body: dict[str, Any], subject: str) -> httpx.Response:
    return http.post(f"{stack.config.url('profiles')}/v1/profiles", json=body,
                     headers=stack.headers("seeker", subject))


def _totals(stack: LocalStack, http: httpx.Client) -> tuple[int, int]:
    cfg = stack.config
    profiles = http.get(f"{cfg.url('profiles')}/v1/profiles", params={"limit": 1},
                        headers=_service(stack)).json()["total"]
    jobs = http.get(f"{cfg.url('jobs')}/v1/opportunities", params={"limit": 1},
                    headers=_service(stack)).json()["total"]
    return profiles, jobs


def _indexed(stack: LocalStack, http: httpx.Client) -> tuple[int, int]:
    try:
        index = http.get(f"{stack.config.url('matching')}/v1/status", headers=_service(stack)).json()["index"]
    except (httpx.HTTPError, KeyError, ValueError):
        return -1, -1
    return index["talents"], index["opportunities"]


def _converged(stack: LocalStack, http: httpx.Client) -> bool:
    return _indexed(stack, http) == _totals(stack, http)


def _all_owners(http: httpx.Client, url: str, headers: dict[str, str]) -> dict[int, str | None]:
    """Every profile's id and owner, paged as an operator."""
    owners: dict[int, str | None] = {}
    offset = 0
    while True:
        page = http.get(url, params={"offset": offset, "limit": 100}, headers=headers).json()
        owners |= {item["id"]: item["owner"] for item in page["items"]}
        offset += 100
        if offset >= page["total"]:
            return owners


@pytest.fixture(scope="module")
def seeded(local_stack: LocalStack) -> Seeded:
    """Twenty profiles (with contact data) and fifteen opportunities, indexed."""
    generator = DemoGenerator(seed=7)
    cfg = local_stack.config
    with httpx.Client(timeout=20) as http:
        opportunities = [
            http.post(f"{cfg.url('jobs')}/v1/opportunities", json=body,
                      headers=local_stack.headers("enterprise", enterprise_subject(body["organization"]),
                                                  org=body["organization"])).json()
            for body in generator.opportunities(15)]
        bodies = generator.profiles(20)
        for n, body in enumerate(bodies):
            body["id_number"] = f"33010619900307{n:03d}X"
        profiles = [_create_profile(local_stack, http, body, f"seeker-e2e-seed-{n}").json()
                    for n, body in enumerate(bodies)]
        eventually(lambda: _converged(local_stack, http), timeout=120, what="the seed data to be indexed")
    return {"profiles": profiles, "opportunities": opportunities, "bodies": bodies}


def test_writes_during_a_broker_outage_arrive_after_it_restarts(local_stack: LocalStack, seeded: Seeded) -> None:
    cfg = local_stack.config
    with httpx.Client(timeout=20) as http:
        local_stack.processes["broker"].stop()
        body = DemoGenerator(seed=99).profile()
        response = _create_profile(local_stack, http, body, "seeker-e2e-outage")
        assert response.status_code == 201, "a write succeeds while the broker is down"
        new_id = response.json()["id"]
        owner = local_stack.headers("seeker", "seeker-e2e-outage")
        assert http.get(f"{cfg.url('profiles')}/readyz").json()["outbox_pending"] >= 1

        local_stack.start_component("broker")  # a fresh in-memory log
        local_stack.recover_from_broker_loss()
        eventually(lambda: _converged(local_stack, http), timeout=120, what="matching to converge")
        eventually(lambda: http.get(f"{cfg.url('matching')}/v1/talents/{new_id}/recommendations",
                                    headers=owner).status_code == 200,
                   what="the profile written during the outage to be matched")


def test_recommendations_answer_while_redis_is_down(local_stack: LocalStack, seeded: Seeded) -> None:
    """Each request asks a list never asked before, so matching's near cache cannot answer it."""
    cfg = local_stack.config
    talent = seeded["profiles"][0]
    url = f"{cfg.url('matching')}/v1/talents/{talent['id']}/recommendations"
    fresh = iter([{"k": k, **({"city": city} if city else {})}
                  for city in ("", "杭州市", "北京市", "深圳市") for k in range(31, 101)])

    def cache_errors() -> int:
        status = http.get(f"{cfg.url('matching')}/v1/status", headers=local_stack.headers("operator", "op-faults"))
        return int(status.json()["cache"]["errors"])

    with httpx.Client(timeout=20, headers=local_stack.headers("seeker", talent["owner"])) as http:
        local_stack.processes["redis"].stop()
        for _ in range(3):
            response = http.get(url, params=next(fresh))
            assert response.status_code == 200 and response.json()["cached"] is False
        assert cache_errors() >= 1
        local_stack.start_component("redis")

        def redis_used_again() -> bool:
            before = cache_errors()
            return http.get(url, params=next(fresh)).status_code == 200 and cache_errors() == before

        eventually(redis_used_again, timeout=30, what="the cache to be used again once Redis is back")
        params = next(fresh)
        assert http.get(url, params=params).json()["cached"] is False
        assert http.get(url, params=params).json()["cached"] is True


def test_matching_killed_mid_stream_converges_to_the_stores(local_stack: LocalStack, seeded: Seeded) -> None:
    """Creates, updates and deletes stream in while matching is SIGKILLed three times."""
    cfg = local_stack.config
    rng = random.Random(3)
    generator = DemoGenerator(seed=11)
    done = threading.Event()
    errors: list[str] = []

    def churn() -> None:
        with httpx.Client(timeout=20) as http:
            live: list[tuple[int, dict[str, str]]] = []
            for step in range(600):
                roll = rng.random()
                if roll < 0.5 or not live:
                    subject = f"seeker-e2e-churn-{step}"
                    response = _create_profile(local_stack, http, generator.profile(), subject)
                    if response.status_code == 201:
                        live.append((response.json()["id"], local_stack.headers("seeker", subject)))
                    else:
                        errors.append(response.text)
                elif roll < 0.8:
                    target, owner = rng.choice(live)
                    response = http.patch(f"{cfg.url('profiles')}/v1/profiles/{target}",
                                          json={"years_experience": step % 40}, headers=owner)
                    if response.status_code != 200:
                        errors.append(response.text)
                else:
                    target, owner = live.pop(rng.randrange(len(live)))
                    if http.delete(f"{cfg.url('profiles')}/v1/profiles/{target}",
                                   headers=owner).status_code != 204:
                        errors.append(f"delete {target}")
                time.sleep(0.02)  # a steady stream, so the kills land in the middle of it
        done.set()

    writer = threading.Thread(target=churn)
    writer.start()
    kills = 0
    for _ in range(3):
        done.wait(rng.uniform(1.0, 2.5))
        kills += not done.is_set()
        local_stack.restart("matching", kill=True)
    writer.join(180)
    assert kills >= 2, "the kills landed while changes were streaming"
    assert not errors
    with httpx.Client(timeout=20) as http:
        eventually(lambda: _converged(local_stack, http), timeout=180, what="matching to converge after kills")
        stored = _all_owners(http, f"{cfg.url('profiles')}/v1/profiles",
                             local_stack.headers("operator", "op-e2e"))
        for profile_id in sorted(stored)[-40:]:
            owner = stored[profile_id]
            assert owner is not None
            assert http.get(f"{cfg.url('matching')}/v1/talents/{profile_id}/recommendations",
                            headers=local_stack.headers("seeker", owner)).status_code == 200


def _topic_payloads(bootstrap: str) -> list[bytes]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    topics = admin.list_topics()
    admin.close()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    partitions = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    end = consumer.end_offsets(partitions)
    payloads: list[bytes] = []
    for _ in range(200):
        for batch in consumer.poll(timeout_ms=200).values():
            payloads.extend((m.key or b"") + b"\0" + (m.value or b"") for m in batch)
        if all(consumer.position(tp) >= end[tp] for tp in partitions):
            break
    consumer.close()
    return payloads


def test_personal_data_never_leaves_the_profiles_service(local_stack: LocalStack, seeded: Seeded) -> None:
    cfg = local_stack.config
    secrets = [value for body in seeded["bodies"]
               for value in (body["phone"], body["email"], body["id_number"])]
    assert len(secrets) == 60
    payloads = _topic_payloads(cfg.bootstrap)
    assert payloads, "the topics hold the events"
    client = redis.Redis(host=cfg.host, port=cfg.redis_port)
    cached = [key + b"\0" + (client.get(key) or b"") for key in client.scan_iter(count=500)]
    assert cached, "the cache holds served results"
    logs = {path.name: path.read_bytes() for path in local_stack.log_dir.glob("*.log")}
    assert "matching.log" in logs
    local_stack.restart("matching")  # a graceful stop writes a final checkpoint: scan it too
    checkpoints = {path.name: path.read_bytes() for path in (cfg.var_dir / "matching-checkpoint").glob("*")}
    assert checkpoints, "matching wrote a checkpoint"
    hits = [
        (where, secret)
        for secret in secrets
        for variant in (secret.encode(), base64.b64encode(secret.encode()))
        for where, blob in [*(("kafka", p) for p in payloads), *(("redis", c) for c in cached),
                            *((f"log {name}", text) for name, text in logs.items()),
                            *((f"checkpoint {name}", blob) for name, blob in checkpoints.items())]
        if variant in blob
    ]
    assert hits == []
