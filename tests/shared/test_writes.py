"""The one write path of profiles and jobs (``shared.writes.Writer``), on a real SQLite database: a write
conflict is retried when allowed and is a 409 otherwise, and the relay is woken only after the commit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from shared.db import create_schema, make_engine, make_session_factory
from shared.errors import ConflictError
from shared.writes import CONCURRENT_WRITE_ATTEMPTS, Writer


class Base(DeclarativeBase):
    pass


class Row(Base):
    __tablename__ = "rows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[str] = mapped_column(String(20))


class CountingRelay:
    """Records, at each wake-up, what a fresh session sees: the relay must find the committed rows."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self.seen: list[list[str]] = []

    def notify(self) -> None:
        with self._sessions() as session:
            self.seen.append(list(session.scalars(select(Row.value)).all()))


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'writes.db'}")
    create_schema(engine, Base.metadata)
    yield make_session_factory(engine)
    engine.dispose()


def test_the_relay_is_woken_after_the_commit_and_not_after_a_rollback(sessions: sessionmaker[Session]) -> None:
    relay = CountingRelay(sessions)
    writer = Writer(sessions, relay=relay)
    def add_a(session: Session) -> str:
        session.add(Row(value="a"))
        return "done"

    assert writer.run(add_a) == "done"
    assert relay.seen == [["a"]]

    def failing(session: Session) -> None:
        session.add(Row(value="b"))
        session.flush()
        raise ConflictError("refused")

    with pytest.raises(ConflictError):
        writer.run(failing)
    assert relay.seen == [["a"]], "rolled back: nothing new, no wake-up"


def test_a_write_conflict_is_retried_when_allowed_and_a_409_otherwise(sessions: sessionmaker[Session]) -> None:
    relay = CountingRelay(sessions)
    writer = Writer(sessions, relay=relay)
    attempts: list[int] = []

    def conflicting_twice(session: Session) -> int:
        attempts.append(1)
        if len(attempts) <= 2:
            raise StaleDataError("another writer changed the row")
        session.add(Row(value=f"attempt-{len(attempts)}"))
        return len(attempts)

    assert writer.run(conflicting_twice, retry=True) == 3
    assert relay.seen == [["attempt-3"]]
    attempts.clear()
    with pytest.raises(ConflictError, match="read it again"):
        writer.run(conflicting_twice, retry=False)
    assert len(attempts) == 1

    def always_conflicting(session: Session) -> None:
        attempts.append(1)
        raise StaleDataError("another writer changed the row")

    attempts.clear()
    with pytest.raises(ConflictError, match="profile 7"):
        writer.run(always_conflicting, retry=True, conflict="profile 7 was changed concurrently")
    assert len(attempts) == CONCURRENT_WRITE_ATTEMPTS
