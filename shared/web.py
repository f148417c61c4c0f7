"""FastAPI app plumbing shared by the services: error mapping, body-size limit, health probes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


def _too_large(max_bytes: int) -> JSONResponse:
    return JSONResponse(status_code=413, content={"detail": [{
        "loc": ["body"], "msg": f"request body over the limit of {max_bytes} bytes", "type": "payload_too_large"}]})


class BodyLimitMiddleware:
    """Pure ASGI: refuse a request body over ``max_bytes`` with 413 before it is parsed.

    A declared ``Content-Length`` is checked up front; a chunked body is read up to the limit and handed
    on from memory.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None:
            if length.isdigit() and int(length) > self.max_bytes:
                await _too_large(self.max_bytes)(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        if scope["method"] not in {"POST", "PUT", "PATCH"}:
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await _too_large(self.max_bytes)(scope, receive, send)
                return
            if message["type"] != "http.request" or not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def install_body_limit(app: FastAPI, *, max_bytes: int) -> None:
    """Refuse request bodies over ``max_bytes`` with 413 before they are parsed."""
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_bytes)


def install_health(app: FastAPI, *, ready: Callable[[], tuple[bool, dict[str, Any]]]) -> None:
    """``/healthz`` says the process is up; ``/readyz`` reports dependencies, 503 when ``ready`` says not."""

    @app.get("/healthz", tags=["ops"], include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], include_in_schema=False)
    def readyz() -> JSONResponse:
        ok, report = ready()
        return JSONResponse(status_code=200 if ok else 503, content={"ready": ok, **report})
