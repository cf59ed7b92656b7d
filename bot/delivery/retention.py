"""Retention: the bot's stored copy of a sent message keeps its text for the programme's
`message_retention_days` (90 by default; admins change it in the settings modal), then only where it went
(channel, ts, the people of a DM), so that a later erasure can still find the message in Slack and delete
it. Run by the scheduler's `retention` job and `reverse-mentor run-job retention` (docs/privacy.md)."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.db import Database
from storage.queries import erasure as queries


def purge_old_payloads(db: Database, now: datetime) -> int:
    """Purge every team's sent (and failed) message payloads older than its retention; returns how many."""
    purged = 0
    with db.unit_of_work() as session:
        for team_id, days in queries.retention_by_team(session).items():
            purged += queries.purge_sent_payloads(session, [team_id], now - timedelta(days=days))
    return purged
