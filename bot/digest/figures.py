"""Programme health for the digest (docs/privacy.md): computing the figures from storage.

For a period (by default the 7 days ending at `now`), the period before it and the programme to date:
active pairs, pairs that met, sessions held / cancelled / rescheduled with the trend, the cancellation share
by side, pairs at risk, mean rating, two-way signals, actions recorded, joiners and leavers, and retention.
Every figure is aggregated in SQL (`storage/queries/digest.py`); this module turns the sums into figures.
What the public may see of them is decided in `bot.digest.disclosure`, with no I/O.

These are the admins' exact figures (`bot.messages.digest.admin_digest` shows them as they are, and says so).
Nothing here reaches the channel: the public digest, its chart and the shareable export are built from the
stored published weekly cells only (`bot.digest.cells`, the rule in `bot.digest.disclosure`, docs/privacy.md).

Pairs at risk are active pairs where the senior cancelled at least N of their last M sessions with an
outcome (the programme's nudge thresholds, 2 of 3 by default), or with no session held or scheduled for
stale_factor x the pair's cadence (the longer of the two members' own; 1.5 x 21 days by default), both
members active: exactly the pairs the nudge scan would call stale.
Admins see how many and who they are (`Digest.at_risk`); the public sees neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.digest.disclosure import (
    MIN_GROUP,
    Activity,
    AtRiskPair,
    DigestFigures,
    Figure,
    part_of,
)
from storage.db import Database
from storage.models import Programme
from storage.queries import digest as queries
from storage.queries.digest import AnswerTotals, SessionTotals, Window

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class WeekCounts:
    """One week of the chart: [week_start, week_start + 7 days)."""

    week_start: datetime
    held: int
    held_people: int
    cancelled_by_senior: int
    cancelled_by_junior: int
    cancelled: int  # by either side, or with no side recorded
    cancelled_people: int


@dataclass(frozen=True)
class Digest:
    figures: DigestFigures
    at_risk: list[AtRiskPair]  # admins only
    weeks: list[WeekCounts]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def activity_of(sessions: SessionTotals, answers: AnswerTotals) -> Activity:
    """One window's activity from its SQL sums, each figure with the people it describes."""
    split_group = min(sessions.cancelled, sessions.cancelled_people)
    two_way = answers.two_way_yes + answers.two_way_partly + answers.two_way_no
    mean = answers.rating_sum / answers.ratings if answers.ratings else None
    return Activity(
        held=Figure(sessions.held, sessions.held_people),
        pairs_met=Figure(sessions.held_pairs, sessions.held_people),
        cancelled=Figure(sessions.cancelled, sessions.cancelled_people),
        rescheduled=Figure(sessions.rescheduled, sessions.rescheduled_people),
        cancelled_by_senior=Figure(sessions.cancelled_by_senior, split_group),
        cancelled_by_junior=Figure(sessions.cancelled_by_junior, split_group),
        senior_share=Figure(_share(sessions.cancelled_by_senior, sessions.cancelled), split_group),
        junior_share=Figure(_share(sessions.cancelled_by_junior, sessions.cancelled), split_group),
        mean_rating=Figure(mean, answers.raters),
        ratings=Figure(answers.ratings, answers.raters),
        two_way_answers=Figure(two_way, answers.two_way_people),
        two_way_yes=Figure(_share(answers.two_way_yes, two_way), answers.two_way_people),
        two_way_partly=Figure(_share(answers.two_way_partly, two_way), answers.two_way_people),
        two_way_no=Figure(_share(answers.two_way_no, two_way), answers.two_way_people),
        actions_recorded=Figure(answers.actions_recorded, answers.action_people),
    )


# --- computing ----------------------------------------------------------------------------------------------


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    return now


def _days(delta: timedelta) -> int:
    return max(1, round(delta.total_seconds() / 86400))


def _reason(row: queries.AtRiskRow, now: datetime) -> str:
    reasons = []
    if row.cancelling:
        reasons.append(f"the senior cancelled {row.senior_cancels} of the last {row.recent} sessions")
    if row.idle:
        if row.last_met_at is None:
            reasons.append(f"no session since they were paired {_days(now - row.created_at)} days ago")
        else:
            reasons.append(f"no session held or scheduled for {_days(now - row.last_met_at)} days")
    return "; ".join(reasons)


def _at_risk(session: Session, programme: Programme, now: datetime) -> list[queries.AtRiskRow]:
    return queries.at_risk_pairs(
        session,
        queries.scope_of(session, programme),
        now,
        cancel_n=programme.nudge_cancel_n,
        cancel_m=programme.nudge_cancel_m,
        stale_factor=programme.stale_factor,
    )


def _figures(
    session: Session,
    programme: Programme,
    now: datetime,
    period: timedelta,
    deleted_user_ids: set[str] | frozenset[str],
    at_risk: list[queries.AtRiskRow],
) -> DigestFigures:
    start = now - period
    scope = queries.scope_of(session, programme)
    windows = {"period": Window(start, now), "previous": Window(start - period, start)}
    sessions = queries.sessions_in_windows(session, scope, windows)
    answers = queries.answers_in_windows(session, scope, windows)
    sessions["to_date"] = queries.sessions_to_date(session, scope, now, MIN_GROUP)
    answers["to_date"] = queries.answers_to_date(session, scope, now, MIN_GROUP)
    pairs = queries.pair_totals(session, programme.id, now)
    members = queries.membership(session, programme, windows["period"], deleted_user_ids)
    at_risk_people = len({r.mentor_user_id for r in at_risk}) + len({r.mentee_user_id for r in at_risk})
    activity = {name: activity_of(sessions[name], answers[name]) for name in ("period", "previous", "to_date")}
    everyone = members.participants
    return DigestFigures(
        programme_id=programme.id,
        programme_name=programme.name,
        now=now,
        period_start=start,
        period_days=_days(period),
        active_pairs=Figure(pairs.active, pairs.active_people),
        pairs_formed=Figure(pairs.formed, pairs.formed_people),
        pairs_at_risk=Figure(len(at_risk), at_risk_people),
        this_period=activity["period"],
        previous_period=activity["previous"],
        to_date=activity["to_date"],
        joiners=Figure(members.joiners, members.joiners),
        leavers=Figure(members.leavers, members.leavers),
        participants=Figure(everyone, everyone),
        still_in_programme=part_of(everyone - members.left, everyone),
        still_in_workspace=part_of(everyone - members.deleted, everyone),
    )


def _programme(session: Session, programme_id: int) -> Programme:
    programme = queries.programme(session, programme_id)
    if programme is None:
        raise LookupError(f"no programme with id {programme_id}")
    return programme


def at_risk_pairs(db: Database, programme_id: int, now: datetime) -> list[AtRiskPair]:
    """The at-risk pairs with both members' Slack ids and a reason, for admins only."""
    now = _aware(now)
    with db.unit_of_work() as session:
        rows = _at_risk(session, _programme(session, programme_id), now)
    return [AtRiskPair(r.pair_id, r.mentor_user_id, r.mentee_user_id, _reason(r, now)) for r in rows]


def _weekly_series(session: Session, programme_id: int, weeks: int, now: datetime) -> list[WeekCounts]:
    if weeks <= 0:
        return []
    start = now - weeks * WEEK
    scope = queries.scope_of(session, _programme(session, programme_id))
    found = {w.week: w for w in queries.sessions_by_week(session, scope, start, now, cap=MIN_GROUP)}
    series = []
    for index in range(weeks):
        w = found.get(index)
        week_start = start + index * WEEK
        if w is None:
            series.append(WeekCounts(week_start, 0, 0, 0, 0, 0, 0))
        else:
            series.append(
                WeekCounts(
                    week_start,
                    w.held,
                    w.held_people,
                    w.cancelled_by_senior,
                    w.cancelled_by_junior,
                    w.cancelled,
                    w.cancelled_people,
                )
            )
    return series


def prepare_digest(
    db: Database,
    programme_id: int,
    now: datetime,
    *,
    period: timedelta = WEEK,
    deleted_user_ids: set[str] | frozenset[str] = frozenset(),
    weeks: int = 12,
) -> Digest:
    """Everything a digest post needs, read in one transaction: figures, the at-risk pairs (admins only) and
    the weekly series for the chart."""
    now = _aware(now)
    with db.unit_of_work() as session:
        programme = _programme(session, programme_id)
        rows = _at_risk(session, programme, now)
        figures = _figures(session, programme, now, period, deleted_user_ids, rows)
        series = _weekly_series(session, programme_id, weeks, now)
    at_risk = [AtRiskPair(r.pair_id, r.mentor_user_id, r.mentee_user_id, _reason(r, now)) for r in rows]
    return Digest(figures, at_risk, series)


def participant_user_ids(db: Database, programme_id: int) -> list[str]:
    """Everyone who ever joined (Slack ids): the caller asks users.info which of them are `deleted`."""
    with db.unit_of_work() as session:
        return queries.participant_user_ids(session, programme_id)


# --- the headline -------------------------------------------------------------------------------------------
