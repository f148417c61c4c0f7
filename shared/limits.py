"""Request limits enforced before any route runs: header size, body size, and JSON the services can answer.

Pure ASGI, so a refused request costs no parsing, routing or authentication. ``NaN``, ``Infinity`` and
lone surrogates (``"\\ud800"``) are accepted by Python's JSON parser but are not JSON values: a float
field would store them and no answer could carry them back, so they are refused here with 422 naming
the field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import orjson
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

Loc = list[str | int]
MAX_LOC_KEY_CHARS = 64
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})


def printable(text: str, *, limit: int) -> str:
    """``text`` safe to answer and log: lone surrogates escaped, at most ``limit`` characters."""
    safe = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return safe if len(safe) <= limit else safe[:limit - 1] + "…"


def error_body(loc: Loc, msg: str, kind: str) -> dict[str, Any]:
    """The one error shape of every service (``shared.web.ErrorResponse``)."""
    return {"detail": [{"loc": loc, "msg": msg, "type": kind}]}


def _is_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _walk(value: Any, loc: Loc) -> Iterator[tuple[Loc, Any]]:
    """Every key and value of a parsed document with where it sits (keys as ``(loc, key)`` pairs)."""
    stack: list[tuple[Loc, Any]] = [(loc, value)]
    while stack:
        where, item = stack.pop()
        yield where, item
        if isinstance(item, dict):
            for key, child in item.items():
                here = [*where, printable(str(key), limit=MAX_LOC_KEY_CHARS)]
                if not _is_encodable(key):
                    yield here, key
                stack.append((here, child))
        elif isinstance(item, list):
            stack.extend(([*where, n], child) for n, child in enumerate(item))


def unsafe_json(body: bytes) -> tuple[Loc, str] | None:
    """Where ``body`` holds a value that is not JSON (NaN, ±Infinity, a lone surrogate), and what it is.

    ``None`` for a clean body and for a malformed one (FastAPI answers that 422 itself). orjson refuses
    exactly these values and is fast, so only a refused body is parsed again to find the field.
    """
    try:
        orjson.loads(body)
        return None
    except orjson.JSONDecodeError:
        pass
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    for loc, value in _walk(document, ["body"]):
        if isinstance(value, float) and not math.isfinite(value):
            return loc, "not a finite number: NaN and Infinity are not JSON values"
        if isinstance(value, str) and not _is_encodable(value):
            return loc, "a lone surrogate (e.g. \\ud800) is not a Unicode character"
    return None


def _is_json(headers: Headers) -> bool:
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


def head_bytes(scope: Scope) -> int:
    """Size of the request line and headers as sent (method, target, each ``name: value`` line)."""
    target = len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b""))
    return len(scope["method"]) + target + 12 + sum(len(k) + len(v) + 4 for k, v in scope["headers"])


class RequestLimitsMiddleware:
    """Refuse, before the app sees them: a head over ``max_header_bytes`` (431), a body over ``max_bytes``
    (413), and a JSON body holding NaN, Infinity or a lone surrogate (422 naming the field).

    A declared ``Content-Length`` is checked up front; a JSON or chunked body is read up to the limit and
    handed on from memory.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_header_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if head_bytes(scope) > self.max_header_bytes:
            await JSONResponse(status_code=431, content=error_body(
                ["header"], f"request line and headers over the limit of {self.max_header_bytes} bytes",
                "request_header_fields_too_large"))(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        json_body = _is_json(headers)
        if scope["method"] not in WRITE_METHODS or (length is not None and not json_body):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        if json_body:
            found = unsafe_json(b"".join(m.get("body", b"") for m in messages))
            if found is not None:
                await JSONResponse(status_code=422, content=error_body(found[0], found[1], "json_invalid"))(
                    scope, receive, send)
                return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await JSONResponse(status_code=413, content=error_body(
            ["body"], f"request body over the limit of {self.max_bytes} bytes", "payload_too_large"))(
            scope, receive, send)
