"""Stamp columns come from the Database's clock (storage/db.py, docs/time.md), never from the wall clock: on
SQLite and PostgreSQL, through the ORM and through the Core statements in storage/queries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.runtime.clock import FixedClock
from storage.db import Database
from storage.models import OutboxMessage, Pair, Participant, Person, Workspace
from storage.queries.org_chart import insert_people
from storage.queries.outbox import Call, enqueue, enqueue_many
from tests.support.factories import make_pair

TEAM = "T0STAMP"
T = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)  # years from the wall clock either way


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T)


@pytest.fixture
def at_t(db: Database, clock: FixedClock) -> Iterator[Database]:
    """The test database, its stamps read from `clock`."""
    database = Database(db.url, now=clock.now)
    yield database
    database.dispose()


def test_new_rows_are_stamped_with_the_clocks_time(at_t: Database) -> None:
    pair_id = make_pair(at_t, TEAM, "U0M1", "U0S1")
    with at_t.unit_of_work() as session:
        pair = session.get(Pair, pair_id)
        assert pair is not None
        participant = pair.mentor
        assert session.get(Workspace, TEAM).created_at == T
        assert pair.created_at == T
        assert (participant.joined_at, participant.updated_at, participant.person.updated_at) == (T, T, T)


def test_a_time_the_code_chose_is_kept(at_t: Database) -> None:
    matched = T - timedelta(days=40)
    pair_id = make_pair(at_t, TEAM, "U0M1", "U0S1", created_at=matched)
    with at_t.unit_of_work() as session:
        assert session.get(Pair, pair_id).created_at == matched


def test_a_changed_row_gets_a_new_updated_at_and_keeps_its_other_stamps(at_t: Database, clock: FixedClock) -> None:
    make_pair(at_t, TEAM, "U0M1", "U0S1")
    clock.advance(timedelta(hours=1))
    with at_t.unit_of_work() as session:
        participant = session.scalars(select(Participant).where(Participant.role == "mentee")).one()
        participant.status = "paused"
    with at_t.unit_of_work() as session:
        paused, untouched = (
            session.scalars(select(Participant).where(Participant.role == role)).one() for role in ("mentee", "mentor")
        )
        assert (paused.joined_at, paused.updated_at) == (T, T + timedelta(hours=1))
        assert untouched.updated_at == T  # a row that did not change keeps its stamp


def test_core_inserts_take_the_time_from_the_session(at_t: Database) -> None:
    with at_t.unit_of_work() as session:
        enqueue_many(session, TEAM, [Call("k1", "chat.postMessage", {"channel": "C1", "text": "hi"}, T)])
        enqueue(session, TEAM, "k2", "chat.postMessage", {"channel": "C1", "text": "again"})
        insert_people(session, TEAM, ["U0NEW"])
    with at_t.unit_of_work() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(r.created_at, r.not_before) for r in rows] == [(T, T), (T, T)]
        assert session.scalars(select(Person.updated_at).where(Person.slack_user_id == "U0NEW")).one() == T


def test_a_database_needs_a_clock() -> None:
    with pytest.raises(TypeError):
        Database("sqlite://")  # type: ignore[call-arg]
