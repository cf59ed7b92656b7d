"""The schema refuses bad states on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from bot.runtime.clock import SystemClock
from storage.db import Database
from storage.models import CheckIn, MentoringSession, Pair, Participant, Person
from storage.queries.programmes import current_programme

TEAM = "T0STORE"


def _people(db: Database, n: int) -> tuple[int, list[int]]:
    with db.unit_of_work() as session:
        programme = current_programme(session, TEAM)
        ids = []
        for i in range(n):
            person = Person(team_id=TEAM, slack_user_id=f"U{i:04d}", level=i + 1)
            session.add(person)
            session.flush()
            participant = Participant(
                team_id=TEAM,
                programme_id=programme.id,
                person_id=person.id,
                role="mentor" if i % 2 else "mentee",
            )
            session.add(participant)
            session.flush()
            ids.append(participant.id)
        return programme.id, ids


def test_one_person_per_slack_user_and_team(db: Database) -> None:
    with db.unit_of_work() as session:
        current_programme(session, TEAM)
        current_programme(session, "T0OTHER")
        session.add_all([Person(team_id=TEAM, slack_user_id="U1"), Person(team_id="T0OTHER", slack_user_id="U1")])
    with pytest.raises(IntegrityError), db.unit_of_work() as session:
        session.add(Person(team_id=TEAM, slack_user_id="U1"))


def test_a_mentee_has_at_most_one_active_pair(db: Database) -> None:
    programme_id, (mentee, mentor_a, _, mentor_b) = _people(db, 4)
    with db.unit_of_work() as session:
        session.add(Pair(team_id=TEAM, programme_id=programme_id, mentor_id=mentor_a, mentee_id=mentee))
    with pytest.raises(IntegrityError), db.unit_of_work() as session:
        session.add(Pair(team_id=TEAM, programme_id=programme_id, mentor_id=mentor_b, mentee_id=mentee))


def test_an_ended_pair_frees_the_mentee_but_the_same_two_never_pair_again(db: Database) -> None:
    programme_id, (mentee, mentor_a, _, mentor_b) = _people(db, 4)
    with db.unit_of_work() as session:
        pair = Pair(team_id=TEAM, programme_id=programme_id, mentor_id=mentor_a, mentee_id=mentee)
        session.add(pair)
        session.flush()
        pair.status = "ended"
    with db.unit_of_work() as session:
        session.add(Pair(team_id=TEAM, programme_id=programme_id, mentor_id=mentor_b, mentee_id=mentee))
    with pytest.raises(IntegrityError), db.unit_of_work() as session:
        session.add(Pair(team_id=TEAM, programme_id=programme_id, mentor_id=mentor_a, mentee_id=mentee, status="ended"))


def test_a_mentor_with_two_slots_takes_two_mentees_not_three(db: Database) -> None:
    programme_id, (mentee_a, mentor, mentee_b, _, mentee_c) = _people(db, 5)
    with db.unit_of_work() as session:
        session.add(Pair(team_id=TEAM, programme_id=programme_id, mentor_id=mentor, mentee_id=mentee_a, mentor_slot=1))
        session.add(Pair(team_id=TEAM, programme_id=programme_id, mentor_id=mentor, mentee_id=mentee_b, mentor_slot=2))
    with pytest.raises(IntegrityError), db.unit_of_work() as session:
        session.add(Pair(team_id=TEAM, programme_id=programme_id, mentor_id=mentor, mentee_id=mentee_c, mentor_slot=3))


@pytest.mark.parametrize(
    ("field", "value"),
    [("role", "boss"), ("format", "carrier pigeon"), ("status", "asleep"), ("capacity", 3)],
)
def test_participant_enums_are_checked(db: Database, field: str, value: object) -> None:
    _people(db, 1)
    with pytest.raises(IntegrityError), db.unit_of_work() as session:
        participant = session.scalars(select(Participant)).first()
        setattr(participant, field, value)


def test_ratings_outside_one_to_five_and_cancel_sides_are_refused(db: Database) -> None:
    programme_id, (mentee, mentor) = _people(db, 2)
    with db.unit_of_work() as session:
        pair = Pair(team_id=TEAM, programme_id=programme_id, mentor_id=mentor, mentee_id=mentee)
        session.add(pair)
        session.flush()
        meeting = MentoringSession(team_id=TEAM, pair_id=pair.id, scheduled_at=SystemClock().now())
        session.add(meeting)
        session.flush()
        meeting_id = meeting.id
    with pytest.raises(IntegrityError), db.unit_of_work() as session:
        session.add(CheckIn(team_id=TEAM, session_id=meeting_id, participant_id=mentor, side="junior", rating=6))
    with pytest.raises(IntegrityError), db.unit_of_work() as session:
        session.get(MentoringSession, meeting_id).cancelled_by = "senior"  # cancelled_by on a scheduled session


def test_times_come_back_timezone_aware_utc_and_naive_times_are_refused(db: Database) -> None:
    programme_id, (mentee, mentor) = _people(db, 2)
    local = datetime(2026, 3, 1, 15, 0, tzinfo=timezone(timedelta(hours=2)))
    with db.unit_of_work() as session:
        pair = Pair(team_id=TEAM, programme_id=programme_id, mentor_id=mentor, mentee_id=mentee)
        session.add(pair)
        session.flush()
        session.add(MentoringSession(team_id=TEAM, pair_id=pair.id, scheduled_at=local))
    with db.unit_of_work() as session:
        stored = session.scalars(select(MentoringSession.scheduled_at)).one()
    assert stored == local and stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    with pytest.raises(StatementError), db.unit_of_work() as session:
        session.add(MentoringSession(team_id=TEAM, pair_id=pair.id, scheduled_at=datetime(2026, 3, 1)))


def test_a_person_cannot_be_their_own_manager(db: Database) -> None:
    with db.unit_of_work() as session:
        current_programme(session, TEAM)
        person = Person(team_id=TEAM, slack_user_id="U1")
        session.add(person)
    with pytest.raises(IntegrityError), db.unit_of_work() as session:
        session.get(Person, person.id).manager_id = person.id


def test_the_migration_creates_exactly_the_models_schema(db: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage.models import Base

    def ours(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
        # APScheduler keeps its own job table in the same database; it is not ours to migrate
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table != "apscheduler_jobs"

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": ours})
        assert compare_metadata(context, Base.metadata) == []
