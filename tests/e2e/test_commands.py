"""The /reverse-mentor router: help, status, pause, resume, leave, admin refusals, unknown input."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.participants import enrolment as participants
from storage.models import CheckIn, Cohort, Pair, Participant, SurveyResponse
from storage.queries import participants as participants_queries
from storage.queries.programmes import current_programme
from tests.support.factories import add_session, make_pair
from tests.support.flows import holds_for, join, wait_for
from tests.support.harness import RunningApp

TEAM = "T0TEAM"


def test_unknown_subcommand_answers_with_help_privately(running_app: RunningApp) -> None:
    body = running_app.driver.command("U0JUNIOR", "frobnicate <!channel>").json()
    assert body["response_type"] == "ephemeral"
    text = str(body["blocks"])
    assert "I don't know `frobnicate`" in text and "/reverse-mentor join" in text
    assert "<!channel>" not in text
    assert "For programme admins" not in text


def test_empty_command_shows_help_and_admins_see_their_commands(running_app: RunningApp) -> None:
    body = running_app.driver.command("U0ADMIN", "").json()
    assert "For programme admins" in str(body["blocks"])


def test_status_before_and_after_joining(running_app: RunningApp) -> None:
    assert "haven't joined" in str(running_app.driver.command("U0JUNIOR", "status").json()["blocks"])
    join(running_app, "U0JUNIOR")
    text = str(running_app.driver.command("U0JUNIOR", "status").json()["blocks"])
    assert "mentor" in text and "not matched yet" in text


def test_pause_and_resume_change_the_status_and_say_so(running_app: RunningApp) -> None:
    assert "haven't joined" in running_app.driver.command("U0JUNIOR", "pause").json()["text"]
    join(running_app, "U0JUNIOR")
    assert "Paused" in running_app.driver.command("U0JUNIOR", "pause").json()["text"]
    assert "already paused" in running_app.driver.command("U0JUNIOR", "pause").json()["text"]
    with running_app.db.unit_of_work() as session:
        assert session.scalars(select(Participant.status)).one() == "paused"
    assert "Welcome back" in running_app.driver.command("U0JUNIOR", "resume").json()["text"]


def test_leave_asks_to_confirm_then_erases_answers_on_request(running_app: RunningApp) -> None:
    join(running_app, "U0JUNIOR", perspectives="Ask me about the night shift")
    _answer_a_closing_survey(running_app, "U0JUNIOR")
    body = running_app.driver.command("U0JUNIOR", "leave").json()
    actions = next(b for b in body["blocks"] if b["type"] == "actions")["elements"]
    assert {a["value"] for a in actions} == {"keep", "erase", "stay"}
    assert all("confirm" in a for a in actions if a["action_id"] == "leave_confirm")
    with running_app.db.unit_of_work() as session:
        assert session.scalars(select(Participant.status)).one() == "active"  # nothing happens before confirming
    published = len(running_app.slack.calls_to("views.publish"))
    running_app.driver.click("U0JUNIOR", "leave_confirm", "erase", block_id="leave")
    wait_for(lambda: running_app.slack.calls_to("views.publish")[published:])
    # the reply comes after the erasure's commit (a views.publish may be the join's own, arriving late)
    replies = wait_for(lambda: running_app.slack.response_url_posts)
    with running_app.db.unit_of_work() as session:
        participant = session.scalars(select(Participant)).one()
        assert (participant.status, participant.perspectives) == ("left", "")
        assert session.scalars(select(SurveyResponse)).all() == []
    assert [r["payload"]["text"] for r in replies] == [
        "You've left the programme and 1 of your check-in and survey answers were erased. Thank you for taking part."
    ]
    assert replies[0]["payload"]["replace_original"] is True
    # a second click finds nothing left to erase and leaves the first click's answer alone
    running_app.driver.click("U0JUNIOR", "leave_confirm", "erase", block_id="leave")
    holds_for(lambda: len(running_app.slack.response_url_posts) == 1, seconds=1.0)


def test_someone_who_left_is_not_revived_by_pause_or_resume_and_home_offers_only_joining(
    running_app: RunningApp,
) -> None:
    join(running_app, "U0JUNIOR")
    running_app.driver.click("U0JUNIOR", "leave_confirm", "keep", block_id="leave")
    wait_for(
        lambda: (
            participants.status_of(running_app.db, TEAM, "U0JUNIOR", running_app.services.clock.now()).status == "left"
        )
    )
    for sub in ("pause", "resume"):
        assert "join` to come back" in running_app.driver.command("U0JUNIOR", sub).json()["text"]
    published = len(running_app.slack.calls_to("views.publish"))
    running_app.driver.click("U0JUNIOR", "home_pause", "", container_type="view")
    home = wait_for(lambda: running_app.slack.calls_to("views.publish")[published:])[-1].params["view"]
    with running_app.db.unit_of_work() as session:
        assert session.scalars(select(Participant.status)).one() == "left"
    buttons = {e["action_id"] for b in home["blocks"] for e in b.get("elements", []) if "action_id" in e}
    assert "home_join" in buttons and not buttons & {"home_pause", "home_leave", "home_schedule", "home_log"}


def _answer_a_closing_survey(app: RunningApp, user_id: str) -> None:
    """The participant answered a closed cohort's closing survey (one answer to erase)."""
    with app.db.unit_of_work() as session:
        programme = current_programme(session, TEAM)
        participant = participants_queries.participant_by_slack_id(session, programme.id, user_id)
        assert participant is not None
        cohort = Cohort(
            team_id=TEAM, programme_id=programme.id, name="Spring", audience="everyone", status="closed",
            starts_at=datetime(2026, 1, 5, tzinfo=UTC), ends_at=datetime(2026, 6, 30, tzinfo=UTC), opened_by="U0ADMIN",
        )  # fmt: skip
        session.add(cohort)
        session.flush()
        session.add(
            SurveyResponse(team_id=TEAM, cohort_id=cohort.id, participant_id=participant.id, what_changed="My boss")
        )


def test_erasing_removes_ones_own_check_in_and_survey_answers_and_keeps_the_partners(
    running_app: RunningApp,
) -> None:
    db = running_app.db
    pair_id = make_pair(db, TEAM, "U0M1", "U0S1")
    meeting = add_session(db, TEAM, pair_id, datetime(2026, 11, 4, 14, tzinfo=UTC), state="held")
    with db.unit_of_work() as session:
        pair = session.get(Pair, pair_id)
        assert pair is not None
        for participant_id, side, action in (
            (pair.mentee_id, "senior", "Shadow the night shift"),
            (pair.mentor_id, "junior", None),
        ):
            session.add(
                CheckIn(team_id=TEAM, session_id=meeting, participant_id=participant_id, side=side, outcome="held",
                        rating=4, action=action, two_way="yes" if side == "junior" else None)
            )  # fmt: skip
    _answer_a_closing_survey(running_app, "U0S1")
    assert participants.erase(db, TEAM, "U0S1") == participants.Erasure(2, repeat=False)
    assert participants.erase(db, TEAM, "U0S1") == participants.Erasure(0, repeat=True)
    with db.unit_of_work() as session:
        assert session.scalars(select(SurveyResponse)).all() == []
        kept = session.scalars(select(CheckIn)).all()
        assert [(c.side, c.rating) for c in kept] == [("junior", 4)]  # the partner's own answer is theirs


def test_schedule_and_log_without_a_pair_answer_privately_and_home_offers_neither(running_app: RunningApp) -> None:
    join(running_app, "U0JUNIOR")
    for sub in ("schedule", "log"):
        body = running_app.driver.command("U0JUNIOR", sub).json()
        assert body["response_type"] == "ephemeral" and "don't have an active pair yet" in body["text"]
    assert not [
        c for c in running_app.slack.calls_to("views.open") if "session_modal" in c.params["view"]["callback_id"]
    ]
    published = len(running_app.slack.calls_to("views.publish"))
    running_app.driver.home_opened("U0JUNIOR")
    home = wait_for(lambda: running_app.slack.calls_to("views.publish")[published:])[-1].params["view"]
    buttons = {e["action_id"] for b in home["blocks"] for e in b.get("elements", []) if "action_id" in e}
    assert {"home_join", "home_pause", "home_leave"} <= buttons and not buttons & {"home_schedule", "home_log"}
