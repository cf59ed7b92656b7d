"""Following up what seniors promised: an action recorded at a check-in is asked about privately after
30, 60 and 90 days (done, in progress, dropped); only the counts reach the digest, never the words."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.delivery.quiet_hours import deliver_at
from bot.messages.follow_ups import follow_up_message
from storage.db import Database
from storage.models import FOLLOW_UP_DAYS, ActionFollowUp
from storage.queries import follow_ups as queries
from storage.queries.outbox import enqueue
from storage.vocabulary import FollowUpAnswer


def queue_follow_ups(db: Database, now: datetime) -> int:
    """Ask about each action once per milestone; stop asking once it is done or dropped."""
    queued = 0
    with db.unit_of_work() as session:
        for day in FOLLOW_UP_DAYS:
            for check_in, user_id, person, programme in queries.due(session, day, now - timedelta(days=day)):
                follow_up = ActionFollowUp(team_id=check_in.team_id, check_in_id=check_in.id, day=day, sent_at=now)
                session.add(follow_up)
                session.flush()
                enqueue(
                    session,
                    check_in.team_id,
                    f"follow-up:{check_in.id}:{day}",
                    "chat.postMessage",
                    {"channel": user_id, **follow_up_message(follow_up.id, check_in.action or "", day)},
                    not_before=deliver_at(person, now, programme),
                )
                queued += 1
    return queued


def answer(db: Database, team_id: str, follow_up_id: int, user_id: str, value: str) -> str | None:
    """Store the answer; returns the action's text for the DM update, or None when it isn't theirs."""
    if not FollowUpAnswer.has(value):
        return None
    with db.unit_of_work() as session:
        found = queries.with_owner(session, team_id, follow_up_id)
        if found is None or found[1] != user_id:
            return None
        follow_up, action = found[0], found[2]
        follow_up.answer = value
        follow_up.answered_at = db.now()
        return action
