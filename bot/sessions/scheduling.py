"""Scheduling, rescheduling, cancelling and logging a pair's sessions.

Times are stored in UTC; Slack's <!date> shows them in each reader's own zone. A time outside 07:00-21:00
for either person is a warning they can override, not a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.delivery.quiet_hours import thresholds_of
from bot.messages.invites import DEFAULT_DURATION, DURATIONS
from bot.messages.sessions import session_cancelled_message
from bot.nudges.rules import zone_for
from bot.sessions import slots
from bot.sessions.invites import queue_invites
from storage.db import Database
from storage.models import MentoringSession, Pair, Participant, Person
from storage.queries import pairs as pair_queries
from storage.queries.outbox import enqueue
from storage.queries.participants import participant_by_slack_id
from storage.queries.programmes import current_programme

DAY_START, DAY_END = 7, 21
LOG_WINDOW = timedelta(days=60)


@dataclass(frozen=True)
class Scheduled:
    ok: bool
    error: str = ""
    session_id: int | None = None
    created: bool = False
    warning: bool = False  # the error is an outside-hours warning the person may override


def local_time(person: Person, moment: datetime) -> datetime:
    try:
        zone = ZoneInfo(person.tz) if person.tz else None
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
    if zone is not None:
        return moment.astimezone(zone)
    return moment + timedelta(seconds=person.tz_offset_seconds)


def outside_hours(pair: Pair, when: datetime) -> str | None:
    """A warning naming whose evening or early morning it would be, or None."""
    for participant in (pair.mentor, pair.mentee):
        local = local_time(participant.person, when)
        if not DAY_START <= local.hour < DAY_END:
            name = participant.person.display_name or "your partner"
            return (
                f"That's {local.strftime('%H:%M')} for {name} ({participant.person.tz or 'their time zone'}), "
                f"outside {DAY_START:02d}:00-{DAY_END:02d}:00. Tick 'schedule anyway' to keep it."
            )
    return None


def _member_pair(session: Session, team_id: str, pair_id: int, user_id: str, lock: bool = False) -> Pair | None:
    """The pair if `user_id` is in it; `lock`: the pair row locked, so two submissions of the same time
    (a double click, both partners at once) are decided one after the other and store one session."""
    pair = pair_queries.pair_with_people(session, team_id, pair_id, for_update=lock)
    if pair is None or user_id not in (pair.mentor.person.slack_user_id, pair.mentee.person.slack_user_id):
        return None
    return pair


def schedule(
    db: Database,
    team_id: str,
    pair_id: int,
    user_id: str,
    when: datetime,
    *,
    override_hours: bool = False,
    replaces: int | None = None,
    minutes: int = DEFAULT_DURATION,
    now: datetime,
) -> Scheduled:
    """Store a session (or move one: `replaces`). The same pair and time twice (a double click) stores one.

    A new session queues both people's calendar invites in the same transaction; a move's invite keeps the
    moved session's UID with SEQUENCE one higher (bot/sessions/invites.py)."""
    if minutes not in DURATIONS:
        return Scheduled(False, "Pick one of the offered session lengths.")
    if when <= now:
        return Scheduled(False, "That time has passed: pick a time in the future.")
    with db.unit_of_work() as session:
        pair = _member_pair(session, team_id, pair_id, user_id, lock=True)
        if pair is None:
            return Scheduled(False, "Only the two people in this pair can schedule its sessions.")
        if pair.status != "active":
            return Scheduled(False, "This pair has ended.")
        warning = None if override_hours else outside_hours(pair, when)
        if warning:
            return Scheduled(False, warning, warning=True)
        existing = session.scalars(
            select(MentoringSession).where(MentoringSession.pair_id == pair.id, MentoringSession.scheduled_at == when)
        ).first()
        if existing is not None:
            return Scheduled(True, session_id=existing.id, created=False)
        meeting = MentoringSession(
            team_id=team_id, pair_id=pair.id, scheduled_at=when, created_by=user_id, duration_minutes=minutes
        )
        session.add(meeting)
        session.flush()
        if replaces is not None:
            old = session.get(MentoringSession, replaces)
            if old is not None and old.pair_id == pair.id and old.state == "scheduled":
                old.state = "rescheduled"
                old.rescheduled_to_id = meeting.id
                meeting.ics_sequence = old.ics_sequence + 1
        session.flush()
        queue_invites(session, pair, meeting, now)
        return Scheduled(True, session_id=meeting.id, created=True)


@dataclass(frozen=True)
class Suggested:
    """Suggested times for the schedule modal, and the reader's zone to show them in."""

    suggestion: slots.Suggestion
    reader_zone: tzinfo
    partner_zone: tzinfo


def working_hours_of(participant: Participant) -> slots.WorkingHours:
    """The hours a participant stated; the default (09:00-17:00 on weekdays) if what is stored doesn't parse."""
    parsed = slots.parse_hours(participant.working_hours or "")
    days = frozenset(int(d) for d in participant.working_days or "" if d.isdigit() and int(d) < 7)
    start, end = parsed or (slots.DEFAULT_START, slots.DEFAULT_END)
    return slots.WorkingHours(start, end, days or slots.WEEKDAYS)


def _busy(session: Session, participant: Participant, now: datetime) -> tuple[tuple[datetime, datetime], ...]:
    """The participant's scheduled sessions in the window, in any of their active pairs (the pair's own too)."""
    starts = session.scalars(
        select(MentoringSession.scheduled_at)
        .join(Pair, Pair.id == MentoringSession.pair_id)
        .where(
            or_(Pair.mentor_id == participant.id, Pair.mentee_id == participant.id),
            Pair.status == "active",
            MentoringSession.state == "scheduled",
            MentoringSession.scheduled_at > now - slots.LENGTH,
            MentoringSession.scheduled_at < now + slots.HORIZON,
        )
    ).all()
    return tuple((start, start + slots.LENGTH) for start in starts)


def _next_due(session: Session, pair: Pair, now: datetime) -> datetime | None:
    """When the pair's next session is due by its cadence (the longer of the two), counted from its latest
    session held or scheduled; None if it never met or is already due (then the 14 days apply)."""
    latest = session.scalars(
        select(MentoringSession.scheduled_at)
        .where(MentoringSession.pair_id == pair.id, MentoringSession.state.in_(("held", "scheduled")))
        .order_by(MentoringSession.scheduled_at.desc())
        .limit(1)
    ).first()
    if latest is None:
        return None
    due = latest + timedelta(days=max(pair.mentor.cadence_days, pair.mentee.cadence_days))
    return due if due > now + slots.LENGTH else None


def suggest_times(db: Database, team_id: str, pair_id: int, user_id: str, *, now: datetime) -> Suggested | None:
    """Three times that suit both people in the pair (bot/sessions/slots.py), for `user_id` to read."""
    with db.unit_of_work() as session:
        pair = _member_pair(session, team_id, pair_id, user_id)
        if pair is None or pair.status != "active":
            return None
        sides = []
        for participant in (pair.mentor, pair.mentee):
            zone = zone_for(participant.person.tz, participant.person.tz_offset_seconds)
            busy = _busy(session, participant, now)
            sides.append(slots.Availability(zone, working_hours_of(participant), busy))
        programme = current_programme(session, team_id)
        found = slots.suggest(
            sides[0], sides[1], now, next_due=_next_due(session, pair, now), thresholds=thresholds_of(programme)
        )
        reader_is_mentor = pair.mentor.person.slack_user_id == user_id
        reader, partner = (sides[0], sides[1]) if reader_is_mentor else (sides[1], sides[0])
        return Suggested(found, reader.zone, partner.zone)


def log_past(db: Database, team_id: str, pair_id: int, user_id: str, when: datetime, *, now: datetime) -> Scheduled:
    """Record a session that happened without being scheduled; its check-ins go out straight away."""
    if when > now:
        return Scheduled(False, "That's in the future: use Schedule for upcoming sessions.")
    if when < now - LOG_WINDOW:
        return Scheduled(False, "Log sessions from the last 60 days.")
    with db.unit_of_work() as session:
        pair = _member_pair(session, team_id, pair_id, user_id, lock=True)
        if pair is None:
            return Scheduled(False, "Only the two people in this pair can log its sessions.")
        existing = session.scalars(
            select(MentoringSession).where(MentoringSession.pair_id == pair.id, MentoringSession.scheduled_at == when)
        ).first()
        if existing is not None:
            return Scheduled(True, session_id=existing.id)
        meeting = MentoringSession(
            team_id=team_id, pair_id=pair.id, scheduled_at=when, created_by=user_id, logged_after=True
        )
        session.add(meeting)
        session.flush()
        return Scheduled(True, session_id=meeting.id, created=True)


def cancel(db: Database, team_id: str, session_id: int, user_id: str, *, now: datetime) -> Scheduled:
    """Cancel an upcoming session, recording the canceller's side, and tell the partner (durably)."""
    with db.unit_of_work() as session:
        meeting = session.get(MentoringSession, session_id)
        pair = _member_pair(session, team_id, meeting.pair_id, user_id) if meeting else None
        if meeting is None or pair is None:
            return Scheduled(False, "Only the two people in this pair can cancel its sessions.")
        if meeting.state == "cancelled":
            return Scheduled(True, session_id=meeting.id)  # a double click
        if meeting.state != "scheduled" or meeting.scheduled_at <= now:
            return Scheduled(False, "Only upcoming sessions can be cancelled; answer the check-in for past ones.")
        by_mentor = pair.mentor.person.slack_user_id == user_id
        meeting.state = "cancelled"
        meeting.cancelled_by = "junior" if by_mentor else "senior"
        meeting.ics_sequence += 1  # RFC 5545: a cancellation is a change to the entry
        partner = pair.mentee if by_mentor else pair.mentor
        message = session_cancelled_message(user_id, meeting.scheduled_at, pair.id)
        enqueue(
            session,
            team_id,
            f"session-cancelled:{meeting.id}",
            "chat.postMessage",
            {"channel": partner.person.slack_user_id, **message},
        )
        session.flush()
        queue_invites(session, pair, meeting, now)
        return Scheduled(True, session_id=meeting.id, created=True)


def pairs_of_user(db: Database, team_id: str, user_id: str) -> list[tuple[int, str, str]]:
    """(pair id, partner user id, partner name) for the person's active pairs."""
    with db.unit_of_work() as session:
        programme = current_programme(session, team_id)
        participant = participant_by_slack_id(session, programme.id, user_id)
        if participant is None:
            return []
        result = []
        for pair in pair_queries.active_pairs_of(session, participant.id):
            partner = pair.mentee if pair.mentor_id == participant.id else pair.mentor
            result.append((pair.id, partner.person.slack_user_id, partner.person.display_name or "your partner"))
        return result
