"""The periodic jobs, each runnable once from the CLI (`reverse-mentor run-job NAME --now ...`) or by the
scheduler: decide and write durably first, then send through the outbox."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient

from bot import checkins, follow_ups, reminders
from bot.outbox import OutboxSender
from storage.db import Database

log = logging.getLogger(__name__)


def run_checkins(db: Database, client: WebClient, now: datetime) -> str:
    report = checkins.dispatch(db, now)
    sent = OutboxSender(db, client).send_due()
    return f"check-ins: {report.check_ins} asked about {report.sessions} sessions; {sent.sent} messages sent"


def run_reminders(db: Database, client: WebClient, now: datetime) -> str:
    queued = reminders.queue_reminders(db, now)
    sent = OutboxSender(db, client).send_due()
    return f"reminders: {queued} queued; {sent.sent} messages sent"


def run_outbox(db: Database, client: WebClient, now: datetime) -> str:
    sent = OutboxSender(db, client).send_due()
    return f"outbox: {sent.sent} sent, {sent.failed} failed, {sent.pending} waiting"


def run_follow_ups(db: Database, client: WebClient, now: datetime) -> str:
    queued = follow_ups.queue_follow_ups(db, now)
    sent = OutboxSender(db, client).send_due()
    return f"follow-ups: {queued} queued; {sent.sent} messages sent"


JOBS: dict[str, Callable[[Database, WebClient, datetime], str]] = {
    "checkins": run_checkins,
    "reminders": run_reminders,
    "outbox": run_outbox,
    "followups": run_follow_ups,
}
