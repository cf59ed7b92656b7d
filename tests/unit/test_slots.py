"""Find a time (bot/sessions/slots.py): suggested slots lie inside both people's working hours, outside
quiet hours and other sessions, within the horizon; when the hours never overlap, the closest slots."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.nudges.rules import Thresholds
from bot.sessions.slots import Availability, WorkingHours, distance, parse_hours, suggest

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
SINGAPORE, SYDNEY = ZoneInfo("Asia/Singapore"), ZoneInfo("Australia/Sydney")
HOUR = timedelta(hours=1)


def inside_hours(start: datetime, person: Availability, length: timedelta = HOUR) -> bool:
    """Checked on the person's wall clock, independently of the module's window arithmetic."""
    local_start, local_end = start.astimezone(person.zone), (start + length).astimezone(person.zone)
    return (
        local_start.date() == local_end.date()
        and local_start.weekday() in person.hours.days
        and person.hours.start <= local_start.time()
        and local_end.time() <= person.hours.end
    )


def assert_inside_both(a: Availability, b: Availability, now: datetime, **kwargs: object) -> tuple[datetime, ...]:
    found = suggest(a, b, now, **kwargs)  # type: ignore[arg-type]
    assert found.overlap
    assert len(found.slots) == 3
    for slot in found.slots:
        assert slot > now
        assert inside_hours(slot, a), (slot, slot.astimezone(a.zone))
        assert inside_hours(slot, b), (slot, slot.astimezone(b.zone))
    return found.slots


def test_london_new_york_slots_are_in_both_working_days() -> None:
    now = datetime(2027, 1, 11, 7, 0, tzinfo=UTC)  # a Monday
    slots = assert_inside_both(Availability(LONDON), Availability(NEW_YORK), now)
    # Overlap is 14:00-17:00 UTC in winter; one slot a day on the first three working days.
    assert slots == (
        datetime(2027, 1, 11, 14, 0, tzinfo=UTC),
        datetime(2027, 1, 12, 14, 0, tzinfo=UTC),
        datetime(2027, 1, 13, 14, 0, tzinfo=UTC),
    )


def test_london_singapore_summer_overlap_is_one_hour() -> None:
    now = datetime(2027, 6, 14, 12, 0, tzinfo=UTC)  # Monday afternoon: today's overlap has passed
    slots = assert_inside_both(Availability(LONDON), Availability(SINGAPORE), now)
    # BST 09:00 = SGT 16:00: the only hour both work.
    assert [s.astimezone(LONDON).time() for s in slots] == [time(9)] * 3
    assert [s.astimezone(SINGAPORE).time() for s in slots] == [time(16)] * 3
    assert slots[0].date() == datetime(2027, 6, 15).date()


def test_london_singapore_winter_hours_only_touch_so_closest_offered() -> None:
    now = datetime(2027, 1, 11, 0, 0, tzinfo=UTC)
    found = suggest(Availability(LONDON), Availability(SINGAPORE), now)
    assert not found.overlap
    assert len(found.slots) == 3
    # GMT 09:00 = SGT 17:00: the best an hour can do is half an hour outside each person's hours.
    for slot in found.slots:
        assert distance(Availability(LONDON), slot) + distance(Availability(SINGAPORE), slot) == HOUR
        assert slot.astimezone(LONDON).time() == time(8, 30)


def test_new_york_sydney_never_overlap_so_the_closest_three_are_offered() -> None:
    ny, syd = Availability(NEW_YORK), Availability(SYDNEY)
    now = datetime(2027, 1, 11, 0, 0, tzinfo=UTC)
    found = suggest(ny, syd, now)
    assert not found.overlap
    assert len(found.slots) == 3
    assert not any(inside_hours(s, ny) and inside_hours(s, syd) for s in found.slots)
    # No half-hour start in the 14 days does better than the suggestions.
    every = [now + timedelta(minutes=30 * i) for i in range(1, 14 * 48 - 1)]
    best = min(distance(ny, s) + distance(syd, s) for s in every)
    assert best == HOUR
    for slot in found.slots:
        assert distance(ny, slot) + distance(syd, slot) == best
        # Half an hour after New York's day, half an hour before Sydney's: each gives up the same.
        assert slot.astimezone(NEW_YORK).time() == time(16, 30)
        assert slot.astimezone(SYDNEY).time() == time(8, 30)
        assert slot.astimezone(SYDNEY).weekday() < 5 and slot.astimezone(NEW_YORK).weekday() < 5


def test_across_the_us_dst_change_slots_keep_to_the_wall_clock() -> None:
    # US clocks go forward on Sunday 14 March 2027, the UK's on 28 March: the UTC overlap moves an hour.
    ldn, ny = Availability(LONDON), Availability(NEW_YORK, WorkingHours(time(8), time(12)))
    now = datetime(2027, 3, 11, 18, 0, tzinfo=UTC)  # Thursday, after today's overlap
    slots = assert_inside_both(ldn, ny, now)
    # Before: NY 08:00 EST = 13:00 UTC; after: NY 08:00 EDT = 12:00 UTC.
    assert slots == (
        datetime(2027, 3, 12, 13, 0, tzinfo=UTC),
        datetime(2027, 3, 15, 12, 0, tzinfo=UTC),
        datetime(2027, 3, 16, 12, 0, tzinfo=UTC),
    )


def test_quiet_hours_win_over_stated_hours() -> None:
    early = WorkingHours(time(6), time(10))
    now = datetime(2027, 1, 11, 0, 0, tzinfo=UTC)
    slots = assert_inside_both(Availability(LONDON, early), Availability(LONDON, early), now)
    assert all(s.astimezone(LONDON).time() >= time(8) for s in slots)
    relaxed = suggest(
        Availability(LONDON, early), Availability(LONDON, early), now, thresholds=Thresholds(quiet_end_hour=6)
    )
    assert relaxed.slots[0].astimezone(LONDON).time() == time(6)


def test_other_sessions_are_avoided() -> None:
    now = datetime(2027, 1, 11, 7, 0, tzinfo=UTC)
    busy = ((datetime(2027, 1, 11, 13, 30, tzinfo=UTC), datetime(2027, 1, 11, 16, 0, tzinfo=UTC)),)
    slots = assert_inside_both(Availability(LONDON, busy=busy), Availability(NEW_YORK), now)
    assert slots[0] == datetime(2027, 1, 11, 16, 0, tzinfo=UTC)


def test_the_next_due_session_is_the_horizon_when_sooner() -> None:
    now = datetime(2027, 1, 11, 7, 0, tzinfo=UTC)
    next_due = datetime(2027, 1, 12, 15, 0, tzinfo=UTC)
    found = suggest(Availability(LONDON), Availability(NEW_YORK), now, next_due=next_due)
    assert found.slots and all(s + HOUR <= next_due for s in found.slots)
    assert found.slots[-1] < next_due


def test_parse_hours() -> None:
    assert parse_hours("09:00-17:00") == (time(9), time(17))
    assert parse_hours("9 - 17:30") == (time(9), time(17, 30))
    for bad in ("17:00-09:00", "nine to five", "25:00-26:00", "9"):
        assert parse_hours(bad) is None
    with pytest.raises(ValueError):
        WorkingHours(time(17), time(9))
