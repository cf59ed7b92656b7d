"""Lease rows: take, renew and give up, each one compare-and-set statement (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Lease


def try_take(session: Session, name: str, holder: str, now: datetime, expires_at: datetime) -> bool:
    """Take or renew the lease when it is ours or has expired; True when we hold it afterwards."""
    taken = session.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at < now))
        .values(holder=holder, expires_at=expires_at)
    )
    # SQLAlchemy types Session.execute() as Result; an UPDATE or DELETE returns a CursorResult, with rowcount
    if taken.rowcount:  # type: ignore[attr-defined]
        return True
    try:
        with session.begin_nested():
            session.add(Lease(name=name, holder=holder, expires_at=expires_at))
    except IntegrityError:
        return False  # someone else holds it
    return True


def give_up(session: Session, name: str, holder: str) -> None:
    session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))
