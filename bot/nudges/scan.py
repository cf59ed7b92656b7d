"""The nudge scan: every active pair of every programme, decided and queued in one transaction.

A few set-based reads (`storage/queries/nudges.py`) find the pairs that can need a nudge, with their people,
recent sessions, open check-ins and earlier nudges; the pure rules in `bot/nudges/rules.py` decide; each decision
becomes a `nudge_log` row and an outbox DM (not before its due time) in the same transaction. So a crash
loses nothing and sends nothing twice, and a second scan, now or in another process, adds nothing: it waits
on the scan lock, then sees the first scan's log (the repeat rules) and outbox keys (dedupe).
"""

from __future__ import annotations

import gc
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy.orm import Session

from bot.messages import nudges as messages
from bot.nudges import rules
from bot.nudges.rules import Member, Nudge, OpenCheckIn, PairHistory, PastSession, PreviousNudge, Thresholds
from storage.db import Database
from storage.queries import nudges as queries

REPEAT_WINDOW = timedelta(days=7)
REMINDER_WINDOW = Thresholds().reminder_window


@dataclass
class ScanReport:
    pairs: int = 0  # active pairs that met a rule's precondition in SQL
    decided: int = 0  # nudges the rules decided
    written: Counter[str] = field(default_factory=Counter)  # new nudges queued, by kind
    seconds: dict[str, float] = field(default_factory=dict)  # read, decide, write

    @property
    def total_written(self) -> int:
        return sum(self.written.values())


def thresholds_of(programme: queries.ProgrammeSettings) -> Thresholds:
    return Thresholds(
        cancel_n=programme.nudge_cancel_n,
        cancel_m=programme.nudge_cancel_m,
        stale_factor=programme.stale_factor,
        reminder_delay=timedelta(hours=programme.reminder_delay_hours),
        reminder_window=REMINDER_WINDOW,
        repeat_window=REPEAT_WINDOW,
        quiet_start_hour=programme.quiet_start_hour,
        quiet_end_hour=programme.quiet_end_hour,
    )


def member_of(stored: queries.Member) -> Member:
    return Member(stored.user_id, stored.tz, stored.tz_offset_seconds, active=stored.status == "active")


@dataclass
class _Facts:
    """What the reads found, keyed by pair."""

    windows: dict[int, list[PastSession]]
    idle: dict[int, datetime | None]
    check_ins: dict[int, list[queries.OverdueCheckIn]]
    members: dict[int, queries.PairMembers]
    previous: dict[int, list[PreviousNudge]]
    programmes: dict[int, queries.ProgrammeSettings]
    admins: dict[int, list[Member]]

    @cached_property
    def thresholds(self) -> dict[int, Thresholds]:
        return {programme_id: thresholds_of(p) for programme_id, p in self.programmes.items()}


def _read(session: Session, now: datetime, extra_admins: tuple[str, ...]) -> _Facts:
    programmes = {p.id: p for p in queries.programme_settings(session)}
    by_thresholds: dict[tuple[int, int], list[int]] = defaultdict(list)
    for programme in programmes.values():
        by_thresholds[(programme.nudge_cancel_n, programme.nudge_cancel_m)].append(programme.id)
    members: dict[int, queries.PairMembers] = {}
    windows: dict[int, list[PastSession]] = {}
    idle: dict[int, datetime | None] = {}
    for (cancel_n, cancel_m), programme_ids in by_thresholds.items():
        for signal in queries.pair_signals(session, now, programme_ids, cancel_n, cancel_m):
            pair_id = signal.pair.pair_id
            members[pair_id] = signal.pair
            if signal.idle:
                idle[pair_id] = signal.last_session_at
            if signal.senior_cancels >= cancel_n:
                windows[pair_id] = []
        cancelling = [pair_id for pair_id in windows if members[pair_id].programme_id in programme_ids]
        for row in queries.last_sessions(session, cancelling, cancel_m):
            outcome = rules.outcome_of(row.state, row.cancelled_by)
            if outcome is not None:
                windows[row.pair_id].append(PastSession(row.session_id, row.scheduled_at, outcome))
    check_ins: dict[int, list[queries.OverdueCheckIn]] = defaultdict(list)
    for check_in in queries.overdue_check_ins(session, now, REMINDER_WINDOW):
        members.setdefault(check_in.pair.pair_id, check_in.pair)
        check_ins[check_in.pair.pair_id].append(check_in)
    previous: dict[int, list[PreviousNudge]] = defaultdict(list)
    for earlier in queries.previous_nudges(session, members, now - REPEAT_WINDOW):
        previous[earlier.pair_id].append(PreviousNudge(*earlier))
    admin_ids = {pid: sorted(set(p.admin_user_ids) | set(extra_admins)) for pid, p in programmes.items()}
    zones = queries.people_zones(
        session, [(programmes[pid].team_id, user) for pid, users in admin_ids.items() for user in users]
    )
    admins = {
        pid: [Member(u, *zones.get((programmes[pid].team_id, u), (programmes[pid].timezone, 0))) for u in users]
        for pid, users in admin_ids.items()
    }
    return _Facts(windows, idle, check_ins, members, previous, programmes, admins)


def _decide_pair(facts: _Facts, pair: queries.PairMembers, now: datetime) -> list[Nudge]:
    """The pure rules, applied to what SQL found; a rule whose precondition SQL ruled out is not asked."""
    t = facts.thresholds[pair.programme_id]
    history = PairHistory(
        pair.pair_id,
        senior=member_of(pair.senior),
        junior=member_of(pair.junior),
        created_at=pair.created_at,
        cadence_days=pair.cadence_days,
        recent=tuple(facts.windows.get(pair.pair_id, ())),
        last_session_at=facts.idle.get(pair.pair_id),
    )
    previous = facts.previous.get(pair.pair_id, [])
    candidates: list[Nudge] = []
    if pair.pair_id in facts.windows:
        candidates += rules.cancellation_nudges(history, previous, facts.admins[pair.programme_id], t, now)
    if pair.pair_id in facts.idle:
        candidates += rules.stale_nudges(history, previous, t, now)
    by_participant = {pair.junior.participant_id: history.junior, pair.senior.participant_id: history.senior}
    open_check_ins = [
        OpenCheckIn(row.check_in_id, pair.pair_id, by_participant[row.participant_id], row.sent_at)
        for row in facts.check_ins.get(pair.pair_id, ())
        if row.participant_id in by_participant
    ]
    candidates += rules.checkin_reminders(open_check_ins, t, now)
    return rules.without_repeats(candidates, previous, t.repeat_window)


def _message(facts: _Facts, pair: queries.PairMembers, nudge: Nudge) -> dict[str, Any]:
    recent = facts.windows.get(pair.pair_id, [])[-facts.programmes[pair.programme_id].nudge_cancel_m :]
    senior, junior = pair.senior, pair.junior
    if nudge.kind == rules.SENIOR_CANCELLING:
        return messages.senior_cancelling_message(pair.pair_id, junior.user_id)
    if nudge.kind == rules.ESCALATION:
        return messages.escalation_message(
            pair.pair_id, senior.user_id, junior.user_id, recent, nudge.reason, senior.display_name, junior.display_name
        )
    if nudge.kind == rules.STALE_PAIR:
        to_senior = nudge.recipient_user_id == senior.user_id
        partner = junior if to_senior else senior
        last = facts.idle.get(pair.pair_id)
        return messages.stale_pair_message(pair.pair_id, partner.user_id, last, pair.cadence_days, to_senior)
    check_in_id = int(nudge.subject_key.removeprefix("checkin:"))
    row = next(r for r in facts.check_ins[pair.pair_id] if r.check_in_id == check_in_id)
    partner = junior if row.participant_id == senior.participant_id else senior
    return messages.checkin_reminder_message(check_in_id, partner.user_id, row.session_at)


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """A catch-up scan builds a few hundred thousand short-lived objects (rows, rules' results, Block Kit
    dicts) without reference cycles; CPython's cycle collector would walk them and the rest of the heap
    over and over meanwhile (a third of such a scan's time in bench/nudges.py). Reference counting still
    frees them; any cycle simply waits for the next collection."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def scan(db: Database, now: datetime, extra_admins: Iterable[str] = ()) -> ScanReport:
    """Decide every nudge due at `now` and queue it, once. `extra_admins`: ADMIN_USER_IDS from the config,
    who hear about escalations besides each programme's own admins."""
    report = ScanReport()
    with _cycle_collection_paused(), db.unit_of_work() as session:
        started = time.perf_counter()
        queries.begin_scan(session)
        facts = _read(session, now, tuple(extra_admins))
        read = time.perf_counter()
        rows: list[queries.NudgeRow] = []
        for pair in facts.members.values():
            for nudge in _decide_pair(facts, pair, now):
                payload = {"channel": nudge.recipient_user_id, **_message(facts, pair, nudge)}
                rows.append(
                    queries.NudgeRow(
                        pair.team_id,
                        pair.pair_id,
                        nudge.recipient_user_id,
                        nudge.kind,
                        nudge.subject_key,
                        nudge.due_at,
                        payload,
                    )
                )
        decided = time.perf_counter()
        written = queries.record(session, rows, now)
    report.pairs = len(facts.members)
    report.decided = len(rows)
    report.written = Counter(n.kind for n in written)
    report.seconds = {"read": read - started, "decide": decided - read, "write": time.perf_counter() - decided}
    return report
