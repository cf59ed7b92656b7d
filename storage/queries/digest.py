"""The digest's and the export's reads: programme health as a few set-based aggregate queries.

Every figure is an aggregate computed in the database (SUM / COUNT over CASE, GROUP BY, a window
function), so Python receives a handful of rows, never one per session or check-in. How the work is split
comes from measuring SQLite at a million sessions (bench/digest.py), where each expression evaluated per row
and each sort of every row costs far more than an extra small query:

* **Scope.** Rows belong to a programme through their pair or participant. A team normally runs one
  programme; its rows are then exactly the team's rows, and `team_id = ?` leads the digest's indexes
  (migration 0006), so a count over a state and a time range walks index entries without reading a row. A
  team with several programmes takes the lookup, and the slower plain passes.
* **To date**: one count per session kind, and the answers counted per (side, two-way answer, rating) in
  index order, then summed; no per-row expression, no sort.
* **The period and the one before it**: their rows only (a time range), grouped per pair or participant so
  that the people each figure describes are counted exactly.
* **Group sizes over the whole history or a week of the chart** are only needed for the fewer-than-5 rule,
  so they are counted up to `cap` (5): the first rows of the group usually show 5 people already, and
  reading stops there; such a count is exact below the cap, and the cap itself means "the cap or more".

Time windows are half-open, [start, end), on `sessions.scheduled_at` for sessions and on
`check_ins.answered_at` for answers: an answer counts in the week it was given, so a published week never
changes when someone answers late. Functions take the caller's Session and never write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    and_,
    case,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from storage.models import CheckIn, MentoringSession, Pair, Participant, Person, Programme
from storage.queries.nudges import epoch_seconds
from storage.vocabulary import TwoWayAnswer

CHUNK = 10_000  # ids per IN list; below SQLite's bound-parameter limit (32,766)
WEEK_SECONDS = 7 * 86400
# A session stored exactly on a week boundary must land in the week it starts, whatever the last bit of
# floating-point arithmetic says; one millisecond is far below any time anyone schedules at.
BOUNDARY_EPSILON_SECONDS = 0.001
SESSION_KINDS = ("held", "cancelled", "cancelled_senior", "cancelled_junior", "rescheduled")
OUTCOME_STATES = ("held", "cancelled", "rescheduled")
SAMPLE = 1000  # rows read to find the first few people of a group (see `_reaches`)


@dataclass(frozen=True)
class Window:
    """[start, end); start None means from the programme's beginning."""

    start: datetime | None
    end: datetime

    def holds(self, column: Any) -> ColumnElement[bool]:
        upper = column < self.end
        return upper if self.start is None else and_(column >= self.start, upper)


class week_number(FunctionElement[int]):
    """Whole weeks between a stored UTC timestamp and a start (given as epoch seconds), for timestamps at or
    after the start; the same number on SQLite and PostgreSQL."""

    type = Integer()
    inherit_cache = True


@compiles(week_number, "sqlite")
def _week_number_sqlite(element: week_number, compiler: Any, **kw: Any) -> str:
    column, start = element.clauses
    # SQLite keeps UTC timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' text, which julianday() reads; CAST
    # truncates, which is floor for the non-negative differences this is used on.
    seconds = f"((julianday({compiler.process(column, **kw)}) - 2440587.5) * 86400.0)"
    shifted = f"({seconds} - {compiler.process(start, **kw)} + {BOUNDARY_EPSILON_SECONDS})"
    return f"CAST({shifted} / {WEEK_SECONDS} AS INTEGER)"


@compiles(week_number, "postgresql")
def _week_number_postgresql(element: week_number, compiler: Any, **kw: Any) -> str:
    column, start = element.clauses
    seconds = f"EXTRACT(EPOCH FROM {compiler.process(column, **kw)})"
    shifted = f"({seconds} - {compiler.process(start, **kw)} + {BOUNDARY_EPSILON_SECONDS})"
    return f"CAST(FLOOR({shifted} / {WEEK_SECONDS}) AS INTEGER)"


class unindexed(FunctionElement[Any]):
    """The column itself, marked so that SQLite reads it from the row instead of walking an index for it
    (`+column`, SQLite's own idiom). For the passes that read every row anyway: SQLite's planner otherwise
    walks an index covering nearly the whole table and looks each row up, several times slower."""

    inherit_cache = True

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _unindexed_default(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


def _weeks_since(column: Any, start: datetime) -> week_number:
    return week_number(column, literal(start.timestamp(), Float()))


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _people(condition: ColumnElement[bool], mentor_id: Any, mentee_id: Any) -> Any:
    """Distinct people in the pairs meeting `condition`: mentors and mentees are different participants
    (a participant has one role), so the two distinct counts add up."""
    mentors = func.count(func.distinct(case((condition, mentor_id))))
    return mentors + func.count(func.distinct(case((condition, mentee_id))))


def _ints(row: Sequence[Any]) -> list[int]:
    return [int(v or 0) for v in row]


# --- scope --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which rows are the programme's (see the module docstring)."""

    programme_id: int
    team_id: str
    sole: bool  # the only programme of its team: the team's rows are the programme's

    # A sole programme's scope is `team_id = ?`, the first column of the digest's indexes: with the state and
    # time range after it, a count walks index entries and never reads a row. Another programme of the team
    # looks its pairs or participants up; that column never drives an index, since the programme's rows are
    # nearly all of them and SQLite, without statistics, would take it for a selective one.

    def sessions(self) -> ColumnElement[bool]:
        s = MentoringSession
        if self.sole:
            return s.team_id == self.team_id
        return unindexed(s.pair_id).in_(select(Pair.id).where(Pair.programme_id == self.programme_id))

    def check_ins(self) -> ColumnElement[bool]:
        c = CheckIn
        if self.sole:
            return c.team_id == self.team_id
        participants = select(Participant.id).where(Participant.programme_id == self.programme_id)
        return unindexed(c.participant_id).in_(participants)


def programme(session: Session, programme_id: int) -> Programme | None:
    return session.get(Programme, programme_id)


def scope_of(session: Session, programme: Programme) -> Scope:
    others = session.scalar(
        select(func.count()).where(Programme.team_id == programme.team_id, Programme.id != programme.id)
    )
    return Scope(programme.id, programme.team_id, sole=not others)


# --- sessions -----------------------------------------------------------------------------------------------


def _session_kind(kind: str, s: Any = MentoringSession) -> ColumnElement[bool]:
    kinds: dict[str, ColumnElement[bool]] = {
        "held": s.state == "held",
        "cancelled": s.state == "cancelled",
        "cancelled_senior": and_(s.state == "cancelled", s.cancelled_by == "senior"),
        "cancelled_junior": and_(s.state == "cancelled", s.cancelled_by == "junior"),
        "rescheduled": s.state == "rescheduled",
    }
    return kinds[kind]


@dataclass(frozen=True)
class SessionTotals:
    """Sessions of one window, with the people (and pairs) each count describes."""

    held: int = 0
    held_pairs: int = 0
    held_people: int = 0
    cancelled: int = 0
    cancelled_people: int = 0
    cancelled_by_senior: int = 0
    cancelled_by_junior: int = 0
    rescheduled: int = 0
    rescheduled_people: int = 0


def _reaches(session: Session, column: Any, where: Sequence[ColumnElement[bool]], cap: int) -> bool:
    """Whether the first SAMPLE rows meeting `where` already hold `cap` distinct values of `column`. A LIMIT
    without DISTINCT stops reading early on both databases (DISTINCT ... LIMIT makes PostgreSQL sort every
    row first), and in any group of real size the first rows are enough."""
    sample = select(column.label("value")).where(*where).limit(SAMPLE).subquery("sample")
    return int(session.scalar(select(func.count(func.distinct(sample.c.value)))) or 0) >= cap


def _capped_session_people(session: Session, scope: Scope, condition: ColumnElement[bool], cap: int) -> int:
    """People in the pairs with a session meeting `condition`, counted up to `cap` (`cap` means "`cap` or
    more"). Pairs are distinct (mentor, mentee) couples, so `cap` pairs hold at least `cap` people."""
    s = MentoringSession
    where = (scope.sessions(), condition)
    if _reaches(session, s.pair_id, where, cap):
        return cap
    mentors = func.count(func.distinct(Pair.mentor_id))
    people = session.scalar(
        select(mentors + func.count(func.distinct(Pair.mentee_id))).where(Pair.id.in_(select(s.pair_id).where(*where)))
    )
    return min(int(people or 0), cap)


def sessions_to_date(session: Session, scope: Scope, end: datetime, cap: int) -> SessionTotals:
    """Every session before `end`, one count per kind (for a sole programme each is a range of
    ix_sessions_team_outcome); people counted up to `cap`; pairs that met counted exactly (they are shown)."""
    s = MentoringSession
    before = s.scheduled_at < end
    counts = [
        select(func.count()).where(scope.sessions(), _session_kind(kind), before).scalar_subquery()
        for kind in SESSION_KINDS
    ]
    held, cancelled, senior, junior, rescheduled = _ints(session.execute(select(*counts)).one())
    pairs_met = session.scalar(
        select(func.count()).where(
            Pair.programme_id == scope.programme_id,
            select(s.id).where(s.pair_id == Pair.id, s.state == "held", before).exists(),
        )
    )

    def people(kind: str, count: int) -> int:
        return _capped_session_people(session, scope, and_(_session_kind(kind), before), cap) if count else 0

    return SessionTotals(
        held=held,
        held_pairs=int(pairs_met or 0),
        held_people=people("held", held),
        cancelled=cancelled,
        cancelled_people=people("cancelled", cancelled),
        cancelled_by_senior=senior,
        cancelled_by_junior=junior,
        rescheduled=rescheduled,
        rescheduled_people=people("rescheduled", rescheduled),
    )


def sessions_in_windows(session: Session, scope: Scope, windows: Mapping[str, Window]) -> dict[str, SessionTotals]:
    """Per (bounded) window: sessions held / cancelled (by side) / rescheduled, pairs that met and the exact
    people each count describes. Reads only the windows' rows, grouped by pair, then one pass over those."""
    s = MentoringSession
    start = min(w.start for w in windows.values() if w.start is not None)
    end = max(w.end for w in windows.values())
    per_pair = (
        select(
            s.pair_id,
            *[
                _count_if(and_(window.holds(s.scheduled_at), _session_kind(kind))).label(f"{name}__{kind}")
                for name, window in windows.items()
                for kind in SESSION_KINDS
            ],
        )
        .where(scope.sessions(), s.state.in_(OUTCOME_STATES), s.scheduled_at >= start, s.scheduled_at < end)
        .group_by(s.pair_id)
        .subquery("per_pair")
    )
    columns: list[Any] = []
    for name in windows:
        held, cancelled, rescheduled = (per_pair.c[f"{name}__{k}"] for k in ("held", "cancelled", "rescheduled"))
        columns += [
            func.coalesce(func.sum(held), 0),
            _count_if(held > 0),
            _people(held > 0, Pair.mentor_id, Pair.mentee_id),
            func.coalesce(func.sum(cancelled), 0),
            _people(cancelled > 0, Pair.mentor_id, Pair.mentee_id),
            func.coalesce(func.sum(per_pair.c[f"{name}__cancelled_senior"]), 0),
            func.coalesce(func.sum(per_pair.c[f"{name}__cancelled_junior"]), 0),
            func.coalesce(func.sum(rescheduled), 0),
            _people(rescheduled > 0, Pair.mentor_id, Pair.mentee_id),
        ]
    row = _ints(session.execute(select(*columns).select_from(per_pair).join(Pair, Pair.id == per_pair.c.pair_id)).one())
    width = len(SessionTotals.__dataclass_fields__)
    return {name: SessionTotals(*row[i * width : (i + 1) * width]) for i, name in enumerate(windows)}


# --- check-ins ----------------------------------------------------------------------------------------------


def _two_way(answer: str) -> ColumnElement[bool]:
    # two_way first: it is NULL on most rows, so the rest is rarely evaluated
    return and_(CheckIn.two_way == answer, CheckIn.side == "junior")


def _action_recorded() -> ColumnElement[bool]:
    """A senior's answer recording an action: ACTION_RECORDED (storage.models) term by term, its literal inline,
    and the side, which ix_check_ins_team_actions holds as a column. SQLite then knows that partial index
    already guarantees the terms and counts its entries without reading a row (with the '' bound, it still
    uses the index but checks every row: ten times slower)."""
    c = CheckIn
    return and_(c.action.is_not(None), c.side == "senior", func.trim(c.action) != literal_column("''"))


@dataclass(frozen=True)
class AnswerTotals:
    """Check-in answers given in one window, with the people each figure describes."""

    rating_sum: int = 0
    ratings: int = 0
    raters: int = 0
    two_way_yes: int = 0
    two_way_partly: int = 0
    two_way_no: int = 0
    two_way_people: int = 0  # juniors who answered the two-way question
    actions_recorded: int = 0
    action_people: int = 0  # seniors who recorded at least one action


def _capped_answer_people(session: Session, scope: Scope, condition: ColumnElement[bool], cap: int) -> int:
    """Distinct people with an answer meeting `condition`, counted up to `cap`."""
    where = (scope.check_ins(), condition)
    if _reaches(session, CheckIn.participant_id, where, cap):
        return cap
    people = session.scalar(select(func.count(func.distinct(CheckIn.participant_id))).where(*where))
    return min(int(people or 0), cap)


def answers_to_date(session: Session, scope: Scope, end: datetime, cap: int) -> AnswerTotals:
    """Every answer given before `end`, counted per (side, two-way answer, rating) in the order of
    ix_check_ins_team_answer_kinds, so no row is read and nothing is sorted; actions recorded from their
    partial index. People counted up to `cap`."""
    c = CheckIn
    before = and_(c.answered_at.is_not(None), c.answered_at < end)
    kinds = (
        select(c.side, c.two_way, c.rating, func.count().label("n"))
        .where(scope.check_ins(), c.answered_at < end)
        .group_by(c.side, c.two_way, c.rating)
        .subquery("kinds")
    )
    k = kinds.c

    def answered(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, k.n), else_=0)), 0)

    row = session.execute(
        select(
            func.coalesce(func.sum(k.rating * k.n), 0),
            answered(k.rating.is_not(None)),
            *[answered(and_(k.two_way == answer, k.side == "junior")) for answer in TwoWayAnswer.values()],
        )
    ).one()
    rating_sum, ratings, yes, partly, no = _ints(row)
    actions = int(session.scalar(select(func.count()).where(scope.check_ins(), _action_recorded(), before)) or 0)

    def people(condition: ColumnElement[bool], count: int) -> int:
        return _capped_answer_people(session, scope, and_(before, condition), cap) if count else 0

    two_way = c.two_way.in_(TwoWayAnswer.values()) & (c.side == "junior")
    return AnswerTotals(
        rating_sum=rating_sum,
        ratings=ratings,
        raters=people(c.rating.is_not(None), ratings),
        two_way_yes=yes,
        two_way_partly=partly,
        two_way_no=no,
        two_way_people=people(two_way, yes + partly + no),
        actions_recorded=actions,
        action_people=people(_action_recorded(), actions),
    )


def answers_in_windows(session: Session, scope: Scope, windows: Mapping[str, Window]) -> dict[str, AnswerTotals]:
    """Per (bounded) window: ratings (sum, count, raters), two-way answers by kind, actions recorded, with the
    exact people each describes. Reads the windows' answers grouped by participant, then one pass over those."""
    c = CheckIn
    start = min(w.start for w in windows.values() if w.start is not None)
    end = max(w.end for w in windows.values())
    columns = []
    for name, window in windows.items():
        inside = window.holds(c.answered_at)
        columns += [
            func.coalesce(func.sum(case((inside, c.rating), else_=0)), 0).label(f"{name}__rating_sum"),
            _count_if(and_(inside, c.rating.is_not(None))).label(f"{name}__ratings"),
            _count_if(and_(inside, _two_way("yes"))).label(f"{name}__yes"),
            _count_if(and_(inside, _two_way("partly"))).label(f"{name}__partly"),
            _count_if(and_(inside, _two_way("no"))).label(f"{name}__no"),
            _count_if(and_(inside, _action_recorded())).label(f"{name}__actions"),
        ]
    per_person = (
        select(c.participant_id, *columns)
        .where(scope.check_ins(), c.answered_at >= start, c.answered_at < end)
        .group_by(c.participant_id)
        .subquery("per_person")
    )
    totals: list[Any] = []
    for name in windows:
        col = per_person.c
        two_way = col[f"{name}__yes"] + col[f"{name}__partly"] + col[f"{name}__no"]
        totals += [
            func.coalesce(func.sum(col[f"{name}__rating_sum"]), 0),
            func.coalesce(func.sum(col[f"{name}__ratings"]), 0),
            _count_if(col[f"{name}__ratings"] > 0),
            func.coalesce(func.sum(col[f"{name}__yes"]), 0),
            func.coalesce(func.sum(col[f"{name}__partly"]), 0),
            func.coalesce(func.sum(col[f"{name}__no"]), 0),
            _count_if(two_way > 0),
            func.coalesce(func.sum(col[f"{name}__actions"]), 0),
            _count_if(col[f"{name}__actions"] > 0),
        ]
    row = _ints(session.execute(select(*totals).select_from(per_person)).one())
    width = len(AnswerTotals.__dataclass_fields__)
    return {name: AnswerTotals(*row[i * width : (i + 1) * width]) for i, name in enumerate(windows)}


# --- participants and pairs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Membership:
    participants: int  # ever joined, up to the end of the period
    joiners: int  # joined in the period
    leavers: int  # left in the period
    left: int  # left up to the end of the period
    deleted: int  # participants whose Slack account is deactivated (users.info `deleted`)


def membership(session: Session, programme: Programme, period: Window, deleted_user_ids: Iterable[str]) -> Membership:
    p = Participant
    joined = p.joined_at < period.end
    has_left = and_(p.status == "left", func.coalesce(p.left_at, p.joined_at) < period.end)
    row = session.execute(
        select(
            _count_if(joined),
            _count_if(period.holds(p.joined_at)),
            _count_if(and_(p.status == "left", period.holds(p.left_at))),
            _count_if(and_(joined, has_left)),
        ).where(p.programme_id == programme.id)
    ).one()
    deleted = 0
    ids = sorted(set(deleted_user_ids))
    for start in range(0, len(ids), CHUNK):
        # from the people, through their unique (team, Slack id): the few deleted ids, not every participant
        deleted += (
            session.scalar(
                select(func.count())
                .select_from(Person)
                .join(p, and_(p.person_id == Person.id, p.programme_id == programme.id))
                .where(
                    Person.team_id == programme.team_id, Person.slack_user_id.in_(ids[start : start + CHUNK]), joined
                )
            )
            or 0
        )
    participants, joiners, leavers, left = _ints(row)
    return Membership(participants, joiners, leavers, left, deleted=deleted)


@dataclass(frozen=True)
class PairTotals:
    active: int
    active_people: int
    formed: int  # every pair made up to `now`, active or ended
    formed_people: int


def pair_totals(session: Session, programme_id: int, now: datetime) -> PairTotals:
    """Pairs active at `now` (made before it and not ended by it) and every pair made up to `now`."""
    formed = Pair.created_at < now
    active = and_(formed, (Pair.status == "active") | (func.coalesce(Pair.ended_at, now) > now))
    row = session.execute(
        select(
            _count_if(active),
            _people(active, Pair.mentor_id, Pair.mentee_id),
            _count_if(formed),
            _people(formed, Pair.mentor_id, Pair.mentee_id),
        ).where(Pair.programme_id == programme_id)
    ).one()
    return PairTotals(*_ints(row))


def participant_user_ids(session: Session, programme_id: int) -> list[str]:
    """Slack ids of everyone who ever joined the programme (the caller asks users.info which are deleted)."""
    return list(
        session.scalars(
            select(Person.slack_user_id)
            .join(Participant, Participant.person_id == Person.id)
            .where(Participant.programme_id == programme_id)
            .order_by(Person.slack_user_id)
        )
    )


# --- pairs at risk ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AtRiskRow:
    pair_id: int
    mentor_user_id: str
    mentee_user_id: str
    senior_cancels: int  # the senior's cancellations among the pair's last M sessions with an outcome (or 0)
    recent: int  # how many sessions with an outcome that window holds (M, or fewer for a new pair)
    last_met_at: datetime | None  # latest session held or scheduled (idle pairs only)
    created_at: datetime
    cancelling: bool
    idle: bool


def cancelling_pairs(
    session: Session, scope: Scope, now: datetime, cancel_n: int, cancel_m: int
) -> dict[int, tuple[int, int]]:
    """Active pairs where the senior cancelled at least `cancel_n` of the last `cancel_m` sessions with an
    outcome: pair id -> (senior cancellations among them, how many sessions they are).

    Only pairs whose senior cancelled `cancel_n` times in all can qualify; those are counted first from
    ix_sessions_team_outcome (the team's id is true of every session of the programme). For each of them the
    last `cancel_m` sessions are read newest first from ix_sessions_pair_outcome, stopping there (a LIMIT)."""
    s = MentoringSession

    def last_m() -> Any:
        return (
            select(s.state, s.cancelled_by)
            .where(s.pair_id == Pair.id, s.state.in_(OUTCOME_STATES), s.scheduled_at <= now)
            .order_by(s.scheduled_at.desc(), s.id.desc())
            .limit(cancel_m)
            .correlate(Pair)
            .subquery()
        )

    window = last_m()
    by_senior = and_(window.c.state == "cancelled", window.c.cancelled_by == "senior")
    cancels = select(func.count()).select_from(window).where(by_senior).scalar_subquery()
    recent = select(func.count()).select_from(last_m()).scalar_subquery()
    often = (
        select(s.pair_id)
        .where(s.team_id == scope.team_id, _session_kind("cancelled_senior"), s.scheduled_at <= now)
        .group_by(s.pair_id)
        .having(func.count() >= cancel_n)
    )
    counted = (
        select(Pair.id.label("pair_id"), cancels.label("cancels"), recent.label("recent"))
        .where(Pair.programme_id == scope.programme_id, Pair.status == "active", Pair.id.in_(often))
        .subquery("counted")
    )
    rows = session.execute(select(counted).where(counted.c.cancels >= cancel_n)).all()
    return {pair_id: (int(cancels), int(recent)) for pair_id, cancels, recent in rows}


def idle_pairs(session: Session, scope: Scope, now: datetime, stale_factor: float) -> dict[int, datetime | None]:
    """Active pairs, both members active, with no session held or scheduled for stale_factor x the pair's
    cadence (the longer of the two members' own) counting from the pair's creation if it never met: the
    nudge scan's stale-pair condition (storage/queries/nudges.py). Pair id -> their latest session held or
    scheduled (None if they never had one).

    No pair with a session after stale_factor x the programme's shortest cadence can qualify, so the pairs
    that met since then are set aside first through the index, and only the rest are measured exactly."""
    s = MentoringSession
    mentor, mentee = aliased(Participant), aliased(Participant)
    shortest = session.scalar(
        select(func.min(Participant.cadence_days)).where(Participant.programme_id == scope.programme_id)
    )
    cut = now - timedelta(days=stale_factor * (shortest or 1))
    # from ix_sessions_team_outcome alone: the team's id is true of every session of the programme
    met_since = select(s.pair_id).where(
        s.team_id == scope.team_id, s.state.in_(("held", "scheduled")), s.scheduled_at > cut
    )
    last_met = (  # newest first through the (pair_id, scheduled_at) index, stopping at the first one
        select(s.scheduled_at)
        .where(s.pair_id == Pair.id, s.state.in_(("held", "scheduled")))
        .order_by(s.scheduled_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    cadence = case((mentor.cadence_days > mentee.cadence_days, mentor.cadence_days), else_=mentee.cadence_days)
    since = epoch_seconds(func.coalesce(last_met, Pair.created_at))
    rows = session.execute(
        select(Pair.id, last_met)
        .join(mentor, mentor.id == Pair.mentor_id)
        .join(mentee, mentee.id == Pair.mentee_id)
        .where(
            Pair.programme_id == scope.programme_id,
            Pair.status == "active",
            Pair.created_at <= cut,
            mentor.status == "active",
            mentee.status == "active",
            Pair.id.not_in(met_since),
            since <= now.timestamp() - stale_factor * cadence * 86400.0,
        )
    ).all()
    return {pair_id: last for pair_id, last in rows}


def pair_people(session: Session, pair_ids: Iterable[int]) -> dict[int, tuple[str, str, datetime]]:
    """pair id -> (mentor's Slack id, mentee's Slack id, when the pair was made)."""
    mentor, mentee = aliased(Participant), aliased(Participant)
    mentor_person, mentee_person = aliased(Person), aliased(Person)
    found = {}
    ids = sorted(set(pair_ids))
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(Pair.id, mentor_person.slack_user_id, mentee_person.slack_user_id, Pair.created_at)
            .join(mentor, mentor.id == Pair.mentor_id)
            .join(mentor_person, mentor_person.id == mentor.person_id)
            .join(mentee, mentee.id == Pair.mentee_id)
            .join(mentee_person, mentee_person.id == mentee.person_id)
            .where(Pair.id.in_(ids[start : start + CHUNK]))
        )
        found.update({pair_id: (mentor_id, mentee_id, created) for pair_id, mentor_id, mentee_id, created in rows})
    return found


def at_risk_pairs(
    session: Session, scope: Scope, now: datetime, cancel_n: int, cancel_m: int, stale_factor: float
) -> list[AtRiskRow]:
    """Active pairs where the senior keeps cancelling, or that stopped meeting; by pair id, with both
    members' Slack ids."""
    cancelling = cancelling_pairs(session, scope, now, cancel_n, cancel_m)
    idle = idle_pairs(session, scope, now, stale_factor)
    people = pair_people(session, set(cancelling) | set(idle))
    rows = []
    for pair_id in sorted(people):
        mentor_id, mentee_id, created = people[pair_id]
        cancels, recent = cancelling.get(pair_id, (0, 0))
        rows.append(
            AtRiskRow(pair_id, mentor_id, mentee_id, cancels, recent, idle.get(pair_id), created,
                      cancelling=pair_id in cancelling, idle=pair_id in idle)
        )  # fmt: skip
    return rows


# --- per week and per pair ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekSessions:
    week: int  # whole weeks since the series' start
    held: int
    held_people: int
    cancelled_by_senior: int
    cancelled_by_junior: int
    cancelled: int  # including any cancellation with no side recorded
    cancelled_people: int
    rescheduled: int
    rescheduled_people: int


def sessions_by_week(
    session: Session, scope: Scope, start: datetime, end: datetime, cap: int | None = None
) -> list[WeekSessions]:
    """Sessions in [start, end) per week counted from `start`; weeks with no session are absent.

    With `cap`, the week's counts come from one grouped pass and the people each describes are counted up
    to `cap` per week (a short query each); without, exactly, grouping by (week, pair) first."""
    s = MentoringSession
    week = _weeks_since(s.scheduled_at, start).label("week")
    inside = and_(scope.sessions(), s.state.in_(OUTCOME_STATES), s.scheduled_at >= start, s.scheduled_at < end)
    if cap is None:
        return _sessions_by_week_exact(session, week, inside)
    rows = session.execute(
        select(week, *[_count_if(_session_kind(k)).label(k) for k in SESSION_KINDS]).where(inside).group_by(week)
    ).all()
    weeks = []
    for index, held, cancelled, senior, junior, rescheduled in rows:
        low, high = _week_bounds(start, index, end)
        in_week = and_(s.scheduled_at >= low, s.scheduled_at < high)

        def people(kind: str, count: int, in_week: ColumnElement[bool] = in_week) -> int:
            return _capped_session_people(session, scope, and_(_session_kind(kind), in_week), cap) if count else 0

        weeks.append(
            WeekSessions(int(index), held, people("held", held), senior, junior, cancelled,
                         people("cancelled", cancelled), rescheduled, people("rescheduled", rescheduled))
        )  # fmt: skip
    return weeks


def _week_bounds(start: datetime, index: int, end: datetime) -> tuple[datetime, datetime]:
    low = start + timedelta(weeks=int(index))
    return low, min(low + timedelta(weeks=1), end)


def _sessions_by_week_exact(session: Session, week: Any, inside: ColumnElement[bool]) -> list[WeekSessions]:
    s = MentoringSession
    per_pair = (
        select(week, s.pair_id, *[_count_if(_session_kind(k)).label(k) for k in SESSION_KINDS])
        .where(inside)
        .group_by(week, s.pair_id)
        .subquery("per_pair")
    )
    c = per_pair.c
    rows = session.execute(
        select(
            c.week,
            func.sum(c.held),
            _people(c.held > 0, Pair.mentor_id, Pair.mentee_id),
            func.sum(c.cancelled_senior),
            func.sum(c.cancelled_junior),
            func.sum(c.cancelled),
            _people(c.cancelled > 0, Pair.mentor_id, Pair.mentee_id),
            func.sum(c.rescheduled),
            _people(c.rescheduled > 0, Pair.mentor_id, Pair.mentee_id),
        )
        .join(Pair, Pair.id == c.pair_id)
        .group_by(c.week)
        .order_by(c.week)
    ).all()
    return [WeekSessions(*_ints(r)) for r in rows]


@dataclass(frozen=True)
class WeekAnswers:
    week: int
    answers: AnswerTotals


def answers_by_week(session: Session, scope: Scope, start: datetime, end: datetime) -> list[WeekAnswers]:
    """Check-in answers given in [start, end) per week counted from `start`, with the exact people each figure
    describes: grouped by (week, participant) first, then by week."""
    c = CheckIn
    week = _weeks_since(c.answered_at, start).label("week")
    per_person = (
        select(
            week,
            c.participant_id,
            func.coalesce(func.sum(c.rating), 0).label("rating_sum"),
            func.count(c.rating).label("ratings"),
            _count_if(_two_way("yes")).label("yes"),
            _count_if(_two_way("partly")).label("partly"),
            _count_if(_two_way("no")).label("no"),
            _count_if(_action_recorded()).label("actions"),
        )
        .where(scope.check_ins(), c.answered_at >= start, c.answered_at < end)
        .group_by(week, c.participant_id)
        .subquery("per_person")
    )
    p = per_person.c
    rows = session.execute(
        select(
            p.week,
            func.sum(p.rating_sum),
            func.sum(p.ratings),
            _count_if(p.ratings > 0),
            func.sum(p.yes),
            func.sum(p.partly),
            func.sum(p.no),
            _count_if(p.yes + p.partly + p.no > 0),
            func.sum(p.actions),
            _count_if(p.actions > 0),
        )
        .group_by(p.week)
        .order_by(p.week)
    ).all()
    return [WeekAnswers(int(r[0]), AnswerTotals(*_ints(r[1:]))) for r in rows]


@dataclass(frozen=True)
class PairSessions:
    pair_id: int
    held: int
    cancelled_by_senior: int
    cancelled_by_junior: int
    rescheduled: int


def sessions_by_pair(session: Session, scope: Scope, end: datetime) -> list[PairSessions]:
    """Every pair of the programme made before `end`, with its session counts up to `end` (zeros for a pair
    that never had a session), by pair id."""
    s = MentoringSession
    kinds = ("held", "cancelled_senior", "cancelled_junior", "rescheduled")
    counts = (
        select(s.pair_id, *[_count_if(_session_kind(k)).label(k) for k in kinds])
        .where(scope.sessions(), s.state.in_(OUTCOME_STATES), s.scheduled_at < end)
        .group_by(s.pair_id)
        .subquery("counts")
    )
    rows = session.execute(
        select(Pair.id, *[func.coalesce(counts.c[k], 0) for k in kinds])
        .outerjoin(counts, counts.c.pair_id == Pair.id)
        .where(Pair.programme_id == scope.programme_id, Pair.created_at < end)
        .order_by(Pair.id)
    ).all()
    return [PairSessions(*_ints(r)) for r in rows]


def first_activity(session: Session, scope: Scope, end: datetime) -> datetime | None:
    """The earliest session or answer of the programme before `end` (where an export's weeks begin)."""
    s = MentoringSession
    first_session = session.scalar(select(func.min(s.scheduled_at)).where(scope.sessions(), s.scheduled_at < end))
    first_answer = session.scalar(
        select(func.min(CheckIn.answered_at)).where(scope.check_ins(), CheckIn.answered_at < end)
    )
    found = [t for t in (first_session, first_answer) if t is not None]
    return min(found) if found else None
