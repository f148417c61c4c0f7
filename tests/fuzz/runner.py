"""Runs Schemathesis over every operation of an app's OpenAPI schema, in process (ASGI), and collects the
failures instead of stopping at the first one."""

from __future__ import annotations

from collections.abc import Callable

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

EXAMPLES_PER_OPERATION = 100
# Who calls a generated case: its headers and the token's subject.
Identity = Callable[[schemathesis.Case], tuple[dict[str, str], str]]


def fuzz(app: FastAPI, identity: Identity,
          created: Callable[[schemathesis.Case, str, int, object], None] | None = None,
          ) -> tuple[dict[str, str], dict[str, int]]:
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
