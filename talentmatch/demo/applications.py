"""Demo applications, enrolments and pipeline moves, driven through the jobs API like any user's, so the
operator dashboard's applied / enrolled / interviewed / hired figures are not empty after ``make up``.

Deterministic for a seed: which seekers apply where, and how far each application gets."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from shared.auth import Role


class Answer(Protocol):
    @property
    def status_code(self) -> int: ...

    def raise_for_status(self) -> Any: ...

    def json(self) -> Any: ...


class Http(Protocol):
    """What the driver needs of an HTTP client (``httpx.Client``; a TestClient in the tests)."""

    def post(self, url: str, *, json: Any, headers: dict[str, str]) -> Answer: ...

    def patch(self, url: str, *, json: Any, headers: dict[str, str]) -> Answer: ...

# How far the owning enterprise moves each job application, in turn (a little of each, mostly early stages).
JOB_PATHS: tuple[tuple[str, ...], ...] = ((), ("interviewing",), ("interviewing", "offered", "hired"), ("rejected",),
                                          ("interviewing", "offered"), ())
APPLICATIONS_PER_SEEKER = 2


@dataclass(frozen=True)
class Posted:
    id: int
    kind: str
    owner: str  # the enterprise account that posted it
    organization: str


@dataclass(frozen=True)
class Seeker:
    subject: str
    profile_id: int


def drive_applications(client: Http, jobs_url: str, *, posted: Sequence[Posted],
                       seekers: Sequence[Seeker], headers: Callable[[Role, str, str | None], dict[str, str]],
                       seed: int, seekers_applying: int = 60) -> int:
    """Each of the first ``seekers_applying`` seekers applies to a few open opportunities; enterprises move
    some job applications along; an enrolment of an order-based class ends hired now and then. Returns how
    many applications were made (an opportunity already applied to answers 409 and is skipped)."""
    rng = random.Random(seed)
    made = 0
    turn = 0
    targets = list(posted)
    if not targets:
        return 0
    for seeker in seekers[:seekers_applying]:
        for opportunity in rng.sample(targets, k=min(APPLICATIONS_PER_SEEKER, len(targets))):
            answer = client.post(f"{jobs_url}/v1/opportunities/{opportunity.id}/applications",
                                 json={"profile_id": seeker.profile_id},
                                 headers=headers("seeker", seeker.subject, None))
            if answer.status_code == 409:
                continue  # applied already (a forced reload) or the opportunity is closed
            answer.raise_for_status()
            made += 1
            application = answer.json()
            if application["status"] == "enrolled":
                path: tuple[str, ...] = ("hired",) if turn % 4 == 0 else ()
            elif application["status"] == "received" and opportunity.kind == "job_posting":
                path = JOB_PATHS[turn % len(JOB_PATHS)]
            else:
                path = ()
            turn += 1
            owner = headers("enterprise", opportunity.owner, opportunity.organization)
            for status in path:
                client.patch(f"{jobs_url}/v1/applications/{application['id']}", json={"status": status},
                             headers=owner).raise_for_status()
    return made
