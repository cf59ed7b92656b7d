"""Posting to a pair's group DM through the outbox: written durably first, then sent straight away."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.delivery.outbox import OutboxSender
from storage.db import Database
from storage.models import Pair, utcnow
from storage.queries.outbox import Call, enqueue_many


def post_to_pair(db: Database, client: WebClient, pair: Pair, message: dict[str, Any], dedupe_key: str) -> None:
    users = [pair.mentor.person.slack_user_id, pair.mentee.person.slack_user_id]
    call = Call(dedupe_key, "dm", {"users": users, **message}, utcnow())
    with db.unit_of_work() as session:  # a racing caller's row stands: posted once, and no IntegrityError
        enqueue_many(session, pair.team_id, [call], batch=dedupe_key)
    # utcnow stands in for the programme clock until the clock branch lands (there: `db.now`).
    OutboxSender(db, client, clock=utcnow).send_due(batch=dedupe_key)
