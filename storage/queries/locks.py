"""Row locks that also hold on SQLite, which ignores FOR UPDATE."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, false, update
from sqlalchemy.orm import Session

from storage.models import Workspace

S = TypeVar("S", bound=Select[Any])


def sqlite_write_lock(session: Session) -> None:
    """Take SQLite's one write lock now, by a write that changes nothing, instead of at the first real write:
    a racing transaction then waits here, and reads what this one wrote once it gets the lock."""
    session.execute(
        update(Workspace).where(false()).values(team_id=Workspace.team_id),
        execution_options={"synchronize_session": False},
    )


def for_update(session: Session, query: S, of: Any = None) -> S:
    """`query` with its rows (of `of`, when it joins others) locked until the transaction ends, and re-read
    even if the session already holds them, so a decision is made on what a racing transaction committed.

    PostgreSQL: SELECT ... FOR UPDATE. SQLite ignores FOR UPDATE and has one write lock for the whole
    database: that is taken instead (`sqlite_write_lock`)."""
    if session.get_bind().dialect.name == "sqlite":
        sqlite_write_lock(session)
    return query.with_for_update(of=of).execution_options(populate_existing=True)
