"""FastAPI app plumbing shared by the services: error mapping, body-size limit, health probes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import InterfaceError, OperationalError

from shared.errors import DomainError


class ErrorDetail(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorResponse(BaseModel):
    """The body of every error: FastAPI's validation-error shape, so clients parse one format."""

    detail: list[ErrorDetail]


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the error statuses a router may answer."""
    descriptions = {400: "Bad request", 401: "Not authenticated", 403: "Forbidden", 404: "Not found",
                    409: "Conflict with the stored version", 413: "Request body too large",
                    429: "Too many requests: retry after the Retry-After seconds",
                    503: "A dependency is unavailable"}
    return {code: {"model": ErrorResponse, "description": descriptions[code]} for code in codes}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database_unavailable(_request: Request, _exc: Exception) -> JSONResponse:
        """The database cannot be reached (restarting, failing over): nothing was changed; retry."""
        detail = {"loc": ["database"], "msg": "the database is unavailable; nothing was changed, retry shortly",
                  "type": "database_unavailable"}
        return JSONResponse(status_code=503, content={"detail": [detail]}, headers={"Retry-After": "2"})

    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        detail = {"loc": ["body", exc.field] if exc.field else ["body"], "msg": exc.message,
                  "type": type(exc).__name__}
        return JSONResponse(status_code=exc.status_code, content={"detail": [detail]}, headers=exc.headers)


def install_body_limit(app: FastAPI, *, max_bytes: int) -> None:
    """Refuse request bodies over ``max_bytes`` with 413 before they are parsed."""

    @app.middleware("http")
    async def _limit(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > max_bytes:
            return JSONResponse(
                status_code=413,
                content={"detail": [{"loc": ["body"], "msg": f"request body over the limit of {max_bytes} bytes",
                                     "type": "payload_too_large"}]},
            )
        if length is None and request.method in {"POST", "PUT", "PATCH"}:
            body = await request.body()
            if len(body) > max_bytes:
                return JSONResponse(
                    status_code=413,
                    content={"detail": [{"loc": ["body"], "msg": f"request body over the limit of {max_bytes} bytes",
                                         "type": "payload_too_large"}]},
                )
        return await call_next(request)


def install_health(app: FastAPI, *, ready: Callable[[], tuple[bool, dict[str, Any]]]) -> None:
    """``/healthz`` says the process is up; ``/readyz`` reports dependencies, 503 when ``ready`` says not."""

    @app.get("/healthz", tags=["ops"], include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], include_in_schema=False)
    def readyz() -> JSONResponse:
        ok, report = ready()
        return JSONResponse(status_code=200 if ok else 503, content={"ready": ok, **report})
