"""The periodic jobs, each runnable once from the CLI (`reverse-mentor run-job NAME --now ...`), by the
scheduler, or by the offline demo in simulated time: decide and write durably first, then send through
the outbox."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient

from bot.delivery.outbox import OutboxSender
from bot.digest import posting as digest_post
from bot.nudges import scan as nudge_scan
from bot.runtime.clock import SystemClock
from bot.sessions import checkins, follow_ups, reminders
from storage.db import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    db: Database
    client: WebClient
    admins: tuple[str, ...] = ()  # ADMIN_USER_IDS, besides each programme's own admins
    digest_channel: str | None = None  # DIGEST_CHANNEL, when the programme names none
    clock: Callable[[], datetime] | None = None  # the demo's simulated clock; real time otherwise
    by_hand: bool = False  # run from the CLI: a weekly job does not wait for its programme's slot

    def send(self) -> str:
        report = OutboxSender(self.db, self.client, clock=self.clock or SystemClock().now).send_due()
        return f"{report.sent} messages sent" + (f", {report.pending} waiting" if report.pending else "")


def run_checkins(ctx: JobContext, now: datetime) -> str:
    report = checkins.dispatch(ctx.db, now)
    return f"check-ins: {report.check_ins} asked about {report.sessions} sessions; {ctx.send()}"


def run_reminders(ctx: JobContext, now: datetime) -> str:
    return f"reminders: {reminders.queue_reminders(ctx.db, now)} queued; {ctx.send()}"


def run_nudges(ctx: JobContext, now: datetime) -> str:
    report = nudge_scan.scan(ctx.db, now, ctx.admins)
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(report.written.items())) or "none new"
    return f"nudges: {report.pairs} candidate pairs, {kinds}; {ctx.send()}"


def run_follow_ups(ctx: JobContext, now: datetime) -> str:
    return f"follow-ups: {follow_ups.queue_follow_ups(ctx.db, now)} queued; {ctx.send()}"


def run_digest(ctx: JobContext, now: datetime) -> str:
    posted = digest_post.post_weekly(
        ctx.db, ctx.client, now, ctx.digest_channel, ctx.admins, on_schedule=not ctx.by_hand
    )
    return f"digest: {posted}; {ctx.send()}"


def run_outbox(ctx: JobContext, now: datetime) -> str:
    return f"outbox: {ctx.send()}"


JOBS: dict[str, Callable[[JobContext, datetime], str]] = {
    "checkins": run_checkins,
    "reminders": run_reminders,
    "nudges": run_nudges,
    "followups": run_follow_ups,
    "digest": run_digest,
    "outbox": run_outbox,
}
