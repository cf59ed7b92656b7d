"""Actions due a follow-up, and follow-ups with their owner."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from storage.models import ActionFollowUp, CheckIn, Participant, Person, Programme


def due(session: Session, day: int, recorded_before: datetime) -> list[tuple[CheckIn, str, Person, Programme]]:
    """Senior check-ins with an action recorded before the cutoff, not yet asked at `day`, and not already
    reported done or dropped at an earlier milestone."""
    asked = aliased(ActionFollowUp)
    closed = aliased(ActionFollowUp)
    rows = session.execute(
        select(CheckIn, Person.slack_user_id, Person, Programme)
        .join(Participant, Participant.id == CheckIn.participant_id)
        .join(Person, Person.id == Participant.person_id)
        .join(Programme, Programme.id == Participant.programme_id)
        .outerjoin(asked, and_(asked.check_in_id == CheckIn.id, asked.day == day))
        .outerjoin(closed, and_(closed.check_in_id == CheckIn.id, closed.answer.in_(("done", "dropped"))))
        .where(
            CheckIn.side == "senior",
            CheckIn.action.is_not(None),
            CheckIn.action != "",
            CheckIn.answered_at <= recorded_before,
            Participant.status != "left",
            asked.id.is_(None),
            closed.id.is_(None),
        )
        .order_by(CheckIn.id)
    )
    return [(c, u, p, g) for c, u, p, g in rows]


def with_owner(session: Session, team_id: str, follow_up_id: int) -> tuple[ActionFollowUp, str, str | None] | None:
    row = session.execute(
        select(ActionFollowUp, Person.slack_user_id, CheckIn.action)
        .join(CheckIn, CheckIn.id == ActionFollowUp.check_in_id)
        .join(Participant, Participant.id == CheckIn.participant_id)
        .join(Person, Person.id == Participant.person_id)
        .where(ActionFollowUp.id == follow_up_id, ActionFollowUp.team_id == team_id)
    ).first()
    return (row[0], row[1], row[2]) if row else None
