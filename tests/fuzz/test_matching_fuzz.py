"""Schemathesis against the matching OpenAPI schema, in process (ASGI), once per kind of caller: no server
errors and no responses that break the schema, over at least 100 generated requests per operation; the
stateful phase; and bodies holding values that are not JSON (NaN, ±Infinity, lone surrogates), each 422
naming its field.

The app runs its lifespan on the real broker and redis-server (``conftest.matching_app``). As in
``test_openapi_fuzz.py``, "schema-valid data must be accepted" is left out: matching validates more than
a JSON schema says (a city must be a real city, an occupation code must exist, a seeker reports only
about its own profile), and refuses with 4xx.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.fuzz.conftest import matching_identity
from tests.fuzz.runner import EXAMPLES_PER_OPERATION, fuzz, fuzz_not_json, fuzz_stateful

BODY_OPERATIONS = {"POST /v1/search", "POST /v1/occupations/normalize", "POST /v1/feedback"}


@pytest.mark.parametrize(("role", "subject"), [("operator", "op-fuzz"), ("service", "svc-fuzz"),
                                               ("seeker", "seeker-1"), ("enterprise", "ent-1")])
def test_matching_api_never_fails_on_generated_requests(matching_app: FastAPI, role: str, subject: str) -> None:
    failures, calls = fuzz(matching_app, matching_identity(role, subject))
    print(role, {label: n for label, n in sorted(calls.items())})
    assert failures == {}
    assert len(calls) >= 10, calls
    assert all(n >= EXAMPLES_PER_OPERATION for n in calls.values()), calls


def test_matching_api_never_fails_on_linked_sequences(matching_app: FastAPI) -> None:
    failure, calls = fuzz_stateful(matching_app, matching_identity("service", "svc-fuzz"))
    print(calls)
    assert failure is None
    assert calls, "the stateful phase ran"


def test_matching_api_refuses_values_that_are_not_json_naming_the_field(matching_app: FastAPI) -> None:
    failures, calls = fuzz_not_json(matching_app, matching_identity("service", "svc-fuzz"))
    print(calls)
    assert set(calls) == BODY_OPERATIONS
    assert failures == {}
    assert all(n >= EXAMPLES_PER_OPERATION for n in calls.values()), calls
