"""A walk over a service's role × endpoint × owner matrix (``docs/security.md``), cell by cell."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from shared.auth import ROLES, Role
from tests.auth import bearer, new_subject, org_of

Target = str  # "own" / "other" record, or "-" where the route names none


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # with "{id}" where the record's id goes
    targets: tuple[Target, ...]
    expected: Callable[[Role, Target], int]
    body: Callable[[], dict[str, Any]] | None = None


@dataclass(frozen=True)
class Outcome:
    route: Route
    role: Role
    target: Target
    status: int
    response: Any


def walk(client: TestClient, routes: list[Route], *,
         prepare: Callable[[Route, Role, Target, str], str]) -> tuple[list[Outcome], list[str]]:
    """Call every route as every role against each target; the outcomes and the cells that broke the rule.

    ``prepare(route, role, target, caller)`` creates what the cell needs for ``caller`` (the subject the
    request is sent as) and returns the path to call.
    """
    outcomes, violations = [], []
    for route in routes:
        for role in ROLES:
            for target in route.targets:
                caller = new_subject({"seeker": "seeker", "enterprise": "ent", "operator": "op",
                                      "service": "svc"}[role])
                path = prepare(route, role, target, caller)
                body = route.body() if route.body else None
                org = org_of(body) if role == "enterprise" else None
                response = client.request(route.method, path, json=body, headers=bearer(role, caller, org=org))
                expected = route.expected(role, target)
                outcomes.append(Outcome(route, role, target, response.status_code, response))
                if response.status_code != expected:
                    violations.append(f"{route.method} {route.path} as {role} on {target}: "
                                      f"{response.status_code}, expected {expected}: {response.text[:200]}")
                elif response.status_code >= 400 and [*response.json()] != ["detail"]:
                    violations.append(f"{route.method} {route.path} as {role}: not the shared error shape")
    return outcomes, violations


def yes_for(*roles: Role, status: int = 200) -> Callable[[Role, Target], int]:
    return lambda role, _target: status if role in roles else 403


def unauthenticated_violations(client: TestClient, routes: list[Route]) -> list[str]:
    """Every route refuses a missing, malformed or foreign token with 401 and ``WWW-Authenticate``."""
    foreign = {"Authorization": "Bearer " + "x" * 20}
    violations = []
    for route in routes:
        path = route.path.replace("{id}", "1")
        for headers in ({}, foreign, {"Authorization": "Basic dXNlcjpwYXNz"}):
            response = client.request(route.method, path, headers=headers,
                                      json=route.body() if route.body else None)
            if response.status_code != 401 or response.headers.get("www-authenticate") != "Bearer":
                violations.append(f"{route.method} {path} with {headers}: {response.status_code}")
    return violations
