"""Schemathesis against each source service's OpenAPI schema, in process (ASGI):
no server errors and no responses that break the schema, over generated requests per operation.

Every request carries the token of an identity allowed to call the operation, so the generated data
reaches the domain rather than stopping at 401/403: each profile is created by a new seeker and changed
by its owner; opportunities and training needs are posted and changed by one enterprise; reads and
admin calls go as an operator (profile reads alternate with a service, which gets cards).

The "schema-valid data must be accepted" check is left out: the services validate more than a JSON
schema can say (a city must be a real city, an occupation code must exist), and refuse with 422.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.jobs.main import create_app as create_jobs
from services.jobs.settings import JobsSettings
from services.profiles.main import create_app as create_profiles
from services.profiles.settings import ProfilesSettings
from talentmatch.embedded import free_port
from tests.auth import SECRET, bearer, new_subject
from tests.fuzz.runner import Identity, fuzz
from tests.migrations.support import migrated

MIN_CALLS_PER_OPERATION = 100
TAKES_NO_INPUT = {"POST /v1/admin/republish"}  # one request is all there is to generate
# The outbox means no broker is needed to accept writes: point the relays at a closed port.
NO_BROKER = f"127.0.0.1:{free_port()}"


def _running(app: FastAPI) -> Iterator[FastAPI]:
    with TestClient(app):  # runs the lifespan: database, schema, relay launcher
        yield app


@pytest.fixture(scope="module")
def profiles_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    db = Path(tmp_path_factory.mktemp("fuzz")) / "profiles.db"
    yield from _running(create_profiles(ProfilesSettings(database_url=migrated(f"sqlite:///{db}", "profiles"),
                                                         auth_secret=SECRET,
                                                         kafka_bootstrap_servers=NO_BROKER,
                                                         rate_limit_per_minute=0)))


@pytest.fixture(scope="module")
def jobs_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    db = Path(tmp_path_factory.mktemp("fuzz")) / "jobs.db"
    yield from _running(create_jobs(JobsSettings(database_url=migrated(f"sqlite:///{db}", "jobs"), auth_secret=SECRET,
                                                 kafka_bootstrap_servers=NO_BROKER, rate_limit_per_minute=0)))




def profiles_identity() -> tuple[Identity, Callable[[schemathesis.Case, str, int, object], None]]:
    """Who sends each profiles request, and a hook that remembers who created which profile."""
    owners: dict[int, str] = {}
    turn = itertools.count()

    def identity(case: schemathesis.Case) -> tuple[dict[str, str], str]:
        label, path = case.operation.label, case.path_parameters or {}
        record = path.get("profile_id")
        owner = owners.get(record) if isinstance(record, int) else None
        if label == "POST /v1/profiles":
            subject = new_subject("seeker")
            return bearer("seeker", subject), subject
        if label == "PATCH /v1/profiles/{profile_id}":
            subject = owner or new_subject("seeker")
            return bearer("seeker", subject), subject
        if label == "DELETE /v1/profiles/{profile_id}" and owner:
            return bearer("seeker", owner), owner
        if label.startswith("GET /v1/profiles") and next(turn) % 2:
            return bearer("service", "svc-fuzz"), "svc-fuzz"
        return bearer("operator", "op-fuzz"), "op-fuzz"

    def created(case: schemathesis.Case, subject: str, status: int, body: object) -> None:
        if case.operation.label == "POST /v1/profiles" and status == 201 and isinstance(body, dict):
            owners[int(body["id"])] = subject

    return identity, created


def jobs_identity(case: schemathesis.Case) -> tuple[dict[str, str], str]:
    """One enterprise posts, changes and reads its records; admin calls and lists go as an operator."""
    if case.operation.label.startswith(("GET /v1/admin", "POST /v1/admin", "GET /v1/opportunities")):
        return bearer("operator", "op-fuzz"), "op-fuzz"
    return bearer("enterprise", "ent-fuzz"), "ent-fuzz"


def _assert_clean(failures: dict[str, str], calls: dict[str, int]) -> None:
    print({label: n for label, n in sorted(calls.items())})
    assert failures == {}
    assert all(n >= MIN_CALLS_PER_OPERATION for label, n in calls.items() if label not in TAKES_NO_INPUT), calls


def test_profiles_api_never_fails_on_generated_requests(profiles_app: FastAPI) -> None:
    identity, created = profiles_identity()
    _assert_clean(*fuzz(profiles_app, identity, created))


def test_jobs_api_never_fails_on_generated_requests(jobs_app: FastAPI) -> None:
    _assert_clean(*fuzz(jobs_app, jobs_identity))
