"""What ``/v1/admin`` does in jobs: re-publish opportunities and every application status change; read the
audit log (one log for both)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Request

from services.jobs.applications import ApplicationService
from services.jobs.service import OpportunityService
from shared.audit import AuditQuery
from shared.auth import Principal


class JobsAdmin:
    def __init__(self, *, opportunities: OpportunityService, applications: ApplicationService) -> None:
        self._opportunities = opportunities
        self._applications = applications

    def republish(self, *, actor: Principal) -> int:
        """Opportunities first, so a consumer reading in order knows each opportunity an application names."""
        return self._opportunities.republish(actor=actor) + self._applications.republish(actor=actor)

    def audit_log(self, *, viewer: Principal, query: AuditQuery) -> Sequence[dict[str, Any]]:
        return self._opportunities.audit_log(viewer=viewer, query=query)


async def get_admin(request: Request) -> JobsAdmin:
    admin: JobsAdmin = request.app.state.admin
    return admin
