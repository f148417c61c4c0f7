"""A notification's text in the reader's language, from its kind and stored parameters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from services.portal.i18n import translator

KINDS = ("new_match", "application_status", "invitation", "invitation_withdrawn")


def notice_text(kind: str, params: Mapping[str, Any], t: Callable[[str], str]) -> str:
    """The sentence shown for one notice; statuses and opportunity kinds are translated too."""
    values = {key: str(value) for key, value in params.items()}
    if "status" in params:
        values["status"] = t(f"app_status_{params['status']}")
    if "kind" in params:
        values["kind"] = t(f"kind_{params['kind']}")
    if isinstance(params.get("score"), int | float):
        values["score"] = f"{params['score']:.2f}"
    template = t(f"notice_{kind}")
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):  # a notice stored by another release: show what it names
        return template


def texts(kind: str, params: Mapping[str, Any]) -> dict[str, str]:
    """The text in every language, for the senders (they do not know the reader's choice)."""
    return {lang: notice_text(kind, params, translator(lang)) for lang in ("zh", "en")}
