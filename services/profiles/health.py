"""Liveness and readiness probes; readiness reports the outbox backlog without failing on it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from shared.outbox import OutboxRelay

router = APIRouter(tags=["ops"], include_in_schema=False)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Ready when the database answers; a broker outage only grows ``outbox_pending``."""
    relay: OutboxRelay = request.app.state.relay
    report: dict[str, Any] = {"database": "ok", "outbox_pending": None, "outbox_error": relay.last_error}
    try:
        with request.app.state.session_factory() as session:
            session.execute(text("SELECT 1"))
        report["outbox_pending"] = relay.pending()
    except SQLAlchemyError as exc:
        report["database"] = f"error: {type(exc).__name__}"
    ready = report["database"] == "ok"
    return JSONResponse(status_code=200 if ready else 503, content={"ready": ready, **report})
