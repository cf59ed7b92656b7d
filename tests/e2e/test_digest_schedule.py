"""Each programme's digest goes at its own day and hour, in its own time zone, once a week; settings changes
apply at the next check; run by hand, it goes at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.digest.schedule import is_due, next_slot, slot_in_week_of, week_label
from bot.runtime import jobs
from storage.models import Programme
from storage.queries.programmes import current_programme
from tests.support.digest_pairs import CHANNEL, TEAM, digest_pairs
from tests.support.harness import ADMIN, RunningApp, services_at

WEDNESDAY = datetime(2026, 11, 18, 12, tzinfo=UTC)
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_slot_is_the_programmes_weekday_and_hour_in_its_time_zone() -> None:
    # Monday 09:00 in London is 09:00 UTC in winter and 08:00 UTC in summer; in Kolkata it is 03:30 UTC
    assert slot_in_week_of(WEDNESDAY, 0, 9, "Europe/London") == datetime(2026, 11, 16, 9, tzinfo=UTC)
    assert slot_in_week_of(datetime(2026, 7, 1, tzinfo=UTC), 0, 9, "Europe/London") == datetime(
        2026, 6, 29, 8, tzinfo=UTC
    )
    assert slot_in_week_of(WEDNESDAY, 0, 9, "Asia/Kolkata") == datetime(2026, 11, 16, 3, 30, tzinfo=UTC)
    # an unknown zone (a stale setting) is read as UTC rather than failing the job
    assert slot_in_week_of(WEDNESDAY, 4, 17, "Mars/Olympus") == datetime(2026, 11, 20, 17, tzinfo=UTC)


def test_weeks_run_monday_to_sunday_where_the_programme_is() -> None:
    sunday_late_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # already Monday morning in Tokyo
    assert week_label(sunday_late_utc, "UTC") == "2026-W47"
    assert week_label(sunday_late_utc, "Asia/Tokyo") == "2026-W48"
    assert slot_in_week_of(sunday_late_utc, 0, 9, "Asia/Tokyo") == datetime(2026, 11, 23, 0, tzinfo=UTC)


def test_due_from_the_slot_to_the_end_of_that_week_and_not_for_a_programme_made_after_it() -> None:
    slot = datetime(2026, 11, 18, 14, tzinfo=UTC)  # Wednesday 14:00 UTC
    assert not is_due(slot - timedelta(minutes=15), 2, 14, "UTC", LONG_AGO)
    assert is_due(slot, 2, 14, "UTC", LONG_AGO)
    assert is_due(datetime(2026, 11, 22, 23, 59, tzinfo=UTC), 2, 14, "UTC", LONG_AGO)  # caught up on Sunday
    assert not is_due(datetime(2026, 11, 23, 0, 1, tzinfo=UTC), 2, 14, "UTC", LONG_AGO)  # next week, not yet
    assert not is_due(slot + timedelta(hours=1), 2, 14, "UTC", slot + timedelta(minutes=5))


def test_the_next_digest_is_this_weeks_until_it_has_gone_then_next_weeks() -> None:
    slot = datetime(2026, 11, 18, 14, tzinfo=UTC)  # Wednesday 14:00 UTC
    week_later = slot + timedelta(days=7)
    assert next_slot(slot - timedelta(days=1), 2, 14, "UTC", LONG_AGO, posted_this_week=False) == slot
    assert next_slot(slot - timedelta(days=1), 2, 14, "UTC", LONG_AGO, posted_this_week=True) == week_later
    late = slot + timedelta(hours=3)  # missed (the bot was down): it goes at the next check, now
    assert next_slot(late, 2, 14, "UTC", LONG_AGO, posted_this_week=False) == late
    assert next_slot(late, 2, 14, "UTC", LONG_AGO, posted_this_week=True) == week_later
    assert next_slot(late, 2, 14, "UTC", slot + timedelta(hours=1), posted_this_week=False) == week_later


def _scheduled_run(app: RunningApp, now: datetime) -> str:
    with services_at(app, now, admin_user_ids=(ADMIN,), digest_channel=CHANNEL) as services:
        return jobs.JOBS["digest"](services, False)


def _set_slot(app: RunningApp, weekday: int, hour: int, timezone: str) -> None:
    with app.db.unit_of_work() as session:
        programme = session.get(Programme, current_programme(session, TEAM).id)
        assert programme is not None
        programme.digest_weekday, programme.digest_hour, programme.timezone = weekday, hour, timezone
        programme.created_at = LONG_AGO


def test_the_scheduled_job_posts_at_the_slot_once_and_follows_a_changed_setting(running_app: RunningApp) -> None:
    digest_pairs(running_app)
    _set_slot(running_app, 2, 15, "Europe/Berlin")  # Wednesday 15:00 in Berlin = 14:00 UTC in November
    assert "none due" in _scheduled_run(running_app, datetime(2026, 11, 18, 13, 45, tzinfo=UTC))
    assert running_app.slack.messages(CHANNEL) == []
    assert "queued for" in _scheduled_run(running_app, datetime(2026, 11, 18, 14, 0, tzinfo=UTC))
    assert "already posted for 2026-W47" in _scheduled_run(running_app, datetime(2026, 11, 18, 14, 15, tzinfo=UTC))
    assert len(running_app.slack.messages(CHANNEL)) == 1

    _set_slot(running_app, 4, 9, "UTC")  # moved to Fridays 09:00, no restart
    assert "none due" in _scheduled_run(running_app, datetime(2026, 11, 25, 14, 0, tzinfo=UTC))  # old slot: nothing
    assert "queued for" in _scheduled_run(running_app, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    assert len(running_app.slack.messages(CHANNEL)) == 2


def test_a_programme_without_pairs_posts_no_weekly_digest_of_zeros(running_app: RunningApp) -> None:
    _set_slot(running_app, 2, 14, "UTC")
    assert "has no pairs yet" in _scheduled_run(running_app, datetime(2026, 11, 18, 14, 0, tzinfo=UTC))
    assert running_app.slack.messages(CHANNEL) == []
    digest_pairs(running_app)
    assert "queued for" in _scheduled_run(running_app, datetime(2026, 11, 18, 14, 15, tzinfo=UTC))
