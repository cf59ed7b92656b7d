"""Sessions coming up that nobody has been reminded of yet."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, and_, cast, literal, select
from sqlalchemy.orm import Session, joinedload

from storage.models import GroundRules, MentoringSession, NudgeLog, Pair, Participant


def sessions_needing_reminder(
    session: Session, start: datetime, end: datetime
) -> list[tuple[MentoringSession, Pair, GroundRules | None]]:
    reminded = select(NudgeLog.id).where(
        and_(
            NudgeLog.kind == "session_reminder",
            NudgeLog.subject_key == literal("session:") + cast(MentoringSession.id, String),
        )
    )
    rows = session.execute(
        select(MentoringSession, Pair, GroundRules)
        .join(Pair, Pair.id == MentoringSession.pair_id)
        .outerjoin(GroundRules, GroundRules.pair_id == Pair.id)
        .options(
            joinedload(Pair.mentor).joinedload(Participant.person),
            joinedload(Pair.mentee).joinedload(Participant.person),
        )
        .where(
            MentoringSession.state == "scheduled",
            MentoringSession.scheduled_at > start,
            MentoringSession.scheduled_at <= end,
            Pair.status == "active",
            ~reminded.exists(),
        )
        .order_by(MentoringSession.scheduled_at)
    ).unique()
    return [(m, p, r) for m, p, r in rows]
