"""Opting in through real signed requests: /reverse-mentor join -> views.open -> view_submission -> stored."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from bot.simulation.signing import slack_time
from bot.simulation.standin import StandInUser
from storage.models import Participant, Person
from storage.queries.programmes import current_programme
from tests.support.flows import join, join_values, open_join_modal, wait_for
from tests.support.harness import RunningApp


def test_join_command_opens_the_modal_well_within_three_seconds(running_app: RunningApp) -> None:
    started = slack_time()  # the stand-in stamps calls with Slack's (real) time
    reply = running_app.driver.command("U0JUNIOR", "join")
    assert reply.status == 200
    assert reply.seconds < 1.0  # the ack itself
    call = wait_for(lambda: running_app.slack.calls_to("views.open"))[0]
    assert call.time - started < 3.0  # the stand-in stamps calls with wall-clock time
    view = call.params["view"]
    assert view["callback_id"] == "join_modal"
    block_ids = [b.get("block_id") for b in view["blocks"]]
    for required in ("role", "department", "level", "manager", "topics_offered", "topics_wanted", "consent"):
        assert required in block_ids
    # users.info prefilled the greeting with the person's Slack name
    assert "Jo Junior" in view["blocks"][0]["text"]["text"]


HOSTILE_NAME = "Eve <!channel> & <https://evil.example|your bank>"


def _mrkdwn_texts(payload: Any) -> Iterator[str]:
    """Every string Slack reads as mrkdwn: mrkdwn text objects, and a message's top-level `text`."""
    if isinstance(payload, dict):
        read_as_mrkdwn = payload.get("type") == "mrkdwn" or "channel" in payload
        if read_as_mrkdwn and isinstance(payload.get("text"), str):
            yield payload["text"]
        for value in payload.values():
            yield from _mrkdwn_texts(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from _mrkdwn_texts(value)


def test_a_slack_name_is_escaped_wherever_it_is_shown(running_app: RunningApp) -> None:
    running_app.slack.add_user(StandInUser(id="U0EVE", name="eve", real_name=HOSTILE_NAME))
    view = open_join_modal(running_app, "U0EVE")
    greeting = view["blocks"][0]["text"]
    assert greeting["type"] == "mrkdwn"
    assert "Hi Eve &lt;!channel&gt; &amp; &lt;https://evil.example|your bank&gt;!" in greeting["text"]
    join(running_app, "U0EVE")
    shown = [text for call in running_app.slack.calls for text in _mrkdwn_texts(call.params)]
    assert shown and not [text for text in shown if "<!channel>" in text or "<https://evil" in text]


def test_submitting_the_modal_stores_the_participant_and_joining_again_updates(
    running_app: RunningApp,
) -> None:
    reply = join(running_app, "U0JUNIOR", manager="U0BOSS")
    assert reply.status == 200 and reply.body == ""
    reply = join(running_app, "U0JUNIOR", department="Finance", manager="U0BOSS")
    assert reply.status == 200
    with running_app.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Participant)) == 1
        participant = session.scalars(select(Participant)).one()
        person = participant.person
        assert (participant.role, person.department, person.level) == ("mentor", "Finance", 2)
        assert participant.topics_offered == ["Data and AI tools", "Workplace culture"]
        assert person.tz == "Europe/London"
        # not in the org chart: the manager they typed is kept as self-reported, never as the chart's
        assert person.manager is None
        assert person.self_manager is not None and person.self_manager.slack_user_id == "U0BOSS"
    # one welcome for joining, then a note that the profile changed, never a second welcome
    told = wait_for(lambda: len(running_app.slack.messages("U0JUNIOR")) >= 2 and running_app.slack.messages("U0JUNIOR"))
    assert sorted(m["text"] for m in told) == [
        "Welcome to reverse mentoring! You'll hear from me when you're matched.",
        "Your profile is updated.",
    ]


def test_the_modal_reopens_prefilled_with_the_previous_answers(running_app: RunningApp) -> None:
    join(running_app, "U0JUNIOR", manager="U0BOSS")
    view = open_join_modal(running_app, "U0JUNIOR")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["department"]["element"]["initial_value"] == "Customer Service"
    assert blocks["level"]["element"]["initial_value"] == "2"
    assert blocks["manager"]["element"]["initial_user"] == "U0BOSS"
    assert blocks["role"]["element"]["initial_option"]["value"] == "mentor"


def test_missing_consent_and_naming_yourself_as_manager_are_inline_errors(running_app: RunningApp) -> None:
    view = open_join_modal(running_app, "U0JUNIOR")
    reply = running_app.driver.submit_view("U0JUNIOR", view, join_values(consent=False, manager="U0JUNIOR"))
    body = reply.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"consent", "manager"}
    with running_app.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Participant)) == 0


def test_over_long_text_and_a_non_number_level_are_inline_errors(running_app: RunningApp) -> None:
    view = open_join_modal(running_app, "U0JUNIOR")
    reply = running_app.driver.submit_view("U0JUNIOR", view, join_values(level="two", perspectives="x" * 501))
    errors = reply.json()["errors"]
    assert set(errors) == {"level", "perspectives"}
    assert "500" in errors["perspectives"]


def test_a_manager_who_reports_to_you_is_refused(running_app: RunningApp) -> None:
    join(running_app, "U0JUNIOR", manager="U0BOSS")
    view = open_join_modal(running_app, "U0BOSS")
    reply = running_app.driver.submit_view(
        "U0BOSS",
        view,
        join_values(role="mentee", level="6", manager="U0JUNIOR", offered=(), wanted=("Lived experience",)),
    )
    assert "reports to you" in reply.json()["errors"]["manager"]


def test_a_mentor_at_or_above_the_typical_mentee_level_is_asked_to_check(running_app: RunningApp) -> None:
    for user, level in (("U0SENIOR", "6"), ("U0BOSS", "7"), ("U0ADMIN", "6")):
        reply = join(running_app, user, role="mentee", level=level, offered=(), wanted=("Lived experience",))
        assert reply.body == "", reply.body
    view = open_join_modal(running_app, "U0JUNIOR")
    reply = running_app.driver.submit_view("U0JUNIOR", view, join_values(level="6"))
    assert "Did you mean to join as a mentee" in reply.json()["errors"]["level"]


def test_a_mentor_must_offer_a_topic_and_a_mentee_must_want_one(running_app: RunningApp) -> None:
    view = open_join_modal(running_app, "U0JUNIOR")
    reply = running_app.driver.submit_view("U0JUNIOR", view, join_values(offered=()))
    assert set(reply.json()["errors"]) == {"topics_offered"}


def test_app_home_shows_the_participants_status_and_an_edit_button(running_app: RunningApp) -> None:
    join(running_app, "U0JUNIOR")
    before = len(running_app.slack.calls_to("views.publish"))
    reply = running_app.driver.home_opened("U0JUNIOR")
    assert reply.status == 200
    call = wait_for(lambda: running_app.slack.calls_to("views.publish")[before:])[-1]
    assert call.params["user_id"] == "U0JUNIOR"
    text = str(call.params["view"])
    assert "Mentor" in text and "active" in text and "home_join" in text
    assert "Programme admin" not in text


def test_app_home_for_an_admin_has_the_admin_section(running_app: RunningApp) -> None:
    running_app.driver.home_opened("U0ADMIN")
    call = wait_for(lambda: running_app.slack.calls_to("views.publish"))[-1]
    assert "Programme admin" in str(call.params["view"])
    assert "Join the programme" in str(call.params["view"])
    assert "No digest channel yet" in str(call.params["view"])

    # with a channel, admins see when and where the next weekly digest goes
    with running_app.db.unit_of_work() as session:
        current_programme(session, running_app.driver.team_id).digest_channel = "C0DIGEST"
    before = len(running_app.slack.calls_to("views.publish"))
    running_app.driver.home_opened("U0ADMIN")
    view = str(wait_for(lambda: running_app.slack.calls_to("views.publish")[before:])[-1].params["view"])
    assert re.search(r"Next digest: <!date\^\d+\^[^>]+> in <#C0DIGEST>", view)


def test_people_are_scoped_by_team(running_app: RunningApp) -> None:
    join(running_app, "U0JUNIOR")
    with running_app.db.unit_of_work() as session:
        teams = set(session.scalars(select(Person.team_id)))
    assert teams == {running_app.driver.team_id}


def test_working_hours_default_to_weekdays_nine_to_five_and_can_be_stated(running_app: RunningApp) -> None:
    """Slack doesn't expose working hours: people state theirs (on their own clock); the schedule modal's
    suggested times keep inside them."""
    view = open_join_modal(running_app, "U0JUNIOR")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["working_hours"]["element"]["initial_value"] == "09:00-17:00"
    assert [o["value"] for o in blocks["working_days"]["element"]["initial_options"]] == ["0", "1", "2", "3", "4"]
    reply = running_app.driver.submit_view("U0JUNIOR", view, join_values(working_hours="17:00-09:00"))
    assert "09:00-17:00" in reply.json()["errors"]["working_hours"]
    reply = running_app.driver.submit_view(
        "U0JUNIOR", view, join_values(working_hours="7:30 - 15", working_days=(1, 3, 5))
    )
    assert reply.status == 200
    with running_app.db.unit_of_work() as session:
        participant = session.scalars(select(Participant)).one()
        assert (participant.working_hours, participant.working_days) == ("07:30-15:00", "135")
    again = {b.get("block_id"): b for b in open_join_modal(running_app, "U0JUNIOR")["blocks"]}
    assert again["working_hours"]["element"]["initial_value"] == "07:30-15:00"
    assert [o["value"] for o in again["working_days"]["element"]["initial_options"]] == ["1", "3", "5"]
