"""Runs Schemathesis over an app's OpenAPI schema, in process (ASGI), and collects the failures instead of
stopping at the first one: every operation on its own, the stateful phase (links inferred from the
schema: create, then read, change and delete what was created), and bodies holding values that are not
JSON (NaN, ±Infinity, lone surrogates), which a JSON schema cannot generate.

The "schema-valid data must be accepted" check is left out: the services validate more than a JSON
schema can say (a city must be a real city, an occupation code must exist), and refuse with 422.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import positive_data_acceptance
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.limits import MAX_LOC_KEY_CHARS, printable

EXAMPLES_PER_OPERATION = 100
STATEFUL_SCENARIOS = 60  # scenarios of up to STATEFUL_STEPS linked calls each
STATEFUL_STEPS = 6
Case = schemathesis.Case[Any]
# Who calls a generated case: its headers and the token's subject.
Identity = Callable[[Case], tuple[dict[str, str], str]]
# Told each answer: (case, subject, status, body of a 201), e.g. to remember who owns what.
Created = Callable[[Case, str, int, object], None]
NOT_JSON = st.one_of(st.sampled_from([math.nan, math.inf, -math.inf]),
                     st.builds(lambda a, s, b: a + s + b, st.text(max_size=5), st.sampled_from(["\ud800", "\udfff"]),
                               st.text(max_size=5)))
Loc = list[str | int]


def without_lifespan(app: FastAPI) -> ASGIApp:
    """``app`` as Schemathesis reaches it: its requests, not its lifespan. Schemathesis runs the lifespan of
    an app it loads over ASGI, and keeps it until the test ends; the fixtures already run it (``TestClient``),
    so that would be a second one over the same app, building a second runtime that replaces the one the
    fixture waited for: for matching, an empty index that reads its topics from offset 0 again."""

    async def requests_only(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        while (await receive())["type"] != "lifespan.shutdown":  # startup: done, nothing to run
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})

    return requests_only


def _schema(app: FastAPI) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", without_lifespan(app))


def _operations(app: FastAPI) -> list[Any]:
    schema = _schema(app)
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert operations, "the schema lists operations"
    return operations


def fuzz(app: FastAPI, identity: Identity, created: Created | None = None) -> tuple[dict[str, str], dict[str, int]]:
    """Run every operation of the app's schema; return the failures and the request count by operation."""
    failures: dict[str, str] = {}
    calls: dict[str, int] = {}
    for operation in _operations(app):

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: Case) -> None:
            calls[case.operation.label] = calls.get(case.operation.label, 0) + 1
            headers, subject = identity(case)
            response = case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
            if created is not None:
                created(case, subject, response.status_code,
                        response.json() if response.status_code == 201 else None)

        try:
            run()
        except Exception as exc:  # collect every operation's failure, not only the first
            failures[operation.label] = str(exc)[:2000]
    return failures, calls


def fuzz_stateful(app: FastAPI, identity: Identity, created: Created | None = None, *,
                  repair: Callable[[Case], None] | None = None) -> tuple[str | None, dict[str, int]]:
    """Schemathesis' stateful phase: sequences of linked calls; the first failure and the calls by operation.

    Links are followed only from successful answers, and a JSON schema cannot say what the domain also
    checks (a real city, an existing occupation code): ``repair`` fixes those values in each generated
    request (the same way every time: Hypothesis replays sequences and needs them to behave alike), so
    creations succeed often enough for the sequences to reach the linked calls.
    """
    schema = _schema(app)
    calls: dict[str, int] = {}
    subjects: dict[int, str] = {}

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Case) -> None:
            # A negative case must stay invalid: repairing it would make the API rightly accept it.
            meta = case.meta
            if repair is not None and (meta is None or meta.generation.mode is not GenerationMode.NEGATIVE):
                repair(case)

        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            headers, subjects[id(case)] = identity(case)
            return {"headers": headers}

        def after_call(self, response: Any, case: Case) -> None:
            calls[case.operation.label] = calls.get(case.operation.label, 0) + 1
            if created is not None:
                created(case, subjects.pop(id(case), ""), response.status_code,
                        response.json() if response.status_code == 201 else None)

        def validate_response(self, response: Any, case: Case,
                              additional_checks: Any = None, **kwargs: Any) -> None:
            case.validate_response(response, excluded_checks=[positive_data_acceptance], transport_kwargs=kwargs)

    try:
        Machine.run(settings=settings(max_examples=STATEFUL_SCENARIOS, stateful_step_count=STATEFUL_STEPS,
                                      deadline=None, database=None, suppress_health_check=list(HealthCheck)))
    except Exception as exc:
        return str(exc)[:3000], calls
    return None, calls


def _leaves(value: Any, loc: Loc) -> list[Loc]:
    """Where a value can be replaced: every key and item, at any depth (the body itself if it has none)."""
    found: list[Loc] = []
    if isinstance(value, dict):
        for key, child in value.items():
            found += [[*loc, key], *_leaves(child, [*loc, key])]
    elif isinstance(value, list):
        for n, child in enumerate(value):
            found += [[*loc, n], *_leaves(child, [*loc, n])]
    return found


def _replace(document: Any, loc: Loc, value: Any) -> Any:
    if not loc:
        return value
    copy = json.loads(json.dumps(document))
    target = copy
    for part in loc[:-1]:
        target = target[part]
    target[loc[-1]] = value
    return copy


def fuzz_not_json(app: FastAPI, identity: Identity) -> tuple[dict[str, str], dict[str, int]]:
    """Every operation with a JSON body, its generated bodies with one value (anywhere) replaced by NaN,
    ±Infinity or a string holding a lone surrogate: each must be 422 naming where that value sits."""
    failures: dict[str, str] = {}
    calls: dict[str, int] = {}
    client = TestClient(app)
    for operation in _operations(app):
        if operation.body is None or not len(operation.body):
            continue

        @given(case=operation.as_strategy(), data=st.data())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: Case, data: st.DataObject) -> None:
            calls[case.operation.label] = calls.get(case.operation.label, 0) + 1
            body = case.body if isinstance(case.body, dict | list) else {}
            where: Loc = data.draw(st.sampled_from(_leaves(body, []) or [["added"]]))
            sent = _replace(body, where, data.draw(NOT_JSON)) if where != ["added"] else {"added": math.nan}
            headers, _ = identity(case)
            response = client.request(case.method, case.formatted_path, params=case.query,
                                      content=json.dumps(sent, allow_nan=True).encode("ascii"),
                                      headers={**headers, "Content-Type": "application/json"})
            assert response.status_code == 422, (where, response.status_code, response.text[:300])
            escaped = [p if isinstance(p, int) else printable(p, limit=MAX_LOC_KEY_CHARS) for p in where]
            assert response.json()["detail"][0]["loc"] == ["body", *escaped], (where, response.text[:300])

        try:
            run()
        except Exception as exc:
            failures[operation.label] = str(exc)[:2000]
    return failures, calls
