"""One row per active pair for the admins' overview: last and next session, outcomes by side, the last M
outcomes for the risk rule, whether the ground rules are agreed. A handful of set-based queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from storage.models import GroundRules, MentoringSession, Pair, Participant, Person


@dataclass(frozen=True)
class PairRow:
    pair_id: int
    mentor_user: str
    mentee_user: str
    created_at: datetime
    cadence_days: int
    last_session: datetime | None
    next_session: datetime | None
    held: int
    cancelled_senior: int
    cancelled_junior: int
    rules_agreed: bool
    recent: tuple[str, ...]  # newest first: "held" | "senior" | "junior" | "rescheduled"


def active_pairs(session: Session, programme_id: int, now: datetime, recent_count: int) -> list[PairRow]:
    mentor, mentee = aliased(Participant), aliased(Participant)
    mentor_person, mentee_person = aliased(Person), aliased(Person)
    s = MentoringSession
    past = s.scheduled_at <= now
    stats = (
        select(
            s.pair_id,
            func.max(case((and_(past, s.state != "rescheduled"), s.scheduled_at))).label("last"),
            func.min(case((and_(~past, s.state == "scheduled"), s.scheduled_at))).label("next"),
            func.sum(case((s.state == "held", 1), else_=0)).label("held"),
            func.sum(case((and_(s.state == "cancelled", s.cancelled_by == "senior"), 1), else_=0)).label("cs"),
            func.sum(case((and_(s.state == "cancelled", s.cancelled_by == "junior"), 1), else_=0)).label("cj"),
        )
        .group_by(s.pair_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Pair.id,
            mentor_person.slack_user_id,
            mentee_person.slack_user_id,
            Pair.created_at,
            mentor.cadence_days,
            mentee.cadence_days,
            stats.c.last,
            stats.c.next,
            stats.c.held,
            stats.c.cs,
            stats.c.cj,
            GroundRules.agreed_at,
        )
        .join(mentor, mentor.id == Pair.mentor_id)
        .join(mentee, mentee.id == Pair.mentee_id)
        .join(mentor_person, mentor_person.id == mentor.person_id)
        .join(mentee_person, mentee_person.id == mentee.person_id)
        .outerjoin(stats, stats.c.pair_id == Pair.id)
        .outerjoin(GroundRules, GroundRules.pair_id == Pair.id)
        .where(Pair.programme_id == programme_id, Pair.status == "active")
        .order_by(Pair.id)
    ).all()
    recent = _recent_outcomes(session, programme_id, now, recent_count)
    return [
        PairRow(
            pair_id=r[0],
            mentor_user=r[1],
            mentee_user=r[2],
            created_at=r[3],
            cadence_days=max(r[4], r[5]),
            last_session=r[6],
            next_session=r[7],
            held=int(r[8] or 0),
            cancelled_senior=int(r[9] or 0),
            cancelled_junior=int(r[10] or 0),
            rules_agreed=r[11] is not None,
            recent=tuple(recent.get(r[0], ())),
        )
        for r in rows
    ]


def _recent_outcomes(session: Session, programme_id: int, now: datetime, count: int) -> dict[int, list[str]]:
    """The last `count` decided sessions per pair, newest first (a window function, one query)."""
    s = MentoringSession
    ranked = (
        select(
            s.pair_id,
            s.state,
            s.cancelled_by,
            func.row_number().over(partition_by=s.pair_id, order_by=s.scheduled_at.desc()).label("n"),
        )
        .join(Pair, Pair.id == s.pair_id)
        .where(
            Pair.programme_id == programme_id, Pair.status == "active", s.scheduled_at <= now, s.state != "scheduled"
        )
        .subquery()
    )
    outcomes: dict[int, list[str]] = {}
    query = select(ranked.c.pair_id, ranked.c.state, ranked.c.cancelled_by).where(ranked.c.n <= count)
    for pair_id, state, side in session.execute(query.order_by(ranked.c.pair_id, ranked.c.n)):
        outcomes.setdefault(pair_id, []).append(side if state == "cancelled" else state)
    return outcomes


def sessions_of(session: Session, team_id: str, pair_id: int) -> list[MentoringSession]:
    return list(
        session.scalars(
            select(MentoringSession)
            .join(Pair, Pair.id == MentoringSession.pair_id)
            .where(Pair.id == pair_id, Pair.team_id == team_id)
            .order_by(MentoringSession.scheduled_at.desc())
            .limit(30)
        )
    )
