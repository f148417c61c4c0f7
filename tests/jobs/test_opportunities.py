"""The opportunities API against a real database: each kind's life cycle, filters and refusals."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.jobs import factories
from tests.jobs.helpers import assert_refused, created


@pytest.mark.parametrize("kind", list(factories.FACTORIES))
def test_each_kind_is_created_read_updated_listed_and_deleted(client: TestClient, kind: str) -> None:
    body = factories.FACTORIES[kind]()
    opportunity = created(client.post("/v1/opportunities", json=body))
    assert opportunity["kind"] == kind
    assert opportunity["version"] == 1
    assert opportunity["city"] == "杭州市"  # "杭州" and "杭州市余杭区" are normalized
    assert {k: opportunity[k] for k in body if k != "city"} == {k: v for k, v in body.items() if k != "city"}
    url = f"/v1/opportunities/{opportunity['id']}"

    read = client.get(url)
    assert read.status_code == 200
    assert read.json() == opportunity
    assert read.headers["ETag"] == '"1"'

    change = {**factories.UPDATES[kind], "description": "更新：报名通道已开放。"}
    updated = client.patch(url, json=change)
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == 2
    assert updated.json() == {**opportunity, **change, "version": 2,
                              "updated_at": updated.json()["updated_at"]}
    assert client.get(url).json() == updated.json()

    listed = client.get("/v1/opportunities", params={"kind": kind}).json()
    assert [item["id"] for item in listed["items"]] == [opportunity["id"]]
    assert listed["total"] == 1

    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 404
    assert client.get("/v1/opportunities").json()["total"] == 0


def _titles(client: TestClient, **params: Any) -> list[str]:
    response = client.get("/v1/opportunities", params=params)
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


def test_list_filters_and_pages(client: TestClient) -> None:
    bodies = [
        factories.job_posting(title="大数据开发工程师"),
        factories.job_posting(title="云计算运维工程师", city="上海", organization="上海云轴信息科技有限公司"),
        factories.job_posting(title="人工智能训练师", open=False),
        factories.training_class(title="工业互联网平台运维订单班"),
        factories.training_class(title="数据标注定向班", training_mode="directed", hiring_commitment=False,
                                 committed_hires=0, city="深圳"),
        factories.incubator_program(),
        factories.industrial_park(),
    ]
    for body in bodies:
        created(client.post("/v1/opportunities", json=body))

    assert _titles(client, kind="job_posting") == ["大数据开发工程师", "云计算运维工程师", "人工智能训练师"]
    assert _titles(client, city="hangzhou", kind="job_posting") == ["大数据开发工程师", "人工智能训练师"]
    assert _titles(client, training_mode="order_based") == ["工业互联网平台运维订单班"]
    assert _titles(client, training_mode="directed", city="深圳市") == ["数据标注定向班"]
    assert _titles(client, organization="云轴") == ["云计算运维工程师"]
    assert _titles(client, open="false") == ["人工智能训练师"]
    assert len(_titles(client, open="true")) == 6

    page = client.get("/v1/opportunities", params={"offset": 2, "limit": 3}).json()
    assert (page["total"], page["offset"], page["limit"]) == (7, 2, 3)
    assert [item["title"] for item in page["items"]] == [b["title"] for b in bodies[2:5]]

    assert_refused(client.get("/v1/opportunities", params={"limit": 101}), 422, "limit")
    assert_refused(client.get("/v1/opportunities", params={"city": "亚特兰蒂斯"}), 422, "city")
    assert_refused(client.get("/v1/opportunities", params={"kind": "hackathon"}), 422, "kind")
    assert_refused(client.get("/v1/opportunities", params={"salary": 1}), 422, "salary")


REFUSED_CREATES: list[tuple[str, dict[str, Any], str]] = [
    ("salary min over max", factories.job_posting(salary_min=30000, salary_max=20000), "salary_max"),
    ("order-based without commitment", factories.training_class(hiring_commitment=False, committed_hires=0),
     "hiring_commitment"),
    ("bad occupation code", factories.job_posting(occupation_code="9-99-99-99"), "occupation_code"),
    ("bad target occupation", factories.training_class(target_occupations=["2-02-38-06", "2-02-38-99"]),
     "target_occupations"),
    ("unknown city", factories.job_posting(city="亚特兰蒂斯"), "city"),
    ("unknown field", factories.job_posting(salary=20000), "salary"),
    ("field of another kind", factories.incubator_program(seats=30), "seats"),
    ("id in body", factories.industrial_park(id=7), "id"),
    ("version in body", factories.industrial_park(version=3), "version"),
    ("ends before it starts", factories.training_class(ends_on="2020-01-01"), "ends_on"),
    ("more committed hires than seats", factories.training_class(committed_hires=41), "committed_hires"),
    ("no training mode", factories.training_class(training_mode=None), "training_mode"),
    ("empty title", factories.job_posting(title=""), "title"),
    ("too many skills", factories.job_posting(skills=[f"技能{i}" for i in range(51)]), "skills"),
    ("no openings", factories.job_posting(openings=0), "openings"),
    ("negative salary", factories.job_posting(salary_min=-1), "salary_min"),
]


def test_invalid_creates_are_refused_naming_the_field(client: TestClient, subtests: pytest.Subtests) -> None:
    for case, body, field in REFUSED_CREATES:
        with subtests.test(case):
            assert_refused(client.post("/v1/opportunities", json=body), 422, field)
    unknown_kind = client.post("/v1/opportunities", json=factories.job_posting(kind="hackathon"))
    assert unknown_kind.status_code == 422 and "kind" in unknown_kind.text
    assert client.get("/v1/opportunities").json()["total"] == 0


def test_refused_updates_change_nothing(client: TestClient) -> None:
    opportunity = created(client.post("/v1/opportunities", json=factories.training_class()))
    url = f"/v1/opportunities/{opportunity['id']}"

    assert_refused(client.patch(url, json={"salary_min": 8000}), 422, "salary_min")
    assert_refused(client.patch(url, json={"kind": "job_posting"}), 409, "kind")
    assert_refused(client.patch(url, json={"id": 99}), 422, "id")
    assert_refused(client.patch(url, json={"created_at": "2024-01-01T00:00:00Z"}), 422, "created_at")
    assert_refused(client.patch(url, json={"seats": 20}), 422, "committed_hires")
    assert_refused(client.patch(url, json={"hiring_commitment": False}), 422, "hiring_commitment")
    assert_refused(client.patch(url, json={"city": "亚特兰蒂斯"}), 422, "city")
    assert_refused(client.patch(url, json={"title": None}), 422, "title")
    assert_refused(client.patch(url, json={"target_occupations": ["bogus"]}), 422, "target_occupations")
    assert client.patch(url, json={"seats": 60}, headers={"If-Match": '"7"'}).status_code == 409
    assert_refused(client.patch(url, json={"seats": 60}, headers={"If-Match": "latest"}), 422, "if-match")
    assert client.delete(url, headers={"If-Match": "2"}).status_code == 409
    assert client.get(url).json() == opportunity

    same = client.patch(url, json={"kind": "training_class", "seats": 40})
    assert same.status_code == 200 and same.json() == opportunity  # nothing changed: still version 1

    updated = client.patch(url, json={"seats": 60}, headers={"If-Match": '"1"'})
    assert updated.status_code == 200, updated.text
    assert (updated.json()["version"], updated.json()["seats"]) == (2, 60)
    assert updated.headers["ETag"] == '"2"'

    to_custom = {"training_mode": "custom", "hiring_commitment": False, "committed_hires": 0}
    custom = client.patch(url, json=to_custom, headers={"If-Match": 'W/"2"'})
    assert custom.status_code == 200, custom.text
    assert (custom.json()["version"], custom.json()["hiring_commitment"]) == (3, False)
    assert client.delete(url, headers={"If-Match": '"3"'}).status_code == 204


def test_unknown_ids_are_not_found(client: TestClient) -> None:
    assert client.get("/v1/opportunities/4242").status_code == 404
    assert client.patch("/v1/opportunities/4242", json={"title": "新标题"}).status_code == 404
    assert client.delete("/v1/opportunities/4242").status_code == 404
    assert client.get("/v1/training-needs/4242").status_code == 404
    assert client.get("/v1/opportunities/0").status_code == 422


def test_oversized_body_is_refused(client: TestClient) -> None:
    response = client.post("/v1/opportunities", json=factories.job_posting(description="数" * 200_000))
    assert response.status_code == 413
    assert client.get("/v1/opportunities").json()["total"] == 0


def test_probes(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"
    assert ready.json()["outbox_pending"] >= 0


def test_concurrent_updates_never_share_a_version(client: TestClient) -> None:
    opportunity = created(client.post("/v1/opportunities", json=factories.job_posting()))
    url = f"/v1/opportunities/{opportunity['id']}"

    def patch(openings: int) -> tuple[int, int | None]:
        response = client.patch(url, json={"openings": openings})
        return response.status_code, response.json().get("version")

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(patch, range(10, 28)))  # all differ from the stored 3
    # SQLite may refuse a racing writer (409); no write is lost and no version is used twice
    assert {code for code, _ in results} <= {200, 409}
    versions = sorted(version for code, version in results if code == 200 and version is not None)
    assert versions == list(range(2, 2 + len(versions)))
    assert client.get(url).json()["version"] == 1 + len(versions)


def test_an_offset_past_the_integer_range_is_refused_not_a_server_error(client: TestClient) -> None:
    response = client.get("/v1/opportunities", params={"offset": 2**63})  # found by the fuzz test
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "offset"
