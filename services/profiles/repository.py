"""Every query of the profiles service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from services.profiles.models import Profile


def add(session: Session, profile: Profile) -> Profile:
    """Insert ``profile``; flushing assigns its id and version 1."""
    session.add(profile)
    session.flush()
    return profile


def get(session: Session, profile_id: int, *, for_update: bool = False) -> Profile | None:
    """The profile, row-locked for the rest of the transaction when ``for_update`` (no-op on SQLite)."""
    statement = select(Profile).where(Profile.id == profile_id)
    if for_update:
        statement = statement.with_for_update()
    return session.scalars(statement).one_or_none()


def get_by_owner(session: Session, owner: str) -> Profile | None:
    """The profile of the account ``owner``, if it has one."""
    return session.scalars(select(Profile).where(Profile.owner == owner)).one_or_none()


def remove(session: Session, profile: Profile) -> None:
    session.delete(profile)
    session.flush()


def _json_list_has(session: Session, column: Any, value: str, *, ignore_case: bool) -> ColumnElement[bool]:
    """True where the JSON list in ``column`` holds ``value``."""
    if session.get_bind().dialect.name == "postgresql":
        elements = func.jsonb_array_elements_text(column).table_valued("value")
    else:
        elements = func.json_each(column).table_valued("value")
    element = elements.c.value
    match = func.lower(element) == func.lower(value) if ignore_case else element == value
    return exists(select(1).select_from(elements).where(match))


def _conditions(session: Session, *, city: str | None, skill: str | None, wanted_kind: str | None,
                open_to_work: bool | None) -> list[ColumnElement[bool]]:
    conditions = []
    if city is not None:
        conditions.append(Profile.city == city)
    if skill is not None:
        conditions.append(_json_list_has(session, Profile.skills, skill, ignore_case=True))
    if wanted_kind is not None:
        conditions.append(_json_list_has(session, Profile.wanted_kinds, wanted_kind, ignore_case=False))
    if open_to_work is not None:
        conditions.append(Profile.open_to_work.is_(open_to_work))
    return conditions


def page(session: Session, *, offset: int, limit: int, city: str | None = None, skill: str | None = None,
         wanted_kind: str | None = None, open_to_work: bool | None = None) -> tuple[Sequence[Profile], int]:
    """One page of matching profiles in id order, and how many match in all."""
    conditions = _conditions(session, city=city, skill=skill, wanted_kind=wanted_kind,
                             open_to_work=open_to_work)
    total = session.scalar(select(func.count()).select_from(Profile).where(*conditions))
    rows = session.scalars(
        select(Profile).where(*conditions).order_by(Profile.id).offset(offset).limit(limit)
    ).all()
    return rows, int(total or 0)

