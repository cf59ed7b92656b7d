"""The evaluation CSV: per-week and per-pair aggregates of the digest's scripted cohort, counted by hand."""

from __future__ import annotations

import csv
import io

from bot.digest.export import COLUMNS, EXACT_FIRST_ROW, SHAREABLE_COLUMNS, exact_export, export_csv, shareable_export
from storage.db import Database
from storage.models import Programme, Workspace
from tests.support.digest_cohort import ACTION_TEXTS, NOW, build_cohort

F = "fewer than 5"

# The admins' exact export. kind, week_start, pair, held, cancelled by senior, by junior, rescheduled, mean
# rating, ratings, two-way yes, partly, no, actions. Weeks run Monday to Monday from the week of the first
# session (Wed 3 Jan).
WEEKS = [
    ["week", "2024-01-01", "", "1", "2", "0", "0", "", "0", "0", "0", "0", "0"],  # P1 2 senior cancellations, P6 held
    ["week", "2024-01-08", "", "4", "0", "1", "0", "1.5", "2", "0", "0", "1", "1"],  # P1-P3, P5 held; J2, S2 answered
    ["week", "2024-01-15", "", "1", "1", "0", "0", "", "0", "0", "0", "0", "0"],  # P8 only
    ["week", "2024-01-22", "", "0", "0", "0", "0", "", "0", "0", "0", "0", "0"],  # nothing at all
    ["week", "2024-01-29", "", "1", "0", "0", "0", "", "0", "0", "0", "0", "0"],  # P7 held
    ["week", "2024-02-05", "", "0", "1", "0", "0", "", "0", "0", "0", "0", "0"],  # P5 cancelled
    ["week", "2024-02-12", "", "0", "0", "0", "0", "", "0", "0", "0", "0", "0"],
    ["week", "2024-02-19", "", "0", "1", "0", "0", "", "0", "0", "0", "0", "0"],  # P7 cancelled
    ["week", "2024-02-26", "", "3", "0", "0", "0", "3.5", "2", "0", "1", "0", "1"],  # P1-P3 held; J1, S1 answered
    # 5 held by P1, P2 (2), P3, P5; 3 cancellations (P4 twice, P5); 10 ratings from 8 raters, sum 39
    ["week", "2024-03-04", "", "5", "2", "1", "0", "3.9", "10", "3", "1", "1", "3"],
    ["week", "2024-03-11", "", "1", "1", "0", "1", "4.0", "1", "1", "0", "0", "0"],  # up to `now` (Wed 13 Mar, noon)
]
PAIR_COUNTS = [  # held, cancelled by senior, by junior, rescheduled: P1 ... P11
    (3, 2, 0, 1), (4, 0, 0, 0), (3, 0, 0, 0), (1, 1, 2, 0), (2, 2, 0, 0), (1, 0, 0, 0),
    (1, 2, 0, 0), (1, 1, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0),
]  # fmt: skip


def _exact_rows(db: Database, programme_id: int) -> list[list[str]]:
    export = exact_export(db, programme_id, NOW)
    first, rest = export.text.split("\r\n", 1)
    assert first == EXACT_FIRST_ROW and "admins-only" in export.filename.lower()
    return list(csv.reader(io.StringIO(rest)))


def test_the_exact_export_says_admins_only_and_has_a_row_per_week_and_per_pair(db: Database) -> None:
    cohort = build_cohort(db)
    rows = _exact_rows(db, cohort.programme_id)
    assert rows[0] == COLUMNS
    assert rows[1 : 1 + len(WEEKS)] == WEEKS
    pairs = rows[1 + len(WEEKS) :]
    assert [row[2] for row in pairs] == [f"P{n:03d}" for n in range(1, len(PAIR_COUNTS) + 1)]  # in pseudonym order
    assert sorted(tuple(int(c) for c in row[3:7]) for row in pairs) == sorted(PAIR_COUNTS)  # the other programme's
    assert all(row[7:] == [""] * 6 for row in pairs)


def test_export_pseudonyms_are_drawn_afresh_not_in_pair_id_order(db: Database) -> None:
    """Today's P001... followed pair-id order, lining up with `/reverse-mentor pairs` row for row. Each export
    now draws its own: over a few exports, P001 is not always the first pair, nor the same pair every time."""
    cohort = build_cohort(db)
    by_id = [f"{h},{s},{j},{r}" for h, s, j, r in PAIR_COUNTS]  # pair-id order: P1 ... P11
    orders = []
    for _ in range(6):
        pairs = _exact_rows(db, cohort.programme_id)[1 + len(WEEKS) :]
        orders.append([",".join(row[3:7]) for row in pairs])
    assert any(order != by_id for order in orders)
    assert len({tuple(order) for order in orders}) > 1


def test_the_shareable_export_is_the_stored_published_cells_and_nothing_else(db: Database) -> None:
    cohort = build_cohort(db)
    export = shareable_export(db, cohort.programme_id, NOW)
    rows = list(csv.reader(io.StringIO(export.text)))
    assert rows[0] == SHAREABLE_COLUMNS and "exact" not in export.filename.lower()
    # the closed weeks, from the first join (11 Dec) to 4 Mar; the week holding `now` is still open
    assert [row[0] for row in rows[1:]][0::12] == ["2023-12-11", "2024-03-04"] and len(rows) == 1 + 13
    published = {"0", F} | {str(n) for n in range(5, 1000, 5)}
    assert all(cell in published for row in rows[1:] for cell in row[1:])
    by_week = {row[0]: row for row in rows[1:]}
    assert by_week["2024-01-08"][:3] == ["2024-01-08", "5", "5"]  # 4 sessions held by 8 people: rounded to 5
    assert not any(row[0] == "pair" for row in rows)  # a pair is two people: no pair rows
    # answers given later, and erasures, do not change it: the week was stored when it closed
    later = shareable_export(db, cohort.programme_id, NOW).text
    assert later == export.text


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
        ["week", "2024-03-04", "", "1", "0", "0", "0", "1.0", "2", "0", "0", "1", "1"],
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
