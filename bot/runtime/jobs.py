"""The periodic jobs, each runnable once from the CLI (`reverse-mentor run-job NAME --now ...`), by the
scheduler, or by the offline demo in simulated time: decide and write durably first, then send through
the outbox. Every job asks `services.clock` for the time once and decides at that time; its outbox run uses
the same clock, so what the job queued due at or before that time goes out in the same run (docs/time.md)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.delivery.outbox import OutboxSender
from bot.delivery.retention import purge_old_payloads
from bot.digest import posting as digest_post
from bot.nudges import scan as nudge_scan
from bot.runtime.services import Services
from bot.sessions import checkins, follow_ups, reminders

log = logging.getLogger(__name__)


# How long `run-job` keeps sending what is due (real seconds): long enough to wait out Slack's rate limits
# and a few backoffs, so that "everything due by T goes out during the run" holds through a 429 or a 5xx;
# bounded, so that a Slack outage ends the run with an honest "N waiting" instead of hanging it.
RUN_JOB_DRAIN_SECONDS = 300.0


def _send(services: Services, by_hand: bool) -> str:
    """By hand (`run-job`): drain what is due, waiting out Retry-After and backoff, up to
    RUN_JOB_DRAIN_SECONDS. From the scheduler: one pass, so the scheduler's thread is not held for minutes;
    every `serve` process's background sender tries the rest again within seconds."""
    sender = OutboxSender(services.db, services.client_for, clock=services.clock.now)
    report = sender.drain(timeout=RUN_JOB_DRAIN_SECONDS) if by_hand else sender.send_due()
    return f"{report.sent} messages sent" + (f", {report.pending} waiting" if report.pending else "")


def run_checkins(services: Services, by_hand: bool = False) -> str:
    report = checkins.dispatch(services.db, services.clock.now())
    return f"check-ins: {report.check_ins} asked about {report.sessions} sessions; {_send(services, by_hand)}"


def run_reminders(services: Services, by_hand: bool = False) -> str:
    return (
        f"reminders: {reminders.queue_reminders(services.db, services.clock.now())} queued; {_send(services, by_hand)}"
    )


def run_nudges(services: Services, by_hand: bool = False) -> str:
    report = nudge_scan.scan(services.db, services.clock.now(), services.settings.admin_user_ids)
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(report.written.items())) or "none new"
    return f"nudges: {report.pairs} candidate pairs, {kinds}; {_send(services, by_hand)}"


def run_follow_ups(services: Services, by_hand: bool = False) -> str:
    queued = follow_ups.queue_follow_ups(services.db, services.clock.now())
    return f"follow-ups: {queued} queued; {_send(services, by_hand)}"


def run_digest(services: Services, by_hand: bool = False) -> str:
    """`by_hand` (run from the CLI): the digest goes now instead of waiting for its programme's weekly slot."""
    settings = services.settings
    posted = digest_post.post_weekly(
        services.db,
        services.client_for,
        services.clock.now(),
        settings.digest_channel,
        settings.admin_user_ids,
        on_schedule=not by_hand,
    )
    return f"digest: {posted}; {_send(services, by_hand)}"


def run_retention(services: Services, by_hand: bool = False) -> str:
    purged = purge_old_payloads(services.db, services.clock.now())
    return f"retention: {purged} sent messages' stored text purged"


def run_outbox(services: Services, by_hand: bool = False) -> str:
    return f"outbox: {_send(services, by_hand)}"


# Each job: (services, by_hand) -> one line saying what it did.
JOBS: dict[str, Callable[[Services, bool], str]] = {
    "checkins": run_checkins,
    "reminders": run_reminders,
    "nudges": run_nudges,
    "followups": run_follow_ups,
    "digest": run_digest,
    "outbox": run_outbox,
    "retention": run_retention,
}
