"""The evaluation exports (docs/privacy.md): the shareable one, and the admins' exact one.

* **Shareable** (`shareable_export`): one row per closed programme week, one column per published cell, the
  values exactly as stored in `published_cells` (rounded to 5, "fewer than 5", or 0): nothing the channel has
  not already been shown, so it can be passed on. No pair rows: a pair is two people.
* **Exact, admins only** (`exact_export`): its file name and its first row say so. Per calendar week (Monday
  00:00 UTC; sessions in the week scheduled, answers in the week given) the live exact counts, and one row
  per pair under a pseudonym drawn at random for this export (so `P001` is not the first row of
  `/reverse-mentor pairs`, nor the same pair in the next export) with rows in pseudonym order.

No Slack ids, no names, no typed text (actions, ground rules) ever; every cell is a number, a date, a
pseudonym or "fewer than 5", so nothing can be read by a spreadsheet as a formula.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.digest.cells import public_view
from bot.digest.disclosure import Cell, cell_text
from storage.db import Database
from storage.queries import digest as queries
from storage.queries.digest import AnswerTotals, WeekSessions

COLUMNS = [
    "kind",
    "week_start",
    "pair",
    "sessions_held",
    "cancelled_by_senior",
    "cancelled_by_junior",
    "rescheduled",
    "mean_rating",
    "ratings",
    "two_way_yes",
    "two_way_partly",
    "two_way_no",
    "actions_recorded",
]
WEEK = timedelta(days=7)


def _monday(moment: datetime) -> datetime:
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def _week_row(start: datetime, s: WeekSessions | None, a: AnswerTotals | None) -> list[object]:
    s = s or WeekSessions(0, 0, 0, 0, 0, 0, 0, 0, 0)
    a = a or AnswerTotals()
    mean = round(a.rating_sum / a.ratings, 2) if a.ratings else ""
    return [
        "week",
        start.date().isoformat(),
        "",
        s.held,
        s.cancelled_by_senior,
        s.cancelled_by_junior,
        s.rescheduled,
        mean,
        a.ratings,
        a.two_way_yes,
        a.two_way_partly,
        a.two_way_no,
        a.actions_recorded,
    ]


EXACT_FIRST_ROW = "ADMINS ONLY: exact figures, not rounded, nothing hidden. Do not share; share the other export."
SHAREABLE_COLUMNS = ["week_start", *(c.value for c in Cell)]


@dataclass(frozen=True)
class Export:
    filename: str
    text: str


def shareable_export(db: Database, programme_id: int, now: datetime) -> Export:
    """Every closed week's published cells, as stored: what the channel has been shown, nothing more."""
    view = public_view(db, programme_id, now)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(SHAREABLE_COLUMNS)
    for week in view.weeks:
        writer.writerow([week.week_start.date().isoformat(), *(cell_text(week.cells.get(c)) for c in Cell)])
    return Export(f"reverse-mentoring-published-{now:%Y-%m-%d}.csv", out.getvalue())


def exact_export(db: Database, programme_id: int, now: datetime) -> Export:
    """The admins' exact export: its name and first row say so."""
    text = f"{EXACT_FIRST_ROW}\r\n" + export_csv(db, programme_id, now)
    return Export(f"reverse-mentoring-EXACT-admins-only-{now:%Y-%m-%d}.csv", text)


def export_csv(db: Database, programme_id: int, now: datetime) -> str:
    """The programme's exact aggregates up to `now` as CSV text (admins only: see `exact_export`)."""
    with db.unit_of_work() as session:
        programme = queries.programme(session, programme_id)
        if programme is None:
            raise LookupError(f"no programme with id {programme_id}")
        scope = queries.scope_of(session, programme)
        first = queries.first_activity(session, scope, now)
        start = _monday(first) if first is not None else None
        weeks = queries.sessions_by_week(session, scope, start, now) if start else []
        answers = queries.answers_by_week(session, scope, start, now) if start else []
        pairs = queries.sessions_by_pair(session, scope, now)

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    if start is not None:
        by_week = {w.week: w for w in weeks}
        answers_by_week = {w.week: w.answers for w in answers}
        count = (now - start) // WEEK + 1
        for index in range(count):
            week_start = start + index * WEEK
            if week_start >= now:
                break
            writer.writerow(_week_row(week_start, by_week.get(index), answers_by_week.get(index)))
    width = max(3, len(str(len(pairs))))
    numbers = random.SystemRandom().sample(range(1, len(pairs) + 1), len(pairs))  # fresh for every export
    for number, pair in sorted(zip(numbers, pairs, strict=True), key=lambda numbered: numbered[0]):
        writer.writerow(
            [
                "pair",
                "",
                f"P{number:0{width}d}",
                pair.held,
                pair.cancelled_by_senior,
                pair.cancelled_by_junior,
                pair.rescheduled,
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        )
    return out.getvalue()
