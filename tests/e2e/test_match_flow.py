"""Matching end to end through signed requests and the Web API stand-in: propose, review, approve, intro,
agree ground rules, schedule the first session."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.messages.help import NOT_ADMIN
from bot.runtime.clock import SystemClock
from bot.simulation.standin import StandInUser
from storage.models import GroundRules, MatchRun, MentoringSession, OutboxMessage, Pair
from tests.support.flows import button, join, pairs_of, wait_for
from tests.support.harness import ADMIN, ROSTER, RunningApp

EXTRA = (
    StandInUser(id="U0KIM", name="kim", real_name="Kim Finance", email="kim@example.com"),
    StandInUser(id="U0LEE", name="lee", real_name="Lee Marketing", email="lee@example.com"),
)


def _cohort(app: RunningApp) -> None:
    """Jo (junior) reports to Sam (senior), who reports to Bo: Jo may be paired with neither. Without the
    chain, Jo and Bo would be the best pair of all (two topics in common, where Jo and Lee share one), so
    a chain walk that stops at the direct manager changes the pairs, not only a tie-break."""
    for user in EXTRA:
        app.slack.add_user(user)
    join(
        app,
        "U0BOSS",
        role="mentee",
        level="9",
        department="Executive",
        offered=(),
        wanted=("Lived experience", "Workplace culture"),
    )
    join(
        app,
        "U0SENIOR",
        role="mentee",
        level="6",
        department="Operations",
        manager="U0BOSS",
        offered=(),
        wanted=("Data and AI tools", "Workplace culture"),
    )
    join(app, "U0LEE", role="mentee", level="7", department="Marketing", offered=(), wanted=("Workplace culture",))
    join(
        app,
        "U0JUNIOR",
        role="mentor",
        level="2",
        department="Customer Service",
        manager="U0SENIOR",
        offered=("Workplace culture", "Lived experience"),
    )
    join(
        app, "U0KIM", role="mentor", level="2", department="Finance", offered=("Data and AI tools", "Workplace culture")
    )


def _welcomed(app: RunningApp, n: int) -> None:
    wait_for(lambda: len([m for m in app.slack.messages() if "Welcome to reverse" in m.get("text", "")]) >= n)


def _proposal_dm(app: RunningApp, before: int = 0) -> dict[str, Any]:
    def latest() -> Any:
        messages = [m for m in app.slack.messages(ADMIN) if "Matching proposal" in m.get("text", "")]
        return messages[before:] and messages[-1]

    return wait_for(latest)


def _approve(app: RunningApp, user: str = ADMIN) -> dict[str, Any]:
    message = _proposal_dm(app)
    approve = button(message, "match_approve")
    reply = app.driver.click(user, "match_approve", approve["value"], channel_id=message["channel"], message=message)
    assert reply.status == 200
    return message


def test_admin_match_proposes_privately_and_nobody_else_is_told(running_app: RunningApp) -> None:
    _cohort(running_app)
    posted_before = {m["channel"] for m in running_app.slack.messages()}
    body = running_app.driver.command(ADMIN, "match").json()
    assert body["response_type"] == "ephemeral"
    message = _proposal_dm(running_app)
    text = json.dumps(message["blocks"])
    assert "Matching proposal" in message["text"]
    assert "U0JUNIOR" in text and "score" in text
    # Bo (level 9) stays unmatched with a reason; nobody but the admin got a message
    assert "Unmatched" in text
    told = {m["channel"] for m in running_app.slack.messages() if not m.get("text", "").startswith("Welcome")}
    assert told - posted_before == {message["channel"]}
    assert running_app.slack.calls_to("conversations.open") == []
    assert pairs_of(running_app) == set()


def test_approval_introduces_every_pair_and_none_crosses_a_management_chain(running_app: RunningApp) -> None:
    _cohort(running_app)
    running_app.driver.command(ADMIN, "match")
    message = _approve(running_app)
    pairs = wait_for(lambda: len(running_app.slack.calls_to("conversations.open")) >= 2 and pairs_of(running_app))
    # Jo's only partner outside the chain is Lee; Kim shares two topics with Sam and one with Bo
    assert pairs == {("U0JUNIOR", "U0LEE"), ("U0KIM", "U0SENIOR")}
    for mentor, mentee in pairs:
        channel = running_app.slack.dm_channel_id(mentor, mentee)
        intro = wait_for(lambda channel=channel: running_app.slack.messages(channel))
        assert len(intro) == 1
        text = json.dumps(intro[0]["blocks"])
        assert "junior person leads" in text and "Why you two" in text and "Agree ground rules" in text
    final = wait_for(
        lambda: "All 2 intros sent" in json.dumps(running_app.slack.message(message["channel"], message["ts"]))
    )
    assert final
    with running_app.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(GroundRules)) == 2
        assert {p.channel_id for p in session.scalars(select(Pair))} == {
            running_app.slack.dm_channel_id(a, b) for a, b in pairs
        }


def test_a_double_click_on_approve_sends_each_intro_once(running_app: RunningApp) -> None:
    _cohort(running_app)
    running_app.driver.command(ADMIN, "match")
    _approve(running_app)
    _approve(running_app)
    wait_for(lambda: len(pairs_of(running_app)) == 2)
    wait_for(lambda: len([m for m in running_app.slack.messages() if "Meet your" in m.get("text", "")]) == 2)
    with running_app.db.unit_of_work() as session:
        intros = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.dedupe_key.like("intro:%"))
        assert session.scalar(intros) == 2


def test_a_non_admins_forged_approve_click_is_refused(running_app: RunningApp) -> None:
    _cohort(running_app)
    running_app.driver.command(ADMIN, "match")
    _approve(running_app, user="U0KIM")
    wait_for(lambda: [m for m in running_app.slack.messages("U0KIM") if m.get("text") == NOT_ADMIN])
    assert pairs_of(running_app) == set()
    with running_app.db.unit_of_work() as session:
        assert session.scalars(select(MatchRun.status)).all() == ["proposed"]


def test_injected_rate_limits_delay_but_lose_no_intro(running_app: RunningApp) -> None:
    _cohort(running_app)
    running_app.driver.command(ADMIN, "match")
    _proposal_dm(running_app)
    running_app.slack.fail_next("chat.postMessage", times=3, error="ratelimited", status=429, retry_after=1)
    _approve(running_app)
    intros = wait_for(
        lambda: (
            [m for m in running_app.slack.messages() if "Meet your" in m.get("text", "")]
            if len([m for m in running_app.slack.messages() if "Meet your" in m.get("text", "")]) == 2
            else None
        ),
        timeout=20,
    )
    assert len({m["channel"] for m in intros}) == 2


def test_dropping_a_pair_and_running_again_without_someone(running_app: RunningApp) -> None:
    _cohort(running_app)
    running_app.driver.command(ADMIN, "match")
    message = _proposal_dm(running_app)
    drop = button(message, "match_drop")
    option = drop["options"][0]
    running_app.driver.click(
        ADMIN,
        "match_drop",
        channel_id=message["channel"],
        message=message,
        selected={"type": "static_select", "selected_option": option},
    )
    updated = wait_for(
        lambda: "dropped from the proposal" in json.dumps(running_app.slack.message(message["channel"], message["ts"]))
    )
    assert updated
    exclude = button(message, "match_exclude")
    kim = next(o for o in exclude["options"] if o["text"]["text"] == "Kim Finance")
    running_app.driver.click(
        ADMIN,
        "match_exclude",
        channel_id=message["channel"],
        message=message,
        selected={"type": "static_select", "selected_option": kim},
    )
    rerun = wait_for(
        lambda: "left out of this round" in json.dumps(running_app.slack.message(message["channel"], message["ts"]))
    )
    assert rerun
    with running_app.db.unit_of_work() as session:
        statuses = session.scalars(select(MatchRun.status).order_by(MatchRun.id)).all()
    assert statuses == ["discarded", "proposed"]


def test_both_agree_the_ground_rules_which_show_on_app_home_and_first_session_is_stored(
    running_app: RunningApp,
) -> None:
    _cohort(running_app)
    running_app.driver.command(ADMIN, "match")
    _approve(running_app)
    pairs = wait_for(lambda: len(pairs_of(running_app)) == 2 and pairs_of(running_app))
    mentor, mentee = sorted(pairs)[0]
    channel = running_app.slack.dm_channel_id(mentor, mentee)
    intro = wait_for(lambda: running_app.slack.messages(channel))[0]
    agree = button(intro, "rules_agree")
    running_app.driver.click(mentor, "rules_agree", agree["value"], channel_id=channel, message=intro)
    running_app.driver.click(mentor, "rules_agree", agree["value"], channel_id=channel, message=intro)  # double click
    running_app.driver.click("U0BOSS", "rules_agree", agree["value"], channel_id=channel, message=intro)  # outsider
    running_app.driver.click(mentee, "rules_agree", agree["value"], channel_id=channel, message=intro)
    agreed = wait_for(
        lambda: [m for m in running_app.slack.messages(channel) if "Ground rules agreed" in m.get("text", "")]
    )
    assert len(agreed) == 1
    with running_app.db.unit_of_work() as session:
        rules = session.scalars(select(GroundRules).join(Pair).where(Pair.channel_id == channel)).one()
        assert rules.agreed_at is not None
    home = wait_for(
        lambda: [
            c
            for c in running_app.slack.calls_to("views.publish")
            if c.params["user_id"] == mentee and "agreed by you both" in json.dumps(c.params["view"])
        ]
    )
    assert "Ground rules" in json.dumps(home[-1].params["view"])

    schedule = button(intro, "session_schedule_open")
    running_app.driver.click(mentor, "session_schedule_open", schedule["value"], channel_id=channel, message=intro)
    modal = wait_for(
        lambda: [
            c
            for c in running_app.slack.calls_to("views.open")
            if c.params["view"]["callback_id"] == "schedule_session_modal"
        ]
    )[-1].params["view"]
    past = int((SystemClock().now() - timedelta(days=1)).timestamp())
    reply = running_app.driver.submit_view(
        mentor, modal, {"when": {"value": {"type": "datetimepicker", "selected_date_time": past}}}
    )
    assert "passed" in reply.json()["errors"]["when"]
    # a weekday 14:00 UTC: inside 07:00-21:00 for London and New York, whenever the suite runs
    week_ahead = SystemClock().now().date() + timedelta(days=7)
    while week_ahead.weekday() >= 5:
        week_ahead += timedelta(days=1)
    future = int(datetime(week_ahead.year, week_ahead.month, week_ahead.day, 14, tzinfo=UTC).timestamp())
    reply = running_app.driver.submit_view(
        mentor, modal, {"when": {"value": {"type": "datetimepicker", "selected_date_time": future}}}
    )
    assert reply.status == 200 and reply.body == ""
    running_app.driver.submit_view(
        mentor, modal, {"when": {"value": {"type": "datetimepicker", "selected_date_time": future}}}
    )
    with running_app.db.unit_of_work() as session:
        stored = session.scalars(select(MentoringSession)).all()
    assert len(stored) == 1 and int(stored[0].scheduled_at.timestamp()) == future
    wait_for(
        lambda: [m for m in running_app.slack.messages(channel) if "scheduled a session" in json.dumps(m.get("blocks"))]
    )


def test_text_people_typed_is_escaped_in_the_intro(running_app: RunningApp) -> None:
    for user in EXTRA:
        running_app.slack.add_user(user)
    join(
        running_app,
        "U0LEE",
        role="mentee",
        level="7",
        department="<!channel> Marketing",
        offered=(),
        wanted=("Workplace culture",),
    )
    join(
        running_app,
        "U0KIM",
        role="mentor",
        level="2",
        department="Finance",
        offered=("Workplace culture",),
        perspectives="<https://evil.example|Your payslip>",
    )
    running_app.driver.command(ADMIN, "match")
    _approve(running_app)
    intro = wait_for(lambda: running_app.slack.messages(running_app.slack.dm_channel_id("U0KIM", "U0LEE")))[0]
    text = json.dumps(intro["blocks"])
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "<https://evil.example" not in text


def test_matching_with_nobody_waiting_says_what_to_do_instead_of_offering_nothing(running_app: RunningApp) -> None:
    running_app.driver.command(ADMIN, "match")
    proposal = wait_for(lambda: [m for m in running_app.slack.messages(ADMIN) if "proposal" in m.get("text", "")])
    text = json.dumps(proposal[-1]["blocks"])
    assert "Nobody to match yet" in text and "/reverse-mentor join" in text
    assert "match_approve" not in text


def test_an_intro_slack_refuses_is_reported_not_counted_as_sent(running_app: RunningApp) -> None:
    _cohort(running_app)
    running_app.driver.command(ADMIN, "match")
    running_app.slack.fail_next("conversations.open", error="user_disabled")  # one pair's group DM can't open
    message = _approve(running_app)
    final = wait_for(
        lambda: "could not be delivered" in json.dumps(running_app.slack.message(message["channel"], message["ts"]))
    )
    assert final
    assert "1 of 2 intros sent" in json.dumps(running_app.slack.message(message["channel"], message["ts"]))


def _local_hours_ok(start: datetime, zone: str) -> bool:
    """Inside 09:00-17:00 on a weekday (the default working hours), on that zone's wall clock, for an hour."""
    local = start.astimezone(ZoneInfo(zone))
    end = local + timedelta(hours=1)
    return local.weekday() < 5 and local.date() == end.date() and local.hour >= 9 and end.time() <= time(17)


def test_schedule_modal_offers_three_suggested_times_and_picking_one_schedules_it(running_app: RunningApp) -> None:
    _cohort(running_app)
    running_app.driver.command(ADMIN, "match")
    _approve(running_app)
    pairs = wait_for(lambda: len(pairs_of(running_app)) == 2 and pairs_of(running_app))
    zones = {u.id: u.tz for u in ROSTER + EXTRA}
    mentor, mentee = next(p for p in sorted(pairs) if "America/New_York" in (zones[p[0]], zones[p[1]]))
    assert {zones[mentor], zones[mentee]} == {"Europe/London", "America/New_York"}
    channel = running_app.slack.dm_channel_id(mentor, mentee)
    intro = wait_for(lambda: running_app.slack.messages(channel))[0]
    schedule = button(intro, "session_schedule_open")
    running_app.driver.click(mentor, "session_schedule_open", schedule["value"], channel_id=channel, message=intro)
    modal = wait_for(
        lambda: [
            c
            for c in running_app.slack.calls_to("views.open")
            if c.params["view"]["callback_id"] == "schedule_session_modal"
        ]
    )[-1].params["view"]
    suggested = next(b for b in modal["blocks"] if b.get("block_id") == "suggested")
    options = suggested["element"]["options"]
    assert len(options) == 3
    now = SystemClock().now()
    for opt in options:
        start = datetime.fromtimestamp(int(opt["value"]), tz=UTC)
        assert now < start < now + timedelta(days=14)
        assert _local_hours_ok(start, zones[mentor]) and _local_hours_ok(start, zones[mentee])
        # plain text in the reader's (the mentor's) own zone, written by the app
        local = start.astimezone(ZoneInfo(zones[mentor]))
        assert opt["text"]["type"] == "plain_text"
        assert opt["text"]["text"].startswith(f"{local:%a} {local.day} {local:%b}, {local:%H:%M}-")
    # typing a time is still possible: the picker is there, no longer required
    when = next(b for b in modal["blocks"] if b.get("block_id") == "when")
    assert when["optional"] is True and when["element"]["type"] == "datetimepicker"

    picked = options[1]
    reply = running_app.driver.submit_view(
        mentor, modal, {"suggested": {"value": {"type": "radio_buttons", "selected_option": picked}}}
    )
    assert reply.status == 200 and reply.body == ""
    with running_app.db.unit_of_work() as session:
        stored = session.scalars(select(MentoringSession)).all()
    assert len(stored) == 1 and int(stored[0].scheduled_at.timestamp()) == int(picked["value"])
    wait_for(
        lambda: [m for m in running_app.slack.messages(channel) if "scheduled a session" in json.dumps(m.get("blocks"))]
    )
