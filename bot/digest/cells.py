"""Closing weeks: each programme week, once it has ended, is turned into its published cells (the rule is in
`bot.digest.disclosure`) and stored for good; and the public view, read back from those stored cells only.

Weeks run Monday 00:00 to Monday 00:00 in the programme's time zone, from the week the programme was created.
A week is closed at the first digest check after it ends (the scheduler's quarter-hourly tick, a preview, a
post or an export), all its cells in one transaction; a closed week is never recomputed, so what the public
was shown stays what it was shown whatever happens to the rows later.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.digest.disclosure import Cell, PublicView, PublishedWeek, Tally, publish_week, tally
from bot.nudges.rules import zone_for
from storage.db import Database
from storage.models import Programme
from storage.queries import digest as digest_queries
from storage.queries import published_cells as queries
from storage.queries.published_cells import WeekRows

KNOWN = frozenset(c.value for c in Cell)  # a cell retired from the code stays stored, unshown
CANCELLED_BY = {"senior": Cell.CANCELLED_SENIOR, "junior": Cell.CANCELLED_JUNIOR}
TWO_WAY = {"yes": Cell.TWO_WAY_YES, "partly": Cell.TWO_WAY_PARTLY, "no": Cell.TWO_WAY_NO}
FOLLOW_UP = {"done": Cell.FOLLOW_UP_DONE, "in_progress": Cell.FOLLOW_UP_IN_PROGRESS, "dropped": Cell.FOLLOW_UP_DROPPED}


def week_start_of(moment: datetime, timezone: str | None) -> datetime:
    """The UTC moment of the programme's local Monday 00:00 that starts the week holding `moment`."""
    zone = zone_for(timezone)
    local = moment.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0), tzinfo=zone).astimezone(UTC)


def next_week_start(week_start: datetime, timezone: str | None) -> datetime:
    """The following local Monday 00:00 (a week is 167 or 169 hours across a clock change)."""
    zone = zone_for(timezone)
    monday = week_start.astimezone(zone).date() + timedelta(days=7)
    return datetime.combine(monday, time(0), tzinfo=zone).astimezone(UTC)


def closed_weeks(first: datetime, now: datetime, timezone: str | None) -> Iterator[tuple[datetime, datetime]]:
    """[start, end) of every week from the one holding `first` that has ended by `now`."""
    start = week_start_of(first, timezone)
    while (end := next_week_start(start, timezone)) <= now:
        yield start, end
        start = end


def contributions(rows: WeekRows) -> Iterator[tuple[Cell, object, tuple[object, ...]]]:
    """Each row's (cell, what it counts, who contributes): the finest breakdowns, nothing summed."""
    for session_id, pair_id, mentor, mentee, state, cancelled_by in rows.sessions:
        people = (mentor, mentee)
        if state == "held":
            yield Cell.HELD, session_id, people
            yield Cell.PAIRS_MET, pair_id, people
        elif state == "cancelled":
            yield CANCELLED_BY.get(cancelled_by or "", Cell.CANCELLED_NO_SIDE), session_id, people
        elif state == "rescheduled":
            yield Cell.RESCHEDULED, session_id, people
    for check_in_id, participant, side, rating, two_way, action in rows.check_ins:
        if rating is not None:
            yield (Cell.RATED_4_5 if rating >= 4 else Cell.RATED_1_3), check_in_id, (participant,)
        if side == "junior" and two_way in TWO_WAY:
            yield TWO_WAY[two_way], check_in_id, (participant,)
        if action:
            yield Cell.ACTIONS, check_in_id, (participant,)
    for participant in rows.joined:
        yield Cell.JOINED, participant, (participant,)
    for pair_id, mentor, mentee in rows.pairs_formed:
        yield Cell.PAIRS_FORMED, pair_id, (mentor, mentee)
    for response_id, participant, would_again in rows.surveys_answered:
        cell = Cell.SURVEY_AGAIN_YES if would_again == "yes" else Cell.SURVEY_AGAIN_NOT_YES
        yield cell, response_id, (participant,)
    for follow_up_id, participant, answer in rows.follow_ups:
        if answer in FOLLOW_UP:
            yield FOLLOW_UP[answer], follow_up_id, (participant,)


def tallies_of(rows: WeekRows) -> dict[Cell, Tally]:
    return tally(contributions(rows))


def _programme(session: Session, programme_id: int) -> Programme:
    programme = digest_queries.programme(session, programme_id)
    if programme is None:
        raise LookupError(f"no programme with id {programme_id}")
    return programme


def close_weeks(db: Database, programme_id: int, now: datetime) -> int:
    """Compute and store every week of the programme that has ended by `now` and is not stored yet; how many
    weeks were stored. Each week in its own transaction: a racing closer's week stands, ours is dropped."""
    with db.unit_of_work() as session:
        programme = _programme(session, programme_id)
        team_id, timezone = programme.team_id, programme.timezone
        last = queries.last_stored_week(session, programme_id)
        created = queries.first_moment(session, programme_id, programme.created_at)
    first = next_week_start(last, timezone) if last is not None else created
    stored = 0
    for start, end in closed_weeks(first, now, timezone):
        try:
            with db.unit_of_work() as session:
                published = publish_week(tallies_of(queries.week_rows(session, programme_id, start, end)))
                cells = {cell.value: value for cell, value in published.items()}
                stored += queries.store_week(session, team_id, programme_id, start, cells)
        except IntegrityError:
            continue  # another closer stored this week first: theirs stands
    return stored


def public_view(db: Database, programme_id: int, now: datetime, chart_weeks: int = 12) -> PublicView:
    """Close what has closed, then read the stored cells: the only source of every public number."""
    close_weeks(db, programme_id, now)
    with db.unit_of_work() as session:
        programme = _programme(session, programme_id)
        name = programme.name
        stored = queries.stored_weeks(session, programme_id)
    weeks = tuple(
        PublishedWeek(start, {Cell(c): v for c, v in cells.items() if c in KNOWN})
        for start, cells in sorted(stored.items())
    )
    return PublicView(name, now, weeks, chart_weeks)
