"""Schemathesis against each source service's OpenAPI schema, in process (ASGI):
no server errors and no responses that break the schema, over generated requests per operation.

The "schema-valid data must be accepted" check is left out: the services validate more than a JSON
schema can say (a city must be a real city, an occupation code must exist), and refuse with 422.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from services.jobs.main import create_app as create_jobs
from services.jobs.settings import JobsSettings
from services.profiles.main import create_app as create_profiles
from services.profiles.settings import ProfilesSettings
from talentmatch.embedded import free_port

EXAMPLES_PER_OPERATION = 100
TAKES_NO_INPUT = {"POST /v1/admin/republish"}  # one request is all there is to generate
# The outbox means no broker is needed to accept writes: point the relays at a closed port.
NO_BROKER = f"127.0.0.1:{free_port()}"


def _running(app: FastAPI) -> Iterator[FastAPI]:
    with TestClient(app):  # runs the lifespan: database, schema, relay launcher
        yield app


@pytest.fixture(scope="module")
def profiles_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    db = Path(tmp_path_factory.mktemp("fuzz")) / "profiles.db"
    yield from _running(create_profiles(ProfilesSettings(database_url=f"sqlite:///{db}",
                                                         kafka_bootstrap_servers=NO_BROKER)))


@pytest.fixture(scope="module")
def jobs_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    db = Path(tmp_path_factory.mktemp("fuzz")) / "jobs.db"
    yield from _running(create_jobs(JobsSettings(database_url=f"sqlite:///{db}",
                                                 kafka_bootstrap_servers=NO_BROKER)))


def _fuzz(app: FastAPI) -> tuple[dict[str, str], dict[str, int]]:
    """Run every operation of the app's schema; return the failures and the request count by operation."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: dict[str, str] = {}
    calls: dict[str, int] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the schema lists operations"
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: schemathesis.Case) -> None:
            calls[case.operation.label] = calls.get(case.operation.label, 0) + 1
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        try:
            run()
        except Exception as exc:  # collect every operation's failure, not only the first
            failures[operation.label] = str(exc)[:2000]
    return failures, calls


def _assert_clean(app: FastAPI) -> None:
    failures, calls = _fuzz(app)
    print({label: n for label, n in sorted(calls.items())})
    assert failures == {}
    assert all(n >= 20 for label, n in calls.items() if label not in TAKES_NO_INPUT), calls


def test_profiles_api_never_fails_on_generated_requests(profiles_app: FastAPI) -> None:
    _assert_clean(profiles_app)


def test_jobs_api_never_fails_on_generated_requests(jobs_app: FastAPI) -> None:
    _assert_clean(jobs_app)
