"""The audit log: one row per change, in the change's transaction, naming who and what but no content."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from services.profiles.models import AuditEntry
from shared.db import make_engine
from tests.auth import bearer
from tests.profiles.helpers import CONTACT, profile_body

OPERATOR = bearer("operator", "op-audit")


def _log(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/admin/audit", params=params, headers=OPERATOR)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_each_change_writes_one_row_and_failures_none(client: TestClient) -> None:
    seeker = bearer("seeker", "seeker-audit")
    profile = client.post("/v1/profiles", json=profile_body(), headers=seeker).json()
    url = f"/v1/profiles/{profile['id']}"
    assert client.patch(url, json={"years_experience": 9}, headers=seeker).status_code == 200
    assert client.patch(url, json={"years_experience": 9}, headers=seeker).status_code == 200  # no change
    assert client.patch(url, json={"years_experience": 1}, headers={**seeker, "If-Match": "7"}).status_code == 409
    assert client.patch(url, json={"years_experience": 1},
                        headers=bearer("seeker", "seeker-intruder")).status_code == 404  # not disclosed
    assert client.post("/v1/profiles", json=profile_body(), headers=seeker).status_code == 409
    assert client.post("/v1/admin/republish", headers=bearer("service", "svc-stack")).status_code == 202
    assert client.delete(url, headers=OPERATOR).status_code == 204

    rows = _log(client)
    assert [(r["action"], r["actor"], r["role"], r["record_type"], r["record_id"]) for r in rows] == [
        ("delete", "op-audit", "operator", "profile", profile["id"]),
        ("republish", "svc-stack", "service", "profile", None),
        ("update", "seeker-audit", "seeker", "profile", profile["id"]),
        ("create", "seeker-audit", "seeker", "profile", profile["id"]),
    ]
    assert rows[0]["at"] >= rows[-1]["at"]


def test_filters_and_limits(client: TestClient) -> None:
    ids = [client.post("/v1/profiles", json=profile_body(), headers=bearer("seeker", f"seeker-f{n}")).json()["id"]
           for n in range(3)]
    assert [r["record_id"] for r in _log(client, record_id=ids[1])] == [ids[1]]
    assert [r["actor"] for r in _log(client, actor="seeker-f2")] == ["seeker-f2"]
    assert len(_log(client, record_type="profile")) == 3 and _log(client, record_type="opportunity") == []
    assert [r["record_id"] for r in _log(client, limit=2)] == [ids[2], ids[1]]
    for bad in ({"limit": 501}, {"limit": 0}, {"record_id": 0}, {"who": "x"}):
        assert client.get("/v1/admin/audit", params=bad, headers=OPERATOR).status_code == 422, bad


def test_the_log_holds_no_personal_data(client: TestClient, database_url: str) -> None:
    body = profile_body(display_name="欧阳娜娜", skills_text="独一无二的技能描述文本")
    seeker = bearer("seeker", "seeker-pd")
    profile = client.post("/v1/profiles", json=body, headers=seeker).json()
    client.patch(f"/v1/profiles/{profile['id']}", json={"phone": "13700001111"}, headers=seeker)
    engine = make_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEntry.__table__)).all()
    engine.dispose()
    assert len(rows) == 2
    stored = " ".join(str(value) for row in rows for value in row)
    for secret in (*CONTACT.values(), "13700001111", "欧阳娜娜", "独一无二", "杭州"):
        assert secret not in stored
    served = str(_log(client))
    assert "欧阳娜娜" not in served and CONTACT["phone"] not in served
