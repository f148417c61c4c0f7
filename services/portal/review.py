"""Showing the jobs service's review of a posting: the flagged phrases marked in its text."""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import Markup, escape


def highlight(text: object, phrases: Iterable[str]) -> Markup:
    """``text`` escaped, each occurrence of a phrase wrapped in ``<mark>`` (longest phrase first)."""
    raw = "" if text is None else str(text)
    wanted = sorted({p for p in phrases if p}, key=len, reverse=True)
    if not wanted:
        return Markup(escape(raw))
    pattern = re.compile("|".join(re.escape(p) for p in wanted), re.IGNORECASE)
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(raw):
        pieces.append(escape(raw[last:match.start()]))
        pieces.append(Markup("<mark>{}</mark>").format(match.group(0)))
        last = match.end()
    pieces.append(escape(raw[last:]))
    return Markup("").join(pieces)


def flagged_phrases(opportunity: dict[str, object]) -> list[str]:
    """The phrases to mark in a posting the screen held or an operator rejected (none once published)."""
    review = opportunity.get("review")
    if not isinstance(review, dict) or review.get("status") == "published":
        return []
    flags = review.get("flags")
    return [str(flag["phrase"]) for flag in flags if isinstance(flag, dict)] if isinstance(flags, list) else []
