"""Calls to the profiles, jobs and matching public APIs, always with the signed-in user's own token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from shared.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    NotAuthenticatedError,
    NotFoundError,
    ServiceUnavailableError,
    TooManyRequestsError,
    UnprocessableError,
)

JSON = dict[str, Any]


class BackendRejected(UnprocessableError):
    """A 422 from a service: ``errors`` maps each named field to its reason, as the form shows them."""

    def __init__(self, errors: dict[str, str]) -> None:
        first = next(iter(errors.items()), ("", "invalid input"))
        super().__init__(f"{first[0]}: {first[1]}" if first[0] else first[1], field=first[0] or None)
        self.errors = errors


def field_errors(body: Any) -> dict[str, str]:
    """``{field: reason}`` from a FastAPI/``shared.web`` error body (``detail`` = list of ``{loc, msg}``)."""
    errors: dict[str, str] = {}
    detail = body.get("detail") if isinstance(body, dict) else None
    for item in detail if isinstance(detail, list) else []:
        loc = [str(part) for part in item.get("loc", []) if part not in ("body", "query", "path")]
        # a union on ``kind`` puts the variant's tag first: the field is the last named part
        name = next((part for part in reversed(loc) if not part.isdigit()), "")
        errors.setdefault(name, str(item.get("msg", "invalid")).removeprefix("Value error, "))
    return errors


class BackendCatchingUp(ServiceUnavailableError):
    """The service answered 503 itself (e.g. matching still reading its topics): a moment's wait, not an outage."""


class HttpClient(Protocol):
    """What the pages need of an HTTP client: ``httpx.Client``, or in tests an in-process ``TestClient``."""

    def request(self, method: str, url: str, *, json: Any = None, params: Any = None,
                headers: Any = None) -> Any: ...

    def close(self) -> None: ...


def _raise_for(service: str, response: Any) -> None:
    if response.is_success:
        return
    try:
        body = response.json()
    except ValueError:
        body = None
    errors = field_errors(body)
    message = next(iter(errors.values()), f"{service} answered {response.status_code}")
    status = response.status_code
    if status == 422:
        raise BackendRejected(errors)
    if status == 401:
        raise NotAuthenticatedError(message)
    mapped: dict[int, type[DomainError]] = {403: ForbiddenError, 404: NotFoundError, 409: ConflictError}
    if status in mapped:
        raise mapped[status](message)
    if status == 429:
        raise TooManyRequestsError(message, retry_after_seconds=int(response.headers.get("Retry-After", "5")))
    if status == 503:
        raise BackendCatchingUp(message)
    raise ServiceUnavailableError(f"the {service} service is unavailable ({status}); try again shortly")


class Backend:
    """One service's API; ``http`` is created once in the lifespan (tests pass an in-process client)."""

    def __init__(self, name: str, http: HttpClient) -> None:
        self.name = name
        self.http = http

    def call(self, method: str, path: str, token: str, *, json: Any = None, params: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None) -> Any:
        try:
            response = self.http.request(method, path, json=json, params=_clean(params),
                                         headers={"Authorization": f"Bearer {token}", **(headers or {})})
        except httpx.HTTPError as exc:
            raise ServiceUnavailableError(f"the {self.name} service cannot be reached; try again shortly") from exc
        _raise_for(self.name, response)
        return response


def _clean(params: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if params is None else {k: v for k, v in params.items() if v not in (None, "")}


class Profiles(Backend):
    def create(self, token: str, body: JSON) -> JSON:
        result: JSON = self.call("POST", "/v1/profiles", token, json=body).json()
        return result

    def get(self, token: str, profile_id: int) -> JSON:
        result: JSON = self.call("GET", f"/v1/profiles/{profile_id}", token).json()
        return result

    def update(self, token: str, profile_id: int, body: JSON, *, version: int | None) -> JSON:
        headers = {"If-Match": f'"{version}"'} if version is not None else None
        result: JSON = self.call("PATCH", f"/v1/profiles/{profile_id}", token, json=body, headers=headers).json()
        return result

    def delete(self, token: str, profile_id: int) -> None:
        self.call("DELETE", f"/v1/profiles/{profile_id}", token)


class Jobs(Backend):
    def create(self, token: str, body: JSON) -> JSON:
        result: JSON = self.call("POST", "/v1/opportunities", token, json=body).json()
        return result

    def get(self, token: str, opportunity_id: int) -> JSON:
        result: JSON = self.call("GET", f"/v1/opportunities/{opportunity_id}", token).json()
        return result

    def update(self, token: str, opportunity_id: int, body: JSON, *, version: int | None) -> JSON:
        headers = {"If-Match": f'"{version}"'} if version is not None else None
        result: JSON = self.call("PATCH", f"/v1/opportunities/{opportunity_id}", token, json=body,
                                 headers=headers).json()
        return result

    def list(self, token: str, **filters: Any) -> JSON:
        result: JSON = self.call("GET", "/v1/opportunities", token, params=filters).json()
        return result

    def create_training_need(self, token: str, body: JSON) -> JSON:
        result: JSON = self.call("POST", "/v1/training-needs", token, json=body).json()
        return result

    def apply(self, token: str, opportunity_id: int, body: JSON) -> JSON:
        result: JSON = self.call("POST", f"/v1/opportunities/{opportunity_id}/applications", token,
                                 json=body).json()
        return result

    def applications(self, token: str, **filters: Any) -> JSON:
        result: JSON = self.call("GET", "/v1/applications", token, params=filters).json()
        return result

    def move_application(self, token: str, application_id: int, status: str, *, version: int | None) -> JSON:
        headers = {"If-Match": f'"{version}"'} if version is not None else None
        result: JSON = self.call("PATCH", f"/v1/applications/{application_id}", token, json={"status": status},
                                 headers=headers).json()
        return result

    def reviews(self, token: str, **filters: Any) -> JSON:
        result: JSON = self.call("GET", "/v1/admin/reviews", token, params=filters).json()
        return result

    def review(self, token: str, opportunity_id: int, body: JSON, *, version: int | None) -> JSON:
        headers = {"If-Match": f'"{version}"'} if version is not None else None
        result: JSON = self.call("POST", f"/v1/opportunities/{opportunity_id}/review", token, json=body,
                                 headers=headers).json()
        return result

    def seats(self, token: str, opportunity_id: int) -> JSON:
        result: JSON = self.call("GET", f"/v1/opportunities/{opportunity_id}/seats", token).json()
        return result


class Matching(Backend):
    def recommendations(self, token: str, talent_id: int, **filters: Any) -> JSON:
        result: JSON = self.call("GET", f"/v1/talents/{talent_id}/recommendations", token, params=filters).json()
        return result

    def shortlist(self, token: str, opportunity_id: int, **filters: Any) -> JSON:
        result: JSON = self.call("GET", f"/v1/opportunities/{opportunity_id}/shortlist", token,
                                 params=filters).json()
        return result

    def skill_gap(self, token: str, talent_id: int, **target: Any) -> JSON:
        result: JSON = self.call("GET", f"/v1/talents/{talent_id}/skill-gap", token, params=target).json()
        return result

    def search(self, token: str, body: JSON) -> JSON:
        result: JSON = self.call("POST", "/v1/search", token, json=body).json()
        return result

    def feedback(self, token: str, body: JSON) -> None:
        self.call("POST", "/v1/feedback", token, json=body)


@dataclass
class Backends:
    profiles: Profiles
    jobs: Jobs
    matching: Matching

    @classmethod
    def connect(cls, *, profiles_url: str, jobs_url: str, matching_url: str, timeout: float) -> Backends:
        def client(url: str) -> httpx.Client:
            return httpx.Client(base_url=url, timeout=timeout)

        return cls(Profiles("profiles", client(profiles_url)), Jobs("jobs", client(jobs_url)),
                   Matching("matching", client(matching_url)))

    def close(self) -> None:
        for backend in (self.profiles, self.jobs, self.matching):
            backend.http.close()
