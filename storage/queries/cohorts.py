"""Cohorts, who is in them, and their surveys."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from storage.db import session_now
from storage.models import Cohort, Pair, Participant, Person, SurveyResponse
from storage.queries import locks


def open_cohort(session: Session, programme_id: int, for_update: bool = False) -> Cohort | None:
    query = select(Cohort).where(Cohort.programme_id == programme_id, Cohort.status == "open")
    if for_update:
        query = locks.for_update(session, query)
    return session.scalars(query).first()


def latest_closed(session: Session, programme_id: int) -> Cohort | None:
    return session.scalars(
        select(Cohort)
        .where(Cohort.programme_id == programme_id, Cohort.status == "closed")
        .order_by(Cohort.id.desc())
        .limit(1)
    ).first()


def adopt_unassigned(session: Session, programme_id: int, cohort_id: int) -> None:
    session.execute(
        update(Participant)
        .where(Participant.programme_id == programme_id, Participant.cohort_id.is_(None))
        .values(cohort_id=cohort_id, updated_at=session_now(session))  # what the column's onupdate did
    )
    session.execute(
        update(Pair)
        .where(Pair.programme_id == programme_id, Pair.cohort_id.is_(None), Pair.status == "active")
        .values(cohort_id=cohort_id)
    )


def members(session: Session, cohort_id: int) -> Sequence[Participant]:
    return session.scalars(
        select(Participant)
        .options(joinedload(Participant.person))
        .where(Participant.cohort_id == cohort_id)
        .order_by(Participant.id)
    ).all()


def active_pairs(session: Session, cohort_id: int) -> Sequence[Pair]:
    return (
        session.scalars(
            select(Pair)
            .options(
                joinedload(Pair.mentor).joinedload(Participant.person),
                joinedload(Pair.mentee).joinedload(Participant.person),
            )
            .where(Pair.cohort_id == cohort_id, Pair.status == "active")
        )
        .unique()
        .all()
    )


def participant(session: Session, programme_id: int, user_id: str) -> Participant | None:
    return session.scalars(
        select(Participant)
        .join(Person, Person.id == Participant.person_id)
        .where(Participant.programme_id == programme_id, Person.slack_user_id == user_id)
    ).first()


def survey_for(session: Session, cohort_id: int, participant_id: int) -> SurveyResponse | None:
    return session.scalars(
        select(SurveyResponse).where(
            SurveyResponse.cohort_id == cohort_id, SurveyResponse.participant_id == participant_id
        )
    ).first()
