"""Bearer tokens for the tests, and test clients that send each request as a plausible identity."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx2 as httpx
from fastapi.testclient import TestClient

from shared.auth import Role, issue_token
from shared.auth.tokens import valid_org

SECRET = "tests-only-token-signing-secret-0123456789"


def token(role: Role, subject: str, *, org: str | None = None) -> str:
    return issue_token(SECRET, subject=subject, role=role, org=org)


def bearer(role: Role, subject: str, *, org: str | None = None) -> dict[str, str]:
    """The ``Authorization`` header of ``subject`` acting as ``role`` (an enterprise bound to ``org``)."""
    return {"Authorization": f"Bearer {token(role, subject, org=org)}"}


def org_of(body: object) -> str | None:
    """The organization a jobs request body posts under (``organization``, or a need's ``enterprise``)."""
    if isinstance(body, dict):
        for field in ("organization", "enterprise"):
            value = body.get(field)
            if isinstance(value, str) and valid_org(value.strip()):
                return value.strip()
    return None


def new_subject(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class ActingClient(TestClient):
    """A TestClient that adds a bearer token to every request that carries none, chosen by ``identity``.

    The existing API tests exercise behaviour, not access rules (``test_access.py`` does those): this
    keeps them about behaviour while every request is still authenticated.
    """

    def identity(self, method: str, path: str) -> tuple[Role, str]:
        return "operator", "op-tests"

    def answered(self, method: str, path: str, subject: str, response: httpx.Response) -> None:
        """Called with every response, e.g. to remember who created which record."""

    def organization(self, body: object) -> str | None:
        """The organization the token is bound to (enterprise accounts), given the JSON body sent."""
        return None

    def request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        path = urlsplit(str(url)).path
        role, subject = self.identity(method.upper(), path)
        if not any(name.lower() == "authorization" for name in headers):
            headers.update(bearer(role, subject, org=self.organization(kwargs.get("json"))))
        response = super().request(method, url, headers=headers, **kwargs)
        self.answered(method.upper(), path, subject, response)
        return response


class ProfilesClient(ActingClient):
    """Each POST /v1/profiles as a new seeker; a profile's requests as its owner; the rest as an operator."""

    RECORD = re.compile(r"^/v1/profiles/([0-9]+)$")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owners: dict[int, str] = {}

    def identity(self, method: str, path: str) -> tuple[Role, str]:
        if method == "POST" and path == "/v1/profiles":
            return "seeker", new_subject("seeker")
        match = self.RECORD.match(path)
        if match and int(match.group(1)) in self.owners:
            return "seeker", self.owners[int(match.group(1))]
        return "operator", "op-tests"

    def answered(self, method: str, path: str, subject: str, response: httpx.Response) -> None:
        if method == "POST" and path == "/v1/profiles" and response.status_code == 201:
            self.owners[int(response.json()["id"])] = subject


class JobsClient(ActingClient):
    """Everything as one enterprise account (it owns all it posts); the admin routes as an operator."""

    ENTERPRISE = "ent-tests"
    ORGANIZATION = "杭州数澜云智科技有限公司"

    def organization(self, body: object) -> str | None:
        """The organization the body posts under: these tests are about behaviour, not organizations
        (``test_access.py`` checks that binding)."""
        return org_of(body) or self.ORGANIZATION

    def identity(self, method: str, path: str) -> tuple[Role, str]:
        if path.startswith("/v1/admin/"):
            return "operator", "op-tests"
        return "enterprise", self.ENTERPRISE
