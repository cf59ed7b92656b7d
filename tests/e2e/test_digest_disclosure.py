"""The digest's disclosure rule end to end (docs/privacy.md): weekly digests posted by the scheduled job, read
back from the channel as anyone there reads them. Each test is a case where, before the rule, subtracting one
public figure from another revealed what a "fewer than 5" hid."""

from __future__ import annotations

import csv
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from bot.digest.disclosure import HIDDEN_SUM, SUPPRESSED
from bot.runtime import cli
from storage.models import CheckIn, Pair
from tests.support.digest_pairs import CHANNEL, DIGEST_SETTINGS, MONDAY, TEAM
from tests.support.factories import add_session, make_pair
from tests.support.flows import run_job
from tests.support.harness import RunningApp

LAST_WEEK = MONDAY - timedelta(days=3)  # Friday 13 Nov 2026: the week of 9 Nov
THIS_WEEK = MONDAY + timedelta(days=2)  # Wednesday 18 Nov: the week of 16 Nov


def _fields(post: dict[str, Any]) -> list[list[str]]:
    """The post's field sections, each a list of "*Label*\\nvalue" texts: [this week's, to date]."""
    return [[f["text"] for f in b["fields"]] for b in post["blocks"] if b.get("fields")]


def _field(fields: list[str], label: str) -> str:
    return next(text.split("\n", 1)[1] for text in fields if text.startswith(f"*{label}*"))


def _counts(text: str) -> list[int]:
    """The whole numbers a reader sees in a figure, percentages and ratings set aside."""
    text = text.replace(HIDDEN_SUM, "").replace(SUPPRESSED, "")
    text = re.sub(r"\d+(\.\d+)?\s*%|\d\.\d / 5|\b[1-5]-[1-5]:", "", text)
    return [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", text)]


def _rated(app: RunningApp, pair_id: int, when: Any, rating: int) -> None:
    """The pair held a session at `when`; its senior answered the check-in then, with `rating`."""
    session_id = add_session(app.db, TEAM, pair_id, when, state="held")
    with app.db.unit_of_work() as session:
        mentee_id = session.get(Pair, pair_id).mentee_id  # type: ignore[union-attr]
        session.add(
            CheckIn(team_id=TEAM, session_id=session_id, participant_id=mentee_id, side="senior", outcome="held",
                    rating=rating, answered_at=when)
        )  # fmt: skip


def _weekly_posts(app: RunningApp, mondays: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Any]:
    for week in range(mondays):
        run_job(app, "digest", MONDAY + timedelta(weeks=week), monkeypatch, tmp_path, **DIGEST_SETTINGS)
    return app.slack.messages(CHANNEL)


def _history(app: RunningApp) -> list[int]:
    """Five pairs met and the seniors rated 4 last week; this week one more pair met and its senior rated 1."""
    pairs = [make_pair(app.db, TEAM, f"U0M{i}", f"U0S{i}", created_at=MONDAY - timedelta(days=30)) for i in range(6)]
    for pair_id in pairs[:5]:
        _rated(app, pair_id, LAST_WEEK, 4)
    _rated(app, pairs[5], THIS_WEEK, 1)
    return pairs


def test_sessions_held_to_date_never_moves_by_one_to_four_beside_a_hidden_week(
    running_app: RunningApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Before: "sessions held to date" 5, then 6 beside "this week: fewer than 5" told everyone one session
    was held. Now each total adds up published weekly cells, so it moves by 0 or by 5 or more."""
    _history(running_app)
    first, second = _weekly_posts(running_app, 2, monkeypatch, tmp_path)
    before, after = (_counts(_field(_fields(p)[-1], "Sessions held")) for p in (first, second))
    assert before and after
    assert not 0 < abs(after[0] - before[0]) < 5, (before, after)


def test_no_mean_rating_is_published_so_one_rating_cannot_be_read_off_it(
    running_app: RunningApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Before: "4.0 / 5 (5 ratings)" then "3.5 / 5 (6 ratings)" revealed a single rating of 1. Ratings are now
    published as bands of the weekly cells, never as a mean."""
    _history(running_app)
    posts = _weekly_posts(running_app, 2, monkeypatch, tmp_path)
    text = json.dumps([p["blocks"] for p in posts])
    assert not re.search(r"\d\.\d / 5", text)
    ratings = [_field(_fields(p)[-1], "Ratings") for p in posts]
    assert ratings == ["4-5: 5 · 1-3: 0", "4-5: 5 · 1-3: fewer than 5"]  # the new week's one rating: a band cell


def test_an_erasure_after_a_week_closed_changes_nothing_already_published(
    running_app: RunningApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Before: after someone erased, the figures moved back, revealing their answers. A closed week is stored
    and never recomputed, so the next digest shows the same history."""
    pairs = _history(running_app)
    run_job(running_app, "digest", MONDAY + timedelta(weeks=1), monkeypatch, tmp_path, **DIGEST_SETTINGS)
    with running_app.db.unit_of_work() as session:  # what erasing a senior does to their answers
        mentee_id = session.get(Pair, pairs[0]).mentee_id  # type: ignore[union-attr]
        session.execute(delete(CheckIn).where(CheckIn.participant_id == mentee_id))
    run_job(running_app, "digest", MONDAY + timedelta(weeks=2), monkeypatch, tmp_path, **DIGEST_SETTINGS)
    before, after = running_app.slack.messages(CHANNEL)
    assert _fields(before)[-1] == _fields(after)[-1]  # nothing happened in the third week: same totals


def test_every_public_count_is_zero_or_a_multiple_of_five(
    running_app: RunningApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Before: parts beside their whole ("pairs that met 5" of "6 active pairs", shares of 6 or 7 answers)
    gave away the 1 to 4 left over. Every count the channel sees is now a published cell (rounded to 5) or a
    sum of them."""
    _history(running_app)
    for post in _weekly_posts(running_app, 2, monkeypatch, tmp_path):
        for fields in _fields(post):
            for text in fields:
                assert all(n % 5 == 0 for n in _counts(text.split("\n", 1)[1])), text


def test_export_pseudonyms_do_not_follow_pair_id_order(
    running_app: RunningApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Before: P001, P002... were given in pair-id order, lining up with `/reverse-mentor pairs` row for row.
    The exact export (admins only, and it says so) now draws them afresh each time."""
    pairs = _history(running_app)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", running_app.db.url)
    for extra in range(6):  # distinct session counts, so each row shows which pair it is
        for _ in range(extra):
            add_session(running_app.db, TEAM, pairs[extra], LAST_WEEK - timedelta(days=1), state="rescheduled")
    orders = []
    for n in range(5):
        out = tmp_path / f"export-{n}.csv"
        assert cli.main(["export", "--exact", "--out", str(out), "--team", TEAM, "--now", THIS_WEEK.isoformat()]) == 0
        lines = out.read_text().splitlines()
        assert "ADMINS ONLY" in lines[0]
        rows = [r for r in csv.reader(lines[1:]) if r and r[0] == "pair"]
        orders.append([int(r[6]) for r in sorted(rows, key=lambda r: r[2])])  # rescheduled count, by pseudonym
    assert any(order != sorted(order) for order in orders)
    with running_app.db.unit_of_work() as session:
        assert session.scalars(select(Pair.id)).all()
