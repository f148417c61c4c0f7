"""A backup of a running stack, restored into a fresh stack (a new, empty broker), serves the same records and
recommendations, and its figures count the feedback and every application status change as before."""

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
from tests.jobs import factories
from tests.jobs.profiles import SEEKER_PROFILE

pytestmark = pytest.mark.e2e

PROFILES, OPPORTUNITIES = 12, 10


def _get(stack: LocalStack, service: str, path: str, **params: Any) -> Any:
    response = httpx.get(f"{stack.config.url(service)}{path}", params=params, timeout=30,
                         headers=stack.headers("operator", "op-backup-test"))
    assert response.status_code == 200, response.text
    return response.json()


def _published(stack: LocalStack) -> bool:
    """jobs' outbox is empty and matching has read every topic to its end."""
    jobs = httpx.get(f"{stack.config.url('jobs')}/readyz", timeout=30).json()
    return bool(jobs.get("outbox_pending") == 0 and _get(stack, "matching", "/v1/status")["consumer"]["lag"] == 0)


def _facts(stack: LocalStack) -> int:
    count: int = _get(stack, "matching", "/v1/operator/metrics", window="all")["volumes"]["feedback_events"]
    return count


def _settled_facts(stack: LocalStack, *, expected: int | None) -> int:
    """The figures' fact count once nothing is on its way: ``expected`` when known (the restored stack must
    reach the count from before), else the same count on reads a second apart with everything consumed."""
    if expected is not None:
        return int(eventually(lambda: _facts(stack) == expected and expected, timeout=120,
                              what=f"the figures counted {expected} facts"))
    seen: list[int] = []

    def steady() -> int | None:
        seen.append(_facts(stack) if _published(stack) else -1)
        return seen[-1] if len(seen) >= 3 and seen[-1] > 1 and seen[-3:] == [seen[-1]] * 3 else None

    return int(eventually(steady, timeout=120, what="the figures counted every fact"))


def _served(stack: LocalStack, *, facts: int | None = None) -> dict[str, Any]:
    """Every record, and each talent's recommendations, once matching has indexed them all."""
    profiles = _get(stack, "profiles", "/v1/profiles", limit=100)["items"]
    opportunities = _get(stack, "jobs", "/v1/opportunities", limit=100)["items"]
    eventually(lambda: (index := _get(stack, "matching", "/v1/status")["index"])["talents"] >= len(profiles)
               and index["opportunities"] >= len(opportunities), timeout=180, what="matching indexed the records")
    counted = _settled_facts(stack, expected=facts)
    return {
        "feedback_events": counted,
        "by_action": _get(stack, "matching", "/v1/operator/metrics", window="all")["volumes"]["feedback_by_action"],
        "profiles": profiles,
        "opportunities": opportunities,
        "recommendations": {p["id"]: [(r["id"], round(r["score"], 4)) for r in _get(
            stack, "matching", f"/v1/talents/{p['id']}/recommendations", k=5)["items"]] for p in profiles},
    }


def _hire_through_the_pipeline(stack: LocalStack) -> None:
    """A seeker applies to a new posting and its enterprise takes them to hired: interviewing and offered then
    live on in the status history only."""
    posting_body = factories.job_posting()
    enterprise = stack.headers("enterprise", "ent-backup-test", org=posting_body["organization"])
    seeker = stack.headers("seeker", "seeker-backup-test")
    answers = [httpx.post(f"{stack.config.url('jobs')}/v1/opportunities", json=posting_body, headers=enterprise,
                          timeout=30),
               httpx.post(f"{stack.config.url('profiles')}/v1/profiles", json=SEEKER_PROFILE, headers=seeker,
                          timeout=30)]
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
    posting, profile = (a.json() for a in answers)
    applied = httpx.post(f"{stack.config.url('jobs')}/v1/opportunities/{posting['id']}/applications",
                         json={"profile_id": profile["id"]}, headers=seeker, timeout=30)
    assert applied.status_code == 201, applied.text
    for status in ("interviewing", "offered", "hired"):
        moved = httpx.patch(f"{stack.config.url('jobs')}/v1/applications/{applied.json()['id']}",
                            json={"status": status}, headers=enterprise, timeout=30)
        assert moved.status_code == 200, moved.text


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
        loaded = load_demo(profiles_url=config.url("profiles"), jobs_url=config.url("jobs"),
                           auth_secret=config.auth_secret, profiles=PROFILES, opportunities=OPPORTUNITIES,
                           progress=False, applications=True)
        _hire_through_the_pipeline(stack)
        feedback = {"talent_id": 1, "opportunity_id": 1, "action": "clicked", "actor_role": "seeker"}
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
        after = _served(stack, facts=before["feedback_events"])
    finally:
        stack.stop()
    assert len(before["profiles"]) == PROFILES + 1 and len(before["opportunities"]) >= OPPORTUNITIES
    actions = before["by_action"]
    assert loaded.applications > 0 and actions["applied"] + actions["enrolled"] > 0
    assert actions["clicked"] == 1 and actions["interviewed"] > 0 and actions["hired"] > 0
    assert after == before
