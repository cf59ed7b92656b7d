"""Participants: who joined which programme, in which role."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Participant, Person
from storage.queries import locks


def participant_for(session: Session, programme_id: int, person_id: int) -> Participant | None:
    return session.scalars(
        select(Participant).where(Participant.programme_id == programme_id, Participant.person_id == person_id)
    ).first()


def participant_by_slack_id(
    session: Session, programme_id: int, slack_user_id: str, for_update: bool = False
) -> Participant | None:
    """`for_update`: the participant row locked (see `locks.for_update`), for a decision that depends on it."""
    query = (
        select(Participant)
        .join(Person, Participant.person_id == Person.id)
        .where(Participant.programme_id == programme_id, Person.slack_user_id == slack_user_id)
    )
    if for_update:
        query = locks.for_update(session, query, of=Participant)
    return session.scalars(query).first()


def participants(session: Session, programme_id: int, status: str | None = None) -> Sequence[Participant]:
    query = select(Participant).where(Participant.programme_id == programme_id)
    if status is not None:
        query = query.where(Participant.status == status)
    return session.scalars(query.order_by(Participant.id)).all()
