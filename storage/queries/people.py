"""People in the org chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Person


def person_by_slack_id(session: Session, team_id: str, slack_user_id: str) -> Person | None:
    return session.scalars(
        select(Person).where(Person.team_id == team_id, Person.slack_user_id == slack_user_id)
    ).first()


def ensure_person(session: Session, team_id: str, slack_user_id: str) -> Person:
    person = person_by_slack_id(session, team_id, slack_user_id)
    if person is None:
        person = Person(team_id=team_id, slack_user_id=slack_user_id)
        session.add(person)
        session.flush()
    return person
