"""The one clock every programme decision asks (docs/time.md).

A decision is anything the programme records or acts on: what is due (check-ins, nudges, digests, queued
messages), the times it stores (sessions, answers, nudge logs, created_at) and the times it writes into
message text. Production reads `SystemClock`; tests, `run-job --now T` and the offline demo hand the same
services a `FixedClock` (set once, or moved forward by the simulation), so the whole app runs at that time.

Infrastructure time is not programme time and never comes from here: leases, heartbeats, claim expiry,
Slack signature timestamps and Retry-After or backoff sleeps stay on the real (monotonic) clock whatever
this one says, or a simulated week would expire every lease and a `--now` in the past would sleep forever.
This module is the only one allowed to read the wall clock for a decision (ruff's banned-api rule,
configured in pyproject.toml, refuses `datetime.now` and friends everywhere else).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current programme time: timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real time. The default everywhere outside tests, `--now` and the demo."""

    def now(self) -> datetime:
        return datetime.now(UTC)  # noqa: TID251 - the one place the wall clock is read for a decision

    def __repr__(self) -> str:
        return "SystemClock()"


class FixedClock:
    """A time that stands still until it is moved: `run-job --now T`, tests, and the demo's simulated weeks.

    It only moves forward, because the programme's records assume time does (a check-in answered before it
    was asked, a nudge logged before the one it follows)."""

    def __init__(self, moment: datetime) -> None:
        self._now = _utc(moment)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        moment = _utc(moment)
        if moment < self._now:
            raise ValueError(f"the clock only moves forward: {moment.isoformat()} is before {self._now.isoformat()}")
        self._now = moment

    def advance(self, delta: timedelta) -> None:
        self.set(self._now + delta)

    def __repr__(self) -> str:
        return f"FixedClock({self._now.isoformat()})"


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"a clock needs a timezone-aware time, got {moment.isoformat()}")
    return moment.astimezone(UTC)
