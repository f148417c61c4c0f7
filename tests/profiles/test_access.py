"""Access control of the profiles service: every route × role × owner cell of ``docs/security.md``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.profiles.main import create_app
from services.profiles.settings import ProfilesSettings
from shared.auth import Role
from tests.access_matrix import Route, Target, unauthenticated_violations, walk, yes_for
from tests.auth import bearer
from tests.profiles.helpers import CONTACT, profile_body

CONTACT_FIELDS = {"phone", "email", "id_number"}


def _get_expected(role: Role, target: Target) -> int:
    """Another seeker's profile, and for an enterprise one not open to work, are answered like an unknown
    id (404): whether it exists is not disclosed."""
    if role == "seeker":
        return 200 if target == "own" else 404
    if role == "enterprise":  # "own" is a profile open to work here, "other" one that is not
        return 200 if target == "own" else 404
    return 200


def _change_expected(ok: int, *, operator: bool = False) -> Callable[[Role, Target], int]:
    def expected(role: Role, target: Target) -> int:
        if role == "seeker":
            return ok if target == "own" else 404
        return ok if operator and role == "operator" else 403
    return expected


def _create_expected(role: Role, target: Target) -> int:
    if role != "seeker":
        return 403
    return 409 if target == "own" else 201  # "own": the caller already has a profile


ROUTES = [
    Route("POST", "/v1/profiles", ("-", "own"), _create_expected, body=profile_body),
    Route("GET", "/v1/profiles", ("-",), yes_for("operator", "service")),
    Route("GET", "/v1/profiles/{id}", ("own", "other"), _get_expected),
    Route("PATCH", "/v1/profiles/{id}", ("own", "other"), _change_expected(200), body=lambda: {"years_experience": 7}),
    Route("DELETE", "/v1/profiles/{id}", ("own", "other"), _change_expected(204, operator=True)),
    Route("POST", "/v1/admin/republish", ("-",), yes_for("operator", "service", status=202)),
    Route("GET", "/v1/admin/audit", ("-",), yes_for("operator")),
]


@pytest.fixture
def app_client(settings: ProfilesSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def _create(client: TestClient, subject: str, **overrides: Any) -> dict[str, Any]:
    response = client.post("/v1/profiles", json=profile_body(**overrides), headers=bearer("seeker", subject))
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_every_cell_of_the_matrix(app_client: TestClient) -> None:
    created: dict[tuple[str, str, Role, Target], dict[str, Any]] = {}

    def prepare(route: Route, role: Role, target: Target, caller: str) -> str:
        if route.path == "/v1/profiles" and target == "own":
            _create(app_client, caller)
        if "{id}" not in route.path:
            return route.path
        if role == "seeker":
            owner = caller if target == "own" else f"{caller}-neighbour"
            profile = _create(app_client, owner)
        else:  # for an enterprise, "own" is a profile open to work
            profile = _create(app_client, f"{caller}-seeker", open_to_work=target == "own")
        created[(route.method, route.path, role, target)] = profile
        return route.path.replace("{id}", str(profile["id"]))

    outcomes, violations = walk(app_client, ROUTES, prepare=prepare)
    operator = bearer("operator", "op-check")
    for outcome in outcomes:
        cell = (outcome.route.method, outcome.route.path, outcome.role, outcome.target)
        if outcome.status == 200 and outcome.route.method == "GET" and outcome.route.path.endswith("{id}"):
            shows_contact = set(outcome.response.json()) >= CONTACT_FIELDS
            if shows_contact != (outcome.role == "operator" or outcome.role == "seeker"):
                violations.append(f"{cell}: contact fields shown: {shows_contact}")
        if outcome.status in (403, 404) and cell in created:  # a refused write changed nothing
            stored = app_client.get(f"/v1/profiles/{created[cell]['id']}", headers=operator)
            if stored.status_code != 200 or stored.json()["version"] != 1:
                violations.append(f"{cell}: refused, but the profile changed: {stored.text[:200]}")
    print(f"{len(outcomes)} cells walked, {len(violations)} violations")
    assert len(outcomes) == sum(len(r.targets) for r in ROUTES) * 4
    assert violations == []


def test_every_route_needs_a_valid_token_but_the_probes_do_not(app_client: TestClient) -> None:
    assert unauthenticated_violations(app_client, ROUTES) == []
    for probe in ("/healthz", "/readyz", "/metrics"):
        assert app_client.get(probe).status_code == 200, probe


def test_list_shows_contact_fields_to_operators_only(app_client: TestClient) -> None:
    _create(app_client, "seeker-list")
    as_operator = app_client.get("/v1/profiles", headers=bearer("operator", "op-1")).json()["items"]
    as_service = app_client.get("/v1/profiles", headers=bearer("service", "svc-1")).json()["items"]
    assert {k: as_operator[0][k] for k in CONTACT} == CONTACT and as_operator[0]["owner"] == "seeker-list"
    assert not (CONTACT_FIELDS | {"owner"}) & set(as_service[0])
    assert as_service[0]["display_name"] == as_operator[0]["display_name"]


def test_owner_comes_from_the_token_and_clients_cannot_set_record_fields(app_client: TestClient) -> None:
    profile = _create(app_client, "seeker-own")
    assert profile["owner"] == "seeker-own"
    url = f"/v1/profiles/{profile['id']}"
    as_owner = bearer("seeker", "seeker-own")
    for field, value in (("owner", "seeker-thief"), ("id", 99), ("version", 9), ("created_at", "2020-01-01T00:00:00Z"),
                         ("updated_at", "2020-01-01T00:00:00Z")):
        sent = app_client.post("/v1/profiles", json=profile_body(**{field: value}),
                               headers=bearer("seeker", f"seeker-new-{field}"))
        assert sent.status_code == 422 and sent.json()["detail"][0]["loc"] == ["body", field], sent.text
        patched = app_client.patch(url, json={field: value}, headers=as_owner)
        assert patched.status_code == 422 and patched.json()["detail"][0]["loc"] == ["body", field], patched.text
    assert app_client.get(url, headers=as_owner).json() == profile


def test_a_refused_or_unknown_record_is_checked_before_the_version(app_client: TestClient) -> None:
    profile = _create(app_client, "seeker-v")
    url = f"/v1/profiles/{profile['id']}"
    other = bearer("seeker", "seeker-w")
    refused = app_client.patch(url, json={"years_experience": 1}, headers={**other, "If-Match": "7"})
    unknown = app_client.patch("/v1/profiles/999999", json={"years_experience": 1}, headers={**other, "If-Match": "7"})
    assert refused.status_code == unknown.status_code == 404
    assert app_client.get("/v1/profiles/999999", headers=other).status_code == 404
    assert app_client.delete("/v1/profiles/999999", headers=bearer("operator", "op-1")).status_code == 404


def test_a_second_profile_of_one_account_is_409_even_when_racing(app_client: TestClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def create(_: int) -> int:
        return app_client.post("/v1/profiles", json=profile_body(),
                               headers=bearer("seeker", "seeker-race")).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = sorted(pool.map(create, range(6)))
    assert statuses == [201, 409, 409, 409, 409, 409]


def test_requests_over_the_rate_limit_are_429(settings: ProfilesSettings) -> None:
    limited = settings.model_copy(update={"rate_limit_per_minute": 3})
    with TestClient(create_app(limited)) as client:
        operator = bearer("operator", "op-busy")
        statuses = [client.get("/v1/profiles", headers=operator).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = client.get("/v1/profiles", headers=operator)
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json()["detail"][0]["type"] == "TooManyRequestsError"
        assert client.get("/v1/profiles", headers=bearer("operator", "op-idle")).status_code == 200, "per identity"


def test_another_seekers_profile_is_answered_like_an_unknown_one(app_client: TestClient) -> None:
    """No existence leak: status and body are the same for another seeker's profile and for an unknown id."""
    profile = _create(app_client, "seeker-hidden")
    last = app_client.get("/v1/profiles/999999", headers=bearer("operator", "op-1"))
    assert last.status_code == 404
    prober = bearer("seeker", "seeker-prober")
    for method in ("GET", "PATCH", "DELETE"):
        body = {"years_experience": 2} if method == "PATCH" else None
        hidden = app_client.request(method, f"/v1/profiles/{profile['id']}", json=body, headers=prober)
        unknown = app_client.request(method, "/v1/profiles/999999", json=body, headers=prober)
        assert hidden.status_code == unknown.status_code == 404, method
        assert hidden.json()["detail"][0]["msg"].replace(str(profile["id"]), "N") == \
            unknown.json()["detail"][0]["msg"].replace("999999", "N")
