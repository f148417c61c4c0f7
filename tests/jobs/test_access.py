"""Access control of the jobs service: every route × role × owner cell of ``docs/security.md``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.jobs.main import create_app
from services.jobs.settings import JobsSettings
from shared.auth import Role
from tests.access_matrix import Route, Target, unauthenticated_violations, walk, yes_for
from tests.auth import bearer
from tests.jobs import factories
from tests.jobs.helpers import created

POSTING_ORG = factories.job_posting()["organization"]
NEED_ORG = factories.training_need()["enterprise"]


def _owner_only(ok: int, *, also: tuple[Role, ...] = ()) -> Any:
    return lambda role, target: ok if role in also or (role == "enterprise" and target == "own") else 403


def _need_reader(role: Role, target: Target) -> int:
    """Another enterprise's need is answered like an unknown one (404): its existence is not disclosed."""
    if role in ("operator", "service") or (role == "enterprise" and target == "own"):
        return 200
    return 404 if role == "enterprise" else 403


def _held_reader(role: Role, target: Target) -> int:
    """A posting held for review is unknown (404) to all but its enterprise and operators."""
    return 200 if role == "operator" or (role == "enterprise" and target == "own") else 404


ROUTES = [
    Route("POST", "/v1/opportunities", ("-",), yes_for("enterprise", status=201), body=factories.job_posting),
    Route("GET", "/v1/opportunities", ("-",), yes_for("seeker", "enterprise", "operator", "service")),
    Route("GET", "/v1/opportunities/{id}", ("own", "other"), yes_for("seeker", "enterprise", "operator", "service")),
    Route("PATCH", "/v1/opportunities/{id}", ("own", "other"), _owner_only(200), body=lambda: {"openings": 7}),
    Route("DELETE", "/v1/opportunities/{id}", ("own", "other"), _owner_only(204, also=("operator",))),
    Route("POST", "/v1/training-needs", ("-",), yes_for("enterprise", status=201), body=factories.training_need),
    Route("GET", "/v1/training-needs/{id}", ("own", "other"), _need_reader),
    Route("POST", "/v1/admin/republish", ("-",), yes_for("operator", "service", status=202)),
    Route("GET", "/v1/admin/audit", ("-",), yes_for("operator")),
    Route("GET", "/v1/opportunities/{id}?held", ("own", "other"), _held_reader),
    Route("GET", "/v1/admin/reviews", ("-",), yes_for("operator")),
    Route("POST", "/v1/opportunities/{id}/review", ("own", "other"), yes_for("operator"),
          body=lambda: {"decision": "approve"}),
]


@pytest.fixture
def app_client(settings: JobsSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def test_every_cell_of_the_matrix(app_client: TestClient) -> None:
    versions: dict[str, int] = {}

    def prepare(route: Route, role: Role, target: Target, caller: str) -> str:
        if "{id}" not in route.path:
            return route.path
        subject = caller if role == "enterprise" and target == "own" else f"{caller}-rival"
        if route.path.startswith("/v1/training-needs"):
            owner = bearer("enterprise", subject, org=NEED_ORG)
            record = created(app_client.post("/v1/training-needs", json=factories.training_need(), headers=owner))
            record_id = record["need"]["id"]
        else:
            owner = bearer("enterprise", subject, org=POSTING_ORG)
            held = route.path.endswith(("/review", "?held"))  # a posting the screen holds for an operator
            body = factories.job_posting(**({"description": "任职要求：限男性，35岁以下。"} if held else {}))
            record = created(app_client.post("/v1/opportunities", json=body, headers=owner))
            record_id = record["id"]
            versions[route.path.replace("{id}", str(record_id))] = record["version"]
        return route.path.replace("{id}", str(record_id))

    outcomes, violations = walk(app_client, ROUTES, prepare=prepare)
    for outcome in outcomes:
        if outcome.status == 403 and outcome.route.method in ("PATCH", "DELETE"):
            path = outcome.response.request.url.path
            stored = app_client.get(path, headers=bearer("operator", "op-check"))
            if stored.status_code != 200 or stored.json()["version"] != versions[path]:
                violations.append(f"{outcome.route.method} as {outcome.role}: refused, but {path} changed")
    print(f"{len(outcomes)} cells walked, {len(violations)} violations")
    assert len(outcomes) == sum(len(r.targets) for r in ROUTES) * 4
    assert violations == []


def test_every_route_needs_a_valid_token_but_the_probes_do_not(app_client: TestClient) -> None:
    assert unauthenticated_violations(app_client, ROUTES) == []
    for probe in ("/healthz", "/readyz", "/metrics"):
        assert app_client.get(probe).status_code == 200, probe


def test_owner_comes_from_the_token_and_clients_cannot_set_record_fields(app_client: TestClient) -> None:
    ent = bearer("enterprise", "ent-acme", org=POSTING_ORG)
    posting = created(app_client.post("/v1/opportunities", json=factories.job_posting(), headers=ent))
    need = created(app_client.post("/v1/training-needs", json=factories.training_need(enterprise=POSTING_ORG),
                                   headers=ent))
    assert posting["owner"] == "ent-acme"
    assert need["need"]["owner"] == need["training_class"]["owner"] == "ent-acme"
    url = f"/v1/opportunities/{posting['id']}"
    for field, value in (("owner", "ent-thief"), ("id", 99), ("version", 9), ("created_at", "2020-01-01T00:00:00Z"),
                         ("updated_at", "2020-01-01T00:00:00Z")):
        sent = app_client.post("/v1/opportunities", json=factories.job_posting(**{field: value}), headers=ent)
        assert sent.status_code == 422 and field in str(sent.json()["detail"][0]["loc"]), sent.text
        patched = app_client.patch(url, json={field: value}, headers=ent)
        assert patched.status_code == 422 and field in str(patched.json()["detail"][0]["loc"]), patched.text
        need_sent = app_client.post("/v1/training-needs", json=factories.training_need(**{field: value}), headers=ent)
        assert need_sent.status_code == 422, need_sent.text
    assert app_client.get(url, headers=ent).json() == posting


def test_the_training_class_of_a_need_belongs_to_its_enterprise(app_client: TestClient) -> None:
    need = created(app_client.post("/v1/training-needs", json=factories.training_need(),
                                   headers=bearer("enterprise", "ent-a", org=NEED_ORG)))
    class_url = f"/v1/opportunities/{need['training_class']['id']}"
    assert app_client.patch(class_url, json={"seats": 20}, headers=bearer("enterprise", "ent-b")).status_code == 403
    assert app_client.patch(class_url, json={"seats": 20}, headers=bearer("enterprise", "ent-a")).status_code == 200


def test_a_refused_or_unknown_record_is_checked_before_the_version(app_client: TestClient) -> None:
    posting = created(app_client.post("/v1/opportunities", json=factories.job_posting(),
                                      headers=bearer("enterprise", "ent-v", org=POSTING_ORG)))
    other = {**bearer("enterprise", "ent-w"), "If-Match": "7"}
    url = f"/v1/opportunities/{posting['id']}"
    assert app_client.patch(url, json={"openings": 2}, headers=other).status_code == 403
    assert app_client.patch("/v1/opportunities/99999", json={"openings": 2}, headers=other).status_code == 404
    assert app_client.get("/v1/training-needs/99999", headers=bearer("seeker", "seeker-x")).status_code == 403
    assert app_client.get("/v1/training-needs/99999", headers=bearer("service", "svc-x")).status_code == 404


def test_an_enterprise_posts_only_under_its_own_organization(app_client: TestClient) -> None:
    """An enterprise account is bound to one organization (its token's ``org``): it cannot post, move a
    posting, or open a training need under another one, and an account bound to none cannot post."""
    ours = bearer("enterprise", "ent-org", org=POSTING_ORG)
    unbound = bearer("enterprise", "ent-unbound")
    for headers, body, field in ((unbound, factories.job_posting(), "organization"),
                                 (ours, factories.job_posting(organization="别家科技有限公司"), "organization"),
                                 (ours, factories.training_class(), "organization"),
                                 (unbound, factories.training_need(enterprise=POSTING_ORG), "organization"),
                                 (ours, factories.training_need(), "enterprise")):
        path = "/v1/training-needs" if "enterprise" in body else "/v1/opportunities"
        refused = app_client.post(path, json=body, headers=headers)
        assert refused.status_code == 403 and refused.json()["detail"][0]["loc"] == ["body", field], refused.text
    posting = created(app_client.post("/v1/opportunities", json=factories.job_posting(), headers=ours))
    url = f"/v1/opportunities/{posting['id']}"
    moved = app_client.patch(url, json={"organization": "别家科技有限公司"}, headers=ours)
    assert moved.status_code == 403 and moved.json()["detail"][0]["loc"] == ["body", "organization"]
    assert app_client.patch(url, json={"openings": 9}, headers=ours).status_code == 200
    listed = app_client.get("/v1/opportunities", params={"organization": "别家"}, headers=ours).json()
    assert listed["total"] == 0, "nothing was stored under the other organization"
