"""Domain errors, mapped to HTTP status codes once (see ``shared.web``)."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose; ``status_code`` is its HTTP meaning."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFoundError(DomainError):
    status_code = 404


class ConflictError(DomainError):
    status_code = 409


class UnprocessableError(DomainError):
    status_code = 422


class ServiceUnavailableError(DomainError):
    status_code = 503
