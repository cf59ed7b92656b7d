"""Pairs and who is paired with whom."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from storage.models import Pair, Participant, Person


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
