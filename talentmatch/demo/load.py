"""Load the demo data set into running services over their public HTTP APIs, each record as its own
account: every profile as its seeker (``seeker-<n>``), every opportunity as its organization's enterprise
account (``ent-<crc32 of the organization>``)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import timedelta

import httpx
from tqdm import tqdm

from shared.auth import Role, issue_token
from talentmatch.demo.applications import Posted, Seeker, drive_applications
from talentmatch.demo.generate import DemoGenerator

LOADER_SUBJECT = "svc-demo-loader"
TOKEN_TTL_SECONDS = 3600


@dataclass(frozen=True)
class LoadResult:
    profiles: int
    opportunities: int
    skipped: bool
    applications: int = 0


def seeker_subject(n: int) -> str:
    """The account of the ``n``-th demo profile (1-based)."""
    return f"seeker-{n}"


def enterprise_subject(organization: str) -> str:
    """A stable account id for an organization: the same organization always posts as the same account."""
    return f"ent-{zlib.crc32(organization.encode('utf-8')):08x}"


class Signer:
    """Authorization headers signed with the stack's secret (cheap: an HMAC per token)."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def headers(self, role: Role, subject: str, *, org: str | None = None) -> dict[str, str]:
        token = issue_token(self._secret, subject=subject, role=role, ttl_seconds=TOKEN_TTL_SECONDS, org=org)
        return {"Authorization": f"Bearer {token}"}


def _total(client: httpx.Client, url: str, headers: dict[str, str]) -> int:
    response = client.get(url, params={"limit": 1}, headers=headers)
    response.raise_for_status()
    return int(response.json()["total"])


def load_demo(*, profiles_url: str, jobs_url: str, auth_secret: str, profiles: int = 200,
              opportunities: int = 150, seed: int = 2024, force: bool = False,
              progress: bool = True, applications: bool = True) -> LoadResult:
    """POST generated records; skipped when the services already hold data (unless ``force``).

    A forced second load skips the profiles whose seeker accounts already have one (409).
    """
    generator = DemoGenerator(seed=seed)
    signer = Signer(auth_secret)
    loader = signer.headers("service", LOADER_SUBJECT)
    loaded_profiles = 0
    with httpx.Client(timeout=30) as client:
        if not force and (_total(client, f"{profiles_url}/v1/profiles", loader)
                          or _total(client, f"{jobs_url}/v1/opportunities", loader)):
            return LoadResult(0, 0, skipped=True)
        posted: list[Posted] = []
        for body in tqdm(generator.opportunities(opportunities), desc="opportunities", disable=not progress):
            subject = enterprise_subject(body["organization"])
            owner = signer.headers("enterprise", subject, org=body["organization"])
            answer = client.post(f"{jobs_url}/v1/opportunities", json=body, headers=owner)
            answer.raise_for_status()
            if body.get("open", True):
                posted.append(Posted(id=int(answer.json()["id"]), kind=str(body["kind"]), owner=subject,
                                     organization=str(body["organization"])))
        need: dict[str, object] = {
            "enterprise": "杭州智算人工智能科技有限公司",
            "title": "大模型应用开发订制班",
            "skills": ["大模型", "Python", "自然语言处理", "Docker"],
            "headcount": 30,
            "city": "杭州市",
            "deadline": (generator.today + timedelta(days=45)).isoformat(),
            "description": "为企业大模型应用落地定制培养提示词工程、RAG 检索增强与模型部署人才。",
        }
        owner = signer.headers("enterprise", enterprise_subject(str(need["enterprise"])), org=str(need["enterprise"]))
        client.post(f"{jobs_url}/v1/training-needs", json=need, headers=owner).raise_for_status()
        bodies = generator.profiles(profiles)
        seekers: list[Seeker] = []
        for n, body in enumerate(tqdm(bodies, desc="profiles", disable=not progress), start=1):
            response = client.post(f"{profiles_url}/v1/profiles", json=body,
                                   headers=signer.headers("seeker", seeker_subject(n)))
            if response.status_code == 409 and force:
                continue  # this seeker account already has its profile from an earlier load
            response.raise_for_status()
            loaded_profiles += 1
            seekers.append(Seeker(subject=seeker_subject(n), profile_id=int(response.json()["id"])))
        made = drive_applications(client, jobs_url, posted=posted, seekers=seekers, seed=seed,
                                  headers=lambda role, subject, org: signer.headers(role, subject, org=org)
                                  ) if applications else 0
    return LoadResult(loaded_profiles, opportunities + 1, skipped=False, applications=made)
