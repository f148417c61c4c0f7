"""One way to write for every service that owns data: a transaction that commits the record, its outbox
events and its audit entries together, retries a write conflict when the caller allows it, and wakes the
outbox relay once the commit is done (never before: the relay must find the rows)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from shared.db import transaction
from shared.errors import ConflictError

T = TypeVar("T")
# SQLite has no row locks: writers racing on one row retry instead of waiting for each other.
CONCURRENT_WRITE_ATTEMPTS = 5


class Notifier(Protocol):
    def notify(self) -> None: ...


class Writer:
    """Runs units of work: ``unit(session)`` inside one transaction, then wakes the relay."""

    def __init__(self, sessions: sessionmaker[Session], *, relay: Notifier,
                 attempts: int = CONCURRENT_WRITE_ATTEMPTS) -> None:
        self.sessions = sessions
        self._relay = relay
        self._attempts = attempts

    def run(self, unit: Callable[[Session], T], *, retry: bool = False,
            conflict: str = "the record was changed concurrently; read it again and retry") -> T:
        """The result of ``unit`` once committed; a concurrent change of the same row is retried when
        ``retry`` (up to the attempts), else, or once they are spent, ``ConflictError(conflict)``."""
        attempt = 1
        while True:
            try:
                with transaction(self.sessions) as session:
                    result = unit(session)
            except StaleDataError as exc:
                if not retry or attempt >= self._attempts:
                    raise ConflictError(conflict) from exc
                attempt += 1
                continue
            self._relay.notify()
            return result
