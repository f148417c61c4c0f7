"""Whose profile is it: jobs asks the profiles service, with the applying seeker's own token.

profiles answers a seeker's read of another's profile like an unknown id (404), so one GET tells both
cases apart from "yours" without jobs keeping a copy of who owns which profile.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from shared.errors import ServiceUnavailableError, UnprocessableError

# Seconds a client should wait before retrying when profiles cannot answer.
RETRY_AFTER_SECONDS = 5


class ProfilesHttp(Protocol):
    """What the check needs of an HTTP client: ``httpx.Client`` (base URL: profiles), or a TestClient."""

    def get(self, url: str, *, headers: dict[str, str]) -> Any: ...


class ProfileOwnership(Protocol):
    def check_owned(self, profile_id: int, *, token: str) -> None: ...


def _unavailable(why: str, *, retry_after: int = RETRY_AFTER_SECONDS) -> ServiceUnavailableError:
    return ServiceUnavailableError(f"the profiles service {why}, so profile_id cannot be checked; nothing was "
                                   "stored: try again shortly", headers={"Retry-After": str(retry_after)})


def _retry_after(response: Any) -> int:
    text = str(response.headers.get("Retry-After", ""))
    return int(text) if text.isdigit() else RETRY_AFTER_SECONDS


class ProfilesClient:
    """``check_owned`` returns when ``token``'s seeker owns the profile; 422 naming ``profile_id`` when it is
    another's or unknown (the same answer, so ids cannot be probed); 503 with ``Retry-After`` when profiles
    cannot answer."""

    def __init__(self, http: ProfilesHttp) -> None:
        self._http = http

    def check_owned(self, profile_id: int, *, token: str) -> None:
        try:
            response = self._http.get(f"/v1/profiles/{profile_id}", headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            raise _unavailable("cannot be reached") from exc
        status = response.status_code
        if status == 200:
            return
        if status == 404:
            raise UnprocessableError(f"profile_id: profile {profile_id} is not one of your profiles",
                                     field="profile_id", location="body")
        if status == 429:
            raise _unavailable("is busy", retry_after=_retry_after(response))
        raise _unavailable(f"answered {status}")
