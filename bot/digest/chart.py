"""The digest's chart: sessions held vs cancelled per week, cancellations stacked by side, as PNG bytes.

It is posted in public, so each bar obeys the fewer-than-5 rule (`bot.digest.disclosure.suppress`): a count that
describes fewer than 5 people is not drawn and is marked "<5" instead; when the cancellations of a week may
be shown but their split by side may not, they are drawn as one grey bar, side not shown. No names, ever:
the chart only receives counts.

Rendering uses matplotlib's object API on the Agg canvas, not pyplot: no global figure state, so it is safe
in a threaded server and needs no display.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.digest.disclosure import SUPPRESSED, suppress
from bot.digest.figures import WeekCounts

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
HELD = "#009E73"
SENIOR = "#D55E00"
JUNIOR = "#0072B2"
SIDE_NOT_SHOWN = "#999999"
WIDTH = 0.38


def _label(week: WeekCounts) -> str:
    return f"{week.week_start.day} {week.week_start:%b}"


@dataclass(frozen=True)
class Bars:
    """One week's bar heights as the public may see them."""

    held: int
    senior: int
    junior: int
    side_not_shown: int  # the split is suppressed, or no side was recorded
    held_hidden: bool
    cancelled_hidden: bool


def bars(week: WeekCounts) -> Bars:
    held_hidden = suppress(week.held, week.held_people) == SUPPRESSED
    held = 0 if held_hidden else week.held
    if suppress(week.cancelled, week.cancelled_people) == SUPPRESSED:
        return Bars(held, 0, 0, 0, held_hidden, cancelled_hidden=True)
    if suppress(week.cancelled_by_senior, min(week.cancelled, week.cancelled_people)) == SUPPRESSED:
        return Bars(held, 0, 0, week.cancelled, held_hidden, cancelled_hidden=False)
    unknown = week.cancelled - week.cancelled_by_senior - week.cancelled_by_junior
    return Bars(held, week.cancelled_by_senior, week.cancelled_by_junior, unknown, held_hidden, False)


def render_chart(weeks: Sequence[WeekCounts], title: str | None = None) -> bytes:
    """A PNG of the weeks given (oldest first)."""
    figure = Figure(figsize=(9, 4.6), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(weeks)))
    shown = [bars(w) for w in weeks]
    held = [b.held for b in shown]
    senior = [b.senior for b in shown]
    junior = [b.junior for b in shown]
    other = [b.side_not_shown for b in shown]

    left = [x - WIDTH / 2 for x in positions]
    right = [x + WIDTH / 2 for x in positions]
    axes.bar(left, held, WIDTH, color=HELD, label="Held")
    axes.bar(right, senior, WIDTH, color=SENIOR, label="Cancelled by the senior")
    axes.bar(right, junior, WIDTH, bottom=senior, color=JUNIOR, label="Cancelled by the junior")
    if any(other):
        bottom = [s + j for s, j in zip(senior, junior, strict=True)]
        axes.bar(
            right, other, WIDTH, bottom=bottom, color=SIDE_NOT_SHOWN, hatch="//", label="Cancelled, side not shown"
        )

    top = max([*held, *(b.senior + b.junior + b.side_not_shown for b in shown)], default=0)
    axes.set_ylim(0, max(top * 1.2, 5))
    for x, b in zip(positions, shown, strict=True):
        for hidden, at in ((b.held_hidden, x - WIDTH / 2), (b.cancelled_hidden, x + WIDTH / 2)):
            if hidden:
                axes.annotate("<5", (at, 0), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=8)

    axes.set_title(title or f"Sessions held and cancelled, last {len(weeks)} weeks", fontsize=13, loc="left")
    axes.set_ylabel("Sessions")
    axes.set_xlabel("Week starting   (<5: describes fewer than 5 people, so not shown)", fontsize=9)
    axes.set_xticks(positions, [_label(w) for w in weeks], fontsize=8)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    figure.legend(frameon=False, fontsize=9, loc="outside lower center", ncols=4)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
