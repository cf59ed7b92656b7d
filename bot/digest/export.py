"""The evaluation export (docs/privacy.md, what admins see): the programme's aggregates as CSV, per week and per pair.

One header row, then:

* **kind=week**: one row per calendar week (Monday 00:00 UTC to the next Monday; `week_start` is the Monday as
  YYYY-MM-DD), from the week of the programme's first session or check-in answer to the week holding `now`,
  empty weeks included so a spreadsheet can chart them. Sessions count in the week they were scheduled,
  answers in the week they were given (as in the digest).
* **kind=pair**: one row per pair of the programme made before `now`, under a pseudonym (`P001`, `P002`, ...
  given in pair-id order, stable within one export and kept nowhere): sessions held, cancelled by each side,
  rescheduled, over the pair's whole life.

No Slack ids, no names, no typed text (actions, ground rules) ever; every cell is a number, a date, a
pseudonym or "fewer than 5", so nothing can be read by a spreadsheet as a formula.

**The fewer-than-5 rule** (`bot.digest.disclosure.suppress`, the digest's one rule) applies to every week cell with the
group that cell describes: session counts with the people of the pairs that had them, the mean rating and the
number of ratings with the week's raters, the two-way counts with the juniors who answered, actions with the
seniors who recorded them. A week with fewer than 5 raters therefore shows "fewer than 5" for its rating.
Pair rows carry session counts only, and leave the rating, two-way and action columns empty: a pair is two
people, so those would be one person's confidential answers under a thin pseudonym (an admin who lists pairs
in id order could map P001 back), whereas who held and who cancelled sessions is already known to admins
through the nudges and escalations.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from bot.digest.disclosure import suppress
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
    split_group = min(s.cancelled, s.cancelled_people)
    mean = round(a.rating_sum / a.ratings, 2) if a.ratings else ""
    return [
        "week",
        start.date().isoformat(),
        "",
        suppress(s.held, s.held_people),
        suppress(s.cancelled_by_senior, split_group),
        suppress(s.cancelled_by_junior, split_group),
        suppress(s.rescheduled, s.rescheduled_people),
        suppress(mean, a.raters),
        suppress(a.ratings, a.raters),
        suppress(a.two_way_yes, a.two_way_people),
        suppress(a.two_way_partly, a.two_way_people),
        suppress(a.two_way_no, a.two_way_people),
        suppress(a.actions_recorded, a.action_people),
    ]


def export_csv(db: Database, programme_id: int, now: datetime) -> str:
    """The programme's aggregates up to `now` as CSV text (UTF-8 when encoded; plain ASCII in practice)."""
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
    for number, pair in enumerate(pairs, start=1):
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
