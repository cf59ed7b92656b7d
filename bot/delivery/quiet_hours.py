"""When a DM may land: never in the recipient's quiet hours or at a weekend (their own time zone).

The rule and its thresholds live with the nudges (`bot.nudges.rules.working_time`); check-ins, reminders and
follow-ups ask the same question here."""

from __future__ import annotations

from datetime import datetime

from bot.nudges.rules import Thresholds, working_time, zone_for
from storage.models import Person, Programme


def thresholds_of(programme: Programme | None) -> Thresholds:
    if programme is None:
        return Thresholds()
    return Thresholds(quiet_start_hour=programme.quiet_start_hour, quiet_end_hour=programme.quiet_end_hour)


def deliver_at(person: Person, moment: datetime, programme: Programme | None) -> datetime | None:
    """None (send as soon as possible) unless `moment` falls in the recipient's quiet hours; then their next
    weekday morning, which the outbox waits for."""
    later = working_time(moment, zone_for(person.tz, person.tz_offset_seconds), thresholds_of(programme))
    return None if later == moment else later
