"""The schedule modal's suggestions from stored facts (bot/sessions/scheduling.suggest_times): each person's
stated working hours, their sessions in other pairs, and the pair's next due session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.sessions.scheduling import suggest_times
from storage.db import Database
from storage.models import Pair
from tests.support.factories import add_session, make_pair

TEAM = "T0TEAM"
MONDAY = datetime(2027, 1, 11, 7, 0, tzinfo=UTC)  # both people are in UTC (the factory's people)


def _set(db: Database, pair_id: int, **fields: str) -> None:
    with db.unit_of_work() as session:
        pair = session.get(Pair, pair_id)
        assert pair is not None
        for name, value in fields.items():
            setattr(pair.mentor, name, value)


def test_suggestions_keep_to_stated_hours_and_avoid_other_pairs_sessions(db: Database) -> None:
    pair_id = make_pair(db, TEAM, "U0M1", "U0S1")
    _set(db, pair_id, working_hours="13:00-15:00", working_days="024")  # Mon, Wed, Fri afternoons
    # The mentor's other pair meets on Monday at 13:30: Monday's 13:00 and 14:00 clash, 14:30 doesn't fit.
    other_id = make_pair(db, TEAM, "U0M2", "U0S2")
    with db.unit_of_work() as session:
        ours, other = session.get(Pair, pair_id), session.get(Pair, other_id)
        assert ours is not None and other is not None
        other.mentor_id, other.mentor_slot = ours.mentor_id, 2  # the mentor's second pair
    add_session(db, TEAM, other_id, datetime(2027, 1, 11, 13, 30, tzinfo=UTC))
    found = suggest_times(db, TEAM, pair_id, "U0S1", now=MONDAY)
    assert found is not None and found.suggestion.overlap
    assert found.suggestion.slots == (
        datetime(2027, 1, 13, 13, 0, tzinfo=UTC),
        datetime(2027, 1, 15, 13, 0, tzinfo=UTC),
        datetime(2027, 1, 18, 13, 0, tzinfo=UTC),
    )


def test_the_next_due_session_bounds_the_suggestions_and_outsiders_get_none(db: Database) -> None:
    pair_id = make_pair(db, TEAM, "U0M1", "U0S1")
    # Held 18 days ago with a 21-day cadence: due on Thursday, sooner than 14 days.
    add_session(db, TEAM, pair_id, MONDAY - timedelta(days=18), state="held")
    found = suggest_times(db, TEAM, pair_id, "U0M1", now=MONDAY)
    assert found is not None
    due = MONDAY - timedelta(days=18) + timedelta(days=21)
    assert found.suggestion.slots and all(s + timedelta(hours=1) <= due for s in found.suggestion.slots)
    assert suggest_times(db, TEAM, pair_id, "U0OUTSIDER", now=MONDAY) is None
