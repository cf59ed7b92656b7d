"""The digest's chart: sessions held vs cancelled per week, cancellations stacked by side, as PNG bytes.

It is posted in public, so it draws only stored published cells (`bot.digest.disclosure.PublishedWeek`): each
bar is a cell's published value (rounded to the nearest 5); a cell showing "fewer than 5" is not drawn and is
marked "<5" instead. Cancellations are stacked from their cells by side (senior, junior, side not recorded). No
names, ever: the chart only receives published cells.

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

from bot.digest.disclosure import Cell, PublishedWeek

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
HELD = "#009E73"
SENIOR = "#D55E00"
JUNIOR = "#0072B2"
SIDE_NOT_SHOWN = "#999999"
WIDTH = 0.38


def _label(week: PublishedWeek) -> str:
    return f"{week.week_start.day} {week.week_start:%b}"


@dataclass(frozen=True)
class Bars:
    """One week's bar heights: published cells, "fewer than 5" drawn as nothing."""

    held: int
    senior: int
    junior: int
    side_not_shown: int  # cancelled with no side recorded
    held_hidden: bool
    cancelled_hidden: bool  # some cancellation cell of the week shows "fewer than 5"


def bars(week: PublishedWeek) -> Bars:
    def shown(cell: Cell) -> int:
        return week.cells.get(cell) or 0

    def hidden(cell: Cell) -> bool:
        return cell in week.cells and week.cells[cell] is None

    cancelled = (Cell.CANCELLED_SENIOR, Cell.CANCELLED_JUNIOR, Cell.CANCELLED_NO_SIDE)
    return Bars(
        shown(Cell.HELD),
        shown(Cell.CANCELLED_SENIOR),
        shown(Cell.CANCELLED_JUNIOR),
        shown(Cell.CANCELLED_NO_SIDE),
        hidden(Cell.HELD),
        any(hidden(c) for c in cancelled),
    )


def render_chart(weeks: Sequence[PublishedWeek], title: str | None = None) -> bytes:
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
            right, other, WIDTH, bottom=bottom, color=SIDE_NOT_SHOWN, hatch="//", label="Cancelled, side not recorded"
        )

    top = max([*held, *(b.senior + b.junior + b.side_not_shown for b in shown)], default=0)
    axes.set_ylim(0, max(top * 1.2, 5))
    for x, b in zip(positions, shown, strict=True):
        for hidden, at in ((b.held_hidden, x - WIDTH / 2), (b.cancelled_hidden, x + WIDTH / 2)):
            if hidden:
                axes.annotate("<5", (at, 0), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=8)

    axes.set_title(title or f"Sessions held and cancelled, last {len(weeks)} weeks", fontsize=13, loc="left")
    axes.set_ylabel("Sessions")
    axes.set_xlabel("Week starting   (counts rounded to the nearest 5; <5: fewer than 5 people, not drawn)", fontsize=9)
    axes.set_xticks(positions, [_label(w) for w in weeks], fontsize=8)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    figure.legend(frameon=False, fontsize=9, loc="outside lower center", ncols=4)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
