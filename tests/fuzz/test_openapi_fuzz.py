"""Schemathesis against the profiles and jobs OpenAPI schemas, in process (ASGI): no server errors and no
responses that break the schema, over at least 100 generated requests per operation; then the stateful
phase (create, then read, change, delete what was created, as its owner); then bodies holding values
that are not JSON (NaN, ±Infinity, lone surrogates), each 422 naming its field. Who sends what is in
``conftest.py``.
"""

from __future__ import annotations

from fastapi import FastAPI

from tests.fuzz.conftest import jobs_identity, profiles_identity, repair_opportunity, repair_profile
from tests.fuzz.runner import EXAMPLES_PER_OPERATION, fuzz, fuzz_not_json, fuzz_stateful

TAKES_NO_INPUT = {"POST /v1/admin/republish"}  # one request is all there is to generate
BODY_OPERATIONS = {"profiles": {"POST /v1/profiles", "PATCH /v1/profiles/{profile_id}"},
                   "jobs": {"POST /v1/opportunities", "PATCH /v1/opportunities/{opportunity_id}",
                            "POST /v1/training-needs", "POST /v1/opportunities/{opportunity_id}/applications",
                            "PATCH /v1/applications/{application_id}",
                            "POST /v1/opportunities/{opportunity_id}/review"}}


def _assert_clean(failures: dict[str, str], calls: dict[str, int]) -> None:
    print({label: n for label, n in sorted(calls.items())})
    assert failures == {}
    assert all(n >= EXAMPLES_PER_OPERATION for label, n in calls.items() if label not in TAKES_NO_INPUT), calls


def test_profiles_api_never_fails_on_generated_requests(profiles_app: FastAPI) -> None:
    identity, created = profiles_identity()
    _assert_clean(*fuzz(profiles_app, identity, created))


def test_jobs_api_never_fails_on_generated_requests(jobs_app: FastAPI) -> None:
    _assert_clean(*fuzz(jobs_app, jobs_identity))


def test_profiles_api_never_fails_on_linked_sequences(profiles_app: FastAPI) -> None:
    identity, created = profiles_identity()
    failure, calls = fuzz_stateful(profiles_app, identity, created, repair=repair_profile)
    print(calls)
    assert failure is None
    assert {"POST /v1/profiles", "GET /v1/profiles/{profile_id}", "PATCH /v1/profiles/{profile_id}"} <= set(calls)


def test_jobs_api_never_fails_on_linked_sequences(jobs_app: FastAPI) -> None:
    failure, calls = fuzz_stateful(jobs_app, jobs_identity, repair=repair_opportunity)
    print(calls)
    assert failure is None
    assert {"POST /v1/opportunities", "GET /v1/opportunities/{opportunity_id}",
            "PATCH /v1/opportunities/{opportunity_id}"} <= set(calls)


def test_profiles_api_refuses_values_that_are_not_json_naming_the_field(profiles_app: FastAPI) -> None:
    identity, _ = profiles_identity()
    failures, calls = fuzz_not_json(profiles_app, identity)
    assert set(calls) == BODY_OPERATIONS["profiles"]
    _assert_clean(failures, calls)


def test_jobs_api_refuses_values_that_are_not_json_naming_the_field(jobs_app: FastAPI) -> None:
    failures, calls = fuzz_not_json(jobs_app, jobs_identity)
    assert set(calls) == BODY_OPERATIONS["jobs"]
    _assert_clean(failures, calls)
