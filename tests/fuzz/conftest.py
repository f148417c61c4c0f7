"""The apps the fuzz tests run, in process with their lifespan, and who sends each generated request.

Every request carries the token of an identity allowed to call the operation, so the generated data
reaches the domain rather than stopping at 401/403: each profile is created by a new seeker and changed
by its owner; opportunities and training needs are posted and changed by one enterprise account, its
token bound to the organization the body names; reads and admin calls go as an operator (profile reads
alternate with a service, which gets cards).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import JsonValue

from services.jobs.main import create_app as create_jobs
from services.jobs.settings import JobsSettings
from services.matching.domain.encoders import HybridEncoder, LexicalEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.main import create_app as create_matching
from services.matching.settings import MatchingSettings
from services.profiles.main import create_app as create_profiles
from services.profiles.settings import ProfilesSettings
from shared.events.topics import OPPORTUNITIES, PROFILES, topic_name
from shared.kafka import ensure_topics
from talentmatch.embedded import free_port
from tests.auth import SECRET, bearer, new_subject, org_of
from tests.fuzz.runner import Case, Created, Identity
from tests.matching.factories import ai_posting, order_class, profile
from tests.matching.kafka_helpers import produce, wait_for
from tests.migrations.support import migrated

# Schemathesis sends many requests without a token from one address: rate limits are not under test here.
# The outbox means no broker is needed to accept writes: point the relays at a closed port.
NO_BROKER = f"127.0.0.1:{free_port()}"
FUZZ_ORGANIZATION = "杭州数澜云智科技有限公司"


def _running(app: FastAPI) -> Iterator[FastAPI]:
    with TestClient(app):  # runs the lifespan: database, schema, relay launcher
        yield app


@pytest.fixture(scope="module")
def profiles_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    db = Path(tmp_path_factory.mktemp("fuzz")) / "profiles.db"
    yield from _running(create_profiles(ProfilesSettings(database_url=migrated(f"sqlite:///{db}", "profiles"),
                                                         auth_secret=SECRET,
                                                         kafka_bootstrap_servers=NO_BROKER,
                                                         rate_limit_per_minute=0,
                                                         invalid_token_limit_per_minute=0)))


@pytest.fixture(scope="module")
def jobs_app(tmp_path_factory: pytest.TempPathFactory, profiles_app: FastAPI) -> Iterator[FastAPI]:
    """jobs asking the running profiles app (in process) whose profile an application names."""
    db = Path(tmp_path_factory.mktemp("fuzz")) / "jobs.db"
    yield from _running(create_jobs(JobsSettings(database_url=migrated(f"sqlite:///{db}", "jobs"), auth_secret=SECRET,
                                                 kafka_bootstrap_servers=NO_BROKER, rate_limit_per_minute=0,
                                                 invalid_token_limit_per_minute=0),
                                    profiles_http=TestClient(profiles_app)))


@pytest.fixture(scope="module")
def matching_app(occupation_normalizer: OccupationNormalizer, bootstrap: str, redis_url: str,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """Matching on the real broker and redis-server (lexical-only encoder: no model to load), with a few
    records whose owners are the fuzz callers, so generated ids hit own, other and unknown records."""
    namespace = f"fuzz-{uuid.uuid4().hex[:8]}"
    ensure_topics(bootstrap, partitions=1, namespace=namespace)
    produce(bootstrap, topic_name(PROFILES, namespace), [profile(1), profile(2)])
    produce(bootstrap, topic_name(OPPORTUNITIES, namespace), [ai_posting(1, owner="ent-1"), order_class(2)])
    app_settings = MatchingSettings(kafka_bootstrap_servers=bootstrap, redis_url=redis_url, topic_namespace=namespace,
                                    auth_secret=SECRET, rate_limit_per_minute=0, invalid_token_limit_per_minute=0,
                                    database_url=migrated(f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/matching.db",
                                                          "matching"))
    encoder = HybridEncoder(dense=None, lexical=LexicalEncoder(1024), dense_weight=0.0, lexical_weight=1.0)
    app = create_matching(app_settings, encoder=encoder, normalizer=occupation_normalizer)
    with TestClient(app) as client:  # runs the lifespan: consumer, cache, feedback producer
        wait_for(lambda: client.get("/readyz").status_code == 200, what="matching caught up", timeout=90)
        yield app


def profiles_identity() -> tuple[Identity, Created]:
    """Who sends each profiles request, and a hook that remembers who created which profile."""
    owners: dict[int, str] = {}
    turn = itertools.count()

    def identity(case: Case) -> tuple[dict[str, str], str]:
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

    def created(case: Case, subject: str, status: int, body: object) -> None:
        if case.operation.label == "POST /v1/profiles" and status == 201 and isinstance(body, dict):
            owners[int(body["id"])] = subject

    return identity, created


def jobs_identity(case: Case) -> tuple[dict[str, str], str]:
    """One enterprise posts, changes and reads its records; admin calls and lists go as an operator; a seeker
    applies (so the profile check runs: generated ids are another's profile or none)."""
    if case.operation.label.startswith(("GET /v1/admin", "POST /v1/admin", "GET /v1/opportunities",
                                        "POST /v1/opportunities/{opportunity_id}/review")):
        return bearer("operator", "op-fuzz"), "op-fuzz"
    if case.operation.label == "POST /v1/opportunities/{opportunity_id}/applications":
        return bearer("seeker", "seeker-fuzz"), "seeker-fuzz"
    return bearer("enterprise", "ent-fuzz", org=org_of(case.body) or FUZZ_ORGANIZATION), "ent-fuzz"


def matching_identity(role: str, subject: str) -> Callable[[Case], tuple[dict[str, str], str]]:
    headers = bearer(role, subject)  # type: ignore[arg-type]
    return lambda _case: (headers, subject)


def _set_present(case: Case, values: dict[str, JsonValue]) -> None:
    if isinstance(case.body, dict):
        for name, value in values.items():
            if name in case.body:
                case.body[name] = value


def repair_profile(case: Case) -> None:
    """Domain-valid values where the schema cannot tell: real cities, distinct skills."""
    _set_present(case, {"city": "杭州", "desired_cities": ["上海"], "skills": ["Python"]})


def repair_opportunity(case: Case) -> None:
    """Domain-valid values where the schema cannot tell: a real city, existing occupation codes, a
    deadline ahead, consistent ranges; the organization is left as generated (the token follows it)."""
    ahead = (date.today() + timedelta(days=30)).isoformat()
    _set_present(case, {"city": "杭州", "occupation_code": "2-02-38-03", "target_occupations": ["2-02-38-01"],
                        "skills": ["Python"], "deadline": ahead, "salary_min": 1000, "salary_max": 2000,
                        "starts_on": ahead, "ends_on": ahead, "committed_hires": 0})
