"""Reading HTML forms: the submitted values, and validation errors as ``{field: reason}``."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from shared.errors import DomainError

M = TypeVar("M", bound=BaseModel)
CHECKED = ("on", "true", "1", "yes")


async def form_values(request: Request) -> dict[str, Any]:
    """Single values as strings, repeated names (checkbox groups) as lists; the CSRF field dropped."""
    form = await request.form()
    values: dict[str, Any] = {}
    for key in form:
        items = [v for v in form.getlist(key) if isinstance(v, str)]
        if key == "csrf_token" or not items:
            continue
        values[key] = items if len(items) > 1 or key.endswith("[]") else items[0]
    return values


def checked(values: dict[str, Any], name: str) -> bool:
    return str(values.get(name, "")).lower() in CHECKED


def validation_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for item in exc.errors():
        name = next((str(part) for part in reversed(item["loc"]) if isinstance(part, str)), "")
        errors.setdefault(name, str(item["msg"]).removeprefix("Value error, "))
    return errors


def domain_errors(exc: DomainError) -> dict[str, str]:
    errors: dict[str, str] | None = getattr(exc, "errors", None)  # a backend's 422 names several fields
    return dict(errors) if errors else {exc.field or "": exc.message}


def split_list(text: Any) -> list[str]:
    """A comma-, semicolon- or newline-separated field (Chinese punctuation too) as a list, blanks dropped."""
    if isinstance(text, list):
        return [item.strip() for item in text if isinstance(item, str) and item.strip()]
    raw = str(text or "")
    for separator in ("，", "、", "；", ";", "\n"):
        raw = raw.replace(separator, ",")
    return [item.strip() for item in raw.split(",") if item.strip()]
