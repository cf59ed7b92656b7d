"""Sessions due a check-in, and the check-ins themselves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from storage.models import CheckIn, MentoringSession, Pair, Participant, Person
from storage.queries import locks


def sessions_due_for_checkin(session: Session, now: datetime) -> Sequence[MentoringSession]:
    """Past sessions of active pairs nobody has been asked about yet (locked, so two runners can't both ask)."""
    return session.scalars(
        select(MentoringSession)
        .join(Pair, Pair.id == MentoringSession.pair_id)
        .where(
            MentoringSession.state == "scheduled",
            MentoringSession.scheduled_at <= now,
            MentoringSession.checkins_sent_at.is_(None),
            Pair.status == "active",
        )
        .order_by(MentoringSession.scheduled_at, MentoringSession.id)
        .with_for_update(of=MentoringSession, skip_locked=True)
    ).all()


def claim_for_checkin(session: Session, session_id: int, now: datetime) -> bool:
    """Mark a session's check-ins as sent, if nobody has: exactly one of two racing dispatchers (the job and
    a session being logged, or two jobs on SQLite, which ignores SKIP LOCKED) gets True."""
    claimed = session.execute(
        update(MentoringSession)
        .where(MentoringSession.id == session_id, MentoringSession.checkins_sent_at.is_(None))
        .values(checkins_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    # SQLAlchemy types Session.execute() as Result; an UPDATE or DELETE returns a CursorResult, with rowcount
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def session_for_update(session: Session, session_id: int) -> MentoringSession:
    """The session row, locked (see `locks.for_update`) and read after the lock."""
    return session.scalars(
        locks.for_update(session, select(MentoringSession).where(MentoringSession.id == session_id))
    ).one()


def pair_of(session: Session, pair_id: int) -> Pair:
    pair = session.scalars(
        select(Pair)
        .options(
            joinedload(Pair.mentor).joinedload(Participant.person),
            joinedload(Pair.mentee).joinedload(Participant.person),
        )
        .where(Pair.id == pair_id)
    ).one()
    return pair


def check_in_for(session: Session, session_id: int, participant_id: int) -> CheckIn | None:
    return session.scalars(
        select(CheckIn).where(CheckIn.session_id == session_id, CheckIn.participant_id == participant_id)
    ).first()


def check_ins_of(session: Session, session_id: int) -> Sequence[CheckIn]:
    return session.scalars(select(CheckIn).where(CheckIn.session_id == session_id).order_by(CheckIn.id)).all()


def check_in_with_owner(session: Session, team_id: str, check_in_id: int) -> tuple[CheckIn, str] | None:
    row = session.execute(
        select(CheckIn, Person.slack_user_id)
        .join(Participant, Participant.id == CheckIn.participant_id)
        .join(Person, Person.id == Participant.person_id)
        .where(CheckIn.id == check_in_id, CheckIn.team_id == team_id)
    ).first()
    return (row[0], row[1]) if row else None


def history_for(
    session: Session, participant_id: int, limit: int = 10
) -> list[tuple[MentoringSession, CheckIn | None]]:
    """The participant's sessions, newest first, each with their own answer (never the partner's)."""
    rows = session.execute(
        select(MentoringSession, CheckIn)
        .join(Pair, Pair.id == MentoringSession.pair_id)
        .outerjoin(
            CheckIn,
            (CheckIn.session_id == MentoringSession.id) & (CheckIn.participant_id == participant_id),
        )
        .where((Pair.mentor_id == participant_id) | (Pair.mentee_id == participant_id))
        .order_by(MentoringSession.scheduled_at.desc())
        .limit(limit)
    )
    return [(s, c) for s, c in rows]
