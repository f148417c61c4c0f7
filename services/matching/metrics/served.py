"""Served lists, counted at the HTTP edge: the matching routes stay unaware of the figures.

A pure ASGI middleware watches ``GET /v1/talents/{id}/recommendations``, ``GET /v1/opportunities/{id}
/shortlist`` and ``POST /v1/search``: it times each call into the search-latency histogram and, for a
200 answer of the first two, reads the JSON it sent (item ids and scores) into the figures store.
The response passes through untouched.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.matching.metrics.facts import Operation, ServedList, ServedMatch
from services.matching.metrics.pipeline import PipelineMetrics
from services.matching.metrics.store import FiguresStore
from shared.background import utc_now

log = logging.getLogger(__name__)

ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("GET", re.compile(r"^/v1/talents/(\d+)/recommendations/?$"), "recommendations"),
    ("GET", re.compile(r"^/v1/opportunities/(\d+)/shortlist/?$"), "shortlist"),
    ("POST", re.compile(r"^/v1/search/?$"), "search"),
)
MAX_CAPTURED_BYTES = 4 * 1024 * 1024


def _operation(scope: Scope) -> tuple[str, int | None] | None:
    for method, pattern, operation in ROUTES:
        match = pattern.match(scope.get("path", ""))
        if scope.get("method") == method and match:
            return operation, int(match.group(1)) if match.groups() else None
    return None


def served_list(operation: Operation, subject_id: int, body: dict[str, Any], *, at: datetime) -> ServedList:
    """The list a recommendations or shortlist answer carried."""
    matches = []
    for item in body.get("items", []):
        item_id, score = int(item["id"]), float(item["score"])
        pair = (subject_id, item_id) if operation == "recommendations" else (item_id, subject_id)
        matches.append(ServedMatch(talent_id=pair[0], opportunity_id=pair[1], score=score))
    return ServedList(at=at, operation=operation, subject_id=subject_id, matches=tuple(matches),
                      cached=bool(body.get("cached", False)))


class ServedListsMiddleware:
    def __init__(self, app: ASGIApp, *, figures: FiguresStore, metrics: PipelineMetrics) -> None:
        self.app = app
        self.figures = figures
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = _operation(scope) if scope["type"] == "http" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        operation, subject_id = found
        started = time.perf_counter()
        status = 0
        chunks: list[bytes] = []
        size = 0

        async def capture(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and status == 200 and size <= MAX_CAPTURED_BYTES:
                chunk = bytes(message.get("body", b""))
                size += len(chunk)
                chunks.append(chunk)
            await send(message)

        await self.app(scope, receive, capture)
        seconds = time.perf_counter() - started
        if status != 200 or size > MAX_CAPTURED_BYTES:
            return
        try:
            body = orjson.loads(b"".join(chunks))
            cached = body.get("cached") if isinstance(body.get("cached"), bool) else None
            self.metrics.searched(operation, cached=cached, seconds=seconds)
            if operation in ("recommendations", "shortlist") and subject_id is not None:
                op: Operation = "recommendations" if operation == "recommendations" else "shortlist"
                self.figures.record_served(served_list(op, subject_id, body, at=utc_now()))
                self.metrics.served.labels(operation).inc()
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("could not read a %s answer for the figures", operation, exc_info=True)
