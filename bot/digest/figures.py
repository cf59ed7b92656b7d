"""Programme health for the digest (docs/privacy.md): the figures, the fewer-than-5 rule, the headline.

For a period (by default the 7 days ending at `now`), the period before it and the programme to date:
active pairs, pairs that met, sessions held / cancelled / rescheduled with the trend, the cancellation share
by side, pairs at risk, mean rating, two-way signals, actions recorded, joiners and leavers, and retention.
Every figure is aggregated in SQL (`storage/queries/digest.py`); this module turns the sums into figures
and decides what the public may see.

**The fewer-than-5 rule** lives in `suppress` and nowhere else: every figure carries the number of people it
describes (`Figure.people`), and anything describing fewer than 5 people shows as "fewer than 5" in public:
a count of sessions describes the people of the pairs that had them; a mean rating, its raters; the two-way
shares, the juniors who answered; the split of cancellations by side, the cancellations themselves or the
people of the cancelling pairs, whichever is fewer; retention, everyone who ever joined. A figure about
nobody (a zero) is shown: it describes no one. The rule is per figure; it does not hunt for figures that
could be subtracted from each other.

Pairs at risk are active pairs where the senior cancelled at least N of their last M sessions with an
outcome (the programme's nudge thresholds, 2 of 3 by default), or with no session held or scheduled for
stale_factor x the pair's cadence (the longer of the two members' own; 1.5 x 21 days by default), both
members active: exactly the pairs the nudge scan would call stale.
The public sees their number; admins see who they are (`Digest.at_risk`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import Programme, utcnow
from storage.queries import digest as queries
from storage.queries.digest import AnswerTotals, SessionTotals, Window

MIN_GROUP = 5
SUPPRESSED = "fewer than 5"
WEEK = timedelta(days=7)

T = TypeVar("T")


def suppress(value: T, group_size: int) -> T | str:
    """The fewer-than-5 rule: `value` when the group it describes has at least 5 people (or nobody at all),
    else "fewer than 5". Every public figure, breakdown and export cell passes through here."""
    if 0 < group_size < MIN_GROUP:
        return SUPPRESSED
    return value


@dataclass(frozen=True)
class Figure:
    """A number and how many people it describes.

    `people` is exact below 5. From 5 up it is exact for the period and the one before it; over the whole
    history and for a week of the chart it is 5, meaning "5 or more": those queries stop counting at the
    fifth person, which is all the rule needs to know."""

    value: int | float | None
    people: int

    @property
    def public(self) -> int | float | str | None:
        return suppress(self.value, self.people)

    @property
    def shown(self) -> bool:
        """True when the public may see an actual number."""
        return self.value is not None and self.public != SUPPRESSED


def part_of(part: int, whole: int) -> Figure:
    """A part shown beside its whole ("38 of 40"): the rest is then known too, so the figure is only public
    when the rest is nobody or 5 people or more (as well as the part)."""
    rest = whole - part
    return Figure(part, min(part, rest) if rest else part)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Activity:
    """What happened in one window: sessions by state and check-in answers."""

    held: Figure
    pairs_met: Figure  # pairs with at least one session held
    cancelled: Figure
    rescheduled: Figure
    cancelled_by_senior: Figure  # counts behind the split; the split's group size
    cancelled_by_junior: Figure
    senior_share: Figure  # of cancellations, 0..1
    junior_share: Figure
    mean_rating: Figure  # 1..5, both sides' ratings
    ratings: Figure
    two_way_answers: Figure  # junior check-ins answering the two-way question
    two_way_yes: Figure  # share of those answers, 0..1
    two_way_partly: Figure
    two_way_no: Figure
    actions_recorded: Figure  # senior check-ins with a non-empty action

    @classmethod
    def of(cls, sessions: SessionTotals, answers: AnswerTotals) -> Activity:
        split_group = min(sessions.cancelled, sessions.cancelled_people)
        two_way = answers.two_way_yes + answers.two_way_partly + answers.two_way_no
        mean = answers.rating_sum / answers.ratings if answers.ratings else None
        return cls(
            held=Figure(sessions.held, sessions.held_people),
            pairs_met=Figure(sessions.held_pairs, sessions.held_people),
            cancelled=Figure(sessions.cancelled, sessions.cancelled_people),
            rescheduled=Figure(sessions.rescheduled, sessions.rescheduled_people),
            cancelled_by_senior=Figure(sessions.cancelled_by_senior, split_group),
            cancelled_by_junior=Figure(sessions.cancelled_by_junior, split_group),
            senior_share=Figure(_share(sessions.cancelled_by_senior, sessions.cancelled), split_group),
            junior_share=Figure(_share(sessions.cancelled_by_junior, sessions.cancelled), split_group),
            mean_rating=Figure(mean, answers.raters),
            ratings=Figure(answers.ratings, answers.raters),
            two_way_answers=Figure(two_way, answers.two_way_people),
            two_way_yes=Figure(_share(answers.two_way_yes, two_way), answers.two_way_people),
            two_way_partly=Figure(_share(answers.two_way_partly, two_way), answers.two_way_people),
            two_way_no=Figure(_share(answers.two_way_no, two_way), answers.two_way_people),
            actions_recorded=Figure(answers.actions_recorded, answers.action_people),
        )


@dataclass(frozen=True)
class DigestFigures:
    """Programme health at `now`: the period, the period before it (for trends), the programme to date."""

    programme_id: int
    programme_name: str
    now: datetime
    period_start: datetime
    period_days: int
    active_pairs: Figure
    pairs_formed: Figure  # every pair made to date
    pairs_at_risk: Figure
    this_period: Activity
    previous_period: Activity
    to_date: Activity
    joiners: Figure  # joined in the period
    leavers: Figure  # left in the period
    participants: Figure  # everyone who ever joined
    still_in_programme: Figure  # not left; people = everyone who ever joined
    still_in_workspace: Figure  # Slack account not deactivated; people = everyone who ever joined

    @property
    def period_words(self) -> str:
        return "this week" if self.period_days == 7 else f"in the last {self.period_days} days"


@dataclass(frozen=True)
class AtRiskPair:
    """An at-risk pair for the admins' digest: who (Slack ids) and why."""

    pair_id: int
    mentor_user_id: str  # the junior
    mentee_user_id: str  # the senior
    reason: str


@dataclass(frozen=True)
class WeekCounts:
    """One week of the chart: [week_start, week_start + 7 days)."""

    week_start: datetime
    held: int
    held_people: int
    cancelled_by_senior: int
    cancelled_by_junior: int
    cancelled: int  # by either side, or with no side recorded
    cancelled_people: int


@dataclass(frozen=True)
class Digest:
    figures: DigestFigures
    at_risk: list[AtRiskPair]  # admins only
    weeks: list[WeekCounts]


def trend(current: Figure, previous: Figure) -> int | float | None:
    """The change on the previous period, only when both numbers may be shown."""
    if not (current.shown and previous.shown):
        return None
    assert current.value is not None and previous.value is not None
    return current.value - previous.value


# --- computing ----------------------------------------------------------------------------------------------


def _aware(now: datetime | None) -> datetime:
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    return now


def _days(delta: timedelta) -> int:
    return max(1, round(delta.total_seconds() / 86400))


def _reason(row: queries.AtRiskRow, now: datetime) -> str:
    reasons = []
    if row.cancelling:
        reasons.append(f"the senior cancelled {row.senior_cancels} of the last {row.recent} sessions")
    if row.idle:
        if row.last_met_at is None:
            reasons.append(f"no session since they were paired {_days(now - row.created_at)} days ago")
        else:
            reasons.append(f"no session held or scheduled for {_days(now - row.last_met_at)} days")
    return "; ".join(reasons)


def _at_risk(session: Session, programme: Programme, now: datetime) -> list[queries.AtRiskRow]:
    return queries.at_risk_pairs(
        session,
        queries.scope_of(session, programme),
        now,
        cancel_n=programme.nudge_cancel_n,
        cancel_m=programme.nudge_cancel_m,
        stale_factor=programme.stale_factor,
    )


def _figures(
    session: Session,
    programme: Programme,
    now: datetime,
    period: timedelta,
    deleted_user_ids: set[str] | frozenset[str],
    at_risk: list[queries.AtRiskRow],
) -> DigestFigures:
    start = now - period
    scope = queries.scope_of(session, programme)
    windows = {"period": Window(start, now), "previous": Window(start - period, start)}
    sessions = queries.sessions_in_windows(session, scope, windows)
    answers = queries.answers_in_windows(session, scope, windows)
    sessions["to_date"] = queries.sessions_to_date(session, scope, now, MIN_GROUP)
    answers["to_date"] = queries.answers_to_date(session, scope, now, MIN_GROUP)
    pairs = queries.pair_totals(session, programme.id, now)
    members = queries.membership(session, programme, windows["period"], deleted_user_ids)
    at_risk_people = len({r.mentor_user_id for r in at_risk}) + len({r.mentee_user_id for r in at_risk})
    activity = {name: Activity.of(sessions[name], answers[name]) for name in ("period", "previous", "to_date")}
    everyone = members.participants
    return DigestFigures(
        programme_id=programme.id,
        programme_name=programme.name,
        now=now,
        period_start=start,
        period_days=_days(period),
        active_pairs=Figure(pairs.active, pairs.active_people),
        pairs_formed=Figure(pairs.formed, pairs.formed_people),
        pairs_at_risk=Figure(len(at_risk), at_risk_people),
        this_period=activity["period"],
        previous_period=activity["previous"],
        to_date=activity["to_date"],
        joiners=Figure(members.joiners, members.joiners),
        leavers=Figure(members.leavers, members.leavers),
        participants=Figure(everyone, everyone),
        still_in_programme=part_of(everyone - members.left, everyone),
        still_in_workspace=part_of(everyone - members.deleted, everyone),
    )


def _programme(session: Session, programme_id: int) -> Programme:
    programme = queries.programme(session, programme_id)
    if programme is None:
        raise LookupError(f"no programme with id {programme_id}")
    return programme


def at_risk_pairs(db: Database, programme_id: int, now: datetime | None = None) -> list[AtRiskPair]:
    """The at-risk pairs with both members' Slack ids and a reason, for admins only."""
    now = _aware(now)
    with db.unit_of_work() as session:
        rows = _at_risk(session, _programme(session, programme_id), now)
    return [AtRiskPair(r.pair_id, r.mentor_user_id, r.mentee_user_id, _reason(r, now)) for r in rows]


def _weekly_series(session: Session, programme_id: int, weeks: int, now: datetime) -> list[WeekCounts]:
    if weeks <= 0:
        return []
    start = now - weeks * WEEK
    scope = queries.scope_of(session, _programme(session, programme_id))
    found = {w.week: w for w in queries.sessions_by_week(session, scope, start, now, cap=MIN_GROUP)}
    series = []
    for index in range(weeks):
        w = found.get(index)
        week_start = start + index * WEEK
        if w is None:
            series.append(WeekCounts(week_start, 0, 0, 0, 0, 0, 0))
        else:
            series.append(
                WeekCounts(
                    week_start,
                    w.held,
                    w.held_people,
                    w.cancelled_by_senior,
                    w.cancelled_by_junior,
                    w.cancelled,
                    w.cancelled_people,
                )
            )
    return series


def prepare_digest(
    db: Database,
    programme_id: int,
    now: datetime | None = None,
    *,
    period: timedelta = WEEK,
    deleted_user_ids: set[str] | frozenset[str] = frozenset(),
    weeks: int = 12,
) -> Digest:
    """Everything a digest post needs, read in one transaction: figures, the at-risk pairs (admins only) and
    the weekly series for the chart."""
    now = _aware(now)
    with db.unit_of_work() as session:
        programme = _programme(session, programme_id)
        rows = _at_risk(session, programme, now)
        figures = _figures(session, programme, now, period, deleted_user_ids, rows)
        series = _weekly_series(session, programme_id, weeks, now)
    at_risk = [AtRiskPair(r.pair_id, r.mentor_user_id, r.mentee_user_id, _reason(r, now)) for r in rows]
    return Digest(figures, at_risk, series)


def participant_user_ids(db: Database, programme_id: int) -> list[str]:
    """Everyone who ever joined (Slack ids): the caller asks users.info which of them are `deleted`."""
    with db.unit_of_work() as session:
        return queries.participant_user_ids(session, programme_id)


# --- the headline -------------------------------------------------------------------------------------------


def _n(count: int | float | None, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def percent(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)}%"


def headline(f: DigestFigures) -> str:
    """One plain-language line: the most notable change, else a calm summary. In order of concern: the
    senior side's share of cancellations rising (the known way these programmes die), sessions held falling,
    cancellations rising, many pairs at risk; then good news (more sessions held); else the week's count.
    Every number in it obeys the fewer-than-5 rule."""
    when = f.period_words
    now, before = f.this_period, f.previous_period
    at_risk = f.pairs_at_risk
    risk = f": {_n(at_risk.value, 'pair')} at risk" if at_risk.shown and at_risk.value else ""

    rise = trend(now.senior_share, before.senior_share)
    if rise is not None and rise >= 0.10:
        return f"Senior cancellations rose to {percent(now.senior_share.value)} {when}{risk}"  # type: ignore[arg-type]

    held, held_before = now.held.value or 0, before.held.value or 0
    change = trend(now.held, before.held)
    if change is not None and held_before >= 4 and held <= 0.75 * held_before:
        return f"Sessions held fell to {held:,} {when}, from {held_before:,}{risk}"

    cancelled, cancelled_before = now.cancelled.value or 0, before.cancelled.value or 0
    rose = trend(now.cancelled, before.cancelled) is not None and cancelled - cancelled_before >= 3
    if rose and cancelled >= 1.5 * cancelled_before:
        return f"Cancellations rose to {cancelled:,} {when}, from {cancelled_before:,}{risk}"

    active = f.active_pairs
    if at_risk.shown and active.shown and at_risk.value and at_risk.value >= 0.2 * (active.value or 0):
        return f"{at_risk.value:,} of {active.value:,} active pairs are at risk of stalling"

    if change is not None and held_before >= 4 and held >= 1.25 * held_before:
        return f"Sessions held rose to {held:,} {when}, from {held_before:,}"

    if not held:
        if active.shown and active.value:
            return f"No sessions held {when}; {_n(active.value, 'pair')} active"
        return f"No sessions held {when}"
    if now.held.shown and now.pairs_met.shown:
        return f"{_n(held, 'session')} held {when} across {_n(now.pairs_met.value, 'pair')}"
    return f"A few sessions held {when}"
