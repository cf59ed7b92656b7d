"""APScheduler wiring only: which jobs run when, in exactly one process.

APScheduler must never share a job store between two running schedulers, and production runs several
`serve` processes. So each process competes for a lease row in the database; only the holder starts its
BackgroundScheduler (job store: the app's own database), renews the lease every few seconds, and stops
its scheduler the moment it loses the lease. When the holder dies its lease expires and another process
takes over within `lease_seconds` plus one renewal.

The lease is infrastructure time, not programme time (docs/time.md): it is compared across processes, so it
is the real wall time whatever the services' clock says. The jobs themselves decide at `services.clock`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.runtime import jobs
from bot.runtime.services import Services
from storage.db import Database
from storage.queries import leases

log = logging.getLogger(__name__)
LEASE_NAME = "scheduler"
JOB_DEFAULTS = {
    "coalesce": True,  # a job missed while down runs once on start, not once per missed interval
    "misfire_grace_time": 6 * 3600,
    "max_instances": 1,
}


_services: Services | None = None


def run_job(name: str) -> None:
    """The one callable the job store references (by name, so it survives restarts)."""
    if _services is None:
        log.warning("job %s fired with no services; skipped", name)
        return
    try:
        log.info("%s", jobs.JOBS[name](_services, False))
    except Exception:  # a failing job must not kill the scheduler thread; it runs again next time
        log.exception("job %s failed", name)


def _lease_time() -> datetime:
    """Real wall time, not the services' clock: other processes compare the lease row with their own real
    time, and a simulated or `--now` time would take or expire a lease that is still held."""
    return datetime.now(UTC)  # noqa: TID251 - infrastructure time (docs/time.md)


def job_triggers(interval_override: int | None) -> dict[str, BaseTrigger]:
    def every(minutes: float) -> IntervalTrigger:
        seconds = interval_override or int(minutes * 60)
        return IntervalTrigger(seconds=seconds, start_date=datetime(2020, 1, 1, tzinfo=UTC))

    return {
        "outbox": every(1),
        "checkins": every(15),
        "nudges": every(60),
        "reminders": every(60),
        "followups": every(24 * 60),
        "retention": every(24 * 60),  # daily: a payload lives at most a day past its retention
        "digest": every(15),  # posts each programme's digest once its own weekly slot has come
    }


def _same_trigger(a: BaseTrigger, b: BaseTrigger) -> bool:
    return str(a) == str(b)


def install_jobs(scheduler: BackgroundScheduler, triggers: dict[str, BaseTrigger]) -> None:
    """Fixed ids; a stored job keeps its next run time (so a missed run happens once on start) unless its
    trigger changed, in which case it is replaced."""
    for name, trigger in triggers.items():
        if name not in jobs.JOBS:
            continue
        existing = scheduler.get_job(name)
        if existing is not None and _same_trigger(existing.trigger, trigger):
            continue
        scheduler.add_job(run_job, trigger, args=[name], id=name, name=name, replace_existing=True)


def build_scheduler(db: Database) -> BackgroundScheduler:
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=db.engine, tablename="apscheduler_jobs")},
        job_defaults=JOB_DEFAULTS,
        timezone=UTC,
    )


class SchedulerLeader:
    """Runs the scheduler in this process only while it holds the lease."""

    def __init__(
        self,
        services: Services,
        *,
        lease_seconds: int = 30,
        interval_override: int | None = None,
    ) -> None:
        self.services = services
        self.db = services.db
        self.lease = timedelta(seconds=lease_seconds)
        self.renew_every = max(lease_seconds / 3, 0.5)
        self.interval_override = interval_override
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="scheduler-leader", daemon=True)

    @property
    def leading(self) -> bool:
        return self.scheduler is not None

    def start(self) -> SchedulerLeader:
        self._thread.start()
        return self

    def _holds_lease(self) -> bool:
        now = _lease_time()
        with self.db.unit_of_work() as session:
            return leases.try_take(session, LEASE_NAME, self.holder, now, now + self.lease)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                held = self._holds_lease()
            except Exception:  # the database may blip; treat it as losing the lease to stay safe
                log.exception("lease check failed")
                held = False
            if held and self.scheduler is None:
                self._begin()
            elif not held and self.scheduler is not None:
                log.warning("lost the scheduler lease; stopping jobs in this process")
                self._end()
            self._stop.wait(self.renew_every)

    def _begin(self) -> None:
        global _services
        _services = self.services
        scheduler = build_scheduler(self.db)
        scheduler.start(paused=True)
        install_jobs(scheduler, job_triggers(self.interval_override))
        scheduler.resume()
        self.scheduler = scheduler
        log.info("this process (%s) now runs the scheduler", self.holder)

    def _end(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
            self.scheduler = None

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._end()
        try:
            with self.db.unit_of_work() as session:
                leases.give_up(session, LEASE_NAME, self.holder)
        except Exception:
            log.exception("could not release the scheduler lease; it will expire")


def describe(scheduler: BackgroundScheduler) -> list[dict[str, Any]]:
    return [{"id": j.id, "next_run_time": j.next_run_time, "trigger": str(j.trigger)} for j in scheduler.get_jobs()]
