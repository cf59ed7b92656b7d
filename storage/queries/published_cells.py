"""The published cells (docs/privacy.md): reading a closed week's rows for the disclosure rule, and storing and
reading the cells it publishes. A stored week is never written again: `store_week` refuses to add to it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session, aliased

from storage.models import (
    ActionFollowUp,
    CheckIn,
    Cohort,
    MentoringSession,
    Pair,
    Participant,
    PublishedCell,
    SurveyResponse,
)

OUTCOME_STATES = ("held", "cancelled", "rescheduled")


@dataclass(frozen=True)
class WeekRows:
    """What happened in [start, end): the few columns the cells need, and who each row is about (participant
    ids, which never leave this computation)."""

    sessions: list[tuple[int, int, int, int, str, str | None]] = field(default_factory=list)
    # (session id, pair id, mentor id, mentee id, state, cancelled_by)
    check_ins: list[tuple[int, int, str, int | None, str | None, bool]] = field(default_factory=list)
    # (check-in id, participant id, side, rating, two_way, action recorded)
    joined: list[int] = field(default_factory=list)
    pairs_formed: list[tuple[int, int, int]] = field(default_factory=list)  # (pair id, mentor id, mentee id)
    surveys_answered: list[tuple[int, int, str | None]] = field(default_factory=list)  # ... would_again
    follow_ups: list[tuple[int, int, str]] = field(default_factory=list)  # (id, participant id, answer)


def week_rows(session: Session, programme_id: int, start: datetime, end: datetime) -> WeekRows:
    s, c, p = MentoringSession, CheckIn, Participant

    def within(column: Any) -> ColumnElement[bool]:
        return and_(column >= start, column < end)

    sessions = session.execute(
        select(s.id, s.pair_id, Pair.mentor_id, Pair.mentee_id, s.state, s.cancelled_by)
        .join(Pair, Pair.id == s.pair_id)
        .where(Pair.programme_id == programme_id, s.state.in_(OUTCOME_STATES), within(s.scheduled_at))
    ).all()
    action = and_(c.side == "senior", c.action.is_not(None), func.trim(c.action) != "")
    check_ins = session.execute(
        select(c.id, c.participant_id, c.side, c.rating, c.two_way, action)
        .join(p, p.id == c.participant_id)
        .where(p.programme_id == programme_id, c.answered_at.is_not(None), within(c.answered_at))
    ).all()
    joined = session.scalars(select(p.id).where(p.programme_id == programme_id, within(p.joined_at))).all()
    pairs = session.execute(
        select(Pair.id, Pair.mentor_id, Pair.mentee_id).where(
            Pair.programme_id == programme_id, within(Pair.created_at)
        )
    ).all()
    r = SurveyResponse
    in_programme = r.cohort_id.in_(select(Cohort.id).where(Cohort.programme_id == programme_id))
    answered = session.execute(
        select(r.id, r.participant_id, r.would_again).where(
            in_programme, r.answered_at.is_not(None), within(r.answered_at)
        )
    ).all()
    f, senior = ActionFollowUp, aliased(Participant)
    follow_ups = session.execute(
        select(f.id, c.participant_id, f.answer)
        .join(c, c.id == f.check_in_id)
        .join(senior, senior.id == c.participant_id)
        .where(
            senior.programme_id == programme_id,
            f.answer.is_not(None),
            f.answered_at.is_not(None),
            within(f.answered_at),
        )
    ).all()
    return WeekRows(
        sessions=[tuple(row) for row in sessions],  # type: ignore[misc]
        check_ins=[(i, pid, side, rating, two_way, bool(act)) for i, pid, side, rating, two_way, act in check_ins],
        joined=list(joined),
        pairs_formed=[tuple(row) for row in pairs],  # type: ignore[misc]
        surveys_answered=[tuple(row) for row in answered],  # type: ignore[misc]
        follow_ups=[(i, pid, str(answer)) for i, pid, answer in follow_ups],
    )


def first_moment(session: Session, programme_id: int, created_at: datetime) -> datetime:
    """Where the programme's weeks begin: its creation, or an earlier join or session (imported history)."""
    joined = session.scalar(select(func.min(Participant.joined_at)).where(Participant.programme_id == programme_id))
    scheduled = session.scalar(
        select(func.min(MentoringSession.scheduled_at))
        .join(Pair, Pair.id == MentoringSession.pair_id)
        .where(Pair.programme_id == programme_id)
    )
    return min(t for t in (created_at, joined, scheduled) if t is not None)


def stored_weeks(session: Session, programme_id: int) -> dict[datetime, dict[str, int | None]]:
    """Every stored week of the programme, oldest first: week start -> {cell: published value}."""
    rows = session.execute(
        select(PublishedCell.week_start, PublishedCell.cell, PublishedCell.value)
        .where(PublishedCell.programme_id == programme_id)
        .order_by(PublishedCell.week_start, PublishedCell.cell)
    ).all()
    weeks: dict[datetime, dict[str, int | None]] = {}
    for week_start, cell, value in rows:
        weeks.setdefault(week_start, {})[cell] = value
    return weeks


def last_stored_week(session: Session, programme_id: int) -> datetime | None:
    return session.scalar(select(func.max(PublishedCell.week_start)).where(PublishedCell.programme_id == programme_id))


def store_week(
    session: Session, team_id: str, programme_id: int, week_start: datetime, cells: Mapping[str, int | None]
) -> bool:
    """Store a closed week's cells once; False (and nothing written) when the week is already stored."""
    exists = session.scalar(
        select(func.count()).where(PublishedCell.programme_id == programme_id, PublishedCell.week_start == week_start)
    )
    if exists:
        return False
    session.add_all(
        PublishedCell(team_id=team_id, programme_id=programme_id, week_start=week_start, cell=cell, value=value)
        for cell, value in cells.items()
    )
    session.flush()
    return True
