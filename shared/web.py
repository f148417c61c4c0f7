"""FastAPI app plumbing shared by the services: one error shape for every failure, request limits, probes.

Every error answer is ``{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`` (``ErrorResponse``),
documented on every operation of the OpenAPI schema. Answers never echo what was sent: no ``input``,
messages cut short, lone surrogates escaped; unexpected exceptions are logged by type and stack only,
since their messages can carry field values.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import DomainError
from shared.limits import MAX_LOC_KEY_CHARS, Loc, RequestLimitsMiddleware, error_body, printable
from shared.settings import DEFAULT_MAX_HEADER_BYTES

log = logging.getLogger(__name__)
MAX_MESSAGE_CHARS = 240
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class ErrorDetail(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorResponse(BaseModel):
    """The body of every error: where (``loc``: body, query, path or header, then the field), what, which kind."""

    detail: list[ErrorDetail]


DESCRIPTIONS = {400: "Bad request", 401: "Not authenticated", 403: "Forbidden", 404: "Not found",
                405: "Method not allowed (Allow lists the path's methods)", 409: "Conflict with the stored version",
                413: "Request body too large", 422: "Invalid input: names the field",
                431: "Request line and headers too large",
                429: "Too many requests: retry after the Retry-After seconds",
                500: "Unexpected error (nothing of the request is echoed)",
                503: "A dependency is unavailable: retry after the Retry-After seconds"}
# Answered by the shared plumbing on any operation, whatever its router declares.
EVERY_OPERATION = (400, 413, 422, 431, 500, 503)


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the error statuses a router may answer."""
    return {code: {"model": ErrorResponse, "description": DESCRIPTIONS[code]} for code in codes}


def _clean_loc(loc: tuple[Any, ...] | list[Any]) -> Loc:
    return [part if isinstance(part, int) else printable(str(part), limit=MAX_LOC_KEY_CHARS) for part in loc]


def _answer(status: int, loc: Loc, msg: str, kind: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=error_body(loc, printable(msg, limit=MAX_MESSAGE_CHARS), kind),
                        headers=headers)


def _where(request: Request, exc: DomainError) -> Loc:
    """``[location, field]``: the location given, else the query or path parameter of that name, else the body."""
    if exc.field is None:
        return [exc.location] if exc.location else []
    location = exc.location
    if location is None:
        if exc.field in request.path_params:
            location = "path"
        elif exc.field in request.query_params:
            location = "query"
        else:
            location = "body"
    return [location, exc.field]


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method some route of ``app`` answers on the path of ``scope`` (asked method by method, since
    included routers only say whether they fully match)."""
    methods = {method for method in HTTP_METHODS
               if any(route.matches({**scope, "method": method})[0] == Match.FULL for route in app.router.routes)}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    """Map every failure to the one error shape, and document it on every operation."""

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database_unavailable(_request: Request, _exc: Exception) -> JSONResponse:
        """The database cannot be reached (restarting, failing over): nothing was changed; retry."""
        return _answer(503, ["database"], "the database is unavailable; nothing was changed, retry shortly",
                       "database_unavailable", headers={"Retry-After": "2"})

    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return _answer(exc.status_code, _where(request, exc), exc.message, type(exc).__name__, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        """Every invalid field, without the values sent (they may be personal data or huge)."""
        details = [{"loc": _clean_loc(error.get("loc", ())),
                    "msg": printable(str(error.get("msg", "invalid")), limit=MAX_MESSAGE_CHARS),
                    "type": str(error.get("type", "value_error"))} for error in exc.errors()[:20]]
        return JSONResponse(status_code=422, content={"detail": details})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        """Starlette's own answers (unknown path, method, unparsable body) in the shared shape."""
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(app, request.scope))
            return _answer(405, ["method"], f"{request.method} is not allowed here; use {headers['Allow']}",
                           "method_not_allowed", headers)
        if exc.status_code == 404:
            return _answer(404, ["path"], "no such path", "not_found", headers)
        loc: Loc = ["body"] if exc.status_code == 400 else []
        return _answer(exc.status_code, loc, str(exc.detail), f"http_{exc.status_code}", headers)

    app.add_middleware(ErrorShieldMiddleware)
    document_errors(app)


class ErrorShieldMiddleware:
    """Answer an unexpected exception with a 500 in the shared shape and log it by type and stack only.

    Left to the server, the traceback would be logged with the exception's message, which may quote
    field values (a phone number in a validation error); the stack names code, never data.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            stack = "".join(traceback.format_tb(exc.__traceback__))
            log.error("unexpected %s in %s %s\n%s", type(exc).__name__, scope["method"], scope["path"], stack)
            if not started:
                await _answer(500, [], f"unexpected {type(exc).__name__}; nothing of the request is echoed",
                              "internal_error")(scope, receive, send)


def document_errors(app: FastAPI) -> None:
    """Put ``ErrorResponse`` on every operation for the statuses the plumbing answers, FastAPI's 422 included."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes, tags=app.openapi_tags)
        reference = {"$ref": "#/components/schemas/ErrorResponse"}
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["ErrorResponse"] = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(components["ErrorResponse"].pop("$defs", {}))
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                for code in EVERY_OPERATION:
                    responses[str(code)] = {"description": DESCRIPTIONS[code],
                                            "content": {"application/json": {"schema": reference}}}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_body_limit(app: FastAPI, *, max_bytes: int, max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES) -> None:
    """Refuse, before parsing: heads over ``max_header_bytes`` (431), bodies over ``max_bytes`` (413), and
    JSON bodies holding NaN, Infinity or lone surrogates (422 naming the field)."""
    app.add_middleware(RequestLimitsMiddleware, max_bytes=max_bytes, max_header_bytes=max_header_bytes)


def install_health(app: FastAPI, *, ready: Callable[[], tuple[bool, dict[str, Any]]]) -> None:
    """``/healthz`` says the process is up; ``/readyz`` reports dependencies, 503 when ``ready`` says not."""

    @app.get("/healthz", tags=["ops"], include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], include_in_schema=False)
    def readyz() -> JSONResponse:
        ok, report = ready()
        return JSONResponse(status_code=200 if ok else 503, content={"ready": ok, **report})
