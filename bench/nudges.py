"""Benchmark for bot.nudges.scan: the nudge scan over 100,000 pairs and 1,000,000 sessions, beside a naive loop.

Run: .venv/bin/python bench/nudges.py [--pairs 100000] [--sessions 1000000] [--sample 2000] [--repeats 3]
                                      [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
                                      [--no-postgres]

For each database (a temporary SQLite file; on PostgreSQL a database `bench_nudges` created on the server of
--postgres-url and dropped afterwards, so the tests' `public` schema is never touched):

1. migrate (Alembic: the real schema) and generate one programme: people, participants, pairs, sessions at
   each pair's cadence up to now (held, cancelled by either side, rescheduled, unanswered, the next one
   booked ahead), two check-ins per past session (12% unanswered), some idle pairs, some that never met,
   some seniors who cancel half the time. Bulk executemany inserts; generation is not what is measured.
2. time the naive way on a random sample of pairs: one pair at a time, one query for its sessions with
   their check-ins and one for its earlier nudges, then the same pure rules (`bot.nudges.rules.decide_for_pair`);
   the time is extrapolated linearly to all pairs (the output says so).
3. check that one `scan()` decides exactly what the naive loop decided for the sampled pairs.
4. time `scan()`, everything it does in its one transaction: the set-based reads, the rules, building the
   messages, writing each nudge to nudge_log and the outbox. The catch-up scan starts from an empty nudge
   log, so every nudge the generated history calls for is due at once (the worst case, e.g. the first run
   on a live programme); the steady-state scans follow it an hour apart, as the hourly job runs.
5. if the schema lacks the indexes the scan wants (INDEXES), create them and time both kinds again.

Targets (PASS/FAIL): a scan under 2 s on SQLite (catch-up and steady state each judged); the catch-up scan
at least 20x faster than the naive loop.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, delete, insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import joinedload

from bot.nudges import rules
from bot.nudges.rules import Member, OpenCheckIn, PairHistory, PastSession, PreviousNudge
from bot.nudges.scan import ScanReport, scan, thresholds_of
from bot.runtime.clock import SystemClock
from storage.db import Database
from storage.models import (
    CheckIn,
    MentoringSession,
    NudgeLog,
    OutboxMessage,
    Pair,
    Participant,
    Person,
    Programme,
    Workspace,
)
from storage.queries.nudges import programme_settings

TEAM = "T0BENCH"
NOW = datetime(2024, 1, 10, 12, 0, tzinfo=UTC)  # a Wednesday, midday UTC
ADMINS = ["UADMIN1", "UADMIN2", "UADMIN3"]
ZONES = [
    ("Europe/London", 0),
    ("America/New_York", -18000),
    ("Asia/Tokyo", 32400),
    ("Europe/Berlin", 3600),
    (None, 19800),
]
SQLITE_TARGET_SECONDS = 2.0
SPEEDUP_TARGET = 20.0
# Indexes the scan wants beyond the current schema: (name, table, columns, partial WHERE or None).
INDEXES = [
    ("ix_sessions_pair_outcome", "sessions", "pair_id, scheduled_at, id, state, cancelled_by", None),
    ("ix_check_ins_unanswered", "check_ins", "sent_at", "answered_at IS NULL"),
]


# --- data -------------------------------------------------------------------------------------------------


@dataclass
class Generated:
    pairs: int = 0
    sessions: int = 0
    check_ins: int = 0
    seconds: float = 0.0


def _session_plan(rng: random.Random, pairs: int, sessions: int) -> list[int]:
    """Sessions per pair: about 3% never met, the rest 2 to 18, then nudged to the exact total."""
    counts = [0 if rng.random() < 0.03 else rng.randint(2, 18) for _ in range(pairs)]
    met = [i for i, count in enumerate(counts) if count]
    diff = sessions - sum(counts)
    while diff:
        i = rng.choice(met)
        if diff > 0:
            counts[i] += 1
            diff -= 1
        elif counts[i] > 2:
            counts[i] -= 1
            diff += 1
    return counts


def _people(pairs: int) -> list[dict[str, Any]]:
    people = []
    for i in range(2 * pairs):
        tz, offset = ZONES[i % len(ZONES)]
        people.append(_person(i + 1, f"U{i:07d}", tz, offset))
    people += [_person(2 * pairs + i + 1, admin, "Europe/London", 0) for i, admin in enumerate(ADMINS)]
    return people


def _person(person_id: int, user_id: str, tz: str | None, offset: int) -> dict[str, Any]:
    return {
        "id": person_id,
        "team_id": TEAM,
        "slack_user_id": user_id,
        "display_name": f"Person {user_id}",
        "tz": tz,
        "tz_offset_seconds": offset,
        "updated_at": NOW,
    }


def _participants(rng: random.Random, pairs: int, programme_id: int) -> list[dict[str, Any]]:
    """Mentor 2p+1 and mentee 2p+2 of pair p+1; one in a hundred paused."""
    return [
        {
            "id": i + 1,
            "team_id": TEAM,
            "programme_id": programme_id,
            "person_id": i + 1,
            "role": "mentor" if i % 2 == 0 else "mentee",
            "cadence_days": rng.choice((14, 21, 28)),
            "consent": True,
            "status": "paused" if rng.random() < 0.01 else "active",
            "joined_at": NOW - timedelta(days=400),
            "updated_at": NOW,
        }
        for i in range(2 * pairs)
    ]


def _outcome(rng: random.Random, troubled: bool) -> tuple[str, str | None]:
    """A past session's state and canceller: mostly held; a troubled pair's senior cancels half the time."""
    r = rng.random()
    senior_share = 0.5 if troubled else 0.08
    for limit, outcome in (
        (senior_share, ("cancelled", "senior")),
        (senior_share + 0.08, ("cancelled", "junior")),
        (senior_share + 0.13, ("rescheduled", None)),
        (senior_share + 0.16, ("scheduled", None)),  # nobody has answered yet
    ):
        if r < limit:
            return outcome
    return "held", None


@dataclass
class _History:
    pairs: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    check_ins: list[dict[str, Any]] = field(default_factory=list)


def _history(rng: random.Random, counts: list[int], participants: list[dict[str, Any]], programme_id: int) -> _History:
    """Each pair's sessions at its cadence up to NOW (4% of pairs idle for 1.6-4 cadences, 60% with the next
    session booked ahead), and two check-ins per past session, 12% unanswered."""
    history = _History()
    for p, count in enumerate(counts):
        mentor, mentee = 2 * p + 1, 2 * p + 2
        cadence = max(participants[mentor - 1]["cadence_days"], participants[mentee - 1]["cadence_days"])
        roll = rng.random()
        idle = timedelta(days=cadence * rng.uniform(1.6, 4)) if roll < 0.04 else timedelta(0)
        troubled = 0.04 <= roll < 0.07
        ahead = count > 0 and rng.random() < 0.6
        past = count - 1 if ahead else count
        first = NOW - idle - timedelta(days=cadence * max(past - 1, 0) + rng.uniform(1, cadence * 0.8))
        created = first - timedelta(days=rng.uniform(3, 14)) if count else NOW - timedelta(days=rng.uniform(5, 60))
        history.pairs.append(
            {
                "id": p + 1,
                "team_id": TEAM,
                "programme_id": programme_id,
                "mentor_id": mentor,
                "mentee_id": mentee,
                "status": "ended" if rng.random() < 0.02 else "active",
                "created_at": created,
            }
        )
        for s in range(count):
            when = first + timedelta(days=cadence * s + rng.uniform(-2, 2))
            if s == count - 1 and ahead:
                when = NOW + timedelta(days=rng.uniform(1, cadence))
            state, cancelled_by = _outcome(rng, troubled) if when < NOW else ("scheduled", None)
            sent = when + timedelta(minutes=15) if when < NOW - timedelta(minutes=15) else None
            session_id = len(history.sessions) + 1
            history.sessions.append(
                {
                    "id": session_id,
                    "team_id": TEAM,
                    "pair_id": p + 1,
                    "scheduled_at": when,
                    "state": state,
                    "cancelled_by": cancelled_by,
                    "checkins_sent_at": sent,
                    "created_at": when - timedelta(days=7),
                }
            )
            if sent is None:
                continue
            for participant, side in ((mentor, "junior"), (mentee, "senior")):
                answered = None if rng.random() < 0.12 else sent + timedelta(hours=rng.uniform(0.1, 30))
                history.check_ins.append(
                    {
                        "id": len(history.check_ins) + 1,
                        "team_id": TEAM,
                        "session_id": session_id,
                        "participant_id": participant,
                        "side": side,
                        "sent_at": sent,
                        "answered_at": answered if answered is not None and answered <= NOW else None,
                    }
                )
    return history


def generate(db: Database, pairs: int, sessions: int, seed: int = 7) -> Generated:
    rng = random.Random(seed)
    started = time.perf_counter()
    with db.engine.begin() as connection:
        connection.execute(insert(Workspace), [{"team_id": TEAM, "name": "Bench", "created_at": NOW}])
        programme_id = connection.execute(
            insert(Programme).returning(Programme.id),
            [{"team_id": TEAM, "name": "Bench", "admin_user_ids": ADMINS, "created_at": NOW - timedelta(days=400)}],
        ).scalar_one()
        connection.execute(insert(Person), _people(pairs))
        participants = _participants(rng, pairs, programme_id)
        connection.execute(insert(Participant), participants)
        history = _history(rng, _session_plan(rng, pairs, sessions), participants, programme_id)
        connection.execute(insert(Pair), history.pairs)
        for table, rows in ((MentoringSession, history.sessions), (CheckIn, history.check_ins)):
            for start in range(0, len(rows), 100_000):
                connection.execute(insert(table), rows[start : start + 100_000])
        if connection.dialect.name == "postgresql":  # explicit ids were inserted: move the sequences past them
            for name in ("people", "participants", "pairs", "sessions", "check_ins"):
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT MAX(id) FROM {name}))")
                )
    analyze(db)
    return Generated(pairs, len(history.sessions), len(history.check_ins), time.perf_counter() - started)


def analyze(db: Database) -> None:
    """Statistics for the planner (and on PostgreSQL the visibility map), as autovacuum keeps them live."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if connection.dialect.name == "postgresql" else "ANALYZE"))


def missing_indexes(db: Database) -> list[tuple[str, str, str, str | None]]:
    inspector = inspect(db.engine)
    wanted = []
    for name, table, columns, where in INDEXES:
        have = {tuple(ix["column_names"]) for ix in inspector.get_indexes(table)}
        if tuple(c.strip() for c in columns.split(",")) not in have:
            wanted.append((name, table, columns, where))
    return wanted


def create_indexes(db: Database, indexes: list[tuple[str, str, str, str | None]]) -> None:
    with db.engine.begin() as connection:
        for name, table, columns, where in indexes:
            partial = f" WHERE {where}" if where else ""
            connection.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns}){partial}"))
    analyze(db)


def clear_nudges(db: Database) -> None:
    """Back to an empty nudge log and outbox (PostgreSQL also reclaims the deleted rows, as autovacuum would)."""
    with db.engine.begin() as connection:
        connection.execute(delete(NudgeLog))
        connection.execute(delete(OutboxMessage))
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE outbox"))
            connection.execute(text("VACUUM ANALYZE nudge_log"))


# --- the naive loop ---------------------------------------------------------------------------------------


def naive(db: Database, pair_ids: list[int]) -> tuple[float, set[tuple[Any, ...]]]:
    """One pair at a time: its sessions (with their check-ins) and its earlier nudges, two queries per pair,
    then the same rules. The active pairs and their people are listed once up front, as a loop over pairs
    would."""
    decided: set[tuple[Any, ...]] = set()
    started = time.perf_counter()
    with db.unit_of_work() as session:
        [programme] = programme_settings(session)
        t = thresholds_of(programme)
        zones = {
            p.slack_user_id: (p.tz, p.tz_offset_seconds)
            for p in session.scalars(select(Person).where(Person.slack_user_id.in_(ADMINS)))
        }
        admins = [Member(a, *zones.get(a, (programme.timezone, 0))) for a in ADMINS]
        pairs = session.scalars(
            select(Pair)
            .options(joinedload(Pair.mentor).joinedload(Participant.person))
            .options(joinedload(Pair.mentee).joinedload(Participant.person))
            .where(Pair.status == "active", Pair.id.in_(pair_ids))
            .order_by(Pair.id)
        ).unique()
        for pair in pairs:
            pair_id = pair.id
            rows = session.execute(
                select(
                    MentoringSession.id,
                    MentoringSession.scheduled_at,
                    MentoringSession.state,
                    MentoringSession.cancelled_by,
                    CheckIn.id,
                    CheckIn.participant_id,
                    CheckIn.sent_at,
                    CheckIn.answered_at,
                )
                .outerjoin(CheckIn, CheckIn.session_id == MentoringSession.id)
                .where(MentoringSession.pair_id == pair_id)
                .order_by(MentoringSession.scheduled_at, MentoringSession.id)
            ).all()
            previous = [
                PreviousNudge(*r)
                for r in session.execute(
                    select(
                        NudgeLog.kind,
                        NudgeLog.recipient_user_id,
                        NudgeLog.pair_id,
                        NudgeLog.subject_key,
                        NudgeLog.due_at,
                        NudgeLog.created_at,
                    ).where(NudgeLog.pair_id == pair_id)
                )
            ]
            junior, senior = _member(pair.mentor), _member(pair.mentee)
            outcomes: dict[int, PastSession] = {}
            met: datetime | None = None
            open_check_ins = []
            for session_id, when, state, cancelled_by, check_in_id, participant, sent, answered in rows:
                outcome = rules.outcome_of(state, cancelled_by)
                if outcome is not None:
                    outcomes[session_id] = PastSession(session_id, when, outcome)
                if state in ("held", "scheduled"):
                    met = when if met is None or when > met else met
                if check_in_id is not None and answered is None:
                    member = senior if participant == pair.mentee_id else junior
                    open_check_ins.append(OpenCheckIn(check_in_id, pair_id, member, sent))
            history = PairHistory(
                pair_id,
                senior=senior,
                junior=junior,
                created_at=pair.created_at,
                cadence_days=max(pair.mentor.cadence_days, pair.mentee.cadence_days),
                recent=tuple(outcomes.values())[-t.cancel_m :],
                last_session_at=met,
            )
            for n in rules.decide_for_pair(history, previous, admins, open_check_ins, t, NOW):
                decided.add((n.kind, n.recipient_user_id, n.pair_id, n.subject_key, n.due_at))
    return time.perf_counter() - started, decided


def _member(participant: Participant) -> Member:
    person = participant.person
    return Member(person.slack_user_id, person.tz, person.tz_offset_seconds, participant.status == "active")


def logged_for(db: Database, pair_ids: list[int]) -> set[tuple[Any, ...]]:
    with db.unit_of_work() as session:
        rows = session.execute(
            select(NudgeLog.kind, NudgeLog.recipient_user_id, NudgeLog.pair_id, NudgeLog.subject_key, NudgeLog.due_at)
            .where(NudgeLog.pair_id.in_(pair_ids))
        )  # fmt: skip
        return {tuple(r) for r in rows}


# --- running ----------------------------------------------------------------------------------------------


@dataclass
class Timing:
    seconds: float
    report: ScanReport


@dataclass
class Result:
    database: str
    generated: Generated
    sample: int
    naive_sample_s: float
    naive_all_s: float
    same_decisions: bool
    runs: list[tuple[str, Timing, list[Timing]]] = field(default_factory=list)  # (schema, catch-up, steady)


def timed_scan(db: Database, now: datetime) -> Timing:
    started = time.perf_counter()
    report = scan(db, now)
    return Timing(time.perf_counter() - started, report)


def best(timings: list[Timing]) -> Timing:
    return min(timings, key=lambda t: t.seconds)


def measure_scans(db: Database, repeats: int) -> tuple[Timing, list[Timing]]:
    """The catch-up scan at NOW (every nudge due at once, all written), best of `repeats` from an empty
    nudge log; then steady-state scans an hour apart after it, as the hourly job runs them."""
    catch_up = []
    for _ in range(repeats):
        clear_nudges(db)
        catch_up.append(timed_scan(db, NOW))
    steady = [timed_scan(db, NOW + timedelta(hours=hour)) for hour in range(1, repeats + 1)]
    return best(catch_up), steady


def run(db: Database, label: str, pairs: int, sessions: int, sample: int, repeats: int) -> Result:
    db.upgrade()
    generated = generate(db, pairs, sessions)
    print(
        f"{label}: generated {generated.pairs:,} pairs, {generated.sessions:,} sessions, "
        f"{generated.check_ins:,} check-ins in {generated.seconds:.0f} s (not measured)",
        flush=True,
    )
    sample_ids = sorted(random.Random(11).sample(range(1, pairs + 1), min(sample, pairs)))
    naive(db, sample_ids[:100])  # warm-up, as the scan's first catch-up run is for it
    naive_s, naive_decided = naive(db, sample_ids)
    clear_nudges(db)
    timed_scan(db, NOW)
    same = logged_for(db, sample_ids) == naive_decided
    result = Result(label, generated, len(sample_ids), naive_s, naive_s * pairs / len(sample_ids), same)
    result.runs.append(("schema as is", *measure_scans(db, repeats)))
    missing = missing_indexes(db)
    if missing:
        create_indexes(db, missing)
        result.runs.append((f"+ {', '.join(name for name, *_ in missing)}", *measure_scans(db, repeats)))
    return result


@contextmanager
def bench_postgres(url: str) -> Iterator[Database]:
    """A throwaway database `bench_nudges` on the server of `url`."""
    server = make_url(url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS bench_nudges"))
        connection.execute(text("CREATE DATABASE bench_nudges"))
    db = Database(server.set(database="bench_nudges").render_as_string(hide_password=False), now=SystemClock().now)
    try:
        yield db
    finally:
        db.dispose()
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS bench_nudges"))
        admin.dispose()


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(results: list[Result], repeats: int) -> bool:
    ok = True
    width = 112
    print()
    print(f"{'database':<11}{'measure':<72}{'value':>10}  {'target':<9}{'result'}")
    print("-" * width)
    for r in results:
        lines: list[tuple[str, str, str, str]] = [
            (f"naive loop (2 queries per pair), {r.sample:,} random pairs, timed", f"{r.naive_sample_s:.2f} s", "", ""),
            (f"naive loop, extrapolated to all {r.generated.pairs:,} pairs", f"{r.naive_all_s:.1f} s", "", ""),
            (
                "scan decided exactly what the naive loop decided (sampled pairs)",
                "yes" if r.same_decisions else "NO",
                "same",
                verdict(r.same_decisions),
            ),
        ]
        for schema, catch_up, steady in r.runs:
            parts = catch_up.report.seconds
            kinds = ", ".join(f"{v:,} {k}" for k, v in sorted(catch_up.report.written.items()))
            steady_best = best(steady)
            sqlite = r.database == "SQLite"
            target = f"< {SQLITE_TARGET_SECONDS:.0f} s" if sqlite else ""
            lines += [
                (f"[{schema}]", "", "", ""),
                (f"scan, catch-up: every nudge due at once (best of {repeats})", f"{catch_up.seconds:.2f} s",
                 target, verdict(catch_up.seconds < SQLITE_TARGET_SECONDS) if sqlite else ""),
                (f"  read {parts['read']:.2f} s, rules + messages {parts['decide']:.2f} s, "
                 f"write {parts['write']:.2f} s", "", "", ""),
                (f"  {catch_up.report.total_written:,} nudges queued: {kinds}", "", "", ""),
                (f"scan, steady state: hourly after it (best of {repeats}; "
                 f"{', '.join(f'{t.seconds:.2f}' for t in steady)} s)", f"{steady_best.seconds:.2f} s",
                 target, verdict(steady_best.seconds < SQLITE_TARGET_SECONDS) if sqlite else ""),
                (f"  {steady_best.report.pairs:,} candidate pairs, "
                 f"{steady_best.report.total_written:,} new nudges", "", "", ""),
                ("speedup of the catch-up scan over the naive loop", f"{r.naive_all_s / catch_up.seconds:.0f}x",
                 f">= {SPEEDUP_TARGET:.0f}x", verdict(r.naive_all_s / catch_up.seconds >= SPEEDUP_TARGET)),
                ("speedup of the steady-state scan over the naive loop",
                 f"{r.naive_all_s / steady_best.seconds:.0f}x", "", ""),
            ]  # fmt: skip
        for measure, value, target, result in lines:
            print(f"{r.database:<11}{measure:<72}{value:>10}  {target:<9}{result}")
            ok &= result != "FAIL"
        print("-" * width)
    print(
        "The naive loop visits a random sample of pairs and is extrapolated linearly to all pairs; it and the\n"
        "scan apply the same rules (bot/nudges/rules.py) to the same data in the same run. Times are wall-clock on a\n"
        "warm database; the catch-up figure includes writing every nudge to nudge_log and the outbox."
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2000, help="pairs the naive loop visits")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--repeats", type=int, default=3, help="timed scans of each kind; the best counts")
    args = parser.parse_args()

    results = []
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/bench.sqlite3", now=SystemClock().now)
        results.append(run(db, "SQLite", args.pairs, args.sessions, args.sample, args.repeats))
        db.dispose()
    if not args.no_postgres:
        with bench_postgres(args.postgres_url) as db:
            results.append(run(db, "PostgreSQL", args.pairs, args.sessions, args.sample, args.repeats))
    return 0 if report(results, args.repeats) else 1


if __name__ == "__main__":
    sys.exit(main())
