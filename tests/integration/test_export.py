"""The evaluation CSV: per-week and per-pair aggregates of the digest's scripted cohort, counted by hand."""

from __future__ import annotations

import csv
import io

from bot.digest.export import COLUMNS, export_csv
from storage.db import Database
from storage.models import Programme, Workspace
from tests.support.digest_cohort import ACTION_TEXTS, NOW, build_cohort

F = "fewer than 5"

# kind, week_start, pair, held, cancelled by senior, by junior, rescheduled, mean rating, ratings, two-way yes,
# partly, no, actions. Weeks run Monday to Monday from the week of the first session (Wed 3 Jan).
WEEKS = [
    ["week", "2024-01-01", "", F, F, F, "0", "", "0", "0", "0", "0", "0"],  # P1 2 senior cancellations, P6 held
    ["week", "2024-01-08", "", "4", F, F, "0", F, F, F, F, F, F],  # P1-P3, P5 held (8 people); J2 and S2 answered
    ["week", "2024-01-15", "", F, F, F, "0", "", "0", "0", "0", "0", "0"],  # P8 only
    ["week", "2024-01-22", "", "0", "0", "0", "0", "", "0", "0", "0", "0", "0"],  # nothing at all
    ["week", "2024-01-29", "", F, "0", "0", "0", "", "0", "0", "0", "0", "0"],  # P7 held
    ["week", "2024-02-05", "", "0", F, F, "0", "", "0", "0", "0", "0", "0"],  # P5 cancelled
    ["week", "2024-02-12", "", "0", "0", "0", "0", "", "0", "0", "0", "0", "0"],
    ["week", "2024-02-19", "", "0", F, F, "0", "", "0", "0", "0", "0", "0"],  # P7 cancelled
    ["week", "2024-02-26", "", "3", "0", "0", "0", F, F, F, F, F, F],  # P1-P3 held (6 people); J1, S1 answered
    # 5 held by P1, P2 (2), P3, P5; 3 cancellations (P4 twice, P5): split hidden; 10 ratings from 8 raters, sum
    # 39; two-way from only 4 juniors (J5, J2, J1, J3); actions from 3 seniors
    ["week", "2024-03-04", "", "5", F, F, "0", "3.9", "10", F, F, F, F],
    ["week", "2024-03-11", "", F, F, F, F, F, F, F, F, F, "0"],  # up to `now` (Wed 13 Mar, noon)
]
PAIR_COUNTS = [  # held, cancelled by senior, by junior, rescheduled: P1 ... P11
    (3, 2, 0, 1), (4, 0, 0, 0), (3, 0, 0, 0), (1, 1, 2, 0), (2, 2, 0, 0), (1, 0, 0, 0),
    (1, 2, 0, 0), (1, 1, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0),
]  # fmt: skip


def test_export_has_a_row_per_week_and_per_pair_counted_by_hand(db: Database) -> None:
    cohort = build_cohort(db)
    rows = list(csv.reader(io.StringIO(export_csv(db, cohort.programme_id, NOW))))
    assert rows[0] == COLUMNS
    assert rows[1 : 1 + len(WEEKS)] == WEEKS
    pairs = rows[1 + len(WEEKS) :]
    assert pairs == [
        ["pair", "", f"P{n:03d}", *(str(c) for c in counts), "", "", "", "", "", ""]
        for n, counts in enumerate(PAIR_COUNTS, start=1)
    ]  # the other programme's pair is not there


def test_export_holds_no_slack_id_name_or_typed_text(db: Database) -> None:
    cohort = build_cohort(db)
    text = export_csv(db, cohort.programme_id, NOW)
    for user_id, name in cohort.people.values():
        assert user_id not in text and name not in text
    for typed in [*ACTION_TEXTS, "typed by", "Reverse"]:
        assert typed not in text
    text.encode("utf-8")  # what a spreadsheet opens
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in csv.reader(io.StringIO(text)) for cell in row)


def test_each_programme_exports_only_its_own_rows(db: Database) -> None:
    cohort = build_cohort(db)
    rows = list(csv.reader(io.StringIO(export_csv(db, cohort.other_programme_id, NOW))))
    # the other programme: one pair, one session held in the week of 4 Mar, two answers from two people
    assert rows == [
        COLUMNS,
        ["week", "2024-03-04", "", F, "0", "0", "0", F, F, F, F, F, F],
        ["week", "2024-03-11", "", "0", "0", "0", "0", "", "0", "0", "0", "0", "0"],  # to the week holding `now`
        ["pair", "", "P001", "1", "0", "0", "0", "", "", "", "", "", ""],
    ]


def test_a_programme_without_activity_exports_its_header_only(db: Database) -> None:
    with db.unit_of_work() as session:
        session.add(Workspace(team_id="T0EMPTY"))
        session.flush()
        programme = Programme(team_id="T0EMPTY")
        session.add(programme)
        session.flush()
        programme_id = programme.id
    assert export_csv(db, programme_id, NOW).splitlines() == [",".join(COLUMNS)]
