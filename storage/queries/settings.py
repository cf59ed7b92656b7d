"""Programme settings: the programme row to change (locked), the record of changes, and its history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Programme, SettingsChange
from storage.queries import locks
from storage.queries.programmes import current_programme


def programme_for_update(session: Session, team_id: str) -> Programme:
    """The team's current programme, locked until the transaction ends and read after the lock.

    Two admins saving at once are serialised, so each change record's `old` values are what the other left.
    """
    programme = current_programme(session, team_id)
    return session.scalars(locks.for_update(session, select(Programme).where(Programme.id == programme.id))).one()


def name_taken(session: Session, team_id: str, name: str, other_than: int) -> bool:
    """Whether another programme of the team already has this name (names are unique per team)."""
    others = session.scalar(
        select(func.count())
        .select_from(Programme)
        .where(Programme.team_id == team_id, Programme.name == name, Programme.id != other_than)
    )
    return bool(others)


def latest_change_id(session: Session, programme_id: int) -> int:
    return session.scalar(select(func.max(SettingsChange.id)).where(SettingsChange.programme_id == programme_id)) or 0


def changes_after(session: Session, programme_id: int, change_id: int) -> Sequence[SettingsChange]:
    """Changes saved after `change_id`, oldest first."""
    return session.scalars(
        select(SettingsChange)
        .where(SettingsChange.programme_id == programme_id, SettingsChange.id > change_id)
        .order_by(SettingsChange.id)
    ).all()


def record_change(
    session: Session, team_id: str, programme_id: int, changed_by: str, changes: dict[str, Any]
) -> SettingsChange:
    change = SettingsChange(team_id=team_id, programme_id=programme_id, changed_by=changed_by, changes=changes)
    session.add(change)
    session.flush()
    return change


def recent_changes(session: Session, team_id: str, limit: int) -> Sequence[SettingsChange]:
    """The team's latest setting changes (any of its programmes), newest first."""
    return session.scalars(
        select(SettingsChange).where(SettingsChange.team_id == team_id).order_by(SettingsChange.id.desc()).limit(limit)
    ).all()
