"""The HTTP API: CRUD, validation, pagination and filters, conflicts, limits."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from talentmatch.demo.generate import DemoGenerator
from tests.profiles.helpers import CONTACT, profile_body


def _create(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/v1/profiles", json=profile_body(**overrides))
    assert response.status_code == 201, response.text
    return dict(response.json())


def _error_locs(response: Any) -> list[list[Any]]:
    return [error["loc"] for error in response.json()["detail"]]


def test_create_then_read(client: TestClient) -> None:
    response = client.post("/v1/profiles", json=profile_body(
        desired_cities=["上海", "上海市", "hangzhou"], skills=[" Python ", "python", "机器学习"],
    ))
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/v1/profiles/{created['id']}"
    assert response.headers["etag"] == '"1"'
    assert created["version"] == 1
    assert created["city"] == "杭州市"
    assert created["desired_cities"] == ["上海市", "杭州市"]
    assert created["skills"] == ["Python", "机器学习"]
    assert created["certificates"] == [{"name": "数字技术工程师", "level": "intermediate"}]
    assert {k: created[k] for k in CONTACT} == CONTACT
    assert datetime.fromisoformat(created["created_at"]).tzinfo is not None

    fetched = client.get(f"/v1/profiles/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == created


def test_minimal_profile_gets_defaults(client: TestClient) -> None:
    created = client.post("/v1/profiles", json={"display_name": "Alex Chen", "city": "Shenzhen"}).json()
    assert created["city"] == "深圳市"
    assert created["phone"] is None and created["skills"] == [] and created["open_to_work"] is True
    assert created["years_experience"] == 0


def test_patch_changes_only_the_fields_sent(client: TestClient) -> None:
    created = _create(client)
    url = f"/v1/profiles/{created['id']}"

    response = client.patch(url, json={"skills": ["Go", "Kubernetes"], "phone": None, "city": "北京"})
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["version"] == 2 and response.headers["etag"] == '"2"'
    assert patched["skills"] == ["Go", "Kubernetes"] and patched["phone"] is None
    assert patched["city"] == "北京市"
    assert patched["email"] == created["email"] and patched["display_name"] == created["display_name"]
    assert patched["updated_at"] > created["updated_at"]

    unchanged = client.patch(url, json={"skills": ["Go", "Kubernetes"]})
    assert unchanged.json()["version"] == 2, "a patch that changes nothing keeps the version"
    assert client.patch(url, json={}).json()["version"] == 2


def test_patch_null_for_a_required_field_is_422(client: TestClient) -> None:
    created = _create(client)
    for field in ("city", "display_name", "skills", "open_to_work"):
        response = client.patch(f"/v1/profiles/{created['id']}", json={field: None})
        assert response.status_code == 422, field
        assert ["body", field] in _error_locs(response)


def test_if_match_guards_against_lost_updates(client: TestClient) -> None:
    created = _create(client)
    url = f"/v1/profiles/{created['id']}"
    assert client.patch(url, json={"years_experience": 4}, headers={"If-Match": '"1"'}).status_code == 200

    stale = client.patch(url, json={"years_experience": 5}, headers={"If-Match": "1"})
    assert stale.status_code == 409
    assert "version 2" in stale.json()["detail"][0]["msg"]
    assert client.delete(url, headers={"If-Match": "1"}).status_code == 409
    assert client.patch(url, json={"years_experience": 5}, headers={"If-Match": "abc"}).status_code == 422

    assert client.patch(url, json={"years_experience": 5}, headers={"If-Match": "2"}).json()["version"] == 3
    assert client.get(url).json()["years_experience"] == 5


def test_delete(client: TestClient) -> None:
    created = _create(client)
    url = f"/v1/profiles/{created['id']}"
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 404
    assert client.patch(url, json={"years_experience": 1}).status_code == 404
    again = _create(client)
    assert again["id"] > created["id"], "ids of deleted profiles are not reused"


def test_unknown_profile_is_404_and_bad_ids_are_422(client: TestClient) -> None:
    response = client.get("/v1/profiles/999999")
    assert response.status_code == 404
    assert response.json()["detail"][0]["type"] == "NotFoundError"
    assert client.get("/v1/profiles/0").status_code == 422
    assert client.get(f"/v1/profiles/{2**63}").status_code == 422
    assert client.get("/v1/profiles/abc").status_code == 422


def test_validation_errors_name_the_field(client: TestClient) -> None:
    cases: list[tuple[dict[str, Any], list[Any]]] = [
        ({"city": "Atlantis"}, ["body", "city"]),
        ({"city": None}, ["body", "city"]),
        ({"desired_cities": ["杭州", "Gotham"]}, ["body", "desired_cities", 1]),
        ({"desired_cities": ["杭州"] * 11}, ["body", "desired_cities"]),
        ({"phone": "12812345678"}, ["body", "phone"]),
        ({"phone": "１３８１２３４５６７８"}, ["body", "phone"]),  # full-width digits
        ({"email": "not-an-email"}, ["body", "email"]),
        ({"id_number": "33010619900307123"}, ["body", "id_number"]),
        ({"display_name": ""}, ["body", "display_name"]),
        ({"display_name": "x" * 61}, ["body", "display_name"]),
        ({"skills": ["x" * 51]}, ["body", "skills", 0]),
        ({"skills": [f"s{i}" for i in range(51)]}, ["body", "skills"]),
        ({"skills_text": "技" * 4001}, ["body", "skills_text"]),
        ({"years_experience": 61}, ["body", "years_experience"]),
        ({"education": "kindergarten"}, ["body", "education"]),
        ({"certificates": [{"name": "x" * 121}]}, ["body", "certificates", 0, "name"]),
        ({"wanted_kinds": ["space_station"]}, ["body", "wanted_kinds", 0]),
        ({"nickname": "Min"}, ["body", "nickname"]),
        ({"id": 5}, ["body", "id"]),
        ({"version": 7}, ["body", "version"]),
    ]
    for overrides, loc in cases:
        response = client.post("/v1/profiles", json=profile_body(**overrides))
        assert response.status_code == 422, (overrides, response.text)
        assert loc in _error_locs(response), (overrides, response.text)
    assert client.get("/v1/profiles").json()["total"] == 0


def test_body_over_the_limit_is_413(client: TestClient) -> None:
    response = client.post("/v1/profiles", json=profile_body(skills_text="x" * 300_000))
    assert response.status_code == 413
    assert client.get("/v1/profiles").json()["total"] == 0


def test_chunked_body_is_limited_too(client: TestClient) -> None:
    """Without a Content-Length the body is read up to the limit; one within it is parsed as usual."""

    def chunks(body: bytes) -> Iterator[bytes]:
        for start in range(0, len(body), 16_384):
            yield body[start:start + 16_384]

    headers = {"Content-Type": "application/json"}
    huge = json.dumps(profile_body(skills_text="x" * 300_000)).encode()
    assert client.post("/v1/profiles", content=chunks(huge), headers=headers).status_code == 413
    assert client.get("/v1/profiles").json()["total"] == 0
    fine = json.dumps(profile_body()).encode()
    assert client.post("/v1/profiles", content=chunks(fine), headers=headers).status_code == 201


def test_failed_requests_change_nothing(client: TestClient, outbox_size: Callable[[], int]) -> None:
    created = _create(client)
    url = f"/v1/profiles/{created['id']}"
    events_before = outbox_size()

    assert client.patch(url, json={"display_name": "新名字", "city": "Atlantis"}).status_code == 422
    assert client.patch(url, json={"display_name": "新名字", "version": 9}).status_code == 422
    assert client.patch(url, json={"display_name": "新名字"}, headers={"If-Match": "7"}).status_code == 409
    assert client.delete(url, headers={"If-Match": "7"}).status_code == 409

    assert client.get(url).json() == created
    assert outbox_size() == events_before


def test_list_pages_in_id_order(client: TestClient) -> None:
    ids = [_create(client, display_name=f"候选人{i}")["id"] for i in range(5)]
    first = client.get("/v1/profiles", params={"limit": 2}).json()
    assert [p["id"] for p in first["items"]] == ids[:2]
    assert (first["total"], first["offset"], first["limit"]) == (5, 0, 2)
    last = client.get("/v1/profiles", params={"offset": 4, "limit": 2}).json()
    assert [p["id"] for p in last["items"]] == ids[4:]
    assert client.get("/v1/profiles", params={"offset": 10}).json()["items"] == []
    assert client.get("/v1/profiles").json()["limit"] == 20


def test_list_filters(client: TestClient) -> None:
    hangzhou = _create(client, city="杭州", skills=["Python", "Spark"], wanted_kinds=["job_posting"])
    shanghai = _create(client, city="上海", skills=["机器学习"], wanted_kinds=["training_class"])
    idle = _create(client, city="杭州市", skills=["Go"], open_to_work=False, wanted_kinds=[])

    def ids(**params: Any) -> list[int]:
        response = client.get("/v1/profiles", params=params)
        assert response.status_code == 200, response.text
        assert response.json()["total"] == len(response.json()["items"])
        return [p["id"] for p in response.json()["items"]]

    assert ids(city="hangzhou") == [hangzhou["id"], idle["id"]]
    assert ids(city="杭州市", open_to_work=True) == [hangzhou["id"]]
    assert ids(open_to_work=False) == [idle["id"]]
    assert ids(skill="python") == [hangzhou["id"]]
    assert ids(skill="机器学习") == [shanghai["id"]]
    assert ids(skill="Rust") == []
    assert ids(wanted_kind="training_class") == [shanghai["id"]]
    assert ids(city="上海", wanted_kind="job_posting") == []


def test_list_rejects_bad_queries(client: TestClient) -> None:
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"limit": 101}, ["query", "limit"]),
        ({"limit": 0}, ["query", "limit"]),
        ({"offset": -1}, ["query", "offset"]),
        ({"city": "Atlantis"}, ["query", "city"]),
        ({"wanted_kind": "space_station"}, ["query", "wanted_kind"]),
        ({"citi": "杭州"}, ["query", "citi"]),
    ]
    for params, loc in cases:
        response = client.get("/v1/profiles", params=params)
        assert response.status_code == 422, params
        assert loc in _error_locs(response), (params, response.text)


def test_demo_data_is_accepted(client: TestClient) -> None:
    for body in DemoGenerator(seed=7).profiles(25):
        response = client.post("/v1/profiles", json=body)
        assert response.status_code == 201, response.text
    assert client.get("/v1/profiles").json()["total"] == 25


def test_health_and_openapi(client: TestClient) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok" and isinstance(ready.json()["outbox_pending"], int)
    assert client.get("/healthz").json() == {"status": "ok"}
    paths = client.get("/openapi.json").json()["paths"]
    assert paths["/v1/profiles"]["post"]["description"] == (
        "Create the calling seeker's profile at version 1 (one per account: 409 for a second).")
    for operation in (paths["/v1/profiles"]["post"], paths["/v1/profiles/{profile_id}"]["get"]):
        assert {"401", "403", "429"} <= set(operation["responses"]), operation["responses"]
        assert operation["security"] == [{"bearer": []}]
    read = paths["/v1/profiles/{profile_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert {ref["$ref"].rsplit("/", 1)[1] for ref in read["anyOf"]} == {"ProfilePublic", "ProfileCard"}
    assert set(paths["/v1/profiles/{profile_id}"]) == {"get", "patch", "delete"}


def test_concurrent_patches_never_share_a_version(client: TestClient) -> None:
    created = _create(client)
    url = f"/v1/profiles/{created['id']}"

    def patch(years: int) -> Any:
        return client.patch(url, json={"years_experience": years})

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(patch, range(10, 26)))
    assert {r.status_code for r in responses} <= {200, 409}
    versions = [r.json()["version"] for r in responses if r.status_code == 200]
    assert len(versions) == len(set(versions)), "two writes got the same version"
    assert client.get(url).json()["version"] == 1 + len(versions)
