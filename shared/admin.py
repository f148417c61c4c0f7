"""The admin routes every service that owns data answers the same way: re-publish, and read the audit log.

Each service hands in how to reach its ``AdminService`` (a dependency) and names its records for the
OpenAPI text; the routes, roles and answers are written once here.
"""

# No ``from __future__ import annotations``: the routes' annotations name the ``service`` dependency, a
# local of ``admin_router``, which FastAPI could not resolve from a string.
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy.orm import Session, sessionmaker

from shared import audit
from shared.audit import AuditLogPublic, AuditQuery
from shared.auth import Principal, require_role
from shared.errors import ForbiddenError
from shared.web import error_responses

Operator = Annotated[Principal, Depends(require_role("operator"))]
OperatorOrService = Annotated[Principal, Depends(require_role("operator", "service"))]


class AdminService(Protocol):
    def republish(self, *, actor: Principal) -> int: ...

    def audit_log(self, *, viewer: Principal, query: AuditQuery) -> Sequence[dict[str, Any]]: ...


def check_republisher(actor: Principal) -> None:
    if actor.role not in ("operator", "service"):
        raise ForbiddenError("only operators and services re-publish")


def read_audit(sessions: sessionmaker[Session], model: type[audit.AuditModel], *, viewer: Principal,
               query: AuditQuery) -> Sequence[dict[str, Any]]:
    """The newest audit rows matching ``query``, for operators."""
    if viewer.role != "operator":
        raise ForbiddenError("only operators read the audit log")
    with sessions() as session:
        return audit.recent(session, model, record_type=query.record_type, record_id=query.record_id,
                            actor=query.actor, limit=query.limit)


def admin_router(service: Callable[..., Awaitable[AdminService]], *, records: str) -> APIRouter:
    """``POST /v1/admin/republish`` and ``GET /v1/admin/audit`` over the service ``service`` hands out."""
    router = APIRouter(prefix="/v1/admin", tags=["admin"], responses=error_responses(401, 403, 429, 503))

    @router.post("/republish", status_code=status.HTTP_202_ACCEPTED,
                 description=f"Re-publish every {records}'s current version (after the broker lost its log); "
                             "replays are harmless.")
    def republish(principal: OperatorOrService, admin: Annotated[AdminService, Depends(service)]) -> dict[str, int]:
        return {"enqueued": admin.republish(actor=principal)}

    @router.get("/audit", description=f"The audit log, newest first: who changed which {records} when "
                                      "(operators only; no personal data).")
    def read_audit_log(query: Annotated[AuditQuery, Query()], principal: Operator,
                       admin: Annotated[AdminService, Depends(service)]) -> AuditLogPublic:
        return AuditLogPublic.model_validate({"items": admin.audit_log(viewer=principal, query=query)})

    return router
