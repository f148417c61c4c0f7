"""Job seekers: profile, résumé import, recommendations, opportunities, similar ones and skill gaps."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile

from services.portal import profile_form
from services.portal.clients import BackendCatchingUp
from services.portal.deps import AccountsDep, BackendsDep, CurrentUser, SeekerUser, SettingsDep, User
from services.portal.forms import checked, domain_errors, form_values
from services.portal.impressions import record_impressions
from services.portal.resume import UnreadableResumeError, extract_text, propose
from services.portal.schemas import RESUME_PURPOSE
from services.portal.web import render
from shared.errors import DomainError, NotFoundError

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

JSON = dict[str, Any]
OpportunityId = Annotated[int, Query(ge=1, le=2**63 - 1)]


def _current_values(user: User, backends: BackendsDep) -> JSON:
    if user.account.profile_id is None:
        return {"display_name": user.account.display_name, "skills": [], "wanted_kinds": [], "open_to_work": True}
    return profile_form.values_from_profile(backends.profiles.get(user.token, user.account.profile_id))


def _profile_page(request: Request, values: JSON, *, errors: dict[str, str] | None = None,
                  proposal: bool = False, status_code: int = 200) -> Response:
    return render(request, "profile.html", {"form": values, "errors": errors or {}, "proposal": proposal,
                                            **profile_form.choices(request.state.lang)}, status_code=status_code)


@router.get("/seeker/profile")
def profile_page(request: Request, user: SeekerUser, backends: BackendsDep) -> Response:
    """Create or edit my profile."""
    return _profile_page(request, _current_values(user, backends))


@router.post("/seeker/profile")
async def save_profile(request: Request, user: SeekerUser, backends: BackendsDep, accounts: AccountsDep) -> Response:
    """Save my profile through the profiles API (a bad field is shown next to it)."""
    values = profile_form.values_from_form(await form_values(request))
    body = profile_form.api_body(values)
    try:
        if user.account.profile_id is None:
            created = backends.profiles.create(user.token, body)
            accounts.set_profile(user.account.id, int(created["id"]))
        else:
            version = str(values.get("version") or "")
            backends.profiles.update(user.token, user.account.profile_id, body,
                                     version=int(version) if version.isdigit() else None)
    except DomainError as exc:
        if exc.status_code == 401:
            raise
        return _profile_page(request, values, errors=domain_errors(exc), status_code=exc.status_code)
    return RedirectResponse("/seeker/recommendations?msg=saved", status_code=303)


@router.get("/seeker/resume")
def resume_page(request: Request, user: SeekerUser) -> Response:
    """Upload a résumé (PDF, DOCX or TXT) to propose a profile from it."""
    return render(request, "resume.html")


@router.post("/seeker/resume")
async def read_resume(request: Request, user: SeekerUser, backends: BackendsDep, accounts: AccountsDep,
                      settings: SettingsDep) -> Response:
    """Read the file in memory, propose skills, city, years and education; nothing is saved until confirmed."""
    form = await request.form()
    upload = form.get("file")
    errors: dict[str, str] = {}
    if not checked({"c": form.get("consent_resume")}, "c"):
        errors["consent_resume"] = "importing a résumé needs your consent to this processing"
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["file"] = "choose a PDF, DOCX or TXT file"
    if errors or not isinstance(upload, UploadFile):
        return render(request, "resume.html", {"errors": errors}, status_code=422)
    data = await upload.read(settings.max_upload_bytes + 1)
    await upload.close()
    if len(data) > settings.max_upload_bytes:
        limit = settings.max_upload_bytes // 1024
        return render(request, "resume.html", {"errors": {"file": f"the file is over the limit of {limit} KB"}},
                      status_code=413)
    try:
        text = extract_text(upload.filename or "", data)
    except UnreadableResumeError as exc:
        return render(request, "resume.html", {"errors": {"file": str(exc)}, "unparseable": True},
                      status_code=422)
    finally:
        del data
    accounts.record_consent(user.account.id, RESUME_PURPOSE)
    values = profile_form.values_with_proposal(_current_values(user, backends), propose(text))
    return _profile_page(request, values, proposal=True)


@router.get("/seeker/recommendations")
def recommendations(request: Request, user: SeekerUser, backends: BackendsDep, accounts: AccountsDep,
                    kind: Annotated[str, Query(max_length=30)] = "",
                    city: Annotated[str, Query(max_length=60)] = "",
                    training_mode: Annotated[str, Query(max_length=30)] = "",
                    salary_min: Annotated[str, Query(max_length=9)] = "",
                    level: Annotated[str, Query(max_length=20)] = "") -> Response:
    """Recommendations by kind with reasons, matched and missing skills; filters by city, kind, mode,
    salary and level (the experience the postings state). What was shown goes to matching as impressions
    once the page is sent."""
    filters = {"kind": kind, "city": city, "training_mode": training_mode, "salary_min": salary_min,
               "level": level}
    context: JSON = {"filters": filters, "items": [], "no_profile": user.account.profile_id is None,
                     **profile_form.choices(request.state.lang), "modes": ["order_based", "custom", "directed"]}
    errors: dict[str, str] = {}
    status_code = 200
    if not salary_min.isdigit() and salary_min:
        errors["salary_min"] = "enter a whole number of yuan a month"
        status_code = 422
    if user.account.profile_id is not None and not errors:
        try:
            answer = backends.matching.recommendations(user.token, user.account.profile_id, k=50 if (
                salary_min or level) else 20, kind=kind, city=city, training_mode=training_mode)
            context["items"] = _with_details(answer["items"], user, backends, salary_min=salary_min, level=level)
        except (NotFoundError, BackendCatchingUp):
            context["indexing"] = True  # a new or changed profile reaches matching within moments
        except DomainError as exc:
            if exc.status_code in (401, 403):
                raise
            errors, status_code = domain_errors(exc), exc.status_code
    if request.headers.get("HX-Request"):  # htmx swaps only 2xx answers: the errors go in the results part
        page = render(request, "recommendations_results.html", {**context, "errors": errors})
    else:
        page = render(request, "recommendations.html", {**context, "errors": errors}, status_code=status_code)
    if context["items"] and user.account.profile_id is not None:
        page.background = BackgroundTask(record_impressions, matching=backends.matching, accounts=accounts,
                                         token=user.token, account_id=user.account.id,
                                         talent_id=user.account.profile_id, items=list(context["items"]))
    return page


def _with_details(items: list[JSON], user: User, backends: BackendsDep, *, salary_min: str,
                  level: str) -> list[JSON]:
    """Each match with its posting's details (salary, level, seats); filtered by salary and level."""
    kept = []
    for item in items:
        try:
            item["detail"] = backends.jobs.get(user.token, int(item["id"]))
        except NotFoundError:
            continue  # deleted since it was indexed
        detail = item["detail"]
        if salary_min and (detail.get("salary_max") or detail.get("salary_min") or 0) < int(salary_min):
            continue
        if level and detail.get("level") not in (None, level):
            continue
        kept.append(item)
    return kept[:20]


@router.get("/opportunities/{opportunity_id}")
def opportunity(request: Request, opportunity_id: int, user: CurrentUser, backends: BackendsDep,
                accounts: AccountsDep, pos: Annotated[int | None, Query(ge=1, le=1000)] = None) -> Response:
    """One opportunity; a seeker opening it from the recommendations records a click (feedback)."""
    detail = backends.jobs.get(user.token, opportunity_id)
    if user.kind == "seeker" and pos is not None and user.account.profile_id is not None:
        _feedback(user, backends, accounts, opportunity_id=opportunity_id, action="clicked", position=pos)
    seats = backends.jobs.seats(user.token, opportunity_id) if detail.get("kind") == "training_class" else None
    return render(request, "opportunity.html", {"o": detail, "seats": seats})


def _feedback(user: User, backends: BackendsDep, accounts: AccountsDep, *, opportunity_id: int, action: str,
              position: int | None) -> None:
    """Send one feedback event to matching (the funnel figures count it) and keep a copy for the export."""
    assert user.account.profile_id is not None
    body = {"talent_id": user.account.profile_id, "opportunity_id": opportunity_id, "action": action,
            "actor_role": "seeker", "position": position}
    try:
        backends.matching.feedback(user.token, body)
    except DomainError as exc:  # a lost click must not break the page
        log.warning("feedback not recorded: %s", exc.message)
        return
    accounts.record_feedback(user.account.id, talent_id=user.account.profile_id, opportunity_id=opportunity_id,
                             action=action, detail=f"position {position}")


@router.post("/seeker/recommendations/{opportunity_id}/dismiss")
def dismiss(opportunity_id: int, user: SeekerUser, backends: BackendsDep, accounts: AccountsDep,
            pos: Annotated[int | None, Query(ge=1, le=1000)] = None) -> Response:
    """"Not interested": a dismissal feedback event for this recommendation (the quality figures count it)."""
    if user.account.profile_id is not None:
        _feedback(user, backends, accounts, opportunity_id=opportunity_id, action="dismissed", position=pos)
    return RedirectResponse("/seeker/recommendations", status_code=303)


@router.get("/opportunities/{opportunity_id}/similar")
def similar(request: Request, opportunity_id: int, user: CurrentUser, backends: BackendsDep) -> Response:
    """Opportunities like this one (matching's text search over its title, skills and description)."""
    detail = backends.jobs.get(user.token, opportunity_id)
    text = " ".join([detail["title"], *detail.get("skills", []), str(detail.get("description", ""))[:300]])
    answer = backends.matching.search(user.token, {"text": text[:2000], "target": "opportunities", "k": 11})
    items = [item for item in answer["items"] if item["id"] != opportunity_id][:10]
    return render(request, "similar.html", {"o": detail, "items": items})


@router.get("/seeker/skill-gap")
def skill_gap(request: Request, user: SeekerUser, backends: BackendsDep,
              opportunity_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
              occupation: Annotated[str, Query(max_length=20)] = "") -> Response:
    """My missing skills for a target job or occupation, and the training classes that close the gap."""
    context: JSON = {"gap": None, "occupation": occupation, "opportunity_id": opportunity_id}
    if user.account.profile_id is None:
        return render(request, "skill_gap.html", {**context, "no_profile": True})
    if opportunity_id is None and not occupation:
        return render(request, "skill_gap.html", context)
    try:
        context["gap"] = backends.matching.skill_gap(user.token, user.account.profile_id,
                                                     opportunity_id=opportunity_id, occupation=occupation or None)
    except DomainError as exc:
        if exc.status_code in (401, 403):
            raise
        return render(request, "skill_gap.html", {**context, "errors": domain_errors(exc)},
                      status_code=exc.status_code)
    return render(request, "skill_gap.html", context)
