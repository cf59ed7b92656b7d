"""Disclosure control: the one place that decides what the public may learn from the programme's data.

**The rule** (docs/privacy.md, "What the digest publishes" in the README). The public sees only *cells*: one
count per finest breakdown (`Cell`) per fixed calendar week of the programme (Monday 00:00 to Monday 00:00 in
its time zone). A week's cells are computed once, when the week has closed, stored (`published_cells`) and never
revised: later answers, changed answers and erasures reach the admins' exact copy only. A cell is published
(`publish`) only when at least 5 distinct people contribute to it, and then rounded to the nearest 5; else it
shows "fewer than 5" (a true zero shows 0). Every other public number (to-date totals, the chart's bars,
shares, the rating bands) is arithmetic on stored published cells (`Total`, `PublicView`), "fewer than 5"
counted as 0 and the result labelled "at least". No total is computed independently from live data, so no two
public numbers can be subtracted to recover a hidden one.

The admins' copy (`Figure`, `DigestFigures`, computed live by `bot.digest.figures`) is exact and says so; it
never reaches the channel. Plain values and rules with no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

MIN_GROUP = 5
ROUND_TO = 5


SUPPRESSED = "fewer than 5"
HIDDEN_SUM = "at least 1 (each count fewer than 5)"  # several hidden cells: their sum may be 5 or more


class Cell(StrEnum):
    """The finest breakdowns the public sees, one count per programme week each. Sessions count in the week
    they were scheduled, answers in the week they were given, people in the week they joined or left."""

    HELD = "held"  # sessions held; contributors: the people of the pairs that held them
    PAIRS_MET = "pairs_met"  # pairs with a session held; contributors: their people
    CANCELLED_SENIOR = "cancelled_senior"  # sessions the senior side cancelled
    CANCELLED_JUNIOR = "cancelled_junior"
    CANCELLED_NO_SIDE = "cancelled_no_side"  # cancelled with no side recorded
    RESCHEDULED = "rescheduled"
    RATED_1_3 = "rated_1_3"  # ratings of 1, 2 or 3 (bands, never a mean: a mean moves with one rating)
    RATED_4_5 = "rated_4_5"  # ratings of 4 or 5
    TWO_WAY_YES = "two_way_yes"  # juniors' answers: did the session stay two-way
    TWO_WAY_PARTLY = "two_way_partly"
    TWO_WAY_NO = "two_way_no"
    ACTIONS = "actions"  # seniors' check-ins recording an action
    JOINED = "joined"  # people who joined
    PAIRS_FORMED = "pairs_formed"
    SURVEY_AGAIN_YES = "survey_again_yes"  # closing surveys answered: would take part again
    SURVEY_AGAIN_NOT_YES = "survey_again_not_yes"  # answered, anything else
    FOLLOW_UP_DONE = "follow_up_done"  # action follow-up answers
    FOLLOW_UP_IN_PROGRESS = "follow_up_in_progress"
    FOLLOW_UP_DROPPED = "follow_up_dropped"


# Cells where each contributor adds at most one to the count: "fewer than 5" then also bounds the count.
ONE_EACH = frozenset({Cell.JOINED, Cell.SURVEY_AGAIN_YES, Cell.SURVEY_AGAIN_NOT_YES})

# Not cells, though the admins' copy has them: people who left, and closing surveys sent. Each is bounded by
# another cell over time (nobody leaves before joining, nobody answers a survey not sent), so two of their
# "fewer than 5" would prove the other side's hidden count was at least 2 (the attacker test found this).


def publish(count: int, people: int) -> int | None:
    """The rule for one cell: None ("fewer than 5") when 1 to 4 people contribute, else the count rounded to
    the nearest 5 (a count of 0 has nobody behind it and shows 0)."""
    if count == 0:
        return 0
    if people < MIN_GROUP:
        return None
    return (count + ROUND_TO // 2) // ROUND_TO * ROUND_TO


@dataclass(frozen=True)
class Tally:
    """A cell's exact count and the distinct people behind it, before the rule (never shown in public)."""

    count: int = 0
    people: frozenset[object] = frozenset()


def tally(contributions: Iterable[tuple[Cell, object, Iterable[object]]]) -> dict[Cell, Tally]:
    """Exact tallies from (cell, what is counted, who contributes) triples: each distinct counted thing adds one
    (a pair that met twice counts once in PAIRS_MET), each contributor is counted once per cell."""
    things: dict[Cell, set[object]] = {c: set() for c in Cell}
    people: dict[Cell, set[object]] = {c: set() for c in Cell}
    for cell, thing, who in contributions:
        things[cell].add(thing)
        people[cell].update(who)
    return {c: Tally(len(things[c]), frozenset(people[c])) for c in Cell}


def publish_week(tallies: Mapping[Cell, Tally]) -> dict[Cell, int | None]:
    """A closed week's published cells: every cell, zeros included, so the stored week is complete."""
    return {c: publish(tallies.get(c, Tally()).count, len(tallies.get(c, Tally()).people)) for c in Cell}


@dataclass(frozen=True)
class PublishedWeek:
    """One closed week as stored: the only thing public numbers are computed from."""

    week_start: datetime  # UTC moment of the programme's local Monday 00:00
    cells: Mapping[Cell, int | None]

    def text(self, cell: Cell) -> str:
        return cell_text(self.cells.get(cell))


def cell_text(value: int | None) -> str:
    return SUPPRESSED if value is None else f"{value:,}"


@dataclass(frozen=True)
class Total:
    """Arithmetic on published cells: the sum of the shown values, "fewer than 5" counted as 0; `at_least` when
    any cell in it was "fewer than 5"; `hidden` when every non-zero cell in it was."""

    value: int
    at_least: bool
    terms: tuple[tuple[datetime, Cell], ...] = field(default=(), compare=False)
    hidden_terms: int = 0  # how many of the cells show "fewer than 5"

    @property
    def hidden(self) -> bool:
        return self.value == 0 and self.at_least

    def text(self) -> str:
        if self.hidden:  # several hidden cells may add up to 5 or more: only "at least 1" is known
            return SUPPRESSED if self.hidden_terms <= 1 else HIDDEN_SUM
        return f"at least {self.value:,}" if self.at_least else f"{self.value:,}"


def total(weeks: Sequence[PublishedWeek], cells: Iterable[Cell]) -> Total:
    """The sum of `cells` over `weeks`, from their stored published values only."""
    wanted = tuple(cells)
    value, hidden, terms = 0, 0, []
    for week in weeks:
        for cell in wanted:
            shown = week.cells.get(cell, 0)
            terms.append((week.week_start, cell))
            if shown is None:
                hidden += 1
            else:
                value += shown
    return Total(value, hidden > 0, tuple(terms), hidden)


CANCELLED = (Cell.CANCELLED_SENIOR, Cell.CANCELLED_JUNIOR, Cell.CANCELLED_NO_SIDE)
TWO_WAY = (Cell.TWO_WAY_YES, Cell.TWO_WAY_PARTLY, Cell.TWO_WAY_NO)
RATINGS = (Cell.RATED_4_5, Cell.RATED_1_3)
SURVEY_ANSWERS = (Cell.SURVEY_AGAIN_YES, Cell.SURVEY_AGAIN_NOT_YES)
FOLLOW_UPS = (Cell.FOLLOW_UP_DONE, Cell.FOLLOW_UP_IN_PROGRESS, Cell.FOLLOW_UP_DROPPED)


def shares(parts: Sequence[Total]) -> list[str]:
    """Each part's share of their sum, all from published cells: "–" when nothing is shown; a share beside a
    hidden part is "at most" (the hidden part may be above 0), a hidden part's own share is not given."""
    whole = sum(p.value for p in parts)
    unsure = any(p.at_least for p in parts)
    out = []
    for part in parts:
        if not whole or part.hidden:
            out.append("–" if not part.at_least else SUPPRESSED)
            continue
        share = f"{round(100 * part.value / whole)}%"
        out.append(f"{share} at most" if unsure else share)
    return out


@dataclass(frozen=True)
class PublicView:
    """Everything the public may be shown at a moment: the last closed week, the one before it, the weeks so
    far and the chart's last weeks, all stored published cells; numbers built from them by `total`."""

    programme_name: str
    now: datetime
    weeks: tuple[PublishedWeek, ...]  # every closed week, oldest first
    chart_weeks: int = 12

    @property
    def last(self) -> PublishedWeek | None:
        return self.weeks[-1] if self.weeks else None

    @property
    def before_last(self) -> PublishedWeek | None:
        return self.weeks[-2] if len(self.weeks) > 1 else None

    @property
    def chart(self) -> tuple[PublishedWeek, ...]:
        return self.weeks[-self.chart_weeks :]

    def week(self, cells: Iterable[Cell], which: PublishedWeek | None = None) -> Total:
        chosen = which if which is not None else self.last
        return total([chosen] if chosen else [], cells)

    def to_date(self, cells: Iterable[Cell]) -> Total:
        return total(self.weeks, cells)


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


EXACT = 10**9  # the group size an admins' exact figure carries: the rule never hides it


def exact(figures: DigestFigures) -> DigestFigures:
    """The admins' copy: every figure as it is, not rounded, nothing hidden (it never reaches the channel)."""

    def open_(activity: Activity) -> Activity:
        return Activity(*(Figure(getattr(activity, f).value, EXACT) for f in activity.__dataclass_fields__))

    changes: dict[str, object] = {}
    for name in figures.__dataclass_fields__:
        value = getattr(figures, name)
        if isinstance(value, Figure):
            changes[name] = Figure(value.value, EXACT)
        elif isinstance(value, Activity):
            changes[name] = open_(value)
    return replace(figures, **changes)  # type: ignore[arg-type]


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
