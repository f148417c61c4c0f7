"""A backup of a running stack, restored into a fresh stack (a new, empty broker), serves the same records and
recommendations, and its figures count the feedback accepted before."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import httpx
import pytest

from talentmatch.backup import backup, restore
from talentmatch.demo.load import load_demo
from talentmatch.embedded import free_port
from talentmatch.stack import SERVICES, LocalStack, StackConfig
from tests.e2e.conftest import eventually

pytestmark = pytest.mark.e2e

PROFILES, OPPORTUNITIES = 12, 10


def _get(stack: LocalStack, service: str, path: str, **params: Any) -> Any:
    response = httpx.get(f"{stack.config.url(service)}{path}", params=params, timeout=30,
                         headers=stack.headers("operator", "op-backup-test"))
    assert response.status_code == 200, response.text
    return response.json()


def _served(stack: LocalStack) -> dict[str, Any]:
    """Every record, and each talent's recommendations, once matching has indexed them all."""
    profiles = _get(stack, "profiles", "/v1/profiles", limit=100)["items"]
    opportunities = _get(stack, "jobs", "/v1/opportunities", limit=100)["items"]
    eventually(lambda: (index := _get(stack, "matching", "/v1/status")["index"])["talents"] >= len(profiles)
               and index["opportunities"] >= len(opportunities), timeout=180, what="matching indexed the records")
    eventually(lambda: _get(stack, "matching", "/v1/operator/metrics", window="all")["volumes"]["feedback_events"]
               >= 1, timeout=60, what="the figures counted the feedback")
    return {
        "feedback_events": _get(stack, "matching", "/v1/operator/metrics", window="all")["volumes"]["feedback_events"],
        "profiles": profiles,
        "opportunities": opportunities,
        "recommendations": {p["id"]: [(r["id"], round(r["score"], 4)) for r in _get(
            stack, "matching", f"/v1/talents/{p['id']}/recommendations", k=5)["items"]] for p in profiles},
    }


def _stack(config: StackConfig) -> LocalStack:
    stack = LocalStack(config)
    stack.start(timeout=180)
    return stack


def test_a_restored_stack_serves_the_same_records_and_recommendations(tmp_path: Path) -> None:
    config = StackConfig(var_dir=tmp_path / "var", broker_port=free_port(), redis_port=free_port(),
                         ports={s: free_port() for s in SERVICES})
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "auth-secret").write_text(config.auth_secret + "\n", encoding="utf-8")
    stack = _stack(config)
    try:
        load_demo(profiles_url=config.url("profiles"), jobs_url=config.url("jobs"), auth_secret=config.auth_secret,
                  profiles=PROFILES, opportunities=OPPORTUNITIES, progress=False,
                  applications=False)  # their events are not re-published yet (README, applications)
        feedback = {"talent_id": 1, "opportunity_id": 1, "action": "applied", "actor_role": "seeker"}
        accepted = httpx.post(f"{config.url('matching')}/v1/feedback", json=feedback, timeout=30,
                              headers=stack.headers("service", "svc-backup-test"))
        assert accepted.status_code == 202, accepted.text  # kept in matching.db: in the backup
        before = _served(stack)
        folder = backup(config.var_dir, tmp_path / "backups")  # online: the stack keeps running
    finally:
        stack.stop()

    restore(folder, tmp_path / "restored")
    fresh = dataclasses.replace(config, var_dir=tmp_path / "restored", broker_port=free_port(),
                                redis_port=free_port(), ports={s: free_port() for s in SERVICES},
                                auth_secret=(tmp_path / "restored" / "auth-secret").read_text().strip())
    stack = _stack(fresh)  # a new broker: empty until the stores re-publish, as `talentmatch up` does
    try:
        stack.republish()
        after = _served(stack)
    finally:
        stack.stop()
    assert len(before["profiles"]) == PROFILES and len(before["opportunities"]) >= OPPORTUNITIES
    assert before["feedback_events"] == 1
    assert after == before
