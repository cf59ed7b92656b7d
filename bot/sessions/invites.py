"""Queuing a session's calendar invites: one .ics file per person, uploaded into the pair's group DM through
the outbox (method `files.upload`), in the transaction that schedules, moves or cancels the session.

A reschedule stores a new session; its invite keeps the UID of the first session in the chain and a SEQUENCE
one higher, so calendar apps that honour RFC 5545 move the entry instead of adding a second one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.messages.invites import FILENAME, Invite, ics_bytes, invite_comment, invite_uid, pair_link
from storage.models import MentoringSession, Pair
from storage.queries.outbox import Call, enqueue_many

MAX_CHAIN = 100  # reschedules followed back to the first session; far more than any pair makes


def root_session_id(session: Session, meeting: MentoringSession) -> int:
    """The first session of the reschedule chain `meeting` ends (each old session points at its successor)."""
    current = meeting.id
    for _ in range(MAX_CHAIN):
        previous = session.scalars(
            select(MentoringSession.id).where(MentoringSession.rescheduled_to_id == current)
        ).first()
        if previous is None:
            break
        current = previous
    return current


def invite_key(meeting_id: int, sequence: int, user_id: str, *, cancelled: bool = False) -> str:
    """One invite per person per version of a session (a check-in can move a session twice)."""
    return f"invite{'-cancel' if cancelled else ''}:{meeting_id}:{sequence}:{user_id}"


def queue_invites(session: Session, pair: Pair, meeting: MentoringSession, now: datetime) -> list[str]:
    """Queue both people's invites for `meeting` as it now stands (cancelled or not); their dedupe keys."""
    uid = invite_uid(root_session_id(session, meeting), pair.team_id)
    link = pair_link(pair.team_id, pair.channel_id)
    users = [pair.mentor.person.slack_user_id, pair.mentee.person.slack_user_id]
    cancelled = meeting.state == "cancelled"
    calls = []
    for me, partner in ((pair.mentor, pair.mentee), (pair.mentee, pair.mentor)):
        invite = Invite(
            uid=uid,
            sequence=meeting.ics_sequence,
            start=meeting.scheduled_at,
            minutes=meeting.duration_minutes,
            partner_name=partner.person.display_name or "your partner",
            pair_link=link,
            cancelled=cancelled,
            stamp=now,
        )
        user_id = me.person.slack_user_id
        payload = {
            "users": users,
            "filename": FILENAME,
            "title": invite.title,
            "content": ics_bytes(invite).decode("utf-8"),
            "initial_comment": invite_comment(user_id, invite),
        }
        calls.append(
            Call(
                invite_key(meeting.id, meeting.ics_sequence, user_id, cancelled=cancelled), "files.upload", payload, now
            )
        )
    enqueue_many(session, pair.team_id, calls)
    return [call.dedupe_key for call in calls]
