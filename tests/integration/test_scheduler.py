"""One scheduler across processes (a lease in the database), fixed job ids, and catch-up after downtime."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.runtime import jobs, scheduler
from bot.runtime.app import build_services
from bot.runtime.clock import SystemClock
from bot.runtime.config import Settings
from bot.simulation.standin import SlackStandIn, StandInUser
from storage.db import Database
from storage.models import CheckIn, Lease, NudgeLog, OutboxMessage, Person
from storage.queries import leases
from tests.support.factories import add_session, make_pair
from tests.support.flows import wait_for

ROOT = Path(__file__).resolve().parents[2]
TEAM = "T0SCHED"


def test_only_one_holder_gets_the_lease_until_it_expires(db: Database) -> None:
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    later = now + timedelta(seconds=31)
    with db.unit_of_work() as session:
        assert leases.try_take(session, "scheduler", "a", now, now + timedelta(seconds=30))
    with db.unit_of_work() as session:
        assert not leases.try_take(session, "scheduler", "b", now, now + timedelta(seconds=30))
    with db.unit_of_work() as session:
        assert leases.try_take(session, "scheduler", "a", now, now + timedelta(seconds=30))  # renewal
    with db.unit_of_work() as session:
        assert leases.try_take(session, "scheduler", "b", later, later + timedelta(seconds=30))  # a died
    with db.unit_of_work() as session:
        assert not leases.try_take(session, "scheduler", "a", later, later + timedelta(seconds=30))
        assert session.scalars(select(Lease.holder)).one() == "b"


def test_jobs_have_fixed_ids_and_explicit_defaults(sqlite_db: Database) -> None:
    sched = scheduler.build_scheduler(sqlite_db)
    sched.start(paused=True)
    try:
        triggers = scheduler.job_triggers(None)
        scheduler.install_jobs(sched, triggers)
        scheduler.install_jobs(sched, triggers)  # a second start adds nothing
        ids = sorted(j.id for j in sched.get_jobs())
        assert ids == sorted(n for n in triggers if n in jobs.JOBS)
        assert all(j.coalesce and j.max_instances == 1 and j.misfire_grace_time for j in sched.get_jobs())
    finally:
        sched.shutdown(wait=False)


def test_a_job_missed_while_down_runs_once_on_start(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[datetime] = []
    monkeypatch.setitem(jobs.JOBS, "outbox", lambda services, by_hand: runs.append(services.clock.now()) or "ran")
    settings = Settings(bot_token="xoxb-test-token", signing_secret="x", database_url=sqlite_db.url)
    services = build_services(settings, db=sqlite_db, client=WebClient())
    monkeypatch.setattr(scheduler, "_services", services)
    triggers = {"outbox": scheduler.job_triggers(600)["outbox"]}
    first = scheduler.build_scheduler(sqlite_db)
    first.start(paused=True)
    scheduler.install_jobs(first, triggers)
    first.shutdown(wait=False)

    second = scheduler.build_scheduler(sqlite_db)
    second.start(paused=True)
    # the server was down for three intervals: the stored next run is half an hour ago
    second.modify_job("outbox", next_run_time=SystemClock().now() - timedelta(minutes=30))
    scheduler.install_jobs(second, triggers)  # a restart keeps the overdue run time
    assert second.get_job("outbox").next_run_time < SystemClock().now()
    second.resume()
    deadline = time.monotonic() + 5
    while not runs and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    second.shutdown(wait=True)
    assert len(runs) == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(db_url: str, slack: SlackStandIn, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": slack.url,
        "DATABASE_URL": db_url,
        "PORT": str(_free_port()),
        "JOB_INTERVAL_SECONDS": "1",
        "SCHEDULER_LEASE_SECONDS": "2",
    }
    env.pop("SLACK_APP_TOKEN", None)
    return subprocess.Popen(
        [sys.executable, "-m", "bot.runtime.cli", "serve"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _checkin_dms(slack: SlackStandIn) -> list[dict]:
    return [m for m in slack.messages() if "How did your session" in m.get("text", "")]


def _check_ins(db: Database) -> int:
    with db.unit_of_work() as session:
        return len(session.scalars(select(CheckIn)).all())


def _nudges(db: Database) -> int:
    with db.unit_of_work() as session:
        return len(session.scalars(select(NudgeLog).where(NudgeLog.kind == "senior_cancelling")).all())


def _midday_zone() -> str:
    """An Etc/GMT zone where it is about noon now: check-in DMs are then due at once, not held for the
    recipient's morning (at a weekend there they still wait, and the test checks only that none is sent twice)."""
    ahead = 12 - SystemClock().now().hour  # -11..12 hours
    return f"Etc/GMT{-ahead:+d}"  # POSIX names: Etc/GMT-3 is three hours ahead of UTC


def _assert_each_due_checkin_sent_once(db: Database, slack: SlackStandIn) -> None:
    """Every check-in DM that is due has gone out, and none twice (the rest wait for working hours)."""
    with db.unit_of_work() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("checkin:%"))).all()
        due = [r for r in rows if r.not_before is None or r.not_before <= SystemClock().now()]
    dms = _checkin_dms(slack)
    assert len({(m["channel"], m["text"]) for m in dms}) == len(dms)  # never one DM twice
    assert len(dms) == len(due)


def _leader_pid(db: Database) -> int:
    with db.unit_of_work() as session:
        holder = session.scalars(select(Lease.holder).where(Lease.name == "scheduler")).one()
    return int(holder.split(":")[1])


def test_two_serve_processes_run_each_job_once_and_the_survivor_takes_over(db: Database, tmp_path: Path) -> None:
    users = [StandInUser("U0M", "m", "Mentor"), StandInUser("U0S", "s", "Senior")]
    with SlackStandIn(users=users, team_id=TEAM) as slack:
        pair_id = make_pair(db, TEAM, "U0M", "U0S")
        with db.unit_of_work() as session:
            for person in session.scalars(select(Person)):
                person.tz = _midday_zone()
        add_session(db, TEAM, pair_id, SystemClock().now() - timedelta(hours=1))
        # a second pair whose senior cancelled 2 of the last 3: one nudge, however many scans run
        cancelling = make_pair(db, TEAM, "U0M2", "U0S2", created_at=SystemClock().now() - timedelta(days=10))
        for days, state, side in ((4, "held", None), (3, "cancelled", "senior"), (2, "cancelled", "senior")):
            add_session(
                db, TEAM, cancelling, SystemClock().now() - timedelta(days=days), state=state, cancelled_by=side
            )
        processes = [_serve(db.url, slack, tmp_path) for _ in range(2)]
        try:
            # decisions are written once; their DMs may wait for the recipient's working hours
            wait_for(lambda: _check_ins(db) >= 2 and _nudges(db) >= 1, timeout=20)
            time.sleep(3)  # several more job intervals in both processes
            assert (_check_ins(db), _nudges(db)) == (2, 1)
            _assert_each_due_checkin_sent_once(db, slack)
            leader = _leader_pid(db)
            os.kill(leader, signal.SIGKILL)
            add_session(db, TEAM, pair_id, SystemClock().now() - timedelta(minutes=5))
            wait_for(lambda: _check_ins(db) >= 4, timeout=30)
            time.sleep(3)
            assert (_check_ins(db), _nudges(db)) == (4, 1)
            _assert_each_due_checkin_sent_once(db, slack)
            assert _leader_pid(db) != leader
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
