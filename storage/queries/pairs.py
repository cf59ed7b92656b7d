"""Pairs and who is paired with whom."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from storage.models import GroundRules, MentoringSession, Pair, Participant, Person
from storage.queries import locks


def active_partner_user_ids(session: Session, participant_id: int) -> list[str]:
    """Slack ids of the participant's current partners (a mentor may have two)."""
    other = aliased(Participant)
    rows = session.execute(
        select(Person.slack_user_id)
        .select_from(Pair)
        .join(
            other,
            or_(
                (Pair.mentor_id == participant_id) & (other.id == Pair.mentee_id),
                (Pair.mentee_id == participant_id) & (other.id == Pair.mentor_id),
            ),
        )
        .join(Person, Person.id == other.person_id)
        .where(Pair.status == "active")
        .order_by(Pair.id)
    )
    return [r[0] for r in rows]


def any_pair(session: Session, programme_id: int) -> bool:
    """Whether the programme has ever formed a pair."""
    return session.scalar(select(Pair.id).where(Pair.programme_id == programme_id).limit(1)) is not None


def pair_with_people(session: Session, team_id: str, pair_id: int, for_update: bool = False) -> Pair | None:
    """The pair with both members; `for_update`: the pair row locked (see `locks.for_update`)."""
    query = (
        select(Pair)
        .options(
            joinedload(Pair.mentor).joinedload(Participant.person),
            joinedload(Pair.mentee).joinedload(Participant.person),
        )
        .where(Pair.id == pair_id, Pair.team_id == team_id)
    )
    if for_update:
        query = locks.for_update(session, query, of=Pair)
    return session.scalars(query).first()


def ground_rules_for(session: Session, pair_id: int, for_update: bool = False) -> GroundRules | None:
    query = select(GroundRules).where(GroundRules.pair_id == pair_id)
    if for_update:
        query = locks.for_update(session, query)
    return session.scalars(query).first()


def active_pairs_of(session: Session, participant_id: int) -> list[Pair]:
    return list(
        session.scalars(
            select(Pair)
            .options(
                joinedload(Pair.mentor).joinedload(Participant.person),
                joinedload(Pair.mentee).joinedload(Participant.person),
            )
            .where(Pair.status == "active", or_(Pair.mentor_id == participant_id, Pair.mentee_id == participant_id))
            .order_by(Pair.id)
        ).unique()
    )


def next_session(session: Session, pair_id: int, now: datetime) -> MentoringSession | None:
    return session.scalars(
        select(MentoringSession)
        .where(
            MentoringSession.pair_id == pair_id,
            MentoringSession.state == "scheduled",
            MentoringSession.scheduled_at > now,
        )
        .order_by(MentoringSession.scheduled_at)
        .limit(1)
    ).first()
