"""The nudge scan's reads and its one bulk write, for every active pair of every programme at once.

Each read narrows in SQL to the pairs that can need a nudge, by a necessary condition of a rule in
`bot/nudges/rules.py` (never a different one: the rules still decide), so Python only sees those rows:

* `pair_signals`: one pass over the active pairs with, per pair, the senior's cancellations among its last
  M sessions with an outcome and its latest session held or scheduled (two index seeks each, as correlated
  subqueries); kept if N of M are the senior's, or if it is idle and not both members have been told.
* `last_sessions`: those last M sessions for the pairs kept for cancellations (a window function).
* `overdue_check_ins`: unanswered check-ins past their programme's reminder delay, never reminded about.
* `previous_nudges`: what the rules need to know of earlier nudges about those pairs.

Time arithmetic happens in epoch seconds (`epoch_seconds`) so that the same statements run on SQLite and
PostgreSQL. Every function takes the caller's Session and never commits: the scan reads and writes in one
transaction, which `begin_scan` makes the only scan running.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    Row,
    Select,
    String,
    Table,
    and_,
    any_,
    case,
    cast,
    distinct,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.functions import FunctionElement

from storage.models import (
    CheckIn,
    MentoringSession,
    NudgeLog,
    Pair,
    Participant,
    Person,
    Programme,
)
from storage.queries import locks
from storage.queries.outbox import Call, enqueue_many

SCAN_LOCK_KEY = 0x6E75646765  # "nudge": the PostgreSQL advisory lock the scan holds while it runs
CHUNK = 2000  # ids per IN list; far below SQLite's 32,766 bound parameters
CANCELLATION_KINDS = ("senior_cancelling", "escalation")
SCAN_KINDS = ("senior_cancelling", "escalation", "stale_pair", "checkin_reminder")


class epoch_seconds(FunctionElement[float]):
    """Seconds since 1970 of a stored UTC timestamp, so both databases can do arithmetic on it."""

    type = Float()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    # SQLite keeps UTC timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' text; julianday() reads that form.
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _one_of(session: Session, column: Any, values: Sequence[Any], element_type: Any) -> Iterator[Any]:
    """`column IN values` in as few statements as the database allows: one `= ANY(array)` on PostgreSQL (a
    single parameter, whatever the length), chunks of IN lists on SQLite."""
    if not values:
        return
    if _dialect(session) == "postgresql":
        yield column == any_(literal(list(values), postgresql.ARRAY(element_type)))
        return
    for chunk in _chunks(values, CHUNK):
        yield column.in_(chunk)


def begin_scan(session: Session) -> None:
    """Make this transaction the only nudge scan until it ends: a second scan, in any process, waits here
    and then reads what the first one wrote. PostgreSQL: a transaction advisory lock (other writers are not
    held up), and no JIT for these short queries (compiling them costs more than it saves). SQLite: its one
    write lock, taken now instead of at the first insert."""
    if _dialect(session) == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCAN_LOCK_KEY})
        session.execute(text("SET LOCAL jit = off"))
    else:
        locks.sqlite_write_lock(session)


@dataclass(frozen=True)
class ProgrammeSettings:
    """The settings of a programme that the nudge rules read."""

    id: int
    team_id: str
    timezone: str
    nudge_cancel_n: int
    nudge_cancel_m: int
    stale_factor: float
    reminder_delay_hours: int
    quiet_start_hour: int
    quiet_end_hour: int
    admin_user_ids: list[str]


def programme_settings(session: Session) -> list[ProgrammeSettings]:
    rows = session.execute(
        select(
            Programme.id,
            Programme.team_id,
            Programme.timezone,
            Programme.nudge_cancel_n,
            Programme.nudge_cancel_m,
            Programme.stale_factor,
            Programme.reminder_delay_hours,
            Programme.quiet_start_hour,
            Programme.quiet_end_hour,
            Programme.admin_user_ids,
        ).order_by(Programme.id)
    )
    return [ProgrammeSettings(*row[:9], list(row[9] or ())) for row in rows]


@dataclass(frozen=True)
class Member:
    participant_id: int
    user_id: str
    tz: str | None
    tz_offset_seconds: int
    status: str
    display_name: str | None


@dataclass(frozen=True)
class PairMembers:
    pair_id: int
    team_id: str
    programme_id: int
    created_at: datetime
    cadence_days: int  # the longer of the two participants' cadences
    junior: Member  # the mentor
    senior: Member  # the mentee


class _PairJoin:
    """A pair with both participants and both people joined: the columns every scan read returns first."""

    def __init__(self) -> None:
        self.mentor, self.mentee = aliased(Participant), aliased(Participant)
        self.mentor_person, self.mentee_person = aliased(Person), aliased(Person)
        self.cadence = case(
            (self.mentor.cadence_days > self.mentee.cadence_days, self.mentor.cadence_days),
            else_=self.mentee.cadence_days,
        )

    def columns(self) -> list[Any]:
        return [
            Pair.id,
            Pair.team_id,
            Pair.programme_id,
            Pair.created_at,
            self.cadence,
            *self._member(self.mentor, self.mentor_person),
            *self._member(self.mentee, self.mentee_person),
        ]

    width = 17

    @staticmethod
    def _member(participant: Any, person: Any) -> list[Any]:
        return [
            participant.id,
            person.slack_user_id,
            person.tz,
            person.tz_offset_seconds,
            participant.status,
            person.display_name,
        ]

    def join(self, statement: Select[Any]) -> Select[Any]:
        return (
            statement.join(self.mentor, self.mentor.id == Pair.mentor_id)
            .join(self.mentee, self.mentee.id == Pair.mentee_id)
            .join(self.mentor_person, self.mentor_person.id == self.mentor.person_id)
            .join(self.mentee_person, self.mentee_person.id == self.mentee.person_id)
        )

    @staticmethod
    def parse(row: Sequence[Any]) -> PairMembers:
        pair_id, team_id, programme_id, created_at, cadence_days = row[:5]
        junior, senior = Member(*row[5:11]), Member(*row[11:17])
        return PairMembers(pair_id, team_id, programme_id, created_at, cadence_days, junior=junior, senior=senior)


@dataclass(frozen=True)
class PairSignal:
    pair: PairMembers
    senior_cancels: int  # among the last M sessions with an outcome
    last_session_at: datetime | None  # latest session held or scheduled
    idle: bool


def pair_signals(
    session: Session, now: datetime, programme_ids: Sequence[int], cancel_n: int, cancel_m: int
) -> list[PairSignal]:
    """The active pairs of these programmes (which share cancel_n and cancel_m) that meet a precondition:
    at least cancel_n senior cancellations among their last cancel_m sessions with an outcome, or idle (both
    members active, no session held or scheduled since stale_factor x cadence before `now`, counting from
    the pair's creation if it never met, and not both already nudged about it since then within the last
    such period).

    One pass over the pairs; per pair, two index seeks on sessions (pair_id, scheduled_at ...)."""
    s, recent = aliased(MentoringSession), aliased(MentoringSession)
    pairs = _PairJoin()
    last_m = (
        select(recent.state, recent.cancelled_by)
        .where(recent.pair_id == Pair.id, recent.state != "scheduled")
        .order_by(recent.scheduled_at.desc(), recent.id.desc())
        .limit(cancel_m)
        .correlate(Pair)
        .subquery("last_m")
    )
    senior_cancels = (
        select(func.count())
        .select_from(last_m)
        .where(last_m.c.state == "cancelled", last_m.c.cancelled_by == "senior")
        .scalar_subquery()
    )
    last_session_at = (
        select(func.max(s.scheduled_at))
        .where(s.pair_id == Pair.id, s.state.in_(("held", "scheduled")))
        .correlate(Pair)  # also where it is nested in the nudge_log subquery below
        .scalar_subquery()
    )
    period = Programme.stale_factor * pairs.cadence * 86400.0
    anchor = epoch_seconds(func.coalesce(last_session_at, Pair.created_at))
    # both members already nudged in this stretch, within the last period: nothing new to say (bot/nudges/rules.py)
    both_nudged = (
        select(func.count(distinct(NudgeLog.recipient_user_id)))
        .where(
            NudgeLog.pair_id == Pair.id,
            NudgeLog.kind == "stale_pair",
            epoch_seconds(NudgeLog.created_at) >= anchor,
            epoch_seconds(NudgeLog.created_at) > now.timestamp() - period,
        )
        .correlate(Pair, Programme, pairs.mentor, pairs.mentee)
        .scalar_subquery()
        >= 2
    )
    idle = and_(
        pairs.mentor.status == "active",
        pairs.mentee.status == "active",
        anchor <= now.timestamp() - period,
        ~both_nudged,
    )
    statement = select(
        *pairs.columns(),
        senior_cancels,
        last_session_at,
        case((idle, 1), else_=0),
    ).join(Programme, Programme.id == Pair.programme_id)
    rows = session.execute(
        pairs.join(statement)
        .where(Pair.status == "active", Pair.programme_id.in_(programme_ids), or_(senior_cancels >= cancel_n, idle))
        .order_by(Pair.id)
    )
    width = _PairJoin.width
    return [PairSignal(_PairJoin.parse(row), row[width], row[width + 1], bool(row[width + 2])) for row in rows]


def last_sessions(
    session: Session, pair_ids: Iterable[int], m: int
) -> Sequence[Row[int, int, datetime, str, str | None]]:
    """(pair_id, session_id, scheduled_at, state, cancelled_by) of the last m sessions with an outcome of each
    pair, by pair, oldest first."""
    s = MentoringSession
    rows: list[Row[int, int, datetime, str, str | None]] = []
    for these_pairs in _one_of(session, s.pair_id, sorted(set(pair_ids)), Integer()):
        ranked = (
            select(
                s.pair_id,
                s.id.label("session_id"),
                s.scheduled_at,
                s.state,
                s.cancelled_by,
                func.row_number()
                .over(partition_by=s.pair_id, order_by=(s.scheduled_at.desc(), s.id.desc()))
                .label("recency"),
            )
            .where(these_pairs, s.state != "scheduled")
            .subquery("ranked")
        )
        rows += session.execute(
            select(ranked.c.pair_id, ranked.c.session_id, ranked.c.scheduled_at, ranked.c.state, ranked.c.cancelled_by)
            .where(ranked.c.recency <= m)
            .order_by(ranked.c.pair_id, ranked.c.scheduled_at, ranked.c.session_id)
        ).all()
    return rows


@dataclass(frozen=True)
class OverdueCheckIn:
    check_in_id: int
    participant_id: int
    sent_at: datetime
    session_at: datetime
    pair: PairMembers


def overdue_check_ins(session: Session, now: datetime, reminder_window: timedelta) -> list[OverdueCheckIn]:
    """Unanswered check-ins of active pairs sent between reminder_delay and reminder_delay + reminder_window
    ago, with no reminder logged."""
    s = MentoringSession
    pairs = _PairJoin()
    longest_delay = session.scalar(select(func.max(Programme.reminder_delay_hours))) or 0
    reminded = select(NudgeLog.id).where(
        NudgeLog.pair_id == Pair.id,
        NudgeLog.kind == "checkin_reminder",
        NudgeLog.subject_key == literal("checkin:") + cast(CheckIn.id, String),
    )
    sent = epoch_seconds(CheckIn.sent_at)
    delay = Programme.reminder_delay_hours * 3600.0
    statement = (
        select(*pairs.columns(), CheckIn.id, CheckIn.participant_id, CheckIn.sent_at, s.scheduled_at)
        .select_from(CheckIn)
        .join(s, s.id == CheckIn.session_id)
        .join(Pair, Pair.id == s.pair_id)
        .join(Programme, Programme.id == Pair.programme_id)
    )
    rows = session.execute(
        pairs.join(statement)
        .where(
            Pair.status == "active",
            CheckIn.answered_at.is_(None),
            # a plain bound first, which an index on sent_at can use; then each programme's own delay
            CheckIn.sent_at >= now - timedelta(hours=longest_delay) - reminder_window,
            sent <= now.timestamp() - delay,
            sent >= now.timestamp() - delay - reminder_window.total_seconds(),
            ~reminded.exists(),
        )
        .order_by(CheckIn.id)
    )
    width = _PairJoin.width
    overdue = []
    for row in rows:
        check_in_id, participant_id, sent_at, session_at = row[width : width + 4]
        overdue.append(OverdueCheckIn(check_in_id, participant_id, sent_at, session_at, pair=_PairJoin.parse(row)))
    return overdue


def previous_nudges(
    session: Session, pair_ids: Iterable[int], since: datetime
) -> Sequence[Row[str, str, int | None, str, datetime, datetime]]:
    """(kind, recipient_user_id, pair_id, subject_key, due_at, created_at) of earlier nudges about these
    pairs: every cancellation and stale-pair nudge (the rules read what they were about, and when), and
    anything due since `since` (the repeat window)."""
    rows: list[Row[str, str, int | None, str, datetime, datetime]] = []
    for these_pairs in _one_of(session, NudgeLog.pair_id, sorted(set(pair_ids)), Integer()):
        rows += session.execute(
            select(
                NudgeLog.kind,
                NudgeLog.recipient_user_id,
                NudgeLog.pair_id,
                NudgeLog.subject_key,
                NudgeLog.due_at,
                NudgeLog.created_at,
            ).where(
                these_pairs,
                NudgeLog.kind.in_(SCAN_KINDS),
                or_(NudgeLog.kind.in_((*CANCELLATION_KINDS, "stale_pair")), NudgeLog.due_at >= since),
            )
        ).all()
    return rows


def people_zones(
    session: Session, team_users: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str | None, int]]:
    """(tz, tz_offset_seconds) of people by (team, Slack user id): admins' time zones."""
    keys = sorted(set(team_users))
    zones: dict[tuple[str, str], tuple[str | None, int]] = {}
    for chunk in _chunks(keys, CHUNK):
        rows = session.execute(
            select(Person.team_id, Person.slack_user_id, Person.tz, Person.tz_offset_seconds).where(
                tuple_(Person.team_id, Person.slack_user_id).in_(chunk)
            )
        )
        for team, user, tz, offset in rows:
            zones[(team, user)] = (tz, offset)
    return zones


@dataclass(frozen=True)
class NudgeRow:
    """One decided nudge and its message, ready to be written."""

    team_id: str
    pair_id: int
    recipient_user_id: str
    kind: str
    subject_key: str
    due_at: datetime
    payload: dict[str, Any]

    @property
    def dedupe_key(self) -> str:
        return f"nudge:{self.kind}:{self.recipient_user_id}:{self.subject_key}"


def record(session: Session, nudges: Sequence[NudgeRow], now: datetime) -> list[NudgeRow]:
    """Queue each nudge's DM in the outbox (not before its due time) and log it with its outbox id, in the
    caller's transaction. A nudge whose dedupe key is already in the outbox is neither queued nor logged
    again. Returns the nudges written: per team, one INSERT for the outbox (`enqueue_many`) and one for the
    log, instead of a SELECT and an INSERT per row."""
    by_team: dict[str, dict[str, NudgeRow]] = {}
    for nudge in nudges:
        by_team.setdefault(nudge.team_id, {}).setdefault(nudge.dedupe_key, nudge)
    written: list[NudgeRow] = []
    nudge_log = NudgeLog.__table__
    assert isinstance(nudge_log, Table)  # typed as any FromClause; a class with __tablename__ maps a Table
    for team_id, keyed in by_team.items():
        calls = [Call(key, "chat.postMessage", n.payload, n.due_at) for key, n in keyed.items()]
        ids = enqueue_many(session, team_id, calls, batch="nudges")
        new = [nudge for key, nudge in keyed.items() if key in ids]
        if not new:
            continue
        session.execute(
            insert(nudge_log),
            [
                {
                    "team_id": team_id,
                    "pair_id": n.pair_id,
                    "recipient_user_id": n.recipient_user_id,
                    "kind": n.kind,
                    "subject_key": n.subject_key,
                    "due_at": n.due_at,
                    "outbox_id": ids[n.dedupe_key],
                    "created_at": now,
                }
                for n in new
            ],
        )
        written += new
    return written
