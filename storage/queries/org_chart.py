"""The org chart in bulk: look people up by many Slack ids at once, insert and update them many at a time.

An import of thousands of rows costs a handful of statements, not one query per person.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from storage.db import session_now
from storage.models import Person

# Well under SQLite's bound-parameter limit (32,766) and PostgreSQL's (65,535).
CHUNK = 1000


@dataclass(frozen=True)
class ChartUpdate:
    """What an import sets on one person."""

    person_id: int
    email: str | None
    department: str
    level: int
    manager_id: int | None


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def person_ids_by_slack_id(session: Session, team_id: str, slack_user_ids: Iterable[str]) -> dict[str, int]:
    ids = sorted(set(slack_user_ids))
    found: dict[str, int] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(Person.slack_user_id, Person.id).where(Person.team_id == team_id, Person.slack_user_id.in_(chunk))
        )
        found.update({slack_user_id: person_id for slack_user_id, person_id in rows})
    return found


def insert_people(session: Session, team_id: str, slack_user_ids: Sequence[str]) -> None:
    """New people, known only by Slack id until `update_people` fills in the rest."""
    if not slack_user_ids:
        return
    now = session_now(session)
    session.execute(
        insert(Person),
        [
            {"team_id": team_id, "slack_user_id": slack_user_id, "in_org_chart": True, "updated_at": now}
            for slack_user_id in slack_user_ids
        ],
    )


def update_people(session: Session, changes: Sequence[ChartUpdate]) -> None:
    """Set department, level, manager (and email when the file gives one) by primary key, in one executemany."""
    if not changes:
        return
    now = session_now(session)
    with_email = [c for c in changes if c.email]
    without_email = [c for c in changes if not c.email]
    for group, include_email in ((with_email, True), (without_email, False)):
        if not group:
            continue
        session.execute(
            update(Person),
            [
                {
                    "id": change.person_id,
                    "department": change.department,
                    "level": change.level,
                    "manager_id": change.manager_id,
                    "in_org_chart": True,
                    "updated_at": now,
                    **({"email": change.email} if include_email else {}),
                }
                for change in group
            ],
        )


def typed_otherwise(session: Session, person_ids: Sequence[int]) -> int:
    """How many of these people typed a manager, level or department (before the chart listed them) that the
    chart now contradicts. Both are kept; the chart is the one used."""
    differs = or_(
        and_(
            Person.self_manager_id.is_not(None),
            or_(Person.manager_id.is_(None), Person.self_manager_id != Person.manager_id),
        ),
        and_(Person.self_level.is_not(None), or_(Person.level.is_(None), Person.self_level != Person.level)),
        and_(
            Person.self_department.is_not(None),
            or_(Person.department.is_(None), Person.self_department != Person.department),
        ),
    )
    ids = sorted(set(person_ids))
    total = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        total += session.scalar(select(func.count()).select_from(Person).where(Person.id.in_(chunk), differs)) or 0
    return total
