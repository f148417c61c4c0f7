"""Assertions shared by the jobs tests."""

from __future__ import annotations

from typing import Any, Protocol


class Response(Protocol):
    """What the tests read of a TestClient response."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


def error_fields(response: Response) -> list[str]:
    """The field each error names: the last name in its ``loc`` (list indexes skipped)."""
    fields = []
    for detail in response.json()["detail"]:
        names = [str(part) for part in detail.get("loc", []) if not isinstance(part, int)]
        fields.append(names[-1] if names else "")
    return fields


def assert_refused(response: Response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert field in error_fields(response), response.text


def created(response: Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
