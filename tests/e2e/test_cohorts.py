"""Running cohorts from Slack: open, join within the audience, close with a survey, carry over, no repeats;
follow-ups of seniors' actions; mentor support on App Home."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.matching import rounds as match_flow
from bot.messages.help import NOT_ADMIN
from bot.runtime.clock import SystemClock
from bot.sessions import checkins, follow_ups
from bot.simulation.standin import StandInUser
from storage.models import ActionFollowUp, CheckIn, Cohort, Pair, Participant, SurveyResponse
from tests.support.factories import add_session, working_afternoon
from tests.support.flows import button, join, pairs_of, wait_for
from tests.support.harness import ADMIN, RunningApp, services_at

EXTRA = (
    StandInUser(id="U0KIM", name="kim", real_name="Kim Finance"),
    StandInUser(id="U0LEE", name="lee", real_name="Lee Marketing"),
)


def _open_cohort(app: RunningApp, name: str, audience: str = "everyone", user: str = ADMIN) -> Any:
    before = len(app.slack.calls_to("views.open"))
    app.driver.command(ADMIN, "cohort open")
    view = wait_for(lambda: app.slack.calls_to("views.open")[before:])[0].params["view"]
    values = {
        "name": {"value": {"type": "plain_text_input", "value": name}},
        "starts": {"value": {"type": "datepicker", "selected_date": "2027-01-04"}},
        "ends": {"value": {"type": "datepicker", "selected_date": "2027-06-30"}},
        "audience": {"value": {"type": "radio_buttons", "selected_option": {"value": audience}}},
    }
    return app.driver.submit_view(user, view, values)


def _four(app: RunningApp) -> None:
    for user in EXTRA:
        app.slack.add_user(user)
    join(app, "U0SENIOR", role="mentee", level="6", department="Operations", offered=(), wanted=("Workplace culture",))
    join(app, "U0LEE", role="mentee", level="7", department="Marketing", offered=(), wanted=("Workplace culture",))
    join(app, "U0JUNIOR", role="mentor", level="2", department="Customer Service", offered=("Workplace culture",))
    join(app, "U0KIM", role="mentor", level="2", department="Finance", offered=("Workplace culture",))


def _match(app: RunningApp) -> None:
    run = match_flow.propose(app.db, app.driver.team_id, ADMIN)
    match_flow.approve(app.db, app.driver.team_id, run.id, ADMIN)


def test_an_admin_opens_a_cohort_that_adopts_everyone_already_in(running_app: RunningApp) -> None:
    _four(running_app)
    assert _open_cohort(running_app, "Spring 2027").body == ""
    with running_app.db.unit_of_work() as session:
        cohort = session.scalars(select(Cohort)).one()
        assert (cohort.name, cohort.status, cohort.audience) == ("Spring 2027", "open", "everyone")
        assert set(session.scalars(select(Participant.cohort_id))) == {cohort.id}
    again = _open_cohort(running_app, "Another")
    assert "still open" in again.json()["errors"]["name"]


def test_a_cohort_name_cannot_ping_the_channel_or_spoof_a_link(running_app: RunningApp) -> None:
    name = "<!channel> <https://evil.example|Survey>"
    assert _open_cohort(running_app, name).body == ""
    opened = wait_for(lambda: [m for m in running_app.slack.messages(ADMIN) if "Opened" in m.get("text", "")])[0]
    assert "<!channel>" not in opened["text"] and "<https://" not in opened["text"]
    assert "&lt;!channel&gt;" in opened["text"]
    status = running_app.driver.command(ADMIN, "cohort").json()["text"]
    assert "<!channel>" not in status and "&lt;!channel&gt;" in status


def test_bad_cohort_dates_and_a_forged_submission_are_refused(running_app: RunningApp) -> None:
    before = len(running_app.slack.calls_to("views.open"))
    running_app.driver.command(ADMIN, "cohort open")
    view = wait_for(lambda: running_app.slack.calls_to("views.open")[before:])[0].params["view"]
    backwards = {
        "name": {"value": {"value": "Backwards"}},
        "starts": {"value": {"selected_date": "2027-06-30"}},
        "ends": {"value": {"selected_date": "2027-01-04"}},
        "audience": {"value": {"selected_option": {"value": "everyone"}}},
    }
    assert "after the start" in running_app.driver.submit_view(ADMIN, view, backwards).json()["errors"]["ends"]
    assert "admins" in _open_cohort(running_app, "Forged", user="U0JUNIOR").json()["errors"]["name"]
    with running_app.db.unit_of_work() as session:
        assert session.scalars(select(Cohort)).all() == []
    assert running_app.driver.command("U0JUNIOR", "cohort open").json()["text"] == NOT_ADMIN


def test_a_mentors_only_cohort_refuses_a_mentee_joining(running_app: RunningApp) -> None:
    _open_cohort(running_app, "Mentors first", audience="mentors")
    reply = join(running_app, "U0SENIOR", role="mentee", level="6", offered=(), wanted=("Workplace culture",))
    assert "mentors only" in reply.json()["errors"]["role"]


def test_closing_ends_pairs_kindly_surveys_everyone_and_the_next_cohort_never_repeats_a_pair(
    running_app: RunningApp,
) -> None:
    _four(running_app)
    _open_cohort(running_app, "Spring 2027")
    _match(running_app)
    first_pairs = pairs_of(running_app, "active")
    assert len(first_pairs) == 2

    running_app.driver.command(ADMIN, "cohort close")
    running_app.driver.click(ADMIN, "cohort_close", "close")
    wait_for(lambda: [m for m in running_app.slack.messages(ADMIN) if "sent the survey" in m.get("text", "")])
    assert pairs_of(running_app, "active") == set() and pairs_of(running_app, "ended") == first_pairs

    def sent(words: str) -> list[dict[str, Any]]:
        return [m for m in running_app.slack.messages() if words in m.get("text", "")]

    wait_for(lambda: len(sent("has closed, and with it")) == 4 and len(sent("Three quick questions")) == 4)
    time.sleep(0.3)
    assert len(sent("has closed, and with it")) == 4
    invites = sent("Three quick questions")
    assert len(invites) == 4

    # a senior answers, including the after-rating that measures the change since joining
    invite = next(m for m in invites if m["requested_channel"] == "U0LEE")
    before = len(running_app.slack.calls_to("views.open"))
    running_app.driver.click("U0LEE", "cohort_survey_open", button(invite, "cohort_survey_open")["value"])
    survey = wait_for(lambda: running_app.slack.calls_to("views.open")[before:])[0].params["view"]
    assert [b["block_id"] for b in survey["blocks"]] == ["would_again", "what_changed", "self_rating"]
    answers = {
        "would_again": {"value": {"selected_option": {"value": "yes"}}},
        "what_changed": {"value": {"value": "I now ask the front line first."}},
        "self_rating": {"value": {"selected_option": {"value": "4"}}},
    }
    assert running_app.driver.submit_view("U0LEE", survey, answers).body == ""
    with running_app.db.unit_of_work() as session:
        answered = session.scalars(select(SurveyResponse).where(SurveyResponse.answered_at.is_not(None))).one()
        assert (answered.would_again, answered.self_rating_after) == ("yes", 4)

    # the next cohort: everyone is invited to carry over, and matching avoids the former pairs
    assert _open_cohort(running_app, "Autumn 2027").body == ""
    carry = wait_for(
        lambda: (
            len([m for m in running_app.slack.messages() if "carry on" in m.get("text", "")]) == 4
            and [m for m in running_app.slack.messages() if "carry on" in m.get("text", "")]
        )
    )
    for message in carry:
        user = message["requested_channel"]
        running_app.driver.click(user, "cohort_carry_over", button(message, "cohort_carry_over")["value"])
    wait_for(
        lambda: len([m for m in running_app.slack.messages() if "You're in 'Autumn 2027'" in m.get("text", "")]) == 4
    )
    _match(running_app)
    assert pairs_of(running_app, "active").isdisjoint(first_pairs)


def test_a_seniors_action_is_followed_up_at_30_and_60_days_until_done(running_app: RunningApp) -> None:
    _four(running_app)
    _match(running_app)
    with running_app.db.unit_of_work() as session:
        pair = session.scalars(select(Pair).join(Participant, Participant.id == Pair.mentee_id)).first()
        pair_id, mentee_user = pair.id, pair.mentee.person.slack_user_id
    when = SystemClock().now() - timedelta(days=40)
    add_session(running_app.db, running_app.driver.team_id, pair_id, when)
    checkins.dispatch(running_app.db, when + timedelta(hours=2))
    with running_app.db.unit_of_work() as session:
        senior = session.scalars(select(CheckIn).where(CheckIn.side == "senior")).one()
        senior_id = senior.id
    assert (
        checkins.record_details(
            running_app.db, running_app.driver.team_id, senior_id, mentee_user, 5, "Visit a branch", None
        )
        == {}
    )
    with running_app.db.unit_of_work() as session:
        session.get(CheckIn, senior_id).answered_at = when + timedelta(hours=3)

    now = SystemClock().now()
    assert follow_ups.queue_follow_ups(running_app.db, now) == 1
    assert follow_ups.queue_follow_ups(running_app.db, now) == 0  # once per milestone
    with running_app.db.unit_of_work() as session:
        follow_up = session.scalars(select(ActionFollowUp)).one()
        assert follow_up.day == 30
    assert follow_ups.answer(running_app.db, running_app.driver.team_id, follow_up.id, "U0KIM", "done") is None
    assert follow_ups.answer(running_app.db, running_app.driver.team_id, follow_up.id, mentee_user, "in_progress")
    assert follow_ups.queue_follow_ups(running_app.db, now + timedelta(days=30)) == 1  # the 60-day one
    with running_app.db.unit_of_work() as session:
        sixty = session.scalars(select(ActionFollowUp).where(ActionFollowUp.day == 60)).one()
    follow_ups.answer(running_app.db, running_app.driver.team_id, sixty.id, mentee_user, "done")
    assert follow_ups.queue_follow_ups(running_app.db, now + timedelta(days=60)) == 0  # done: no 90-day ask


def test_a_follow_up_dm_is_answered_privately_from_its_buttons(running_app: RunningApp) -> None:
    _four(running_app)
    _match(running_app)
    with running_app.db.unit_of_work() as session:
        pair = session.scalars(select(Pair)).first()
        pair_id, mentee_user = pair.id, pair.mentee.person.slack_user_id
    when = working_afternoon() - timedelta(days=31)
    add_session(running_app.db, running_app.driver.team_id, pair_id, when)
    checkins.dispatch(running_app.db, when + timedelta(hours=1))
    with running_app.db.unit_of_work() as session:
        senior = session.scalars(select(CheckIn).where(CheckIn.side == "senior")).one()
        senior.action, senior.rating, senior.outcome = "Open the data <!channel> course", 4, "held"
        senior.answered_at = when + timedelta(hours=2)
    from bot.runtime.jobs import run_follow_ups

    with services_at(running_app, working_afternoon()) as services:
        run_follow_ups(services)
    dm = wait_for(
        lambda: [m for m in running_app.slack.messages(mentee_user) if "you planned to" in m.get("text", "")]
    )[0]
    assert "<!channel>" not in json.dumps(dm["blocks"])
    running_app.driver.click(
        mentee_user, "follow_up_done", button(dm, "follow_up_done")["value"], channel_id=dm["channel"], message=dm
    )
    wait_for(lambda: "is done" in json.dumps(running_app.slack.message(dm["channel"], dm["ts"])))
    with running_app.db.unit_of_work() as session:
        assert session.scalars(select(ActionFollowUp.answer)).one() == "done"


def test_mentors_see_conversation_guides_for_their_topics_on_app_home(running_app: RunningApp) -> None:
    _four(running_app)
    running_app.driver.home_opened("U0KIM")
    home = wait_for(
        lambda: [
            c
            for c in running_app.slack.calls_to("views.publish")
            if c.params["user_id"] == "U0KIM" and "Leading your sessions" in json.dumps(c.params["view"])
        ]
    )
    text = json.dumps(home[-1].params["view"])
    assert "Workplace culture" in text and "Ground-rule tips" in text
    running_app.driver.home_opened("U0LEE")
    senior = wait_for(
        lambda: [c for c in running_app.slack.calls_to("views.publish") if c.params["user_id"] == "U0LEE"]
    )
    assert "Leading your sessions" not in json.dumps(senior[-1].params["view"])


def test_closing_when_no_cohort_is_open_says_so_before_asking_to_confirm(running_app: RunningApp) -> None:
    body = running_app.driver.command(ADMIN, "cohort close").json()
    assert body["response_type"] == "ephemeral" and "no open cohort" in body["text"]
    assert "blocks" not in body  # no confirmation prompt for nothing
