"""`/reverse-mentor pairs`: every active pair at a glance, sorted by risk, paged within Slack's limits, with
admin-only actions."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bot.messages.help import NOT_ADMIN
from bot.pairs.overview import nudge_now
from bot.runtime.clock import SystemClock
from storage.db import Database
from storage.models import NudgeLog, OutboxMessage, Pair
from tests.support.factories import add_session, make_pair
from tests.support.flows import wait_for
from tests.support.harness import ADMIN, RunningApp

TEAM = "T0TEAM"


def _many_pairs(app: RunningApp, count: int) -> list[int]:
    return [make_pair(app.db, TEAM, f"U0M{i:03d}", f"U0S{i:03d}") for i in range(count)]


def _open(app: RunningApp) -> dict[str, Any]:
    before = len(app.slack.calls_to("views.open"))
    app.driver.command(ADMIN, "pairs")
    call = wait_for(lambda: app.slack.calls_to("views.open")[before:])[0]
    view = dict(call.params["view"])
    view["id"] = call.response["view"]["id"]
    return view


def _button_values(view: dict[str, Any], action_id: str) -> list[str]:
    return [e["value"] for b in view["blocks"] for e in b.get("elements", []) if e.get("action_id") == action_id]


def test_pairs_are_paged_within_slacks_block_limit_with_the_at_risk_first(running_app: RunningApp) -> None:
    pair_ids = _many_pairs(running_app, 25)
    risky = pair_ids[17]
    now = SystemClock().now()
    for days, side in ((20, "senior"), (10, "senior"), (5, None)):
        state = "cancelled" if side else "held"
        add_session(running_app.db, TEAM, risky, now - timedelta(days=days), state=state, cancelled_by=side)
    for pair_id in pair_ids:
        if pair_id != risky:
            add_session(running_app.db, TEAM, pair_id, now + timedelta(days=3))
    view = _open(running_app)
    assert len(view["blocks"]) <= 100
    text = json.dumps(view["blocks"])
    assert "25 active pairs, 1 at risk" in text and "page 1 of 2" in text
    first_pair = json.loads(_button_values(view, "pairs_nudge_now")[0])["pair"]
    assert first_pair == risky
    assert "senior cancelled 2 of the last 3" in json.dumps(view["blocks"][1])

    next_page = _button_values(view, "pairs_page")
    running_app.driver.click(ADMIN, "pairs_page", next_page[0], view=view)
    update = wait_for(lambda: running_app.slack.calls_to("views.update"))[-1]
    assert "page 2 of 2" in json.dumps(update.params["view"])
    assert len(_button_values(update.params["view"], "pairs_nudge_now")) == 5


def test_a_non_admins_forged_end_click_is_refused_and_changes_nothing(running_app: RunningApp) -> None:
    pair_id = make_pair(running_app.db, TEAM, "U0M1", "U0S1")
    running_app.driver.click("U0JUNIOR", "pair_end", json.dumps({"pair": pair_id}), container_type="view")
    wait_for(lambda: [m for m in running_app.slack.messages("U0JUNIOR") if m.get("text") == NOT_ADMIN])
    with running_app.db.unit_of_work() as session:
        assert session.get(Pair, pair_id).status == "active"
    assert running_app.driver.command("U0JUNIOR", "pairs").json()["text"] == NOT_ADMIN


def test_an_admin_ends_a_pair_and_both_are_told_kindly(running_app: RunningApp) -> None:
    pair_id = make_pair(running_app.db, TEAM, "U0M1", "U0S1")
    view = _open(running_app)
    running_app.driver.click(ADMIN, "pair_end", _button_values(view, "pair_end")[0], view=view)
    wait_for(lambda: len([m for m in running_app.slack.messages() if "has closed" in m.get("text", "")]) == 2)
    with running_app.db.unit_of_work() as session:
        assert session.get(Pair, pair_id).status == "ended"
    refreshed = wait_for(lambda: running_app.slack.calls_to("views.update"))[-1]
    assert "0 active pairs" in json.dumps(refreshed.params["view"])


def test_nudge_now_reaches_both_once_however_often_it_is_clicked(running_app: RunningApp) -> None:
    pair_id = make_pair(running_app.db, TEAM, "U0M1", "U0S1")
    value = json.dumps({"pair": pair_id})
    for _ in range(2):
        running_app.driver.click(ADMIN, "pairs_nudge_now", value, container_type="view")
    wait_for(lambda: len([m for m in running_app.slack.messages(ADMIN) if "udged" in m.get("text", "")]) == 2)
    nudges = [m for m in running_app.slack.messages() if "friendly nudge" in m.get("text", "")]
    assert sorted(m.get("requested_channel") or m["channel"] for m in nudges) == ["U0M1", "U0S1"]
    with running_app.db.unit_of_work() as session:
        assert len(session.scalars(select(NudgeLog)).all()) == 2


def test_clicks_racing_each_other_queue_and_log_each_nudge_once(db: Database) -> None:
    """The race CI once hit: a click saw no queued nudge, another click committed, and the first then logged
    the other's message as its own. Eight clicks at once, on SQLite and PostgreSQL."""
    pair_id = make_pair(db, TEAM, "U0M1", "U0S1")
    start = threading.Barrier(8)

    def click() -> str:
        start.wait()
        return nudge_now(db, TEAM, pair_id, ADMIN, now=db.now())

    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: click(), range(8)))
    assert replies.count("Already nudged today.") == 7, replies
    with db.unit_of_work() as session:
        logs = session.scalars(select(NudgeLog)).all()
        assert sorted(log.recipient_user_id for log in logs) == ["U0M1", "U0S1"]
        assert len({log.outbox_id for log in logs}) == 2
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 2


def test_history_shows_outcomes_by_side_but_no_check_in_answers(running_app: RunningApp) -> None:
    pair_id = make_pair(running_app.db, TEAM, "U0M1", "U0S1")
    now = SystemClock().now()
    add_session(running_app.db, TEAM, pair_id, now - timedelta(days=9), state="cancelled", cancelled_by="junior")
    add_session(running_app.db, TEAM, pair_id, now - timedelta(days=2), state="held")
    running_app.driver.click(ADMIN, "pair_history_open", json.dumps({"pair": pair_id}), channel_id="D0ADMIN")
    modal = wait_for(
        lambda: [c for c in running_app.slack.calls_to("views.open") if "Pair history" in json.dumps(c.params["view"])]
    )
    text = json.dumps(modal[-1].params["view"])
    assert "cancelled by the junior side" in text and "held" in text
