"""When a programme's weekly digest is due: its day and hour, in its own time zone, read at every check.

The scheduler asks every quarter of an hour rather than holding one cron trigger, so that each programme keeps
its own slot, a change in /reverse-mentor settings applies from the next check without a restart, and a slot
missed while the bot was down is caught up once, later that same week.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot.nudges.rules import zone_for  # the programme's zone, or UTC for an unknown name (a stale setting)


def slot_in_week_of(now: datetime, weekday: int, hour: int, timezone: str | None) -> datetime:
    """The digest's moment (UTC) in the programme's week holding `now`: weeks run Monday to Sunday in the
    programme's time zone."""
    zone = zone_for(timezone)
    local = now.astimezone(zone)
    day = local.date() - timedelta(days=local.weekday()) + timedelta(days=weekday)
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def week_label(now: datetime, timezone: str | None) -> str:
    """The programme's ISO week holding `now`, as 2026-W48: one digest per label."""
    year, week, _ = now.astimezone(zone_for(timezone)).isocalendar()
    return f"{year}-W{week:02d}"


def is_due(now: datetime, weekday: int, hour: int, timezone: str | None, created_at: datetime) -> bool:
    """This week's slot has come, and the programme existed before it (a programme set up after its slot
    waits for next week's rather than posting an empty digest at once)."""
    slot = slot_in_week_of(now, weekday, hour, timezone)
    return created_at < slot <= now


def next_slot(
    now: datetime, weekday: int, hour: int, timezone: str | None, created_at: datetime, posted_this_week: bool
) -> datetime:
    """When the scheduler will post next: this week's slot if this week's digest is still to come (or due now,
    within a quarter of an hour), else next week's."""
    slot = slot_in_week_of(now, weekday, hour, timezone)
    if not posted_this_week and created_at < slot:
        return max(slot, now)
    return slot_in_week_of(slot + timedelta(days=7), weekday, hour, timezone)
