"""The same action delivered twice at once (double clicks, Slack retries, both partners together) decides
once: each test runs the clicks in threads released together, with the table's reads slowed down so that
each click reads before the other writes unless a lock keeps them apart. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import event, func, select

from bot.matching import rounds as match_flow
from bot.pairs import ground_rules
from bot.participants import enrolment as participants
from bot.runtime.clock import SystemClock
from bot.sessions import checkins
from bot.sessions import scheduling as sessions
from storage.db import Database
from storage.models import CheckIn, GroundRules, MatchRun, MentoringSession, Pair, Participant, Person
from storage.queries.programmes import current_programme
from tests.support.factories import add_session, make_pair

TEAM = "T0TEAM"
T = TypeVar("T")


@contextmanager
def slow_reads(db: Database, table: str, seconds: float = 0.05) -> Iterator[None]:
    """Every SELECT from `table` takes `seconds` longer: a racing click then reads before the other writes."""

    def pause(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {table}" in statement:
            time.sleep(seconds)

    event.listen(db.engine, "after_cursor_execute", pause)
    try:
        yield
    finally:
        event.remove(db.engine, "after_cursor_execute", pause)


def at_once(calls: list[Callable[[], T]]) -> list[T]:
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _rules(db: Database, pair_id: int) -> None:
    with db.unit_of_work() as session:
        session.add(GroundRules(team_id=TEAM, pair_id=pair_id, topics="Culture", meeting_place="Cafe", frequency="3w"))


def test_both_partners_agreeing_at_once_completes_the_agreement(db: Database) -> None:
    pair_id = make_pair(db, TEAM, "U0M1", "U0S1")
    _rules(db, pair_id)
    with slow_reads(db, "ground_rules"):
        outcomes = at_once([lambda u=u: ground_rules.agree(db, TEAM, pair_id, u, 1) for u in ("U0M1", "U0S1")])
    assert [o.agreed_now for o in outcomes].count(True) == 1
    with db.unit_of_work() as session:
        rules = session.scalars(select(GroundRules)).one()
        assert (rules.mentor_agreed_version, rules.mentee_agreed_version) == (1, 1)
        assert rules.agreed_at is not None


def test_the_same_time_scheduled_twice_at_once_is_one_session(db: Database) -> None:
    pair_id = make_pair(db, TEAM, "U0M1", "U0S1")
    when = (SystemClock().now() + timedelta(days=3)).replace(hour=14, minute=0, second=0, microsecond=0)
    with slow_reads(db, "sessions"):
        results = at_once(
            [
                lambda u=u: sessions.schedule(db, TEAM, pair_id, u, when, override_hours=True, now=db.now())
                for u in ("U0M1", "U0S1")
            ]
        )
    assert [r.created for r in results].count(True) == 1
    assert len({r.session_id for r in results}) == 1
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(MentoringSession)) == 1


def _proposal(db: Database) -> int:
    """Two possible pairs, proposed and awaiting approval."""
    with db.unit_of_work() as session:
        programme = current_programme(session, TEAM)
        for n, (role, level, department) in enumerate(
            [("mentor", 2, "Finance"), ("mentor", 2, "Legal"), ("mentee", 7, "Operations"), ("mentee", 8, "Sales")]
        ):
            person = Person(
                team_id=TEAM,
                slack_user_id=f"U0P{n}",
                display_name=f"P{n}",
                level=level,
                department=department,
                tz="UTC",
            )
            session.add(person)
            session.flush()
            session.add(
                Participant(team_id=TEAM, programme_id=programme.id, person_id=person.id, role=role, consent=True)
            )
    return match_flow.propose(db, TEAM, "U0ADMIN").id


def test_approve_clicked_twice_at_once_creates_each_pair_once_and_answers_both(db: Database) -> None:
    run_id = _proposal(db)
    with slow_reads(db, "match_runs"):
        approvals = at_once([lambda: match_flow.approve(db, TEAM, run_id, "U0ADMIN") for _ in range(2)])
    assert sorted(a.pairs_created for a in approvals) == [0, 2]
    assert [a.already_approved for a in approvals].count(True) == 1
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Pair)) == 2
        assert session.scalars(select(MatchRun.status)).one() == "approved"


def test_both_answering_a_check_in_at_once_decide_on_both_answers(db: Database) -> None:
    pair_id = make_pair(db, TEAM, "U0M1", "U0S1")
    meeting_id = add_session(db, TEAM, pair_id, SystemClock().now() - timedelta(hours=3))
    checkins.dispatch(db, db.now(), quiet_hours=False)
    with db.unit_of_work() as session:
        ids = {c.side: c.id for c in session.scalars(select(CheckIn))}
    answers = [("U0M1", ids["junior"], "held"), ("U0S1", ids["senior"], "i_cancelled")]
    with slow_reads(db, "check_ins"):
        at_once([lambda a=a: checkins.record_outcome(db, TEAM, a[1], a[0], a[2]) for a in answers])
    with db.unit_of_work() as session:
        meeting = session.get(MentoringSession, meeting_id)
        assert (meeting.state, meeting.cancelled_by) == ("cancelled", "senior")


def test_leave_and_erase_clicked_twice_at_once_is_answered_once(db: Database) -> None:
    make_pair(db, TEAM, "U0M1", "U0S1")
    with slow_reads(db, "participants"):
        erasures = at_once([lambda: participants.erase(db, TEAM, "U0M1") for _ in range(2)])
    assert sorted(e.repeat for e in erasures if e is not None) == [False, True]
