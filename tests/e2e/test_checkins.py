"""Sessions and check-ins through signed requests, the CLI job and the Web API stand-in."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.runtime.clock import SystemClock
from bot.sessions import checkins
from bot.sessions import scheduling as sessions
from bot.sessions.reconcile import Answer, Verdict, reconcile
from storage.models import CheckIn, MentoringSession, OutboxMessage, Pair
from tests.support.factories import working_afternoon
from tests.support.flows import button, join_and_match, run_job, wait_for
from tests.support.harness import ADMIN, RunningApp

MENTOR, MENTEE = "U0JUNIOR", "U0LEE"


# --- the rules, pure ------------------------------------------------------------------------------------


def test_held_when_one_says_held_and_nobody_cancelled() -> None:
    assert reconcile([Answer("junior", "held"), Answer("senior", None)]) == Verdict("held")


def test_a_cancellation_is_attributed_to_the_cancellers_own_answer_first() -> None:
    verdict = reconcile([Answer("senior", "they_cancelled"), Answer("junior", "i_cancelled")])
    assert verdict == Verdict("cancelled", cancelled_by="junior")
    verdict = reconcile([Answer("senior", "i_cancelled"), Answer("junior", "they_cancelled")])
    assert verdict == Verdict("cancelled", cancelled_by="senior")


def test_else_the_other_partys_answer_names_the_canceller() -> None:
    assert reconcile([Answer("junior", "they_cancelled"), Answer("senior", None)]) == Verdict("cancelled", "senior")
    assert reconcile([Answer("junior", "held"), Answer("senior", "they_cancelled")]) == Verdict("cancelled", "junior")


def test_a_reschedule_moves_the_session() -> None:
    when = datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert reconcile([Answer("junior", "rescheduled", when)]) == Verdict("rescheduled", rescheduled_to=when)
    assert reconcile([]) == Verdict("scheduled")


# --- through Slack ----------------------------------------------------------------------------------------


@pytest.fixture
def paired(running_app: RunningApp) -> tuple[RunningApp, int]:
    join_and_match(running_app, MENTOR, MENTEE)
    with running_app.db.unit_of_work() as session:
        pair_id = session.scalars(select(Pair.id)).one()
    return running_app, pair_id


def _session_at(app: RunningApp, pair_id: int, when: datetime) -> int:
    result = sessions.schedule(
        app.db, app.driver.team_id, pair_id, MENTOR, when, override_hours=True, now=when - timedelta(days=1)
    )
    assert result.ok and result.session_id
    return result.session_id


def _checkin_dm(app: RunningApp, user: str) -> dict[str, Any]:
    return wait_for(lambda: [m for m in app.slack.messages(user) if "How did your session" in m.get("text", "")])[-1]


def _details(app: RunningApp, user: str, message: dict[str, Any]) -> dict[str, Any]:
    before = len(app.slack.calls_to("views.open"))
    app.driver.click(
        user, "checkin_held", button(message, "checkin_held")["value"], channel_id=message["channel"], message=message
    )
    return wait_for(lambda: app.slack.calls_to("views.open")[before:])[0].params["view"]


def _fresh_home(app: RunningApp, user: str) -> str:
    """The App Home published for `user` after this moment's app_home_opened (not an older view)."""
    before = len(app.slack.calls_to("views.publish"))
    app.driver.home_opened(user)
    views = wait_for(lambda: [c for c in app.slack.calls_to("views.publish")[before:] if c.params["user_id"] == user])
    return json.dumps(views[-1].params["view"])


def test_a_passed_session_gets_one_private_checkin_per_party_once(
    paired: tuple[RunningApp, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app, pair_id = paired
    when = datetime(2026, 12, 1, 15, tzinfo=UTC)
    _session_at(app, pair_id, when)
    run_job(app, "checkins", when - timedelta(minutes=1), monkeypatch, tmp_path)
    assert [m for m in app.slack.messages() if "How did your session" in m.get("text", "")] == []
    run_job(app, "checkins", when + timedelta(hours=2), monkeypatch, tmp_path)
    run_job(app, "checkins", when + timedelta(hours=3), monkeypatch, tmp_path)  # replay: nothing new
    asked = [m for m in app.slack.messages() if "How did your session" in m.get("text", "")]
    assert sorted(m["requested_channel"] for m in asked) == sorted([MENTOR, MENTEE])
    with app.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(CheckIn)) == 2


def test_answers_are_stored_reconciled_by_side_and_replays_change_nothing(
    paired: tuple[RunningApp, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app, pair_id = paired
    when = datetime(2026, 12, 1, 15, tzinfo=UTC)
    session_id = _session_at(app, pair_id, when)
    run_job(app, "checkins", when + timedelta(hours=2), monkeypatch, tmp_path)

    junior_dm = _checkin_dm(app, MENTOR)
    modal = _details(app, MENTOR, junior_dm)
    blocks = [b["block_id"] for b in modal["blocks"]]
    assert blocks == ["rating", "two_way"]  # the junior is asked about two-way, not for an action
    bad = app.driver.submit_view(
        MENTOR,
        modal,
        {
            "rating": {"value": {"selected_option": {"value": "7"}}},
            "two_way": {"value": {"selected_option": {"value": "partly"}}},
        },
    )
    assert "rating" in bad.json()["errors"]
    good = {
        "rating": {"value": {"selected_option": {"value": "4"}}},
        "two_way": {"value": {"selected_option": {"value": "partly"}}},
    }
    assert app.driver.submit_view(MENTOR, modal, good).body == ""
    assert app.driver.submit_view(MENTOR, modal, good).body == ""  # a Slack retry / double submit
    updated = wait_for(lambda: "rating 4/5" in json.dumps(app.slack.message(junior_dm["channel"], junior_dm["ts"])))
    assert updated

    senior_dm = _checkin_dm(app, MENTEE)
    for _ in range(2):  # double click
        app.driver.click(
            MENTEE,
            "checkin_they_cancelled",
            button(senior_dm, "checkin_they_cancelled")["value"],
            channel_id=senior_dm["channel"],
            message=senior_dm,
        )
    wait_for(lambda: "partner cancelled" in json.dumps(app.slack.message(senior_dm["channel"], senior_dm["ts"])))
    app.driver.click(
        "U0BOSS", "checkin_i_cancelled", button(senior_dm, "checkin_i_cancelled")["value"], channel_id="D0X"
    )
    refusal = wait_for(
        lambda: [c for c in app.slack.calls_to("chat.postEphemeral") if "isn't yours" in c.params["text"]]
    )
    assert refusal
    with app.db.unit_of_work() as session:
        meeting = session.get(MentoringSession, session_id)
        assert (meeting.state, meeting.cancelled_by) == ("cancelled", "junior")
        answers = {c.side: c for c in session.scalars(select(CheckIn))}
        assert len(answers) == 2
        assert (answers["junior"].rating, answers["junior"].two_way) == (4, "partly")
        assert answers["senior"].outcome == "they_cancelled"


def test_a_senior_must_name_an_action_and_it_stays_private(
    paired: tuple[RunningApp, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app, pair_id = paired
    when = datetime(2026, 12, 1, 15, tzinfo=UTC)
    _session_at(app, pair_id, when)
    run_job(app, "checkins", when + timedelta(hours=2), monkeypatch, tmp_path)
    senior_dm = _checkin_dm(app, MENTEE)
    modal = _details(app, MENTEE, senior_dm)
    assert [b["block_id"] for b in modal["blocks"]] == ["rating", "action"]
    rating = {"rating": {"value": {"selected_option": {"value": "5"}}}}
    assert (
        "action"
        in app.driver.submit_view(MENTEE, modal, {**rating, "action": {"value": {"value": ""}}}).json()["errors"]
    )
    too_long = {**rating, "action": {"value": {"value": "x" * 301}}}
    assert "300" in app.driver.submit_view(MENTEE, modal, too_long).json()["errors"]["action"]
    secret = "Sponsor the junior network's <!channel> idea"
    assert app.driver.submit_view(MENTEE, modal, {**rating, "action": {"value": {"value": secret}}}).body == ""
    wait_for(lambda: "Sponsor" in json.dumps(app.slack.message(senior_dm["channel"], senior_dm["ts"])))
    # the partner never sees it: not in anything sent to the mentor, nor any channel but the senior's DM
    home = _fresh_home(app, MENTOR)
    assert "Your sessions" in home  # the view published after the answer, listing this very session
    to_mentor = json.dumps([m for m in app.slack.messages() if m["channel"] != senior_dm["channel"]])
    to_mentor += json.dumps([c.params for c in app.slack.calls_to("views.publish") if c.params["user_id"] == MENTOR])
    assert "Sponsor" not in to_mentor
    assert "Sponsor" in _fresh_home(app, MENTEE)  # ... while the senior's own App Home shows it
    assert "<!channel>" not in json.dumps(app.slack.message(senior_dm["channel"], senior_dm["ts"]))


def test_a_reschedule_answer_creates_the_new_session_and_closes_the_old(
    paired: tuple[RunningApp, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app, pair_id = paired
    when = working_afternoon() - timedelta(hours=2)
    session_id = _session_at(app, pair_id, when)
    run_job(app, "checkins", working_afternoon(), monkeypatch, tmp_path)
    dm = _checkin_dm(app, MENTOR)
    before = len(app.slack.calls_to("views.open"))
    app.driver.click(
        MENTOR, "checkin_rescheduled", button(dm, "checkin_rescheduled")["value"], channel_id=dm["channel"], message=dm
    )
    modal = wait_for(lambda: app.slack.calls_to("views.open")[before:])[0].params["view"]
    new_time = int((SystemClock().now() + timedelta(days=3)).timestamp())
    for _ in range(2):
        reply = app.driver.submit_view(MENTOR, modal, {"when": {"value": {"selected_date_time": new_time}}})
        assert reply.body == ""
    with app.db.unit_of_work() as session:
        old = session.get(MentoringSession, session_id)
        assert old.state == "rescheduled" and old.rescheduled_to_id is not None
        new = session.get(MentoringSession, old.rescheduled_to_id)
        assert int(new.scheduled_at.timestamp()) == new_time and new.state == "scheduled"
        assert session.scalar(select(func.count()).select_from(MentoringSession)) == 2


def test_scheduling_outside_hours_warns_and_can_be_overridden(paired: tuple[RunningApp, int]) -> None:
    app, pair_id = paired
    late = datetime(2027, 1, 12, 11, 30, tzinfo=UTC)  # 11:30 in London, 06:30 in New York for Lee
    now = app.services.clock.now()
    result = sessions.schedule(app.db, app.driver.team_id, pair_id, MENTOR, late, now=now)
    assert not result.ok and result.warning and "Lee Senior" in result.error
    assert sessions.schedule(app.db, app.driver.team_id, pair_id, MENTOR, late, override_hours=True, now=now).ok


def test_schedule_and_log_commands_open_their_modals(paired: tuple[RunningApp, int]) -> None:
    app, _pair_id = paired
    app.driver.command(MENTOR, "schedule")
    app.driver.command(MENTOR, "log")
    wanted = {"schedule_session_modal", "log_session_modal"}
    # The two commands' modals open in either order (the schedule modal works out suggested times first).
    views = wait_for(
        lambda: (
            wanted <= {c.params["view"]["callback_id"] for c in app.slack.calls_to("views.open")}
            and app.slack.calls_to("views.open")
        )
    )
    assert {c.params["view"]["callback_id"] for c in views} >= wanted
    log_view = next(c.params["view"] for c in views if c.params["view"]["callback_id"] == "log_session_modal")
    future = int((SystemClock().now() + timedelta(days=1)).timestamp())
    assert (
        "future"
        in app.driver.submit_view(MENTOR, log_view, {"when": {"value": {"selected_date_time": future}}}).json()[
            "errors"
        ]["when"]
    )
    past = int((SystemClock().now() - timedelta(days=1)).timestamp())
    assert app.driver.submit_view(MENTOR, log_view, {"when": {"value": {"selected_date_time": past}}}).body == ""
    # the person logging it is asked straight away; the partner too, unless it is their quiet hours
    asked = wait_for(lambda: [m for m in app.slack.messages(MENTOR) if "How did your session" in m.get("text", "")])
    assert len(asked) == 1
    with app.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(CheckIn)) == 2


def test_logging_a_session_asks_about_that_session_only_and_keeps_the_partners_quiet_hours(
    paired: tuple[RunningApp, int],
) -> None:
    app, pair_id = paired
    team = app.driver.team_id
    night_in_new_york = datetime(2026, 11, 18, 5, tzinfo=UTC)  # 00:00 for the mentee, 05:00 UTC for the mentor
    due = _session_at(app, pair_id, night_in_new_york - timedelta(days=2))  # the scheduled job's to ask about
    logged = sessions.log_past(
        app.db, team, pair_id, MENTOR, night_in_new_york - timedelta(hours=2), now=night_in_new_york
    )
    assert logged.created and logged.session_id is not None
    assert checkins.dispatch_logged(app.db, logged.session_id, MENTOR, now=night_in_new_york) == 2
    assert checkins.dispatch_logged(app.db, logged.session_id, MENTOR, now=night_in_new_york) == 0  # a retry
    with app.db.unit_of_work() as session:
        asked = session.scalars(select(CheckIn)).all()
        assert {c.session_id for c in asked} == {logged.session_id}  # the other session waits for the job
        due_at = {m.dedupe_key: m.not_before for m in session.scalars(select(OutboxMessage))}
        by_side = {c.side: due_at[f"checkin:{c.id}"] for c in asked}
        assert by_side["junior"] <= night_in_new_york < by_side["senior"]
        assert session.get(MentoringSession, due).checkins_sent_at is None


def test_app_home_shows_history_with_own_answers(
    paired: tuple[RunningApp, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app, pair_id = paired
    when = working_afternoon() - timedelta(hours=3)
    _session_at(app, pair_id, when)
    run_job(app, "checkins", working_afternoon(), monkeypatch, tmp_path)
    dm = _checkin_dm(app, MENTOR)
    app.driver.click(
        MENTOR, "checkin_i_cancelled", button(dm, "checkin_i_cancelled")["value"], channel_id=dm["channel"], message=dm
    )
    wait_for(lambda: "you cancelled" in json.dumps(app.slack.message(dm["channel"], dm["ts"])))
    app.driver.home_opened(MENTOR)
    home = wait_for(
        lambda: [
            c
            for c in app.slack.calls_to("views.publish")
            if c.params["user_id"] == MENTOR and "Your sessions" in json.dumps(c.params["view"])
        ]
    )
    text = json.dumps(home[-1].params["view"])
    assert "you said you cancelled" in text
    for action in ("home_schedule", "home_log", "home_pause", "home_leave"):
        assert action in text


def test_app_home_shows_each_person_their_own_answer_never_what_the_partners_answer_made_of_it(
    paired: tuple[RunningApp, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app, pair_id = paired
    when = working_afternoon() - timedelta(hours=3)
    session_id = _session_at(app, pair_id, when)
    run_job(app, "checkins", working_afternoon(), monkeypatch, tmp_path)
    senior_dm, junior_dm = _checkin_dm(app, MENTEE), _checkin_dm(app, MENTOR)
    modal = _details(app, MENTEE, senior_dm)
    held = {"rating": {"value": {"selected_option": {"value": "5"}}}, "action": {"value": {"value": "Ask first"}}}
    assert app.driver.submit_view(MENTEE, modal, held).body == ""
    wait_for(lambda: "5/5" in json.dumps(app.slack.message(senior_dm["channel"], senior_dm["ts"])))

    junior_home = _fresh_home(app, MENTOR)  # the senior said held: the junior, yet to answer, is not told so
    assert "waiting for your check-in" in junior_home
    assert ": held" not in junior_home and "5/5" not in junior_home

    app.driver.click(
        MENTOR,
        "checkin_they_cancelled",
        button(junior_dm, "checkin_they_cancelled")["value"],
        channel_id=junior_dm["channel"],
        message=junior_dm,
    )
    wait_for(lambda: "your partner cancelled" in json.dumps(app.slack.message(junior_dm["channel"], junior_dm["ts"])))
    with app.db.unit_of_work() as session:  # the junior's private answer decides what the session counts as ...
        meeting = session.get(MentoringSession, session_id)
        assert (meeting.state, meeting.cancelled_by) == ("cancelled", "senior")
    senior_home = _fresh_home(app, MENTEE)  # ... and the senior sees their own answer, not the junior's
    assert "you said it happened" in senior_home and "you rated it 5/5" in senior_home
    assert "cancel" not in senior_home.lower()
    junior_home = _fresh_home(app, MENTOR)
    assert "you said your partner cancelled" in junior_home
    assert "5/5" not in junior_home and "it happened" not in junior_home
    # the check-in DM says where answers go, instead of "only you"
    uses = json.dumps(junior_dm["blocks"][-1])
    assert "Only you" not in uses and "published counts" in uses and "pairs at risk" in uses


def test_reminders_repeat_the_ground_rules_once(
    paired: tuple[RunningApp, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app, pair_id = paired
    when = datetime(2026, 12, 1, 15, tzinfo=UTC)
    _session_at(app, pair_id, when)
    for hours in (30, 20, 10):
        run_job(app, "reminders", when - timedelta(hours=hours), monkeypatch, tmp_path)
    reminders = [m for m in app.slack.messages() if m.get("text", "").startswith("Reminder")]
    assert sorted(m["requested_channel"] for m in reminders) == sorted([MENTOR, MENTEE])
    assert all("Where we meet" in json.dumps(m["blocks"]) for m in reminders)


def test_leaving_mid_pair_tells_the_partner_kindly_and_closes_the_pair(paired: tuple[RunningApp, int]) -> None:
    app, _pair_id = paired
    app.driver.command(MENTEE, "leave")
    app.driver.click(MENTEE, "leave_confirm", "keep", block_id="leave")
    told = wait_for(lambda: [m for m in app.slack.messages(MENTOR) if "stepped back" in m.get("text", "")])
    assert len(told) == 1
    with app.db.unit_of_work() as session:
        assert session.scalars(select(Pair.status)).one() == "ended"


def test_a_junior_asking_for_a_new_partner_tells_admins_but_not_the_senior_why(paired: tuple[RunningApp, int]) -> None:
    app, pair_id = paired
    app.driver.click(MENTEE, "pair_request_new", json.dumps({"pair": pair_id}), container_type="view")
    wait_for(lambda: [m for m in app.slack.messages(MENTEE) if "Only the mentor" in m.get("text", "")])
    app.driver.click(MENTOR, "pair_request_new", json.dumps({"pair": pair_id}), container_type="view")
    admin_note = wait_for(
        lambda: [m for m in app.slack.messages(ADMIN) if "asked for a new partner" in m.get("text", "")]
    )
    assert MENTOR in admin_note[0]["text"]
    senior_note = wait_for(lambda: [m for m in app.slack.messages(MENTEE) if "has closed" in m.get("text", "")])
    assert "asked" not in senior_note[0]["text"] and MENTOR not in senior_note[0]["text"]
    with app.db.unit_of_work() as session:
        assert session.scalars(select(Pair.status)).one() == "ended"


def test_a_checkin_due_in_someones_quiet_hours_waits_for_their_morning(
    paired: tuple[RunningApp, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from storage.models import OutboxMessage

    app, pair_id = paired
    when = datetime(2026, 12, 2, 19, 30, tzinfo=UTC)  # a Wednesday
    _session_at(app, pair_id, when)
    run_job(app, "checkins", datetime(2026, 12, 2, 21, 0, tzinfo=UTC), monkeypatch, tmp_path)
    asked = [m for m in app.slack.messages() if "How did your session" in m.get("text", "")]
    assert [m["requested_channel"] for m in asked] == [MENTEE]  # 16:00 in New York; 21:00 in London waits
    with app.db.unit_of_work() as session:
        waiting = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")).one()
        assert waiting.payload["channel"] == MENTOR
        assert waiting.not_before == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)  # 08:00 London, the next weekday
