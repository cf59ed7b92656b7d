"""Digest figures, the fewer-than-5 rule, the headline, the chart and the Block Kit posts.

A scripted cohort (`tests/support/digest_cohort.py`) is written through the models on SQLite and PostgreSQL;
every expected figure below was counted by hand from the script, in the comments next to it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from bot.digest.cells import public_view
from bot.digest.chart import Bars, bars, render_chart
from bot.digest.disclosure import (
    SUPPRESSED,
    AtRiskPair,
    Cell,
    DigestFigures,
    Figure,
    PublishedWeek,
    headline,
    part_of,
    suppress,
)
from bot.digest.figures import activity_of, prepare_digest
from bot.messages.digest import MAX_BLOCKS, admin_digest, met_text, public_digest, retention_text
from storage.db import Database
from storage.models import Pair, Participant, Programme
from storage.queries import nudges as nudge_queries
from storage.queries.digest import AnswerTotals, SessionTotals
from tests.support.digest_cohort import ACTION_TEXTS, DELETED, NOW, PAIRS, at, build_cohort, slack_id

# --- the figures --------------------------------------------------------------------------------------------


def test_digest_figures_equal_the_hand_counted_cohort(db: Database) -> None:
    cohort = build_cohort(db)
    f = prepare_digest(db, cohort.programme_id, NOW, deleted_user_ids=DELETED).figures

    assert f.period_start == at(3, 6, 12) and f.period_days == 7
    # P1-P7, P9, P10, P11; people: J1-J7, J10, J11 (J1 once) + S1-S7, S9-S11
    assert f.active_pairs == Figure(10, 19)
    assert f.pairs_formed == Figure(11, 21)
    assert f.pairs_at_risk == Figure(4, 8)  # P5, P6, P7, P11

    week = f.this_period
    assert week.held == Figure(5, 8)  # P1 7 Mar, P2 6 Mar 12:00 and 8 Mar, P3 9 Mar, P4 11 Mar
    assert week.pairs_met == Figure(4, 8)
    assert week.cancelled == Figure(3, 6)  # P4 junior, P5 senior, P7 senior
    assert week.rescheduled == Figure(1, 2)  # P1
    assert week.senior_share == Figure(pytest.approx(2 / 3), 3)  # type: ignore[arg-type]
    assert week.senior_share.public == SUPPRESSED  # fewer than 5 cancellations
    assert week.junior_share.public == SUPPRESSED
    # ratings 5 4 4 3 5 5 2 4 4 3 from J1 S1 J2 S2 J3 S3 J4 J5
    assert week.ratings == Figure(10, 8)
    assert week.mean_rating.value == pytest.approx(3.9) and week.mean_rating.public == pytest.approx(3.9)
    # two-way: J1 yes, J2 partly, J2 yes, J3 no, J4 yes, J5 yes: exactly 5 juniors, so shown
    assert week.two_way_answers == Figure(6, 5)
    assert week.two_way_yes.public == pytest.approx(4 / 6)
    assert week.two_way_partly.public == pytest.approx(1 / 6)
    assert week.two_way_no.public == pytest.approx(1 / 6)
    assert week.actions_recorded == Figure(2, 2)  # S1, S2 (the blank one does not count)
    assert week.actions_recorded.public == SUPPRESSED

    before = f.previous_period
    assert before.held == Figure(4, 8)  # P1 29 Feb, P2 1 Mar, P3 2 Mar, P5 4 Mar
    assert before.cancelled == Figure(1, 2)  # P4 5 Mar, senior
    assert before.rescheduled == Figure(0, 0) and before.rescheduled.public == 0
    assert before.ratings == Figure(3, 3) and before.mean_rating.public == SUPPRESSED  # S5 4, J1 3, S1 4
    assert before.mean_rating.value == pytest.approx(11 / 3)
    assert before.actions_recorded == Figure(2, 2)

    total = f.to_date
    # over the whole history, group sizes are counted up to 5 ("5 or more")
    assert total.held == Figure(16, 5)
    assert total.pairs_met == Figure(8, 5)
    assert total.cancelled == Figure(10, 5)  # P1 2, P4 3, P5 2, P7 2, P8 1
    assert total.cancelled_by_senior == Figure(8, 5) and total.cancelled_by_junior == Figure(2, 5)
    assert total.senior_share.public == pytest.approx(0.8) and total.junior_share.public == pytest.approx(0.2)
    assert total.rescheduled == Figure(1, 2)
    assert total.ratings == Figure(15, 5)  # the late answer of 14 Mar and the other programme are left out
    assert total.mean_rating.public == pytest.approx(53 / 15)
    assert total.two_way_answers == Figure(8, 5)  # J1-J5
    assert total.two_way_yes.public == pytest.approx(0.5) and total.two_way_partly.public == pytest.approx(0.25)
    assert total.actions_recorded == Figure(5, 3) and total.actions_recorded.public == SUPPRESSED

    # 24 joined by now (N3 joins tomorrow); S8 and L1 left; J3 and S8 deactivated in Slack
    assert f.participants == Figure(24, 24)
    assert f.joiners == Figure(2, 2) and f.joiners.public == SUPPRESSED
    assert f.leavers == Figure(1, 1) and f.leavers.public == SUPPRESSED
    # 2 left and 2 deactivated: "22 of 24" would name a group of 2 by subtraction
    assert f.still_in_programme == Figure(22, 2) and f.still_in_programme.public == SUPPRESSED
    assert f.still_in_workspace == Figure(22, 2) and f.still_in_workspace.public == SUPPRESSED


def test_a_team_with_one_programme_gives_the_same_figures(db: Database) -> None:
    """With the team's other programme gone, its rows are read by team (a cheaper filter): same figures."""
    cohort = build_cohort(db)
    before = prepare_digest(db, cohort.programme_id, NOW, deleted_user_ids=DELETED)
    with db.unit_of_work() as session:
        session.delete(session.get(Programme, cohort.other_programme_id))
    after = prepare_digest(db, cohort.programme_id, NOW, deleted_user_ids=DELETED)
    assert after == before


def test_a_longer_period_and_its_trend(db: Database) -> None:
    cohort = build_cohort(db)
    f = prepare_digest(db, cohort.programme_id, NOW, period=timedelta(days=14), weeks=0).figures
    assert f.period_words == "in the last 14 days"
    assert f.this_period.held == Figure(9, 10)  # the two weeks above; P5 joins the pairs that met
    assert f.this_period.cancelled == Figure(4, 6)
    assert f.previous_period.held == Figure(0, 0)
    assert f.previous_period.cancelled == Figure(1, 2)  # P7 22 Feb


def test_at_risk_pairs_are_named_for_admins_with_a_reason(db: Database) -> None:
    cohort = build_cohort(db)
    at_risk = prepare_digest(db, cohort.programme_id, NOW, weeks=0).at_risk
    ids = cohort.pair_ids

    def risk(name: str, reason: str) -> AtRiskPair:
        mentor, mentee = PAIRS[name][:2]
        return AtRiskPair(ids[name], slack_id(mentor), slack_id(mentee), reason)

    assert at_risk == [
        risk("P5", "the senior cancelled 2 of the last 3 sessions"),
        risk("P6", "no session held or scheduled for 68 days"),
        risk("P7", "the senior cancelled 2 of the last 3 sessions"),
        risk("P11", "no session since they were paired 72 days ago"),
    ]


def test_weekly_series_counts_twelve_weeks_ending_now(db: Database) -> None:
    cohort = build_cohort(db)
    weeks = prepare_digest(db, cohort.programme_id, NOW).weeks
    assert len(weeks) == 12
    assert weeks[0].week_start == NOW - timedelta(weeks=12) and weeks[-1].week_start == at(3, 6, 12)
    found = {i: (w.held, w.cancelled_by_senior, w.cancelled_by_junior) for i, w in enumerate(weeks)}
    expected = {i: (0, 0, 0) for i in range(12)}
    expected.update({1: (0, 1, 0), 2: (2, 1, 0), 3: (4, 0, 1), 4: (0, 1, 0), 6: (1, 0, 0), 7: (0, 1, 0),
                     9: (0, 1, 0), 10: (4, 1, 0), 11: (5, 2, 1)})  # fmt: skip
    assert found == expected
    # a week's group sizes are counted up to 5: 8 people held sessions in each of the last two weeks
    assert (weeks[11].held_people, weeks[11].cancelled, weeks[11].cancelled_people) == (5, 3, 5)
    assert (weeks[10].held_people, weeks[10].cancelled_people) == (5, 2)
    assert (weeks[3].held_people, weeks[3].cancelled_people) == (5, 2)


# --- the fewer-than-5 rule and the headline -----------------------------------------------------------------


def test_suppress_hides_groups_of_one_to_four_people() -> None:
    assert [suppress(7, n) for n in range(7)] == [7, SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED, 7, 7]
    assert suppress(None, 0) is None
    assert Figure(3.2, 4).public == SUPPRESSED and not Figure(3.2, 4).shown
    assert Figure(0, 0).public == 0 and Figure(0, 0).shown


NO_ONE = Figure(0, 0)
TWENTY_PAIRS = Figure(20, 40)


def figures(
    now: SessionTotals,
    before: SessionTotals | None = None,
    at_risk: Figure = NO_ONE,
    active: Figure = TWENTY_PAIRS,
) -> DigestFigures:
    answers = AnswerTotals()
    empty = activity_of(before or SessionTotals(), answers)
    return DigestFigures(
        programme_id=1,
        programme_name="Programme",
        now=NOW,
        period_start=NOW - timedelta(days=7),
        period_days=7,
        active_pairs=active,
        pairs_formed=active,
        pairs_at_risk=at_risk,
        this_period=activity_of(now, answers),
        previous_period=empty,
        to_date=activity_of(now, answers),
        joiners=Figure(0, 0),
        leavers=Figure(0, 0),
        participants=Figure(40, 40),
        still_in_programme=Figure(40, 40),
        still_in_workspace=Figure(40, 40),
    )


def cancellations(total: int, senior: int, people: int = 20) -> SessionTotals:
    return SessionTotals(held=12, held_pairs=9, held_people=18, cancelled=total, cancelled_people=people,
                         cancelled_by_senior=senior, cancelled_by_junior=total - senior)  # fmt: skip


def test_headline_leads_with_senior_cancellations_rising() -> None:
    f = figures(cancellations(13, 4), cancellations(10, 1), at_risk=Figure(4, 8))
    assert headline(f) == "Senior cancellations rose to 31% this week: 4 pairs at risk"


def test_headline_never_leans_on_a_suppressed_split() -> None:
    f = figures(cancellations(4, 4, people=8), cancellations(10, 1))  # 4 cancellations: split hidden
    assert headline(f) == "12 sessions held this week across 9 pairs"
    f = figures(cancellations(13, 4), cancellations(10, 1), at_risk=Figure(1, 2))  # at-risk count hidden
    assert headline(f) == "Senior cancellations rose to 31% this week"


def test_headline_reports_a_fall_in_sessions_held() -> None:
    now = replace(cancellations(2, 1), held=6, held_pairs=6)
    assert headline(figures(now, cancellations(2, 1))) == "Sessions held fell to 6 this week, from 12"


def test_headline_flags_many_pairs_at_risk() -> None:
    f = figures(cancellations(2, 1), cancellations(2, 1), at_risk=Figure(5, 10))
    assert headline(f) == "5 of 20 active pairs are at risk of stalling"


def test_headline_is_calm_by_default_and_vague_about_small_weeks() -> None:
    assert headline(figures(cancellations(2, 1), cancellations(2, 1))) == "12 sessions held this week across 9 pairs"
    small = SessionTotals(held=2, held_pairs=2, held_people=4)
    assert headline(figures(small, small)) == "A few sessions held this week"
    assert headline(figures(SessionTotals(), SessionTotals())) == "No sessions held this week; 20 pairs active"


# --- the posts ----------------------------------------------------------------------------------------------


def test_public_digest_names_nobody_and_quotes_no_answer(db: Database) -> None:
    cohort = build_cohort(db)
    message = public_digest(public_view(db, cohort.programme_id, NOW), chart_file_id="F0CHART")
    text = json.dumps(message)
    for user_id, name in cohort.people.values():
        assert user_id not in text and name not in text
    for action in ACTION_TEXTS:
        assert action not in text
    assert "typed by" not in text and "<!channel>" not in text  # the programme name is escaped
    assert "Reverse &lt;!channel&gt; &amp; friends" in text
    blocks = message["blocks"]
    assert blocks[0]["type"] == "header" and len(blocks) <= MAX_BLOCKS
    assert message["text"] == "About 5 sessions held in the week of 4 Mar 2024"  # the last closed week
    # every field: the last closed week's published cells, then sums of every closed week's cells
    assert [f["text"] for f in blocks[3]["fields"]] == [
        "*Sessions held*\n5 (the week before: 5)",  # 5 and 3 sessions: rounded to the nearest 5
        "*Pairs that met*\n5",
        "*Sessions cancelled, by side*\nsenior fewer than 5 · junior fewer than 5 · not recorded 0",
        "*Sessions rescheduled*\n0",
        "*Ratings*\n4-5: 5 · 1-3: fewer than 5",  # bands, never a mean
        "*Stayed two-way (juniors)*\nyes fewer than 5 · partly fewer than 5 · no fewer than 5",
        "*Actions recorded*\nfewer than 5",
        "*Joined*\nfewer than 5",
    ]
    assert [f["text"] for f in blocks[5]["fields"]] == [
        "*Sessions held*\nat least 15",
        "*Sessions cancelled*\nat least 1 (each count fewer than 5)",
        "*Cancellations by side*\nnot shown: each count fewer than 5",
        "*Ratings*\n4-5: at least 5 · 1-3: at least 1 (each count fewer than 5)",
        "*Stayed two-way (juniors)*\nnot shown: each count fewer than 5",
        "*Actions recorded*\nat least 1 (each count fewer than 5)",
        "*Pairs formed*\nat least 10",
        "*Joined*\nat least 20",
    ]
    assert blocks[-2]["type"] == "image" and blocks[-2]["slack_file"] == {"id": "F0CHART"}
    assert "fewer than 5" in blocks[-1]["elements"][0]["text"]


def test_admin_digest_names_the_pairs_at_risk_with_buttons(db: Database) -> None:
    cohort = build_cohort(db)
    digest = prepare_digest(db, cohort.programme_id, NOW)
    blocks = admin_digest(digest.figures, digest.at_risk)["blocks"]
    p5 = cohort.pair_ids["P5"]
    text = json.dumps(blocks)
    assert f"<@{slack_id('J5')}> & <@{slack_id('S5')}>: the senior cancelled 2 of the last 3 sessions" in text
    buttons = next(b for b in blocks if b.get("block_id") == f"digest_at_risk_{p5}")["elements"]
    assert [(b["action_id"], json.loads(b["value"])) for b in buttons] == [
        ("digest_nudge_now", {"pair": p5}),
        ("pair_history_open", {"pair": p5}),
    ]
    assert slack_id("J1") not in text  # not at risk, not named


def test_admin_digest_stays_within_fifty_blocks() -> None:
    many = [AtRiskPair(i, f"UM{i}", f"US{i}", "no session held or scheduled for 40 days") for i in range(100)]
    blocks = admin_digest(figures(cancellations(2, 1)), many)["blocks"]
    assert MAX_BLOCKS - 1 <= len(blocks) <= MAX_BLOCKS
    assert "and 81 more at-risk pairs" in blocks[-1]["elements"][0]["text"]
    few = admin_digest(figures(cancellations(2, 1)), many[:3])["blocks"]
    assert sum(1 for b in few if b.get("block_id", "").startswith("digest_at_risk_")) == 3
    # the preview keeps two blocks for its own note and button: still every shown pair has its buttons
    preview = admin_digest(figures(cancellations(2, 1)), many, max_blocks=MAX_BLOCKS - 2)["blocks"]
    assert len(preview) <= MAX_BLOCKS - 2 and "more at-risk pairs" in preview[-1]["elements"][0]["text"]
    named = [b for b in preview if "<@UM" in (b.get("text") or {}).get("text", "")]
    assert len(named) == sum(1 for b in preview if b.get("block_id", "").startswith("digest_at_risk_"))


# --- the chart ----------------------------------------------------------------------------------------------


def _week(start: datetime, **cells: int | None) -> PublishedWeek:
    return PublishedWeek(start, {c: cells.get(c.value, 0) for c in Cell})


def test_chart_is_a_png_of_the_weeks() -> None:
    weeks = [
        _week(NOW - timedelta(weeks=12 - i), held=10 + 5 * (i % 2), cancelled_senior=5 * (i % 3), cancelled_junior=5)
        for i in range(12)
    ]
    png = render_chart(weeks)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def test_chart_draws_published_cells_only_and_marks_fewer_than_five() -> None:
    week = _week(NOW, held=None, cancelled_senior=5, cancelled_junior=None, cancelled_no_side=0)
    shown = bars(week)
    assert shown.held_hidden and shown.held == 0
    assert (shown.senior, shown.junior, shown.side_not_shown) == (5, 0, 0) and shown.cancelled_hidden
    week = _week(NOW, held=15, cancelled_senior=5, cancelled_junior=10, cancelled_no_side=5)
    assert bars(week) == Bars(15, 5, 10, 5, held_hidden=False, cancelled_hidden=False)
    assert render_chart([week]).startswith(b"\x89PNG")


def test_on_sqlite_the_digest_reads_sessions_and_answers_through_indexes(sqlite_db: Database) -> None:
    """For a team's only programme, no statement of the digest walks the whole sessions or check_ins table
    (the to-date figures count index entries: migration 0006), and the count of actions recorded reads no
    check-in row at all: its partial index already guarantees the query's terms, which holds only while the
    query spells them as ACTION_RECORDED does."""
    cohort = build_cohort(sqlite_db)
    with sqlite_db.unit_of_work() as session:
        session.delete(session.get(Programme, cohort.other_programme_id))
    statements: list[tuple[str, Any]] = []

    def record(_connection: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(sqlite_db.engine, "before_cursor_execute", record)
    try:
        prepare_digest(sqlite_db, cohort.programme_id, NOW, deleted_user_ids=DELETED)
    finally:
        event.remove(sqlite_db.engine, "before_cursor_execute", record)

    with sqlite_db.engine.connect() as connection:

        def run(prefix: str, statement: str, parameters: Any) -> list[Any]:
            return list(connection.exec_driver_sql(prefix + statement, parameters).fetchall())

        plans = [[row[-1] for row in run("EXPLAIN QUERY PLAN ", *s)] for s in statements]
        steps = [step for plan in plans for step in plan]
        whole_table = [p for p in steps if p.startswith("SCAN") and p.split()[1] in ("sessions", "check_ins")]
        assert steps and whole_table == []
        assert any("COVERING INDEX ix_sessions_team_outcome" in p for p in steps)
        assert any("COVERING INDEX ix_check_ins_team_answer_kinds" in p for p in steps)

        root = connection.exec_driver_sql("SELECT rootpage FROM sqlite_master WHERE name = 'check_ins'").scalar()
        counts = [
            s
            for s, plan in zip(statements, plans, strict=True)
            if "count(*)" in s[0] and any("ix_check_ins_team_actions" in p for p in plan)
        ]
        assert counts
        for statement in counts:
            program = run("EXPLAIN ", *statement)  # (addr, opcode, p1, p2, ...): OpenRead p1=cursor, p2=root page
            table = {op[2] for op in program if op[1] == "OpenRead" and op[3] == root}
            assert [op for op in program if op[1] == "Column" and op[2] in table] == []


def test_a_pair_is_idle_by_its_own_cadence_exactly_as_the_nudge_scan_sees_it(db: Database) -> None:
    """The digest's idle pairs are the pairs the nudge scan would call stale: measured by the longer of the two
    members' cadences, not the programme's default."""
    cohort = build_cohort(db)
    with db.unit_of_work() as session:
        # P6 has not met for 68 days: idle by the programme's 1.5 x 21 days, not by its mentor's 1.5 x 60
        mentor = session.get(Pair, cohort.pair_ids["P6"]).mentor_id  # type: ignore[union-attr]
        session.get(Participant, mentor).cadence_days = 60  # type: ignore[union-attr]
    programme_id = cohort.programme_id
    at_risk = {r.pair_id: r.reason for r in prepare_digest(db, programme_id, NOW, weeks=0).at_risk}
    assert cohort.pair_ids["P6"] not in at_risk
    assert at_risk[cohort.pair_ids["P11"]] == "no session since they were paired 72 days ago"

    with db.unit_of_work() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        signals = nudge_queries.pair_signals(
            session, NOW, [programme_id], programme.nudge_cancel_n, programme.nudge_cancel_m
        )
    stale = {s.pair.pair_id for s in signals if s.idle}
    idle = {pair_id for pair_id, reason in at_risk.items() if "no session" in reason}
    assert stale == idle == {cohort.pair_ids["P11"]}


def test_a_part_beside_its_whole_is_hidden_when_the_rest_is_one_to_four_people() -> None:
    two_left = replace(figures(cancellations(2, 1)), still_in_programme=part_of(38, 40))
    assert retention_text(two_left.still_in_programme, two_left.participants) == SUPPRESSED
    assert retention_text(part_of(40, 40), Figure(40, 40)) == "100% (40 of 40)"
    assert retention_text(part_of(30, 40), Figure(40, 40)) == "75% (30 of 40)"
    assert met_text(Figure(19, 5), Figure(20, 40)) == SUPPRESSED  # the one pair that never met: 2 people
    assert met_text(Figure(17, 5), Figure(20, 40)) == "17 of 20 pairs formed"  # 3 pairs: 6 people
