"""The day-before reminder for a session, repeating the pair's ground rules to both."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.delivery.quiet_hours import deliver_at
from bot.messages.reminders import reminder_message
from storage.db import Database
from storage.models import NudgeLog, Programme
from storage.queries import reminders as queries
from storage.queries.outbox import enqueue

AHEAD = timedelta(hours=24)


def _before(deferred: datetime | None, session_at: datetime) -> datetime | None:
    """A reminder deferred past quiet hours must still arrive before the session itself."""
    return min(deferred, session_at) if deferred else None


def queue_reminders(db: Database, now: datetime) -> int:
    """Sessions starting within the next 24 hours get one reminder per person, ever."""
    queued = 0
    with db.unit_of_work() as session:
        for meeting, pair, rules in queries.sessions_needing_reminder(session, now, now + AHEAD):
            programme = session.get(Programme, pair.programme_id)
            for participant in (pair.mentor, pair.mentee):
                if participant.status == "left":
                    continue
                user_id = participant.person.slack_user_id
                partner = pair.mentee if participant is pair.mentor else pair.mentor
                message = reminder_message(partner.person.slack_user_id, meeting.scheduled_at, rules)
                row = enqueue(
                    session,
                    meeting.team_id,
                    f"reminder:{meeting.id}:{participant.id}",
                    "chat.postMessage",
                    {"channel": user_id, **message},
                    batch="reminders",
                    not_before=_before(deliver_at(participant.person, now, programme), meeting.scheduled_at),
                )
                session.add(
                    NudgeLog(
                        team_id=meeting.team_id,
                        pair_id=pair.id,
                        recipient_user_id=user_id,
                        kind="session_reminder",
                        subject_key=f"session:{meeting.id}",
                        outbox_id=row.id,
                    )
                )
                queued += 1
    return queued
