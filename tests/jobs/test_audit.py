"""The audit log of the jobs service: one row per change, in the change's transaction, no content."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from services.jobs.models import AuditEntry
from shared.db import make_engine
from tests.auth import bearer
from tests.jobs import factories
from tests.jobs.helpers import created

OPERATOR = bearer("operator", "op-audit")


def _log(client: TestClient, **params: Any) -> list[tuple[Any, ...]]:
    response = client.get("/v1/admin/audit", params=params, headers=OPERATOR)
    assert response.status_code == 200, response.text
    return [(r["action"], r["actor"], r["role"], r["record_type"], r["record_id"]) for r in response.json()["items"]]


def test_each_change_writes_one_row_and_failures_none(client: TestClient, database_url: str) -> None:
    organization = factories.job_posting()["organization"]
    ent = bearer("enterprise", "ent-audit", org=organization)
    posting = created(client.post("/v1/opportunities", json=factories.job_posting(), headers=ent))
    url = f"/v1/opportunities/{posting['id']}"
    assert client.patch(url, json={"openings": 5}, headers=ent).status_code == 200
    assert client.patch(url, json={"openings": 5}, headers=ent).status_code == 200  # no change
    assert client.patch(url, json={"salary_min": 90000}, headers=ent).status_code == 422
    rival = bearer("enterprise", "ent-other", org=organization)
    assert client.patch(url, json={"openings": 6}, headers=rival).status_code == 403
    need = created(client.post("/v1/training-needs", json=factories.training_need(enterprise=organization),
                               headers=ent))
    assert client.post("/v1/admin/republish", headers=bearer("service", "svc-stack")).status_code == 202
    assert client.delete(url, headers=OPERATOR).status_code == 204

    class_id, need_id = need["training_class"]["id"], need["need"]["id"]
    assert _log(client) == [
        ("delete", "op-audit", "operator", "opportunity", posting["id"]),
        ("republish", "svc-stack", "service", "application", None),  # every status change, after the records
        ("republish", "svc-stack", "service", "opportunity", None),
        ("create", "ent-audit", "enterprise", "training_need", need_id),
        ("create", "ent-audit", "enterprise", "opportunity", class_id),
        ("update", "ent-audit", "enterprise", "opportunity", posting["id"]),
        ("create", "ent-audit", "enterprise", "opportunity", posting["id"]),
    ]
    assert _log(client, record_type="training_need") == [("create", "ent-audit", "enterprise", "training_need",
                                                          need_id)]
    assert len(_log(client, record_id=posting["id"], record_type="opportunity")) == 3
    assert len(_log(client, actor="svc-stack")) == 2 and len(_log(client, limit=2)) == 2
    assert client.get("/v1/admin/audit", params={"limit": 501}, headers=OPERATOR).status_code == 422

    engine = make_engine(database_url)
    with engine.connect() as conn:
        stored = " ".join(str(v) for row in conn.execute(select(AuditEntry.__table__)).all() for v in row)
    engine.dispose()
    for content in ("大数据开发工程师", "杭州", "Flink", "杭州智算人工智能科技有限公司"):
        assert content not in stored
