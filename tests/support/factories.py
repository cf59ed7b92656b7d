"""Rows for tests that need a programme state without clicking through Slack."""

from __future__ import annotations

from datetime import datetime

from bot.runtime.clock import SystemClock
from storage.db import Database
from storage.models import MentoringSession, Pair, Participant, Person
from storage.queries.programmes import current_programme


def make_pair(
    db: Database,
    team_id: str,
    mentor_user: str,
    mentee_user: str,
    *,
    admins: tuple[str, ...] = (),
    created_at: datetime | None = None,
) -> int:
    with db.unit_of_work() as session:
        programme = current_programme(session, team_id)
        if admins:
            programme.admin_user_ids = list(admins)
        ids = []
        for user, role, level in ((mentor_user, "mentor", 2), (mentee_user, "mentee", 7)):
            person = Person(team_id=team_id, slack_user_id=user, display_name=user, level=level, tz="UTC")
            session.add(person)
            session.flush()
            participant = Participant(
                team_id=team_id, programme_id=programme.id, person_id=person.id, role=role, consent=True
            )
            session.add(participant)
            session.flush()
            ids.append(participant.id)
        pair = Pair(team_id=team_id, programme_id=programme.id, mentor_id=ids[0], mentee_id=ids[1], reason="test")
        if created_at is not None:
            pair.created_at = created_at
        session.add(pair)
        session.flush()
        return pair.id


def add_session(db: Database, team_id: str, pair_id: int, when: datetime, **fields: object) -> int:
    with db.unit_of_work() as session:
        meeting = MentoringSession(team_id=team_id, pair_id=pair_id, scheduled_at=when, **fields)
        session.add(meeting)
        session.flush()
        return meeting.id


def working_afternoon() -> datetime:
    """A recent past weekday at 14:00 UTC: working hours in London and New York alike, so tests that run
    jobs 'now' don't depend on the time of day they run (DMs never land in quiet hours)."""
    from datetime import UTC, timedelta

    day = SystemClock().now().date() - timedelta(days=1)
    while day.weekday() != 2:  # Wednesday
        day -= timedelta(days=1)
    return datetime(day.year, day.month, day.day, 14, tzinfo=UTC)
