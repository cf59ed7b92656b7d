"""`reverse-mentor run-job NAME --now T` runs the whole job at T (docs/time.md): it decides at T, stores T,
and sends in the same run what it queued due by T. T is a week ahead of the real time here, so anything
that still compared with the wall clock would leave the nudge waiting."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.runtime import cli
from bot.runtime.clock import FixedClock, SystemClock
from bot.sessions import checkins
from storage.db import Database
from storage.models import NudgeLog, OutboxMessage, Pair, Person
from tests.support.factories import add_session, make_pair
from tests.support.harness import ADMIN, RunningApp

TEAM = "T0TEAM"
SENIOR, JUNIOR = "U0S1", "U0M1"


def _a_week_ahead_at(hour: int) -> datetime:
    """A Wednesday at `hour` UTC, at least a week after the real time: a future the wall clock has not reached."""
    day = SystemClock().now().date() + timedelta(days=7)
    while day.weekday() != 2:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _run_job(
    app: RunningApp,
    argv: list[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> str:
    monkeypatch.chdir(tmp_path)
    for key, value in {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": "x",
        "SLACK_API_URL": app.slack.url,
        "DATABASE_URL": app.db.url,
        "ADMIN_USER_IDS": ADMIN,
    }.items():
        monkeypatch.setenv(key, value)
    capsys.readouterr()
    assert cli.main(["run-job", *argv]) == 0
    return capsys.readouterr().out


def _to(app: RunningApp, user: str) -> list[str]:
    return [m["text"] for m in app.slack.messages() if (m.get("requested_channel") or m["channel"]) == user]


def _cancelling_senior(db: Database, now: datetime) -> int:
    """A pair whose senior cancelled 2 of the last 3 sessions: a nudge to the senior is due at `now`."""
    pair_id = make_pair(db, TEAM, JUNIOR, SENIOR, admins=(ADMIN,), created_at=now - timedelta(days=60))
    add_session(db, TEAM, pair_id, now - timedelta(days=25), state="held")
    add_session(db, TEAM, pair_id, now - timedelta(days=20), state="cancelled", cancelled_by="senior")
    add_session(db, TEAM, pair_id, now - timedelta(days=5), state="cancelled", cancelled_by="senior")
    return pair_id


def test_run_job_nudges_at_a_future_time_sends_the_nudge_it_decided_in_the_same_run(
    running_app: RunningApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = _a_week_ahead_at(14)  # working hours in UTC: the nudge is due at once
    _cancelling_senior(running_app.db, now)
    out = _run_job(running_app, ["nudges", "--now", now.isoformat()], monkeypatch, tmp_path, capsys)
    assert "1 senior_cancelling" in out
    assert "1 messages sent" in out and "waiting" not in out  # was: "0 messages sent, 1 waiting"
    assert len(_to(running_app, SENIOR)) == 1
    with running_app.db.unit_of_work() as session:
        log = session.scalars(select(NudgeLog)).one()
        sent = session.scalars(select(OutboxMessage)).one()
    assert log.created_at == now and log.due_at == now  # stored at T, not at the wall clock's time
    assert sent.status == "sent" and sent.sent_at == now


def test_run_job_outbox_at_a_later_time_sends_a_nudge_that_waited_for_the_morning(
    running_app: RunningApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    night = _a_week_ahead_at(5)  # 00:00 in New York: the senior's nudge waits for 08:00 there (13:00 UTC)
    _cancelling_senior(running_app.db, night)
    with running_app.db.unit_of_work() as session:
        session.scalars(select(Person).where(Person.slack_user_id == SENIOR)).one().tz = "America/New_York"
    out = _run_job(running_app, ["nudges", "--now", night.isoformat()], monkeypatch, tmp_path, capsys)
    assert "0 messages sent, 1 waiting" in out and not _to(running_app, SENIOR)
    with running_app.db.unit_of_work() as session:
        morning = session.scalars(select(OutboxMessage.not_before)).one()
    assert morning.astimezone(ZoneInfo("America/New_York")).hour == 8
    too_early = morning - timedelta(minutes=1)
    assert "0 messages sent, 1 waiting" in _run_job(
        running_app, ["outbox", "--now", too_early.isoformat()], monkeypatch, tmp_path, capsys
    )
    assert "1 messages sent" in _run_job(
        running_app, ["outbox", "--now", morning.isoformat()], monkeypatch, tmp_path, capsys
    )
    assert len(_to(running_app, SENIOR)) == 1


def test_run_job_waits_out_a_rate_limit_and_sends_what_is_due_in_the_same_run(
    running_app: RunningApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One pass left a rate-limited nudge "waiting" although `run-job --now T` promises that what is due by T
    goes out during the run. The CLI's client retries a 429 five times itself (slack_client.make_client), so
    the sixth 429 is the one the outbox sees; each says Retry-After 1."""
    now = _a_week_ahead_at(14)
    _cancelling_senior(running_app.db, now)
    running_app.slack.fail_next("chat.postMessage", times=6, retry_after=1)

    out = _run_job(running_app, ["nudges", "--now", now.isoformat()], monkeypatch, tmp_path, capsys)

    assert "1 messages sent" in out and "waiting" not in out  # was: "0 messages sent, 1 waiting"
    assert len(_to(running_app, SENIOR)) == 1
    with running_app.db.unit_of_work() as session:
        sent = session.scalars(select(OutboxMessage)).one()
    assert sent.status == "sent" and sent.attempts == 0  # a 429 is not counted as an attempt
    assert "ratelimited" in (sent.last_error or "")  # the outbox itself waited one out


def test_a_stale_pair_is_idle_since_its_match_at_programme_time_not_the_wall_clock(
    running_app: RunningApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = _a_week_ahead_at(14)
    matched = now - timedelta(days=40)  # never met since: idle for 40 days at T (the wall clock says ~33 fewer)
    at_match = Database(running_app.db.url, now=FixedClock(matched).now)  # the pair is stamped at its match
    try:
        pair_id = make_pair(at_match, TEAM, JUNIOR, SENIOR)
    finally:
        at_match.dispose()
    with running_app.db.unit_of_work() as session:
        assert session.get(Pair, pair_id).created_at == matched
    out = _run_job(running_app, ["nudges", "--now", now.isoformat()], monkeypatch, tmp_path, capsys)
    assert "2 stale_pair" in out and "2 messages sent" in out
    with running_app.db.unit_of_work() as session:
        subjects = {n.subject_key for n in session.scalars(select(NudgeLog))}
    assert subjects == {f"pair:{pair_id}:idle-since:{matched:%Y-%m-%dT%H:%M}:1"}
    assert all(
        "first reverse mentoring session" in text for text in _to(running_app, SENIOR) + _to(running_app, JUNIOR)
    )


def test_a_check_in_queued_after_a_nudge_waiting_for_the_morning_is_not_held_back(
    running_app: RunningApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    night = _a_week_ahead_at(5)  # 00:00 in New York
    pair_id = _cancelling_senior(running_app.db, night)
    with running_app.db.unit_of_work() as session:
        session.scalars(select(Person).where(Person.slack_user_id == SENIOR)).one().tz = "America/New_York"
    _run_job(running_app, ["nudges", "--now", night.isoformat()], monkeypatch, tmp_path, capsys)  # waits for 08:00
    # The senior, awake anyway, logs a session: their own check-in is asked at once (bot/sessions/checkins.py).
    later = night + timedelta(minutes=10)
    at_later = Database(running_app.db.url, now=FixedClock(later).now)
    try:
        session_id = add_session(at_later, TEAM, pair_id, later - timedelta(hours=1), logged_after=True)
        assert checkins.dispatch_logged(at_later, session_id, SENIOR, later) == 2
    finally:
        at_later.dispose()
    out = _run_job(running_app, ["outbox", "--now", later.isoformat()], monkeypatch, tmp_path, capsys)
    assert any("How did your session" in text for text in _to(running_app, SENIOR)), out


def test_export_now_counts_the_weeks_up_to_that_time_only(
    running_app: RunningApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A database whose sessions lie ahead of the wall clock (the demo's, in 2030) exports them with --now."""
    later = _a_week_ahead_at(14)
    pair_id = make_pair(
        running_app.db, TEAM, JUNIOR, SENIOR, created_at=later - timedelta(days=2)
    )  # after the real time
    add_session(running_app.db, TEAM, pair_id, later - timedelta(days=1), state="held")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", running_app.db.url)

    def export(*now: str) -> list[list[str]]:
        out = tmp_path / "export.csv"
        assert cli.main(["export", "--out", str(out), "--team", TEAM, *now]) == 0
        return list(csv.reader(out.open()))

    # the admins' exact export: its first row says so, then the header
    assert len(export("--exact")) == 2  # at the real time the session has not happened: the header only
    rows = export("--exact", "--now", later.isoformat())[2:]
    assert [row[0] for row in rows] == ["week", "pair"]
    assert rows[1][3] == "1"  # the pair's one session held
