"""Domain errors, mapped to HTTP status codes once (see ``shared.web``)."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose; ``status_code`` is its HTTP meaning."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, location: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # Where ``field`` was sent ("body", "query", "path", "header"); None: worked out from the request.
        self.location = location
        self.headers = headers or {}


class NotAuthenticatedError(DomainError):
    """No valid bearer token: the client should (re)authenticate."""

    status_code = 401

    def __init__(self, message: str) -> None:
        super().__init__(message, field="authorization", location="header", headers={"WWW-Authenticate": "Bearer"})


class ForbiddenError(DomainError):
    """Authenticated, but this identity may not do this to this record."""

    status_code = 403


class NotFoundError(DomainError):
    status_code = 404


class ConflictError(DomainError):
    status_code = 409


class UnprocessableError(DomainError):
    status_code = 422


class TooManyRequestsError(DomainError):
    status_code = 429

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after_seconds)})
        self.retry_after_seconds = retry_after_seconds


class ServiceUnavailableError(DomainError):
    status_code = 503
