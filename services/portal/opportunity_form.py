"""The enterprise's posting forms (job, training class, training need) and their mapping to the jobs API."""

from __future__ import annotations

from typing import Any

from services.portal.forms import checked, split_list

JSON = dict[str, Any]
POSTABLE_KINDS = ("job_posting", "training_class")
COMMON = ("title", "city", "description", "level", "closes_on")
KIND_FIELDS = {
    "job_posting": ("salary_min", "salary_max", "openings", "education_required", "occupation_code"),
    "training_class": ("training_mode", "sponsor", "seats", "starts_on", "ends_on", "committed_hires"),
}
NUMBERS = frozenset({"salary_min", "salary_max", "openings", "seats", "committed_hires", "headcount"})


def _value(name: str, raw: Any) -> Any:
    """Blank → omitted (``None``); a number field as int, or as the text sent so the API names the field."""
    text = str(raw if raw is not None else "").strip()
    if not text:
        return None
    if name in NUMBERS:
        return int(text) if text.isdigit() else text
    return text


def opportunity_body(kind: str, form: JSON, *, organization: str, for_update: bool = False) -> JSON:
    """The jobs API body; on update, blank fields are sent as ``null`` so they are cleared."""
    body: JSON = {} if for_update else {"kind": kind, "organization": organization}
    for name in (*COMMON, *KIND_FIELDS[kind]):
        value = _value(name, form.get(name))
        if value is not None or (for_update and name not in ("title", "city", "training_mode", "sponsor", "seats")):
            body[name] = value
    body["skills"] = split_list(form.get("skills", ""))
    if kind == "training_class":
        body["hiring_commitment"] = checked(form, "hiring_commitment")
        body["target_occupations"] = split_list(form.get("target_occupations", ""))
        if not for_update and not body.get("sponsor"):
            body["sponsor"] = organization
        if body.get("committed_hires") is None:
            body["committed_hires"] = 0
    if for_update:
        body["description"] = body.get("description") or ""
    return body


def form_from_opportunity(opportunity: JSON) -> JSON:
    values = {name: ("" if value is None else value) for name, value in opportunity.items()}
    values["skills"] = "，".join(opportunity.get("skills", []))
    values["target_occupations"] = "，".join(opportunity.get("target_occupations", []) or [])
    return values


def need_body(form: JSON, *, organization: str) -> JSON:
    body: JSON = {"enterprise": organization, "skills": split_list(form.get("skills", ""))}
    for name in ("title", "headcount", "city", "deadline", "description", "training_mode"):
        value = _value(name, form.get(name))
        if value is not None:
            body[name] = value
    body["target_occupations"] = split_list(form.get("target_occupations", ""))
    return body
