"""The disclosure rule against an attacker (docs/privacy.md): hypothesis generates programme histories (joins,
sessions held or cancelled by either side or rescheduled, ratings, two-way answers, actions, late answers,
closing surveys, leaves, erasures, admin posts at odd moments over several weeks) and plays them through the
real storage and the real digest code on SQLite. At every post it keeps what the public was shown (the
channel post, the shareable export, the chart's bars), then checks:

* a closed week's published cells never change afterwards, whatever happens to the rows;
* every public output is rebuilt exactly from the stored cells alone: nothing live reaches the public;
* a solver (`scipy.optimize.milp`), given every published cell and every public total as linear constraints
  and what anyone knows of the programme's structure (a pair that met held a session, and was formed before
  it met), minimising and maximising each hidden cell, cannot pin it tighter than its own "fewer than 5"
  (1 to 4 people), nor prove that anyone gave a particular rating (1 to 5).
"""

from __future__ import annotations

import csv
import io
import itertools
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp
from sqlalchemy import delete, select

from bot.digest.cells import public_view
from bot.digest.chart import bars
from bot.digest.disclosure import ONE_EACH, ROUND_TO, Cell, PublicView, PublishedWeek, Total
from bot.digest.export import shareable_export
from bot.messages.digest import public_digest
from bot.runtime.clock import FixedClock
from storage.db import Database
from storage.models import (
    CheckIn,
    Cohort,
    MentoringSession,
    Pair,
    Participant,
    Person,
    Programme,
    SurveyResponse,
    Workspace,
)

TEAM = "T0ATTACK"
START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday: the programme's first week
BIG = 1000  # "fewer than 5" people may still hold many sessions: a count with no upper bound but this
PAIR_CELLS = (Cell.PAIRS_MET, Cell.PAIRS_FORMED)  # 1 to 4 people behind them: 1 or 2 pairs


def hidden_max(cell: Cell) -> int:
    """The most a "fewer than 5" cell can count, by the rule alone: its own published interval is [1, this]."""
    return 2 if cell in PAIR_CELLS else 4 if cell in ONE_EACH else BIG


OUTCOMES = ("none", "held", "cancelled_senior", "cancelled_junior", "cancelled", "rescheduled")


@dataclass(frozen=True)
class Meeting:
    week: int
    pair: int
    hour: int  # hours into the week
    outcome: str
    senior_rating: int | None
    junior_rating: int | None
    two_way: str | None
    action: bool
    late: bool  # the answers come a week later


@dataclass(frozen=True)
class History:
    weeks: int
    pairs: int
    meetings: list[Meeting]
    leaves: dict[int, int]  # pair index -> week its junior leaves
    erasures: dict[int, int]  # pair index -> week its senior erases their answers
    surveys: list[tuple[int, int, str]]  # (pair index, hour, would_again): its junior answers the closing survey
    posts: list[int]  # hours since START at which an admin posts the digest


@st.composite
def histories(draw: st.DrawFn) -> History:
    weeks = draw(st.integers(2, 5))
    pairs = draw(st.integers(1, 7))
    ratings = st.one_of(st.none(), st.integers(1, 5))
    meetings = draw(
        st.lists(
            st.builds(
                Meeting,
                week=st.integers(0, weeks - 1),
                pair=st.integers(0, pairs - 1),
                hour=st.integers(0, 7 * 24 - 1),
                outcome=st.sampled_from(OUTCOMES),
                senior_rating=ratings,
                junior_rating=ratings,
                two_way=st.sampled_from([None, "yes", "partly", "no"]),
                action=st.booleans(),
                late=st.booleans(),
            ),
            max_size=14,
        )
    )
    some_pairs = st.integers(0, pairs - 1)
    leaves = draw(st.dictionaries(some_pairs, st.integers(0, weeks), max_size=2))
    erasures = draw(st.dictionaries(some_pairs, st.integers(0, weeks), max_size=2))
    hours = st.integers(0, weeks * 7 * 24 - 1)
    answers = st.tuples(some_pairs, hours, st.sampled_from(["yes", "no", "maybe"]))
    surveys = draw(st.lists(answers, max_size=6, unique_by=lambda answer: answer[0]))  # one survey each
    posts = draw(st.lists(st.integers(0, (weeks + 1) * 7 * 24), min_size=1, max_size=4))
    return History(weeks, pairs, meetings, leaves, erasures, surveys, sorted(posts))


def _at(hours: int) -> datetime:
    return START + timedelta(hours=hours)


def _setup(db: Database, history: History) -> tuple[int, list[tuple[int, int, int]]]:
    with db.unit_of_work() as session:
        session.add(Workspace(team_id=TEAM))
        session.flush()
        programme = Programme(team_id=TEAM, name="Attack", created_at=START)
        session.add(programme)
        session.flush()
        end = START + timedelta(weeks=history.weeks)
        session.add(Cohort(team_id=TEAM, programme_id=programme.id, name="Spring", starts_at=START, ends_at=end))
        pairs = []
        for index in range(history.pairs):
            ids = []
            for role, level in (("mentor", 2), ("mentee", 7)):
                person = Person(team_id=TEAM, slack_user_id=f"U{role}{index}", level=level)
                session.add(person)
                session.flush()
                joined = START + timedelta(hours=index)
                participant = Participant(team_id=TEAM, programme_id=programme.id, person_id=person.id, role=role,
                                          consent=True, joined_at=joined)  # fmt: skip
                session.add(participant)
                session.flush()
                ids.append(participant.id)
            pair = Pair(team_id=TEAM, programme_id=programme.id, mentor_id=ids[0], mentee_id=ids[1], created_at=START)
            session.add(pair)
            session.flush()
            pairs.append((pair.id, ids[0], ids[1]))
        return programme.id, pairs


def _events(history: History) -> list[tuple[int, int, str, object]]:
    """(hour, order, kind, what): every change and every post, in time order."""
    events: list[tuple[int, int, str, object]] = []
    for meeting in history.meetings:
        events.append((meeting.week * 168 + meeting.hour, 0, "meeting", meeting))
    for pair, week in history.leaves.items():
        events.append((week * 168 + 50, 0, "leave", pair))
    for pair, week in history.erasures.items():
        events.append((week * 168 + 60, 0, "erase", pair))
    for pair, hour, would_again in history.surveys:
        events.append((hour, 0, "survey", (pair, would_again)))
    for hour in history.posts:
        events.append((hour, 1, "post", None))
    return sorted(events, key=lambda e: (e[0], e[1]))


def _apply(db: Database, pairs: list[tuple[int, int, int]], kind: str, what: object, now: datetime) -> None:
    with db.unit_of_work() as session:
        if kind == "meeting":
            assert isinstance(what, Meeting)
            pair_id, junior, senior = pairs[what.pair]
            state, side = {
                "cancelled_senior": ("cancelled", "senior"),
                "cancelled_junior": ("cancelled", "junior"),
            }.get(what.outcome, (what.outcome, None))
            if state == "none":
                return
            meeting = MentoringSession(team_id=TEAM, pair_id=pair_id, scheduled_at=now, state=state, cancelled_by=side)
            session.add(meeting)
            session.flush()
            answered = now + timedelta(days=7 if what.late else 0, hours=1)
            for participant, side_name, rating in (
                (senior, "senior", what.senior_rating),
                (junior, "junior", what.junior_rating),
            ):
                session.add(
                    CheckIn(team_id=TEAM, session_id=meeting.id, participant_id=participant, side=side_name,
                            outcome="held" if state == "held" else None, rating=rating,
                            answered_at=answered, sent_at=now,
                            two_way=what.two_way if side_name == "junior" else None,
                            action="try the new tool" if side_name == "senior" and what.action else None)
                )  # fmt: skip
        elif kind == "leave":
            assert isinstance(what, int)
            junior = session.get(Participant, pairs[what][1])
            assert junior is not None
            if junior.left_at is None:
                junior.status, junior.left_at = "left", now
        elif kind == "survey":
            assert isinstance(what, tuple)
            pair, would_again = what
            cohort_id = session.scalars(select(Cohort.id)).one()
            session.add(
                SurveyResponse(team_id=TEAM, cohort_id=cohort_id, participant_id=pairs[pair][1], sent_at=now,
                               would_again=would_again, answered_at=now)
            )  # fmt: skip
        elif kind == "erase":
            assert isinstance(what, int)
            session.execute(delete(CheckIn).where(CheckIn.participant_id == pairs[what][2]))


@dataclass
class Shown:
    """Everything the public saw at one post."""

    view: PublicView
    message: dict
    export: str
    bars: list[object]


def _play(db: Database, clock: FixedClock, history: History) -> tuple[int, list[Shown]]:
    programme_id, pairs = _setup(db, history)
    shown: list[Shown] = []
    for hour, _order, kind, what in _events(history):
        clock.set(max(clock.now(), _at(hour)))
        now = clock.now()
        if kind != "post":
            _apply(db, pairs, kind, what, now)
            continue
        view = public_view(db, programme_id, now)
        shown.append(
            Shown(
                view, public_digest(view), shareable_export(db, programme_id, now).text, [bars(w) for w in view.chart]
            )
        )
    return programme_id, shown


def _stored_only(db: Database, programme_id: int, now: datetime) -> PublicView:
    """The public view rebuilt from the published_cells table alone."""
    from storage.queries.published_cells import stored_weeks

    with db.unit_of_work() as session:
        name = session.scalars(select(Programme.name).where(Programme.id == programme_id)).one()
        stored = stored_weeks(session, programme_id)
    weeks = tuple(
        PublishedWeek(start, {Cell(c): v for c, v in cells.items()}) for start, cells in sorted(stored.items())
    )
    return PublicView(name, now, weeks)


# --- the attacker -------------------------------------------------------------------------------------------

RATING_VALUES = range(1, 6)


class Attack:
    """Integer unknowns: each week's true count per cell, and per rating value (the bands are sums of them)."""

    def __init__(self, weeks: list[datetime]) -> None:
        self.index: dict[tuple[datetime, object], int] = {}
        for week in weeks:
            for cell in Cell:
                if cell not in (Cell.RATED_1_3, Cell.RATED_4_5):
                    self.index[(week, cell)] = len(self.index)
            for value in RATING_VALUES:
                self.index[(week, value)] = len(self.index)
        self.rows: list[np.ndarray] = []
        self.low: list[float] = []
        self.high: list[float] = []

    def terms(self, week: datetime, cell: Cell) -> list[int]:
        if cell == Cell.RATED_1_3:
            return [self.index[(week, v)] for v in (1, 2, 3)]
        if cell == Cell.RATED_4_5:
            return [self.index[(week, v)] for v in (4, 5)]
        return [self.index[(week, cell)]]

    def constrain(self, coefficients: dict[int, float], low: float, high: float) -> None:
        row = np.zeros(len(self.index))
        for i, c in coefficients.items():
            row[i] += c
        self.rows.append(row)
        self.low.append(low)
        self.high.append(high)

    def published(self, week: datetime, cell: Cell, value: int | None) -> None:
        """What a published cell says about its true count, by the documented rule."""
        if value is None:
            low, high = 1, hidden_max(cell)
        elif value == 0:
            low = high = 0
        else:
            low, high = max(1, value - ROUND_TO // 2), value + ROUND_TO // 2
        self.constrain(dict.fromkeys(self.terms(week, cell), 1.0), low, high)

    def total(self, total: Total, cells_of: dict[tuple[datetime, Cell], int | None]) -> None:
        """A public total: the sum of its shown cells is its value, each shown cell within 2 of its own."""
        shown = [(w, c) for w, c in total.terms if cells_of[(w, c)]]
        coefficients: dict[int, float] = {}
        for w, c in total.terms:
            for i in self.terms(w, c):
                coefficients[i] = coefficients.get(i, 0.0) + (1.0 if (w, c) in shown else 0.0)
        slack = (ROUND_TO // 2) * len(shown)
        self.constrain(coefficients, total.value - slack, total.value + slack)

    def structure(self, weeks: list[datetime]) -> None:
        """What anyone knows of any programme: a pair that met held a session, and was formed that week or
        before; one session held is at most one pair meeting."""
        for n, week in enumerate(weeks):
            met, held = self.index[(week, Cell.PAIRS_MET)], self.index[(week, Cell.HELD)]
            self.constrain({held: 1.0, met: -1.0}, 0, BIG)
            coefficients = {self.index[(w, Cell.PAIRS_FORMED)]: 1.0 for w in weeks[: n + 1]}
            coefficients[met] = coefficients.get(met, 0.0) - 1.0
            self.constrain(coefficients, 0, BIG)

    def extreme(self, objective: dict[int, float], sign: float) -> float:
        c = np.zeros(len(self.index))
        for i, v in objective.items():
            c[i] = sign * v
        result = milp(
            c,
            constraints=LinearConstraint(np.array(self.rows), self.low, self.high),
            integrality=np.ones(len(self.index)),
            bounds=Bounds(0, BIG),
        )
        assert result.status == 0, result.message  # the published figures are consistent with some history
        return sign * float(result.fun)


def _attack(shown: list[Shown]) -> None:
    final = shown[-1].view
    weeks = [w.week_start for w in final.weeks]
    if not weeks:
        return
    cells_of = {(w.week_start, c): w.cells[c] for w in final.weeks for c in Cell}
    attack = Attack(weeks)
    for (week, cell), value in cells_of.items():
        attack.published(week, cell, value)
    for seen in shown:  # every total any post showed
        for cells in [[c] for c in Cell] + [
            list(g) for g in ((Cell.CANCELLED_SENIOR, Cell.CANCELLED_JUNIOR, Cell.CANCELLED_NO_SIDE),)
        ]:
            attack.total(seen.view.to_date(cells), cells_of)
    attack.structure(weeks)
    for (week, cell), value in cells_of.items():
        if value is not None:
            continue
        terms = dict.fromkeys(attack.terms(week, cell), 1.0)
        low, high = attack.extreme(terms, 1.0), attack.extreme(terms, -1.0)
        assert low <= 1 and high >= hidden_max(cell), (week, cell, low, high)
    for week, value in itertools.product(weeks, RATING_VALUES):  # nobody's rating can be proven
        assert attack.extreme({attack.index[(week, value)]: 1.0}, 1.0) == 0, (week, value)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(history=histories())
def test_nothing_about_one_to_four_people_can_be_derived_from_everything_published(
    history: History, sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / f"attack-{id(history)}.sqlite3"
    shutil.copy(sqlite_template, path)
    clock = FixedClock(START - timedelta(days=1))
    db = Database(f"sqlite:///{path}", now=clock.now)
    try:
        programme_id, shown = _play(db, clock, history)
        # a week, once published, says the same in every later post, whatever happened to the rows since
        first_seen: dict[datetime, object] = {}
        for seen in shown:
            for week in seen.view.weeks:
                assert first_seen.setdefault(week.week_start, week.cells) == week.cells
        # what the public saw is the stored cells and nothing else
        last = shown[-1]
        rebuilt = _stored_only(db, programme_id, last.view.now)
        assert public_digest(rebuilt) == last.message
        assert [bars(w) for w in rebuilt.chart] == last.bars
        rows = list(csv.reader(io.StringIO(last.export)))
        assert [r[1:] for r in rows[1:]] == [
            [("fewer than 5" if w.cells[c] is None else f"{w.cells[c]:,}") for c in Cell] for w in rebuilt.weeks
        ]
        _attack(shown)
    finally:
        db.dispose()
        path.unlink(missing_ok=True)
