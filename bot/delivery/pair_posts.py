"""Posting to a pair's group DM through the outbox: written durably first, then sent straight away."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk import WebClient

from bot.delivery.outbox import OutboxSender
from storage.db import Database
from storage.models import Pair
from storage.queries.outbox import Call, enqueue_many


def post_to_pair(
    db: Database,
    client: WebClient,
    pair: Pair,
    message: dict[str, Any],
    dedupe_key: str,
    *,
    clock: Callable[[], datetime],
) -> None:
    users = [pair.mentor.person.slack_user_id, pair.mentee.person.slack_user_id]
    call = Call(dedupe_key, "dm", {"users": users, **message}, clock())
    with db.unit_of_work() as session:  # a racing caller's row stands: posted once, and no IntegrityError
        enqueue_many(session, pair.team_id, [call], batch=dedupe_key)
    OutboxSender(db, client, clock=clock).send_due(batch=dedupe_key)
