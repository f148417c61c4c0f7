"""Notifications: the signed-in account's notices newest first, marking them read, and a seeker's settings
(the match score from which a new opportunity is worth a notice, and whether to get those at all)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import RedirectResponse

from services.portal.deps import CurrentUser, SeekerUser
from services.portal.forms import checked, form_values
from services.portal.i18n import translator
from services.portal.notifier.service import NotificationService
from services.portal.notifier.texts import notice_text
from services.portal.web import render
from shared.errors import DomainError

router = APIRouter(include_in_schema=False)
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def get_notifications(request: Request) -> NotificationService:
    service: NotificationService = request.app.state.notifications
    return service


NotificationsDep = Annotated[NotificationService, Depends(get_notifications)]


def _page(request: Request, user: CurrentUser, service: NotificationService, *,
          errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
          status_code: int = 200) -> Response:
    rows = service.listing(user.account.id)
    t = translator(request.state.lang)
    items = [{"id": row.id, "text": notice_text(row.kind, row.params, t), "link": row.link,
              "kind": row.kind, "created_at": row.created_at, "read": row.read_at is not None} for row in rows]
    choices = service.choices(user.account.id) if user.kind == "seeker" else None
    return render(request, "notifications.html", {"items": items, "choices": choices, "errors": errors or {},
                                                   "form": form or {}}, status_code=status_code)


@router.get("/notifications")
def notifications_page(request: Request, user: CurrentUser, service: NotificationsDep) -> Response:
    """The account's notifications, newest first, with the settings of a seeker."""
    return _page(request, user, service)


@router.post("/notifications/{notification_id}/read")
def mark_read(notification_id: RecordId, user: CurrentUser, service: NotificationsDep) -> Response:
    """Mark one notification read (another account's is 404, like an unknown one)."""
    service.mark_read(user.account.id, notification_id)
    return RedirectResponse("/notifications", status_code=303)


@router.post("/notifications/read-all")
def mark_all_read(user: CurrentUser, service: NotificationsDep) -> Response:
    """Mark every notification of the account read."""
    service.mark_all_read(user.account.id)
    return RedirectResponse("/notifications", status_code=303)


@router.post("/notifications/settings")
async def save_settings(request: Request, user: SeekerUser, service: NotificationsDep) -> Response:
    """Save the match threshold (0–1) and the new-match switch."""
    values = await form_values(request)
    raw = str(values.get("match_threshold", "")).strip()
    try:
        threshold = float(raw)
    except ValueError:
        message = "match_threshold must be a number between 0 and 1"
        return _page(request, user, service, errors={"match_threshold": message}, form={"match_threshold": raw},
                     status_code=422)
    try:
        service.save_choices(user.account.id, threshold=threshold,
                             new_match_enabled=checked(values, "new_match_enabled"))
    except DomainError as exc:
        return _page(request, user, service, errors={exc.field or "": exc.message}, form={"match_threshold": raw},
                     status_code=exc.status_code)
    return RedirectResponse("/notifications?msg=saved", status_code=303)
