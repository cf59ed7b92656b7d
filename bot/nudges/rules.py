"""Who to nudge, about what, and when: pure decisions over a pair's recent history (no SQL, no Slack).

docs/nudges.md. The scan (`bot/nudges/scan.py`) fetches the facts with a few set-based queries and
writes what these functions decide; everything here is plain data in, plain data out.

* **senior_cancelling**: the senior (mentee) cancelled at least N of the pair's last M sessions with an
  outcome (default 2 of 3; fewer than M sessions count as they are) -> a DM to the senior.
* **escalation**: after that nudge has gone out, the senior cancels again while the pattern still holds
  (N of the last M are still their cancellations) -> a DM to every admin; the junior is not told. After an
  escalation the count starts again: N new cancellations make a new senior nudge, one more a new escalation.
  A cancellation counts once: every senior_cancelling and escalation nudge names the sessions it is about in
  its subject key (`pair:7:sessions:31,35`), so a nudge is never raised again for a cancellation already
  acted on, whenever the cancellation was recorded (ahead of time, or late through a check-in).
* **stale_pair**: no session held or scheduled for stale_factor x the pair's cadence (the longer of the two
  participants' cadences), counted from the last session held or scheduled, or from the pair's creation if
  it never met -> a DM to both; again to whoever has had none for a further stale_factor x cadence.
* **checkin_reminder**: a check-in still unanswered reminder_delay after it was sent -> one reminder, ever,
  per check-in; a check-in older than reminder_delay + reminder_window is left alone.
* **No repeats**: never the same nudge (kind, recipient, subject) twice, and never the same kind about the
  same pair to the same person within repeat_window (7 days). The window is per pair so that an admin
  hears about every pair at risk, not one pair a week; a suppressed nudge is decided again on a later scan.
* **Quiet hours**: a nudge due before quiet_end_hour, from quiet_start_hour, or on a weekend in the
  recipient's time zone (IANA name, else their fixed UTC offset) moves to their next weekday at
  quiet_end_hour local time (wall-clock, so DST-safe).
* Paused or departed participants are not nudged; a pair with a paused member is not stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storage.vocabulary import NudgeKind

SENIOR_CANCELLING = NudgeKind.SENIOR_CANCELLING
ESCALATION = NudgeKind.ESCALATION
STALE_PAIR = NudgeKind.STALE_PAIR
CHECKIN_REMINDER = NudgeKind.CHECKIN_REMINDER
KINDS = (SENIOR_CANCELLING, ESCALATION, STALE_PAIR, CHECKIN_REMINDER)

HELD = "held"
SENIOR_CANCELLED = "senior_cancelled"
JUNIOR_CANCELLED = "junior_cancelled"
RESCHEDULED = "rescheduled"
OUTCOMES = (HELD, SENIOR_CANCELLED, JUNIOR_CANCELLED, RESCHEDULED)

SUBJECT_LIMIT = 120  # nudge_log.subject_key


def outcome_of(state: str, cancelled_by: str | None) -> str | None:
    """A stored session's outcome in these rules' words; None while it is still only scheduled."""
    if state == "cancelled":
        return SENIOR_CANCELLED if cancelled_by == "senior" else JUNIOR_CANCELLED
    if state in (HELD, RESCHEDULED):
        return state
    return None


@dataclass(frozen=True)
class Thresholds:
    """A programme's nudge settings (Programme columns), with the defaults in docs/nudges.md."""

    cancel_n: int = 2
    cancel_m: int = 3
    stale_factor: float = 1.5
    reminder_delay: timedelta = timedelta(hours=48)
    reminder_window: timedelta = timedelta(days=5)
    repeat_window: timedelta = timedelta(days=7)
    quiet_start_hour: int = 20
    quiet_end_hour: int = 8


@lru_cache(maxsize=1024)
def zone_for(tz: str | None, tz_offset_seconds: int = 0) -> tzinfo:
    """The IANA zone when Slack gave a valid one, else the fixed offset Slack also gives."""
    if tz:
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return timezone(timedelta(seconds=tz_offset_seconds)) if tz_offset_seconds else UTC


@dataclass(frozen=True)
class Member:
    """Someone who may be nudged, and where they are."""

    user_id: str
    tz: str | None = None
    tz_offset_seconds: int = 0
    active: bool = True  # paused or left: not nudged

    @property
    def zone(self) -> tzinfo:
        return zone_for(self.tz, self.tz_offset_seconds)


@dataclass(frozen=True)
class PastSession:
    session_id: int
    scheduled_at: datetime
    outcome: str  # one of OUTCOMES


@dataclass(frozen=True)
class PairHistory:
    pair_id: int
    senior: Member  # the mentee
    junior: Member  # the mentor, who leads
    created_at: datetime
    cadence_days: int
    recent: tuple[PastSession, ...] = ()  # the last M sessions with an outcome, oldest first
    last_session_at: datetime | None = None  # latest session held or still scheduled (may be ahead)


@dataclass(frozen=True)
class PreviousNudge:
    kind: str
    recipient_user_id: str
    pair_id: int | None
    subject_key: str
    due_at: datetime
    created_at: datetime


@dataclass(frozen=True)
class OpenCheckIn:
    """A check-in nobody has answered yet, and who it belongs to."""

    check_in_id: int
    pair_id: int
    recipient: Member
    sent_at: datetime


@dataclass(frozen=True)
class Nudge:
    kind: str
    recipient_user_id: str
    pair_id: int
    subject_key: str
    due_at: datetime
    reason: str = field(default="", compare=False)


# Quiet hours -----------------------------------------------------------------------------------------


def is_quiet(local: datetime, thresholds: Thresholds) -> bool:
    """Weekend, or outside the working day, in the local time given."""
    if local.weekday() >= 5:
        return True
    start, end, hour = thresholds.quiet_start_hour, thresholds.quiet_end_hour, local.hour
    if start > end:  # the usual evening-to-morning span, e.g. 20:00-08:00
        return hour >= start or hour < end
    return start <= hour < end  # a span within one day; start == end means no quiet hours


def working_time(moment: datetime, zone: tzinfo, thresholds: Thresholds) -> datetime:
    """`moment` if it is outside quiet hours for someone in `zone`, else their next weekday at quiet_end_hour."""
    local = moment.astimezone(zone)
    if not is_quiet(local, thresholds):
        return moment
    for days_ahead in range(8):
        day = local.date() + timedelta(days=days_ahead)
        if day.weekday() >= 5:
            continue
        # Built from the wall clock, so 08:00 stays 08:00 across a DST change.
        candidate = datetime.combine(day, time(thresholds.quiet_end_hour), tzinfo=zone)
        if candidate > local:
            return candidate.astimezone(UTC)
    raise AssertionError("a weekday morning always comes within a week")  # pragma: no cover


def _nudge(kind: str, member: Member, pair_id: int, subject: str, now: datetime, reason: str, t: Thresholds) -> Nudge:
    return Nudge(kind, member.user_id, pair_id, subject[:SUBJECT_LIMIT], working_time(now, member.zone, t), reason)


# Cancellations --------------------------------------------------------------------------------------


def sessions_subject(pair_id: int, session_ids: Iterable[int]) -> str:
    """`pair:7:sessions:31,35`: the cancellations a nudge is about. When too long for the column, the
    newest ids are kept (the oldest leave the last-M window first anyway)."""
    ids = sorted(set(session_ids))
    subject = f"pair:{pair_id}:sessions:{','.join(map(str, ids))}"
    while len(subject) > SUBJECT_LIMIT and len(ids) > 1:
        ids = ids[1:]
        subject = f"pair:{pair_id}:sessions:{','.join(map(str, ids))}"
    return subject


def session_ids_in(subject_key: str) -> set[int]:
    _, _, tail = subject_key.partition(":sessions:")
    return {int(part) for part in tail.split(",") if part.isdigit()}


def senior_cancellations(recent: Sequence[PastSession], m: int) -> list[PastSession]:
    return [s for s in recent[-m:] if s.outcome == SENIOR_CANCELLED] if m > 0 else []


def cancellation_nudges(
    history: PairHistory,
    previous: Iterable[PreviousNudge],
    admins: Sequence[Member],
    thresholds: Thresholds,
    now: datetime,
) -> list[Nudge]:
    """senior_cancelling to the senior, or escalation to every admin (never to either member of the pair)."""
    t = thresholds
    window = history.recent[-t.cancel_m :] if t.cancel_m > 0 else ()
    cancelled = senior_cancellations(history.recent, t.cancel_m)
    if len(cancelled) < t.cancel_n:
        return []
    about_pair = [p for p in previous if p.pair_id == history.pair_id and p.kind in (SENIOR_CANCELLING, ESCALATION)]
    acted_on: set[int] = set()
    for earlier in about_pair:
        acted_on |= session_ids_in(earlier.subject_key)
    fresh = [s.session_id for s in cancelled if s.session_id not in acted_on]
    if not fresh:
        return []
    pattern = f"the senior cancelled {len(cancelled)} of the last {len(window)} sessions"
    last_nudge = max((p for p in about_pair if p.kind == SENIOR_CANCELLING), key=lambda p: p.created_at, default=None)
    escalated = last_nudge is not None and any(
        p.kind == ESCALATION and p.created_at >= last_nudge.created_at for p in about_pair
    )
    if last_nudge is not None and not escalated:
        if last_nudge.due_at > now:
            return []  # the senior has not had the nudge yet
        subject = sessions_subject(history.pair_id, fresh)
        reason = f"{pattern}, again after a nudge on {last_nudge.due_at:%Y-%m-%d}"
        pair_members = {history.senior.user_id, history.junior.user_id}
        return [
            _nudge(ESCALATION, admin, history.pair_id, subject, now, reason, t)
            for admin in admins
            if admin.user_id not in pair_members
        ]
    if len(fresh) < t.cancel_n or not history.senior.active:
        return []
    return [
        _nudge(
            SENIOR_CANCELLING,
            history.senior,
            history.pair_id,
            sessions_subject(history.pair_id, fresh),
            now,
            pattern,
            t,
        )
    ]


# Stale pairs -----------------------------------------------------------------------------------------


def stale_period(history: PairHistory, thresholds: Thresholds) -> timedelta:
    return timedelta(days=thresholds.stale_factor * history.cadence_days)


def stale_nudges(
    history: PairHistory, previous: Iterable[PreviousNudge], thresholds: Thresholds, now: datetime
) -> list[Nudge]:
    """Both members of a pair idle for a stale period, each unless already nudged about it within the last
    stale period of this idle stretch (so: once when it goes stale, again each further period)."""
    if not (history.senior.active and history.junior.active):
        return []
    anchor = history.last_session_at or history.created_at
    period = stale_period(history, thresholds)
    idle = now - anchor
    if period <= timedelta(0) or idle < period:
        return []
    since = "your last session" if history.last_session_at else "you were matched"
    reason = f"no session for {idle.days} days since {since} (cadence {history.cadence_days} days)"
    nudges = []
    for member in (history.junior, history.senior):
        given = [
            p.created_at
            for p in previous
            if p.kind == STALE_PAIR and p.pair_id == history.pair_id and p.recipient_user_id == member.user_id
        ]
        if any(when >= anchor and now - when < period for when in given):
            continue  # nudged about this stretch less than a period ago
        count = 1 + sum(1 for when in given if when >= anchor)
        subject = f"pair:{history.pair_id}:idle-since:{anchor:%Y-%m-%dT%H:%M}:{count}"
        nudges.append(_nudge(STALE_PAIR, member, history.pair_id, subject, now, reason, thresholds))
    return nudges


# Check-in reminders ------------------------------------------------------------------------------------


def checkin_subject(check_in_id: int) -> str:
    return f"checkin:{check_in_id}"


def checkin_reminders(check_ins: Iterable[OpenCheckIn], thresholds: Thresholds, now: datetime) -> list[Nudge]:
    """Newest first, so that when the repeat window allows only one, it is about the latest session."""
    t = thresholds
    nudges = []
    for check_in in sorted(check_ins, key=lambda c: (c.sent_at, c.check_in_id), reverse=True):
        age = now - check_in.sent_at
        if not check_in.recipient.active or age < t.reminder_delay or age > t.reminder_delay + t.reminder_window:
            continue
        reason = f"check-in unanswered for {int(age.total_seconds() // 3600)} hours"
        subject = checkin_subject(check_in.check_in_id)
        nudges.append(_nudge(CHECKIN_REMINDER, check_in.recipient, check_in.pair_id, subject, now, reason, t))
    return nudges


# No repeats ------------------------------------------------------------------------------------------------


def without_repeats(candidates: Iterable[Nudge], previous: Iterable[PreviousNudge], window: timedelta) -> list[Nudge]:
    """Drop a nudge already given (same kind, recipient and subject, ever) and one of the same kind about the
    same pair to the same person within `window` of another (earlier candidates in this list count too)."""
    ever = set()
    given: dict[tuple[str, str, int | None], list[datetime]] = {}
    for p in previous:
        ever.add((p.kind, p.recipient_user_id, p.subject_key))
        given.setdefault((p.kind, p.recipient_user_id, p.pair_id), []).append(p.due_at)
    kept = []
    for nudge in candidates:
        if (nudge.kind, nudge.recipient_user_id, nudge.subject_key) in ever:
            continue
        times = given.setdefault((nudge.kind, nudge.recipient_user_id, nudge.pair_id), [])
        if any(abs(nudge.due_at - when) < window for when in times):
            continue
        times.append(nudge.due_at)
        ever.add((nudge.kind, nudge.recipient_user_id, nudge.subject_key))
        kept.append(nudge)
    return kept


def decide_for_pair(
    history: PairHistory,
    previous: Sequence[PreviousNudge],
    admins: Sequence[Member],
    check_ins: Iterable[OpenCheckIn],
    thresholds: Thresholds,
    now: datetime,
) -> list[Nudge]:
    """Every nudge due about one pair now: `previous` holds the pair's earlier nudges (all cancellation
    nudges, and at least those within the repeat window)."""
    candidates = [
        *cancellation_nudges(history, previous, admins, thresholds, now),
        *stale_nudges(history, previous, thresholds, now),
        *checkin_reminders(check_ins, thresholds, now),
    ]
    return without_repeats(candidates, previous, thresholds.repeat_window)
