"""Find a time: three suggested session slots for a pair, a pure decision (no SQL, no Slack).

docs/time.md ("Find a time"). Slack does not expose working hours, so each person states theirs
(default 09:00-17:00 on weekdays, in their own time zone). A slot is suggested when, for both people:

* it lies wholly inside their working hours on one of their working days (their wall clock, so DST-safe);
* neither its start nor its last minute falls in quiet hours (`bot.nudges.rules.is_quiet`: the
  programme's quiet hours, and weekends);
* it does not overlap another session either of them has scheduled;
* it starts after `now` (rounded up to the step) and before the horizon: 14 days ahead, or the pair's
  next due session if that is sooner.

Slots start on the half hour. The three suggestions are on different days where possible (the earliest
fitting slot of each day, earliest days first), then the earliest remaining ones.

When the two people's hours never overlap (New York and Sydney), the three slots *closest to both* are
offered instead, and `overlap` is False so the modal says so. Closeness is the total number of minutes
the slot lies outside either person's working hours (outside quiet hours, busy times and the horizon
still apply); ties go to the smaller worst case for one person, then the earlier slot.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.nudges.rules import Thresholds, is_quiet

HORIZON = timedelta(days=14)
STEP = timedelta(minutes=30)
LENGTH = timedelta(minutes=60)
COUNT = 3
WEEKDAYS: frozenset[int] = frozenset(range(5))  # Monday = 0
DEFAULT_START, DEFAULT_END = time(9), time(17)
DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class WorkingHours:
    """The hours someone says they work, on their wall clock, on the given weekdays."""

    start: time = DEFAULT_START
    end: time = DEFAULT_END
    days: frozenset[int] = field(default=WEEKDAYS)

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("working hours end after they start")


@dataclass(frozen=True)
class Availability:
    """One person's side of the question: their zone, their hours and the times they are already busy."""

    zone: tzinfo
    hours: WorkingHours = field(default_factory=WorkingHours)
    busy: tuple[tuple[datetime, datetime], ...] = ()


@dataclass(frozen=True)
class Suggestion:
    slots: tuple[datetime, ...]  # UTC starts, earliest first
    overlap: bool  # False: the hours never overlap and these are the closest slots to both


def parse_hours(text: str) -> tuple[time, time] | None:
    """'09:00-17:00' (or '9-17', '9:30 - 17:30') -> (start, end); None if it isn't a daytime range."""
    parts = [p.strip() for p in text.replace("–", "-").split("-")]
    if len(parts) != 2:
        return None
    start, end = (_parse_time(p) for p in parts)
    if start is None or end is None or end <= start:
        return None
    return start, end


def _parse_time(text: str) -> time | None:
    hour, _, minute = text.partition(":")
    if not hour.isdigit() or (minute and not minute.isdigit()):
        return None
    h, m = int(hour), int(minute or 0)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        return None
    return time(h, m)


def _windows(person: Availability, around: datetime) -> list[tuple[datetime, datetime]]:
    """The person's working windows (UTC) on the local days around `around`."""
    local_day = around.astimezone(person.zone).date()
    windows = []
    for offset in (-1, 0, 1):
        day = local_day + timedelta(days=offset)
        if day.weekday() in person.hours.days:
            windows.append((_at(day, person.hours.start, person.zone), _at(day, person.hours.end, person.zone)))
    return windows


def _at(day: date, wall: time, zone: tzinfo) -> datetime:
    # Built from the wall clock, so 09:00 stays 09:00 across a DST change.
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def distance(person: Availability, start: datetime, length: timedelta = LENGTH) -> timedelta:
    """How far the slot lies outside the person's working hours: zero when wholly inside one window."""
    end = start + length
    gaps = [max(ws - start, timedelta(0)) + max(end - we, timedelta(0)) for ws, we in _windows(person, start)]
    return min(gaps, default=timedelta(days=7))


def _quiet(person: Availability, start: datetime, length: timedelta, thresholds: Thresholds) -> bool:
    last_minute = start + length - timedelta(minutes=1)
    return any(is_quiet(moment.astimezone(person.zone), thresholds) for moment in (start, last_minute))


def _clashes(busy: Iterable[tuple[datetime, datetime]], start: datetime, length: timedelta) -> bool:
    end = start + length
    return any(b_start < end and start < b_end for b_start, b_end in busy)


def _candidates(now: datetime, until: datetime, length: timedelta) -> list[datetime]:
    first = now.astimezone(UTC).replace(second=0, microsecond=0)
    first += (-first.minute) % 30 * timedelta(minutes=1)
    if first <= now:
        first += STEP
    out = []
    moment = first
    while moment + length <= until:
        out.append(moment)
        moment += STEP
    return out


def _spread(starts: Sequence[datetime], count: int) -> tuple[datetime, ...]:
    """The earliest slot of each day (UTC day) first, then the earliest of the rest."""
    firsts: dict[date, datetime] = {}
    for start in starts:
        firsts.setdefault(start.date(), start)
    chosen = sorted(firsts.values())[:count]
    rest = [s for s in starts if s not in chosen]
    return tuple(sorted(chosen + rest[: count - len(chosen)]))


def suggest(
    a: Availability,
    b: Availability,
    now: datetime,
    *,
    next_due: datetime | None = None,
    length: timedelta = LENGTH,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    count: int = COUNT,
) -> Suggestion:
    """Up to `count` slots for a session of `length` between `a` and `b`; see the module docstring."""
    until = now + HORIZON if next_due is None else min(now + HORIZON, next_due)
    possible = [
        start
        for start in _candidates(now, until, length)
        if not any(_quiet(p, start, length, thresholds) or _clashes(p.busy, start, length) for p in (a, b))
    ]
    inside = [s for s in possible if distance(a, s, length) == timedelta(0) == distance(b, s, length)]
    if inside:
        return Suggestion(_spread(inside, count), overlap=True)

    def closeness(start: datetime) -> tuple[timedelta, timedelta, datetime]:
        da, db = distance(a, start, length), distance(b, start, length)
        return da + db, max(da, db), start

    closest = sorted(possible, key=closeness)[:count]
    return Suggestion(tuple(sorted(closest)), overlap=False)
