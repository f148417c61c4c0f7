"""End to end: the three services as processes over a real broker and redis, driven over HTTP."""

from __future__ import annotations

import httpx
import pytest

from talentmatch.stack import SERVICES, LocalStack, StackConfig
from tests.e2e.conftest import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(local_stack: LocalStack) -> StackConfig:
    return local_stack.config


def test_profile_to_recommendation_update_and_delete(local_stack: LocalStack, stack: StackConfig) -> None:
    profiles, jobs, matching = (stack.url(s) for s in SERVICES)
    seeker = local_stack.headers("seeker", "seeker-e2e-limin")
    with httpx.Client(timeout=10) as http:
        ai_job = http.post(f"{jobs}/v1/opportunities", json={
            "kind": "job_posting", "title": "机器学习算法工程师", "organization": "杭州智算人工智能科技有限公司",
            "city": "杭州市", "description": "负责推荐与视觉模型的训练与部署，要求熟悉机器学习、深度学习、Python。",
            "skills": ["机器学习", "深度学习", "Python"], "salary_min": 20000, "salary_max": 35000,
            "openings": 3}, headers=local_stack.headers("enterprise", "ent-e2e-ai", org="杭州智算人工智能科技有限公司")
        ).json()
        chip_class = http.post(f"{jobs}/v1/opportunities", headers=local_stack.headers("enterprise", "ent-e2e-chip",
                                                                                       org="无锡芯源半导体有限公司"),
                               json={
            "kind": "training_class", "title": "集成电路验证订单班", "organization": "无锡芯源半导体有限公司",
            "city": "无锡市", "description": "芯片验证方向，课程覆盖 Verilog、UVM 芯片验证与 FPGA。",
            "skills": ["Verilog", "芯片验证", "FPGA"], "training_mode": "order_based",
            "sponsor": "无锡芯源半导体有限公司", "seats": 40, "hiring_commitment": True,
            "starts_on": "2027-03-01", "ends_on": "2027-06-01"}).json()
        talent = http.post(f"{profiles}/v1/profiles", headers=seeker, json={
            "display_name": "李敏", "phone": "13912345678", "email": "limin@example.com", "city": "杭州",
            "skills": ["机器学习", "Python"], "skills_text": "三年机器学习模型开发经验，熟悉深度学习与 Python。",
            "wanted_kinds": ["job_posting", "training_class"]})
        talent.raise_for_status()
        talent = talent.json()

        def top_id() -> int | None:
            response = http.get(f"{matching}/v1/talents/{talent['id']}/recommendations", params={"k": 5},
                                headers=seeker)
            items = response.json().get("items", []) if response.status_code == 200 else []
            ids = [item["id"] for item in items]
            return ids[0] if ids and chip_class["id"] in ids else None

        assert eventually(top_id, what="recommendations for the new profile") == ai_job["id"]

        http.patch(f"{profiles}/v1/profiles/{talent['id']}", headers=seeker, json={
            "city": "无锡市", "skills": ["Verilog", "芯片验证", "FPGA"],
            "skills_text": "集成电路设计与验证方向，熟悉 Verilog、UVM 与 FPGA 原型验证。"}).raise_for_status()
        assert eventually(lambda: top_id() == chip_class["id"], what="recommendations to follow the update")

        http.delete(f"{profiles}/v1/profiles/{talent['id']}", headers=seeker).raise_for_status()
        recommendations = f"{matching}/v1/talents/{talent['id']}/recommendations"
        eventually(lambda: http.get(recommendations, headers=seeker).status_code == 404,
                   what="the deleted profile to leave the index")


def test_each_account_reaches_only_its_own_records(local_stack: LocalStack, stack: StackConfig) -> None:
    """Tokens across the services: another seeker finds neither a profile nor its recommendations,
    another enterprise a shortlist, and nothing answers without a token."""
    profiles, jobs, matching = (stack.url(s) for s in SERVICES)
    owner, other = local_stack.headers("seeker", "seeker-e2e-own"), local_stack.headers("seeker", "seeker-e2e-other")
    poster = local_stack.headers("enterprise", "ent-e2e-own", org="杭州云栖软件有限公司")
    with httpx.Client(timeout=10) as http:
        talent = http.post(f"{profiles}/v1/profiles", headers=owner, json={
            "display_name": "周航", "city": "杭州", "skills": ["Python"], "skills_text": "Python 后端开发。"}).json()
        posting = http.post(f"{jobs}/v1/opportunities", headers=poster, json={
            "kind": "job_posting", "title": "Python 开发工程师", "organization": "杭州云栖软件有限公司",
            "city": "杭州市", "skills": ["Python"]}).json()
        assert talent["owner"] == "seeker-e2e-own" and posting["owner"] == "ent-e2e-own"
        recommendations = f"{matching}/v1/talents/{talent['id']}/recommendations"
        eventually(lambda: http.get(recommendations, headers=owner).status_code == 200,
                   what="the profile to be indexed")
        # another seeker's profile is answered like an unknown one: its existence is not disclosed
        assert http.get(recommendations, headers=other).status_code == 404
        assert http.get(f"{profiles}/v1/profiles/{talent['id']}", headers=other).status_code == 404
        shortlist = f"{matching}/v1/opportunities/{posting['id']}/shortlist"
        eventually(lambda: http.get(shortlist, headers=poster).status_code == 200, what="the posting to be indexed")
        assert http.get(shortlist, headers=local_stack.headers("enterprise", "ent-e2e-rival")).status_code == 403
        for url in (recommendations, shortlist, f"{profiles}/v1/profiles/{talent['id']}",
                    f"{jobs}/v1/opportunities"):
            assert http.get(url).status_code == 401, url
