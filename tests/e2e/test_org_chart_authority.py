"""The org chart outranks what people type, and everyone hears their outcome: end to end through signed
requests (join, match, approve) and the Web API stand-in.

The chart here: Jo (junior, level 2) reports to Sam (senior, level 7), who reports to Bo (level 9). Kim and
Lee are not in the chart: what they type is self-reported.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import func, select

from bot.org_import.importer import import_org
from bot.org_import.report import ImportSummary
from bot.simulation.standin import StandInUser
from storage.models import OutboxMessage, Person
from tests.support.flows import button, holds_for, join, open_join_modal, pairs_of, wait_for
from tests.support.harness import ADMIN, TEAM_ID, RunningApp

KIM = StandInUser(id="U0KIM", name="kim", real_name="Kim Finance", email="kim@example.com")
LEE = StandInUser(id="U0LEE", name="lee", real_name="Lee Marketing", email="lee@example.com")
HEADER = "slack_id,email,department,level,manager\n"
CHART = HEADER + "U0JUNIOR,,Customer Service,2,U0SENIOR\nU0SENIOR,,Operations,7,U0BOSS\nU0BOSS,,Executive,9,\n"
BOTH_TOPICS = ("Data and AI tools", "Workplace culture")


def _import(app: RunningApp, text: str) -> ImportSummary:
    return import_org(app.db, TEAM_ID, text, WebClient(token="xoxb-test-token", base_url=app.slack.url))


def _proposal(app: RunningApp, count: int = 1) -> dict[str, Any]:
    def latest() -> Any:
        messages = [m for m in app.slack.messages(ADMIN) if "Matching proposal" in m.get("text", "")]
        return len(messages) >= count and messages[-1]

    return wait_for(latest)


def _approve(app: RunningApp, message: dict[str, Any]) -> None:
    approve = button(message, "match_approve")
    reply = app.driver.click(ADMIN, "match_approve", approve["value"], channel_id=message["channel"], message=message)
    assert reply.status == 200


def _not_matched_dms(app: RunningApp, user_id: str) -> list[dict[str, Any]]:
    return [m for m in app.slack.messages(user_id) if m.get("text") == "No partner for you this round"]


def _junior_names_another_manager(app: RunningApp) -> None:
    """Sam (mentee) shares both topics with Jo and none with Kim: without the chart, Jo and Sam pair."""
    app.slack.add_user(KIM)
    _import(app, CHART)
    join(app, "U0SENIOR", role="mentee", level="7", department="Operations", offered=(), wanted=BOTH_TOPICS)
    # Jo is in the chart under Sam, and submits another manager and level anyway (a stale or forged form)
    join(app, "U0JUNIOR", role="mentor", level="1", department="Sales", manager="U0KIM", offered=BOTH_TOPICS)
    join(app, "U0KIM", role="mentor", level="2", department="Finance", offered=("Lived experience",))


def test_a_junior_who_names_another_manager_is_never_paired_with_their_charted_manager(
    running_app: RunningApp,
) -> None:
    _junior_names_another_manager(running_app)
    running_app.driver.command(ADMIN, "match")
    message = _proposal(running_app)
    _approve(running_app, message)
    wait_for(lambda: pairs_of(running_app))
    assert pairs_of(running_app) == {("U0KIM", "U0SENIOR")}
    with running_app.db.unit_of_work() as session:
        jo = session.scalars(select(Person).where(Person.slack_user_id == "U0JUNIOR")).one()
        # the chart's values stand; nothing Jo typed is stored as Jo's
        assert (jo.department, jo.level, jo.manager and jo.manager.slack_user_id) == ("Customer Service", 2, "U0SENIOR")
        assert (jo.self_department, jo.self_level, jo.self_manager_id) == (None, None, None)
    # the admin saw that Kim was matched on what Kim typed
    text = json.dumps(message["blocks"])
    assert "not in the org chart" in text
    assert "<@U0KIM> (mentor)" in text and "<@U0SENIOR> (mentee)" not in text.split("not in the org chart")[1]


def test_a_manager_typed_before_the_import_still_keeps_the_pair_apart_and_admins_see_the_mismatch(
    running_app: RunningApp,
) -> None:
    """Kim joins outside the chart naming Lee as manager; then the chart lists Kim under Bo. The chart wins
    (level, department, manager), Kim's typed manager is kept, and both chains stay out of Kim's matches."""
    for user in (KIM, LEE):
        running_app.slack.add_user(user)
    join(running_app, "U0KIM", role="mentor", level="1", department="Finance", manager="U0LEE", offered=BOTH_TOPICS)
    join(running_app, "U0LEE", role="mentee", level="8", department="Marketing", offered=(), wanted=BOTH_TOPICS)
    summary = _import(running_app, CHART + "U0KIM,,Finance Ops,3,U0BOSS\n")
    assert "1 had typed a manager, level or department the chart contradicts" in str(summary)
    _import(running_app, CHART + "U0KIM,,Finance Ops,3,U0BOSS\n")  # a re-import loses nothing Kim typed
    with running_app.db.unit_of_work() as session:
        kim = session.scalars(select(Person).where(Person.slack_user_id == "U0KIM")).one()
        assert (kim.in_org_chart, kim.department, kim.level, kim.manager and kim.manager.slack_user_id) == (
            True,
            "Finance Ops",
            3,
            "U0BOSS",
        )
        assert (kim.self_department, kim.self_level, kim.self_manager and kim.self_manager.slack_user_id) == (
            "Finance",
            1,
            "U0LEE",
        )
    running_app.driver.command(ADMIN, "match")
    message = _proposal(running_app)
    text = json.dumps(message["blocks"])
    assert "the chart differs" in text
    assert "<@U0KIM> typed manager <@U0LEE> (chart: <@U0BOSS>), level 1 (chart: 3)" in text
    # Lee is Kim's only possible mentee, and Kim said Lee is their manager: no pair
    assert message["text"].endswith(": 0 pairs")


def test_the_join_modal_shows_the_charts_values_read_only_and_asks_everyone_else(running_app: RunningApp) -> None:
    running_app.slack.add_user(KIM)
    _import(running_app, CHART)
    charted = open_join_modal(running_app, "U0JUNIOR")
    block_ids = {b.get("block_id") for b in charted["blocks"]}
    assert not {"department", "level", "manager"} & block_ids
    shown = " ".join(e["text"] for b in charted["blocks"] if b["type"] == "context" for e in b["elements"])
    assert "Department: Customer Service · Level 2 · Manager: <@U0SENIOR> (from the org chart)" in shown
    assert "Wrong? Ask a programme admin" in shown
    typed = open_join_modal(running_app, "U0KIM")
    assert {"department", "level", "manager"} <= {b.get("block_id") for b in typed["blocks"]}
    assert "from the org chart" not in json.dumps(typed["blocks"])
    # the profile modal, after joining, is the same: Jo still can't type over the chart
    join(running_app, "U0JUNIOR", role="mentor", level="1", department="Sales", offered=BOTH_TOPICS)
    before = len(running_app.slack.calls_to("views.open"))
    running_app.driver.command("U0JUNIOR", "profile")
    profile = wait_for(lambda: running_app.slack.calls_to("views.open")[before:])[0].params["view"]
    assert profile["title"]["text"] == "Your profile"
    assert not {"department", "level", "manager"} & {b.get("block_id") for b in profile["blocks"]}
    assert "Department: Customer Service · Level 2" in json.dumps(profile["blocks"], ensure_ascii=False)


def test_a_typed_level_cannot_make_a_mentor_at_or_above_a_mentees_chart_level(running_app: RunningApp) -> None:
    """Jo is level 5 in the chart and types level 1; Sam, a level 4 mentee outside Jo's chain, is not senior
    to Jo, so they are not paired (today the typed level replaced the chart's and they were)."""
    _import(running_app, HEADER + "U0JUNIOR,,Customer Service,5,\nU0SENIOR,,Operations,4,\n")
    join(running_app, "U0SENIOR", role="mentee", level="4", department="Operations", offered=(), wanted=BOTH_TOPICS)
    join(running_app, "U0JUNIOR", role="mentor", level="1", department="Customer Service", offered=BOTH_TOPICS)
    running_app.driver.command(ADMIN, "match")
    message = _proposal(running_app)
    assert message["text"].endswith(": 0 pairs")
    assert "no mentee is more senior than you" in json.dumps(message["blocks"])


def test_everyone_left_unmatched_hears_once_privately_and_never_why(running_app: RunningApp) -> None:
    _junior_names_another_manager(running_app)
    running_app.driver.command(ADMIN, "match")
    message = _proposal(running_app)
    _approve(running_app, message)
    told = wait_for(lambda: _not_matched_dms(running_app, "U0JUNIOR"))
    _approve(running_app, message)  # a second click, or a retried request
    wait_for(lambda: [m for m in running_app.slack.messages(message["channel"]) if "Already approved" in m["text"]])
    holds_for(lambda: len(_not_matched_dms(running_app, "U0JUNIOR")) == 1, 0.5)
    dm = told[0]
    assert dm["channel"] == running_app.slack.dm_channel_id("U0JUNIOR")
    words = json.dumps(dm["blocks"])
    assert "no compatible partner was free" in words
    assert "next matching round" in words and "/reverse-mentor pause" in words and f"<@{ADMIN}>" in words
    # nothing that says why: no chain, no manager, nobody else who joined
    for revealing in ("chain", "manager", "U0SENIOR", "U0KIM", "U0BOSS", "senior to you"):
        assert revealing not in words
    # the matched hear only their intro
    assert _not_matched_dms(running_app, "U0KIM") == [] and _not_matched_dms(running_app, "U0SENIOR") == []
    with running_app.db.unit_of_work() as session:
        rows = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.dedupe_key.like("unmatched:%"))
        assert session.scalar(rows) == 1
