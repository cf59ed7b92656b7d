"""Benchmark for bot.digest.figures: the whole digest over 1,000,000 sessions and their check-ins.

Run: .venv/bin/python bench/digest.py [--pairs 100000] [--sessions 1000000]
                                      [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
                                      [--no-postgres]

For each database (a temporary SQLite file; on PostgreSQL a database `bench_digest` created next to the one
in --postgres-url with an autocommit CREATE DATABASE and dropped afterwards, so the tests' `public` schema is
never touched):

1. migrate (Alembic, the real schema) and generate a programme over a year: people, participants (some left,
   some just joined), pairs (a few ended, a few never met, some whose senior cancels a lot), sessions at each
   pair's cadence (held, cancelled by either side, rescheduled, unanswered, some booked ahead) and two
   check-ins per past session (most answered: ratings, two-way answers, actions, some blank). Bulk inserts;
   generation time is reported, not measured against anything.
2. time the digest (`prepare_digest`: every figure, the at-risk pairs, the 12-week series) three times and
   keep the best (the first run also warms the database's cache, as a weekly job's would not be; the
   first run's time is shown too).
3. time the naive way in the same run: read the same rows (sessions, check-ins, participants, pairs) and
   compute the same figures with Python loops; check both give exactly the same figures.
4. time the chart's rendering (matplotlib Agg) and the CSV export, for information.

Targets (PASS/FAIL): the digest under 2 s on SQLite; the digest's figures equal the naive loop's.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from bot.digest.cells import public_view
from bot.digest.chart import render_chart
from bot.digest.disclosure import MIN_GROUP, Activity, headline
from bot.digest.export import export_csv
from bot.digest.figures import Digest, WeekCounts, activity_of, prepare_digest
from bot.runtime.clock import SystemClock
from storage.db import Database
from storage.models import CheckIn, MentoringSession, Pair, Participant, Person, Programme, Workspace
from storage.queries import digest as queries
from storage.queries.digest import AnswerTotals, SessionTotals, Window

TEAM = "T0BENCH"
NOW = datetime(2024, 3, 13, 12, 0, tzinfo=UTC)  # a Wednesday, midday UTC
PERIOD = timedelta(days=7)
SQLITE_TARGET_SECONDS = 2.0
ROUNDS = 3


# --- data -------------------------------------------------------------------------------------------------


@dataclass
class Generated:
    pairs: int = 0
    sessions: int = 0
    check_ins: int = 0
    participants: int = 0
    seconds: float = 0.0


def _session_plan(rng: random.Random, spans: list[float], sessions: int) -> list[int]:
    """Sessions per pair, in proportion to how long the pair has existed (give or take 40%); about 2% never
    met; adjusted to the exact total."""
    total_span = sum(spans)
    counts = [
        0 if rng.random() < 0.02 else max(1, round(sessions * span / total_span * rng.uniform(0.6, 1.4)))
        for span in spans
    ]
    diff = sessions - sum(counts)
    while diff:
        index = rng.randrange(len(counts))
        if diff > 0 and counts[index]:
            counts[index] += 1
            diff -= 1
        elif diff < 0 and counts[index] > 1:
            counts[index] -= 1
            diff += 1
    return counts


def _chunked(connection: Any, model: Any, rows: Iterator[dict[str, Any]], size: int = 50_000) -> int:
    batch: list[dict[str, Any]] = []
    total = 0
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            connection.execute(insert(model), batch)
            total += len(batch)
            batch = []
    if batch:
        connection.execute(insert(model), batch)
        total += len(batch)
    return total


def _outcome(rng: random.Random, troubled: bool) -> tuple[str, str | None]:
    r = rng.random()
    senior = 0.45 if troubled else 0.08
    if r < senior:
        return "cancelled", "senior"
    if r < senior + 0.08:
        return "cancelled", "junior"
    if r < senior + 0.13:
        return "rescheduled", None
    if r < senior + 0.15:
        return "scheduled", None  # nobody has answered yet
    return "held", None


def _answers(
    rng: random.Random, session: dict[str, Any], mentor: int, mentee: int, next_id: int
) -> list[dict[str, Any]]:
    """The two check-ins of a past session: most answered within 2.5 days, with a rating, a two-way answer
    (junior) or an action (senior, sometimes blank) when it was held."""
    when, state, by = session["scheduled_at"], session["state"], session["cancelled_by"]
    rows = []
    for offset, (participant_id, side) in enumerate(((mentor, "junior"), (mentee, "senior"))):
        answered: datetime | None = when + timedelta(hours=rng.uniform(0.5, 60))
        if rng.random() < 0.12 or (answered is not None and answered >= NOW):
            answered = None
        row: dict[str, Any] = {
            "id": next_id + offset, "team_id": TEAM, "session_id": session["id"], "participant_id": participant_id,
            "side": side, "sent_at": when, "answered_at": answered, "outcome": None, "rating": None,
            "two_way": None, "action": None,
        }  # fmt: skip
        if answered is not None:
            row["outcome"] = {"held": "held", "rescheduled": "rescheduled"}.get(state)
            if state == "cancelled":
                row["outcome"] = "i_cancelled" if by == side else "they_cancelled"
            if state == "held":
                row["rating"] = rng.choices((1, 2, 3, 4, 5), (1, 2, 5, 9, 6))[0]
                if side == "junior":
                    row["two_way"] = rng.choices(("yes", "partly", "no"), (7, 2, 1))[0]
                else:
                    a = rng.random()
                    row["action"] = "An action" if a < 0.6 else ("  " if a < 0.65 else None)
        rows.append(row)
    return rows


def generate(db: Database, pairs: int, sessions: int, seed: int = 7) -> tuple[int, Generated]:
    """An eight-month programme: most people joined in its first six weeks, some later; rows are inserted
    in the order the bot would write them (sessions and check-ins by time), not pair by pair."""
    rng = random.Random(seed)
    started = time.perf_counter()
    start = NOW - timedelta(days=240)
    extra = pairs // 50  # participants who never got a pair: some left, some just joined
    people = 2 * pairs + extra
    with db.engine.begin() as connection:
        connection.execute(insert(Workspace), [{"team_id": TEAM, "name": "Bench", "created_at": start}])
        programme_id = connection.execute(
            insert(Programme).returning(Programme.id),
            [{"team_id": TEAM, "name": "Bench", "created_at": start}],
        ).scalar_one()
        _chunked(
            connection,
            Person,
            (
                {"id": i + 1, "team_id": TEAM, "slack_user_id": f"U{i:08d}", "display_name": f"Person {i}",
                 "updated_at": NOW}
                for i in range(people)
            ),
        )  # fmt: skip

        participants: list[dict[str, Any]] = []
        for i in range(people):
            paired = i < 2 * pairs
            early = rng.random() < 0.92
            joined = start + timedelta(days=rng.uniform(0, 40) if paired and early else rng.uniform(0, 235))
            left = rng.random() < 0.04
            participants.append(
                {"id": i + 1, "team_id": TEAM, "programme_id": programme_id, "person_id": i + 1,
                 "role": "mentor" if i % 2 == 0 else "mentee", "consent": True,
                 "status": "left" if left else ("paused" if rng.random() < 0.01 else "active"),
                 "joined_at": joined, "left_at": joined + (NOW - joined) * rng.random() if left else None,
                 "cadence_days": rng.choice((14, 21, 21, 28)), "updated_at": NOW}
            )  # fmt: skip
        _chunked(connection, Participant, iter(participants))

        pair_rows = []
        for p in range(pairs):
            mentor, mentee = participants[2 * p], participants[2 * p + 1]
            created = max(mentor["joined_at"], mentee["joined_at"]) + timedelta(days=rng.uniform(1, 10))
            created = min(created, NOW - timedelta(days=2))
            ended = rng.random() < 0.03
            pair_rows.append(
                {"id": p + 1, "team_id": TEAM, "programme_id": programme_id, "mentor_id": mentor["id"],
                 "mentee_id": mentee["id"], "status": "ended" if ended else "active", "created_at": created,
                 "ended_at": NOW - timedelta(days=rng.uniform(0, 30)) if ended else None}
            )  # fmt: skip
        _chunked(connection, Pair, iter(pair_rows))
        counts = _session_plan(rng, [(NOW - p["created_at"]).total_seconds() for p in pair_rows], sessions)

        planned: list[tuple[datetime, int, str, str | None]] = []
        for index, (pair, k) in enumerate(zip(pair_rows, counts, strict=True)):
            troubled = rng.random() < 0.05  # a senior who cancels a lot
            idle = rng.random() < 0.04  # stopped meeting a while ago
            ahead = not idle and rng.random() < 0.5  # the next session is booked
            first = pair["created_at"] + timedelta(days=rng.uniform(2, 10))
            end = NOW - timedelta(days=rng.uniform(40, 90)) if idle else NOW
            span = max((end - first).total_seconds(), 3600.0)
            for s in range(k):
                when = first + timedelta(seconds=span * (s + rng.uniform(0.1, 0.9)) / k)
                if ahead and s == k - 1:
                    when = NOW + timedelta(days=rng.uniform(1, 20))
                state, by = _outcome(rng, troubled) if when < NOW else ("scheduled", None)
                planned.append((when, index, state, by))
        planned.sort()

        batch: list[dict[str, Any]] = []
        answers: list[dict[str, Any]] = []
        check_in_id = 0
        session_total = check_in_total = 0
        for session_id, (when, index, state, by) in enumerate(planned, start=1):
            pair = pair_rows[index]
            session = {"id": session_id, "team_id": TEAM, "pair_id": pair["id"], "scheduled_at": when, "state": state,
                       "cancelled_by": by, "created_at": when - timedelta(days=7)}  # fmt: skip
            batch.append(session)
            if when < NOW - timedelta(hours=1) and state != "scheduled":
                answers += _answers(rng, session, pair["mentor_id"], pair["mentee_id"], check_in_id + 1)
                check_in_id += 2
            if len(batch) == 50_000:
                session_total += _chunked(connection, MentoringSession, iter(batch))
                check_in_total += _chunked(connection, CheckIn, iter(answers))
                batch, answers = [], []
        session_total += _chunked(connection, MentoringSession, iter(batch))
        check_in_total += _chunked(connection, CheckIn, iter(answers))
        if connection.dialect.name == "postgresql":
            for table in ("people", "participants", "pairs", "sessions", "check_ins"):
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT MAX(id) FROM {table}))"))  # fmt: skip
    analyze(db)
    seconds = time.perf_counter() - started
    return programme_id, Generated(pairs, session_total, check_in_total, people, seconds)


def analyze(db: Database) -> None:
    """The database as it would be in service: on PostgreSQL autovacuum would have vacuumed the freshly loaded
    tables (the visibility map that lets an index-only scan skip the table) and gathered planner statistics;
    the app never runs ANALYZE on SQLite, so the SQLite file is measured without any."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


# --- the naive loop ---------------------------------------------------------------------------------------


@dataclass
class Naive:
    """The figures a Python loop over every row computes, in the digest's own types."""

    activity: dict[str, Activity]
    active_pairs: tuple[int, int]
    pairs_formed: tuple[int, int]
    at_risk: list[int]
    participants: int
    joiners: int
    leavers: int
    left: int
    deleted: int
    weeks: list[WeekCounts]


def _capped(count: int, cap: int | None) -> int:
    return count if cap is None else min(count, cap)


def _people(pairs: set[int], members: dict[int, tuple[int, int]], cap: int | None = None) -> int:
    return _capped(len({members[p][0] for p in pairs}) + len({members[p][1] for p in pairs}), cap)


def naive(db: Database, programme_id: int, deleted_user_ids: set[str]) -> Naive:
    """Read the rows, then loop: what the digest would be without SQL aggregation."""
    start = NOW - PERIOD
    windows = {"period": (start, NOW), "previous": (start - PERIOD, start), "to_date": (None, NOW)}
    with db.unit_of_work() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        pairs = session.execute(
            select(Pair.id, Pair.mentor_id, Pair.mentee_id, Pair.status, Pair.created_at, Pair.ended_at).where(
                Pair.programme_id == programme_id
            )
        ).all()
        members = session.execute(
            select(Participant.id, Participant.status, Participant.joined_at, Participant.left_at,
                   Person.slack_user_id, Participant.cadence_days)
            .join(Person, Person.id == Participant.person_id)
            .where(Participant.programme_id == programme_id)
        ).all()  # fmt: skip
        pair_ids = {p[0] for p in pairs}
        sessions = [
            r
            for r in session.execute(
                select(
                    MentoringSession.id,
                    MentoringSession.pair_id,
                    MentoringSession.scheduled_at,
                    MentoringSession.state,
                    MentoringSession.cancelled_by,
                )
            )
            if r[1] in pair_ids
        ]
        participant_ids = {m[0] for m in members}
        answers = [
            r
            for r in session.execute(
                select(
                    CheckIn.participant_id,
                    CheckIn.side,
                    CheckIn.answered_at,
                    CheckIn.rating,
                    CheckIn.two_way,
                    CheckIn.action,
                )
            )
            if r[0] in participant_ids
        ]

    pair_people = {p[0]: (p[1], p[2]) for p in pairs}
    status = {m[0]: m[1] for m in members}
    cadence = {m[0]: m[5] for m in members}

    def inside(window: tuple[datetime | None, datetime], moment: datetime | None) -> bool:
        low, high = window
        return moment is not None and moment < high and (low is None or moment >= low)

    activity = {}
    for name, window in windows.items():
        counts: dict[str, int] = defaultdict(int)
        pair_sets: dict[str, set[int]] = defaultdict(set)
        for _id, pair_id, when, state, by in sessions:
            if not inside(window, when):
                continue
            if state in ("held", "cancelled", "rescheduled"):
                counts[state] += 1
                pair_sets[state].add(pair_id)
            if state == "cancelled" and by:
                counts[f"cancelled_{by}"] += 1
        # over the whole history the digest counts group sizes only up to 5 ("5 or more")
        cap = MIN_GROUP if name == "to_date" else None
        totals = SessionTotals(
            counts["held"], len(pair_sets["held"]), _people(pair_sets["held"], pair_people, cap),
            counts["cancelled"], _people(pair_sets["cancelled"], pair_people, cap),
            counts["cancelled_senior"], counts["cancelled_junior"],
            counts["rescheduled"], _people(pair_sets["rescheduled"], pair_people, cap),
        )  # fmt: skip
        a: dict[str, int] = defaultdict(int)
        raters, two_way_people, action_people = set(), set(), set()
        for participant_id, side, answered, rating, two_way, action in answers:
            if not inside(window, answered):
                continue
            if rating is not None:
                a["rating_sum"] += rating
                a["ratings"] += 1
                raters.add(participant_id)
            if side == "junior" and two_way is not None:
                a[two_way] += 1
                two_way_people.add(participant_id)
            if side == "senior" and action is not None and action.strip():
                a["actions"] += 1
                action_people.add(participant_id)
        answer_totals = AnswerTotals(
            a["rating_sum"], a["ratings"], _capped(len(raters), cap), a["yes"], a["partly"], a["no"],
            _capped(len(two_way_people), cap), a["actions"], _capped(len(action_people), cap),
        )  # fmt: skip
        activity[name] = activity_of(totals, answer_totals)

    active = {p[0] for p in pairs if p[4] < NOW and (p[3] == "active" or (p[5] is not None and p[5] > NOW))}
    formed = {p[0] for p in pairs if p[4] < NOW}

    # at risk: the last M sessions with an outcome of each active pair, and its latest held or scheduled one
    by_pair: dict[int, list[tuple[datetime, int, str, str | None]]] = defaultdict(list)
    last_met: dict[int, datetime] = {}
    for session_id, pair_id, when, state, by in sessions:
        if state != "scheduled" and when <= NOW:
            by_pair[pair_id].append((when, session_id, state, by))
        if state in ("held", "scheduled") and (pair_id not in last_met or when > last_met[pair_id]):
            last_met[pair_id] = when
    at_risk = []
    for pair_id, mentor, mentee, pair_status, created, _ended in sorted(pairs):
        if pair_status != "active" or created >= NOW:
            continue
        recent = sorted(by_pair[pair_id], reverse=True)[: programme.nudge_cancel_m]
        cancels = sum(1 for _w, _i, state, by in recent if state == "cancelled" and by == "senior")
        anchor = last_met.get(pair_id, created)
        idle_for = timedelta(days=programme.stale_factor * max(cadence[mentor], cadence[mentee]))
        idle = anchor <= NOW - idle_for and status[mentor] == "active" and status[mentee] == "active"
        if cancels >= programme.nudge_cancel_n or idle:
            at_risk.append(pair_id)

    def has_left(m: Any) -> bool:
        return m[1] == "left" and (m[3] or m[2]) < NOW

    joined = [m for m in members if m[2] < NOW]
    weeks = []
    series_start = NOW - 12 * PERIOD
    for index in range(12):
        low = series_start + index * PERIOD
        high = low + PERIOD
        week = [s for s in sessions if low <= s[2] < high]
        held = {s[1] for s in week if s[3] == "held"}
        cancelled = {s[1] for s in week if s[3] == "cancelled"}
        weeks.append(
            WeekCounts(
                low,
                sum(1 for s in week if s[3] == "held"),
                _people(held, pair_people, MIN_GROUP),
                sum(1 for s in week if s[3] == "cancelled" and s[4] == "senior"),
                sum(1 for s in week if s[3] == "cancelled" and s[4] == "junior"),
                sum(1 for s in week if s[3] == "cancelled"),
                _people(cancelled, pair_people, MIN_GROUP),
            )
        )
    return Naive(
        activity=activity,
        active_pairs=(len(active), _people(active, pair_people)),
        pairs_formed=(len(formed), _people(formed, pair_people)),
        at_risk=at_risk,
        participants=len(joined),
        joiners=sum(1 for m in members if start <= m[2] < NOW),
        leavers=sum(1 for m in members if m[1] == "left" and m[3] is not None and start <= m[3] < NOW),
        left=sum(1 for m in joined if has_left(m)),
        deleted=sum(1 for m in joined if m[4] in deleted_user_ids),
        weeks=weeks,
    )


def same(digest: Digest, expected: Naive) -> list[str]:
    """The figures that differ (none, we hope)."""
    f = digest.figures
    found = {
        "period": f.this_period == expected.activity["period"],
        "previous": f.previous_period == expected.activity["previous"],
        "to_date": f.to_date == expected.activity["to_date"],
        "active_pairs": (f.active_pairs.value, f.active_pairs.people) == expected.active_pairs,
        "pairs_formed": (f.pairs_formed.value, f.pairs_formed.people) == expected.pairs_formed,
        "at_risk": [p.pair_id for p in digest.at_risk] == expected.at_risk,
        "participants": f.participants.value == expected.participants,
        "joiners": f.joiners.value == expected.joiners,
        "leavers": f.leavers.value == expected.leavers,
        "retention": f.still_in_programme.value == expected.participants - expected.left,
        "workspace": f.still_in_workspace.value == expected.participants - expected.deleted,
        "weeks": digest.weeks == expected.weeks,
    }
    return [name for name, ok in found.items() if not ok]


# --- running ----------------------------------------------------------------------------------------------


@dataclass
class Result:
    database: str
    generated: Generated
    digest_first_s: float
    digest_s: float
    naive_s: float
    differences: list[str]
    chart_s: float
    chart_bytes: int
    export_s: float
    export_rows: int
    at_risk: int
    headline: str
    parts: dict[str, float] = field(default_factory=dict)


def _steps(session: Any, programme: Programme, deleted: set[str]) -> dict[str, Any]:
    start = NOW - PERIOD
    windows = {"period": Window(start, NOW), "previous": Window(start - PERIOD, start)}
    scope = queries.scope_of(session, programme)
    n, m = programme.nudge_cancel_n, programme.nudge_cancel_m
    return {
        "sessions of the period and the one before": lambda: queries.sessions_in_windows(session, scope, windows),
        "sessions to date": lambda: queries.sessions_to_date(session, scope, NOW, MIN_GROUP),
        "answers of the period and the one before": lambda: queries.answers_in_windows(session, scope, windows),
        "answers to date": lambda: queries.answers_to_date(session, scope, NOW, MIN_GROUP),
        "pairs and participants": lambda: (
            queries.pair_totals(session, programme.id, NOW),
            queries.membership(session, programme, windows["period"], deleted),
        ),
        "pairs at risk": lambda: queries.at_risk_pairs(session, scope, NOW, n, m, programme.stale_factor),
        "12-week series": lambda: queries.sessions_by_week(session, scope, NOW - 12 * PERIOD, NOW, MIN_GROUP),
    }


def timed_parts(db: Database, programme_id: int, deleted: set[str]) -> dict[str, float]:
    """The digest's queries one by one (best of two), to see where its time goes."""
    best: dict[str, float] = {}
    for _ in range(2):
        with db.unit_of_work() as session:
            programme = queries.programme(session, programme_id)
            assert programme is not None
            for name, step in _steps(session, programme, deleted).items():
                started = time.perf_counter()
                step()
                best[name] = min(best.get(name, 1e9), time.perf_counter() - started)
    return best


def timed_digest(db: Database, programme_id: int, deleted: set[str]) -> tuple[Digest, float, float]:
    times = []
    digest = None
    for _ in range(ROUNDS):
        started = time.perf_counter()
        digest = prepare_digest(db, programme_id, NOW, deleted_user_ids=deleted)
        times.append(time.perf_counter() - started)
    assert digest is not None
    return digest, times[0], min(times)


def run(db: Database, label: str, pairs: int, sessions: int) -> Result:
    db.upgrade()
    programme_id, generated = generate(db, pairs, sessions)
    print(f"{label}: generated {generated.participants:,} participants, {generated.pairs:,} pairs, "
          f"{generated.sessions:,} sessions, {generated.check_ins:,} check-ins in {generated.seconds:.1f} s "
          "(not measured)", flush=True)  # fmt: skip
    deleted = {f"U{i:08d}" for i in range(0, 2 * pairs, 37)}  # what users.info would have said
    digest, first_s, best_s = timed_digest(db, programme_id, deleted)
    started = time.perf_counter()
    expected = naive(db, programme_id, deleted)
    naive_s = time.perf_counter() - started
    started = time.perf_counter()
    png = render_chart(public_view(db, programme_id, NOW).chart)  # closes the weeks, then draws them
    chart_s = time.perf_counter() - started
    started = time.perf_counter()
    exported = export_csv(db, programme_id, NOW)
    export_s = time.perf_counter() - started
    result = Result(label, generated, first_s, best_s, naive_s, same(digest, expected), chart_s, len(png), export_s,
                    exported.count("\n") - 1, len(digest.at_risk), headline(digest.figures))  # fmt: skip
    result.parts = timed_parts(db, programme_id, deleted)
    return result


@contextmanager
def bench_postgres(url: str) -> Iterator[Database]:
    """A throwaway database `bench_digest` on the server of `url`."""
    server = make_url(url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS bench_digest"))
        connection.execute(text("CREATE DATABASE bench_digest"))
    db = Database(server.set(database="bench_digest").render_as_string(hide_password=False), now=SystemClock().now)
    try:
        yield db
    finally:
        db.dispose()
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS bench_digest"))
        admin.dispose()


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(results: list[Result]) -> bool:
    ok = True
    print()
    print(f"{'database':<11}{'measure':<60}{'value':>12}  {'target':<10}{'result'}")
    print("-" * 100)
    for r in results:
        sqlite = r.database == "SQLite"
        lines: list[tuple[str, str, str, str]] = [
            (f"digest: figures + at-risk + 12-week series (best of {ROUNDS})", f"{r.digest_s:.2f} s",
             f"< {SQLITE_TARGET_SECONDS:.0f} s" if sqlite else "",
             verdict(r.digest_s < SQLITE_TARGET_SECONDS) if sqlite else ""),
            ("  first run (cold caches)", f"{r.digest_first_s:.2f} s", "", ""),
            ("naive Python loop over the same rows (read + compute)", f"{r.naive_s:.2f} s", "", ""),
            ("speedup, digest vs naive loop", f"{r.naive_s / r.digest_s:.0f}x", "", ""),
            ("digest figures equal the naive loop's", "yes" if not r.differences else
             "NO: " + ", ".join(r.differences), "same", verdict(not r.differences)),
            (f"chart rendering (PNG, {r.chart_bytes / 1024:.0f} KiB)", f"{r.chart_s:.2f} s", "", ""),
            (f"CSV export ({r.export_rows:,} rows)", f"{r.export_s:.2f} s", "", ""),
            (f"pairs at risk: {r.at_risk:,}", "", "", ""),
        ]  # fmt: skip
        lines[2:2] = [(f"  {name}", f"{seconds:.2f} s", "", "") for name, seconds in r.parts.items()]
        for measure, value, target, result in lines:
            print(f"{r.database:<11}{measure:<60}{value:>12}  {target:<10}{result}")
            if result == "FAIL":
                ok = False
        print(f"{'':<11}headline: {r.headline}")
        print("-" * 100)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    load = os.getloadavg()
    averages = " ".join(f"{x:.1f}" for x in load)
    print(f"load average {averages}, {os.cpu_count()} CPUs, SQLite {sqlite3.sqlite_version}")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/bench.sqlite3", now=SystemClock().now)
        results.append(run(db, "SQLite", args.pairs, args.sessions))
        db.dispose()
    if not args.no_postgres:
        with bench_postgres(args.postgres_url) as db:
            results.append(run(db, "PostgreSQL", args.pairs, args.sessions))
    return 0 if report(results) else 1


if __name__ == "__main__":
    sys.exit(main())
