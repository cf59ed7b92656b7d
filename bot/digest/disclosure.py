"""The digest's figures and what the public may see of them: every `Figure` carries the number of people it
describes, and the fewer-than-5 rule (`suppress`) decides what is shown; the trend and the headline obey it.

Plain values and rules with no I/O: `bot.digest.figures` computes these from storage, and the builders
(`bot.messages.digest`) and the chart show them. See `bot.digest.figures` for what each figure counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

MIN_GROUP = 5


SUPPRESSED = "fewer than 5"


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


def trend(current: Figure, previous: Figure) -> int | float | None:
    """The change on the previous period, only when both numbers may be shown."""
    if not (current.shown and previous.shown):
        return None
    assert current.value is not None and previous.value is not None
    return current.value - previous.value


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
        return f"Senior cancellations rose to {percent(now.senior_share.value)} {when}{risk}"

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
