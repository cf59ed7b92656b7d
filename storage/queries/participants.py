"""Participants: who joined which programme, in which role."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import CheckIn, Participant, Person, SurveyResponse
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


def erase_answers(session: Session, participant_id: int) -> int:
    """Delete every check-in answer and closing-survey response the participant gave; returns how many."""
    erased = 0
    for table in (CheckIn, SurveyResponse):
        result = session.execute(delete(table).where(table.participant_id == participant_id))
        # SQLAlchemy types Session.execute() as Result; an UPDATE or DELETE returns a CursorResult, with rowcount
        erased += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return erased
