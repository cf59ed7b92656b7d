"""Scheduling a pair's sessions. Times are stored in UTC; Slack shows them in each reader's own zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from storage.db import Database
from storage.models import MentoringSession
from storage.queries import pairs as pair_queries


@dataclass(frozen=True)
class Scheduled:
    ok: bool
    error: str = ""
    session_id: int | None = None
    created: bool = False


def schedule(
    db: Database, team_id: str, pair_id: int, user_id: str, when: datetime, now: datetime | None = None
) -> Scheduled:
    """Store a session; scheduling the same pair at the same time twice (a double click) stores one."""
    now = now or datetime.now(UTC)
    if when <= now:
        return Scheduled(False, "That time has passed: pick a time in the future.")
    with db.unit_of_work() as session:
        pair = pair_queries.pair_with_people(session, team_id, pair_id)
        members = {pair.mentor.person.slack_user_id, pair.mentee.person.slack_user_id} if pair else set()
        if pair is None or user_id not in members:
            return Scheduled(False, "Only the two people in this pair can schedule its sessions.")
        if pair.status != "active":
            return Scheduled(False, "This pair has ended.")
        existing = session.scalars(
            select(MentoringSession).where(MentoringSession.pair_id == pair.id, MentoringSession.scheduled_at == when)
        ).first()
        if existing is not None:
            return Scheduled(True, session_id=existing.id, created=False)
        meeting = MentoringSession(team_id=team_id, pair_id=pair.id, scheduled_at=when, created_by=user_id)
        session.add(meeting)
        session.flush()
        return Scheduled(True, session_id=meeting.id, created=True)
