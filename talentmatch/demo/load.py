"""Load the demo data set into running services over their public HTTP APIs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx
from tqdm import tqdm

from talentmatch.demo.generate import DemoGenerator


@dataclass(frozen=True)
class LoadResult:
    profiles: int
    opportunities: int
    skipped: bool


def _total(client: httpx.Client, url: str) -> int:
    response = client.get(url, params={"limit": 1})
    response.raise_for_status()
    return int(response.json()["total"])


def load_demo(*, profiles_url: str, jobs_url: str, profiles: int = 200, opportunities: int = 150,
              seed: int = 2024, force: bool = False, progress: bool = True) -> LoadResult:
    """POST generated records; skipped when the services already hold data (unless ``force``)."""
    generator = DemoGenerator(seed=seed)
    with httpx.Client(timeout=30) as client:
        if not force and (_total(client, f"{profiles_url}/v1/profiles")
                          or _total(client, f"{jobs_url}/v1/opportunities")):
            return LoadResult(0, 0, skipped=True)
        for body in tqdm(generator.opportunities(opportunities), desc="opportunities", disable=not progress):
            client.post(f"{jobs_url}/v1/opportunities", json=body).raise_for_status()
        need = {
            "enterprise": "杭州智算人工智能科技有限公司",
            "title": "大模型应用开发订制班",
            "skills": ["大模型", "Python", "自然语言处理", "Docker"],
            "headcount": 30,
            "city": "杭州市",
            "deadline": (generator.today + timedelta(days=45)).isoformat(),
            "description": "为企业大模型应用落地定制培养提示词工程、RAG 检索增强与模型部署人才。",
        }
        client.post(f"{jobs_url}/v1/training-needs", json=need).raise_for_status()
        for body in tqdm(generator.profiles(profiles), desc="profiles", disable=not progress):
            client.post(f"{profiles_url}/v1/profiles", json=body).raise_for_status()
    return LoadResult(profiles, opportunities + 1, skipped=False)
