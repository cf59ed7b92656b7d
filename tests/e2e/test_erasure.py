"""Erase means erase (issue 13, part 3; docs/privacy.md, "What erase removes").

A senior types a distinctive string into every free-text field a person can fill, through Slack: the join
modal (department, not being in the org chart; perspectives; off-limits), the ground rules edit, the
check-in's action, the closing survey, and answers a 30-day follow-up. A 60-day follow-up is left queued
(its DM waits for the morning). Then "Leave and erase", then every job runs (follow-ups at 30, 60 and 90
days included, the outbox, retention). Afterwards the string is in no text or JSON column of any table
(found by reflecting the database, on SQLite and PostgreSQL), in nothing sent to Slack after the erase, and
in no message Slack still shows.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, LargeBinary, MetaData, String, Text, func, select
from sqlalchemy.exc import IntegrityError

from bot.matching import rounds as match_flow
from bot.sessions import scheduling as sessions
from storage.db import Database
from storage.models import CheckIn, MentoringSession, OutboxMessage, Pair, Participant
from tests.support.flows import button, join_values, open_join_modal, run_job, wait_for
from tests.support.harness import ADMIN, RunningApp

SENIOR, JUNIOR = "U0SENIOR", "U0JUNIOR"
MARK = "Qx9erase"  # in every string the senior types, and in nothing else
TYPED = {
    "department": f"{MARK} Skunkworks",
    "perspectives": f"{MARK} perspectives: I grew up on a farm & <b>love</b> tractors",
    "off_limits": f"{MARK} off-limits: my divorce",
    "topics": f"{MARK} rules topics",
    "rules_off_limits": f"{MARK} rules off-limits",
    "meeting_place": f"{MARK} the rooftop garden",
    "frequency": f"{MARK} every other Thursday",
    "confidentiality": f"{MARK} Chatham House",
    "action": f"{MARK} action: sit with the night shift",
    "what_changed": f"{MARK} survey: I listen first now",
}


def _at(day: datetime, hour: int) -> datetime:
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def _sent(app: RunningApp, words: str, channel: str | None = None) -> list[dict[str, Any]]:
    return [m for m in app.slack.messages(channel) if words in json.dumps(m)]


def _join_senior(app: RunningApp) -> None:
    view = open_join_modal(app, SENIOR)
    values = join_values(
        role="mentee",
        level="7",
        department=TYPED["department"],
        offered=(),
        wanted=("Workplace culture",),
        perspectives=TYPED["perspectives"],
    )
    values["off_limits"] = {"value": {"type": "plain_text_input", "value": TYPED["off_limits"]}}
    assert app.driver.submit_view(SENIOR, view, values).body == ""


def _join_junior(app: RunningApp) -> None:
    view = open_join_modal(app, JUNIOR)
    values = join_values(role="mentor", level="2", department="Finance", offered=("Workplace culture",))
    assert app.driver.submit_view(JUNIOR, view, values).body == ""


def _open_cohort(app: RunningApp) -> None:
    before = len(app.slack.calls_to("views.open"))
    app.driver.command(ADMIN, "cohort open")
    view = wait_for(lambda: app.slack.calls_to("views.open")[before:])[0].params["view"]
    values = {
        "name": {"value": {"type": "plain_text_input", "value": "Spring"}},
        "starts": {"value": {"type": "datepicker", "selected_date": "2026-01-05"}},
        "ends": {"value": {"type": "datepicker", "selected_date": "2027-12-31"}},
        "audience": {"value": {"type": "radio_buttons", "selected_option": {"value": "everyone"}}},
    }
    assert app.driver.submit_view(ADMIN, view, values).body == ""


def _edit_ground_rules(app: RunningApp) -> None:
    intro = wait_for(lambda: _sent(app, "Meet your reverse mentoring partner"))[-1]
    before = len(app.slack.calls_to("views.open"))
    edit = button(intro, "rules_edit")
    app.driver.click(SENIOR, "rules_edit", edit["value"], channel_id=intro["channel"], message=intro)
    view = wait_for(lambda: app.slack.calls_to("views.open")[before:])[0].params["view"]
    fields = {
        "topics": TYPED["topics"],
        "off_limits": TYPED["rules_off_limits"],
        "meeting_place": TYPED["meeting_place"],
        "frequency": TYPED["frequency"],
        "confidentiality": TYPED["confidentiality"],
    }
    values = {name: {"value": {"type": "plain_text_input", "value": text}} for name, text in fields.items()}
    assert app.driver.submit_view(SENIOR, view, values).body == ""
    wait_for(lambda: _sent(app, TYPED["meeting_place"]))


def _answer_check_ins(app: RunningApp) -> None:
    senior_dm = wait_for(lambda: _sent(app, "How did your session", SENIOR))[-1]
    before = len(app.slack.calls_to("views.open"))
    app.driver.click(
        SENIOR, "checkin_held", button(senior_dm, "checkin_held")["value"], channel_id=senior_dm["channel"],
        message=senior_dm,
    )  # fmt: skip
    modal = wait_for(lambda: app.slack.calls_to("views.open")[before:])[0].params["view"]
    answers = {
        "rating": {"value": {"selected_option": {"value": "5"}}},
        "action": {"value": {"value": TYPED["action"]}},
    }
    assert app.driver.submit_view(SENIOR, modal, answers).body == ""
    wait_for(lambda: MARK in json.dumps(app.slack.message(senior_dm["channel"], senior_dm["ts"])))
    junior_dm = wait_for(lambda: _sent(app, "How did your session", JUNIOR))[-1]
    before = len(app.slack.calls_to("views.open"))
    app.driver.click(
        JUNIOR, "checkin_held", button(junior_dm, "checkin_held")["value"], channel_id=junior_dm["channel"],
        message=junior_dm,
    )  # fmt: skip
    modal = wait_for(lambda: app.slack.calls_to("views.open")[before:])[0].params["view"]
    answers = {
        "rating": {"value": {"selected_option": {"value": "4"}}},
        "two_way": {"value": {"selected_option": {"value": "yes"}}},
    }
    assert app.driver.submit_view(JUNIOR, modal, answers).body == ""
    wait_for(lambda: "rating 4/5" in json.dumps(app.slack.message(junior_dm["channel"], junior_dm["ts"])))


def _answer_follow_up(app: RunningApp) -> None:
    follow_up = wait_for(lambda: _sent(app, "days ago you planned to", SENIOR))[-1]
    answer = button(follow_up, "follow_up_in_progress")
    app.driver.click(
        SENIOR, "follow_up_in_progress", answer["value"], channel_id=follow_up["channel"], message=follow_up
    )
    wait_for(lambda: "in progress" in json.dumps(app.slack.message(follow_up["channel"], follow_up["ts"])))


def _close_cohort_and_answer_survey(app: RunningApp) -> None:
    app.driver.command(ADMIN, "cohort close")
    app.driver.click(ADMIN, "cohort_close", "close")
    invite = wait_for(lambda: _sent(app, "Three quick questions", SENIOR))[-1]
    before = len(app.slack.calls_to("views.open"))
    app.driver.click(SENIOR, "cohort_survey_open", button(invite, "cohort_survey_open")["value"])
    survey = wait_for(lambda: app.slack.calls_to("views.open")[before:])[0].params["view"]
    answers = {
        "would_again": {"value": {"selected_option": {"value": "yes"}}},
        "what_changed": {"value": {"value": TYPED["what_changed"]}},
        "self_rating": {"value": {"selected_option": {"value": "4"}}},
    }
    assert app.driver.submit_view(SENIOR, survey, answers).body == ""


def _erase(app: RunningApp) -> None:
    app.driver.click(SENIOR, "leave_confirm", "erase", block_id="leave")
    wait_for(lambda: app.slack.response_url_posts)


def hits_in_database(db: Database, needle: str) -> list[str]:
    """Every text, JSON or binary value in every table of the database (reflected, not taken from the
    models: a table or column the code forgot is searched too) that holds `needle`."""
    metadata = MetaData()
    metadata.reflect(db.engine)
    found = []
    with db.engine.connect() as connection:
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON | LargeBinary)]
            if not columns:
                continue
            for row in connection.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    text = value.decode(errors="replace") if isinstance(value, bytes) else json.dumps(value)
                    if needle in text or needle in str(value):
                        found.append(f"{table.name}.{column.name}")
    return found


def _shown_in_slack(app: RunningApp) -> list[dict[str, Any]]:
    """Every message as Slack shows it now (after updates; deleted ones are gone)."""
    places = {(m["channel"], m["ts"]) for m in app.slack.messages() if m["method"] != "chat.postEphemeral"}
    return [shown for channel, ts in sorted(places) if (shown := app.slack.message(channel, ts)) is not None]


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.INFO):
        yield caplog


def test_after_leave_and_erase_nothing_they_typed_is_stored_sent_or_shown(
    running_app_any_db: RunningApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    app = running_app_any_db
    app.slack.add_channel("C0DIGEST", "programme-digest")
    now = app.services.clock.now()
    day = _at(now + timedelta(days=2), 0)

    def job(name: str, at: datetime) -> None:
        run_job(app, name, at, monkeypatch, tmp_path, ADMIN_USER_IDS=ADMIN, DIGEST_CHANNEL="C0DIGEST")

    _open_cohort(app)
    _join_senior(app)
    _join_junior(app)
    run = match_flow.propose(app.db, app.driver.team_id, ADMIN)
    match_flow.approve(app.db, app.driver.team_id, run.id, ADMIN)
    job("outbox", now + timedelta(minutes=5))
    assert _sent(app, TYPED["perspectives"].split(" & ")[0])  # the intro quotes them
    _edit_ground_rules(app)

    with app.db.unit_of_work() as session:
        pair_id = session.scalars(select(Pair.id)).one()
    first = _at(day, 15)  # 10:00 in New York, 15:00 in London
    for when in (first, first + timedelta(days=1)):
        assert sessions.schedule(
            app.db, app.driver.team_id, pair_id, JUNIOR, when, override_hours=True, now=when - timedelta(days=1)
        ).ok
    job("checkins", first + timedelta(hours=2))
    _answer_check_ins(app)
    job("reminders", first + timedelta(hours=23))  # the second session's reminders repeat the ground rules
    job("outbox", first + timedelta(days=1))
    assert _sent(app, TYPED["meeting_place"], JUNIOR)

    job("followups", _at(first + timedelta(days=31), 15))  # sent: 10:00 in New York
    _answer_follow_up(app)
    job("followups", _at(first + timedelta(days=61), 3))  # 22:00 in New York: waits for the morning
    with app.db.unit_of_work() as session:
        queued = session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("follow-up:%:60"))).one()
        assert queued.status == "pending" and MARK in json.dumps(queued.payload)
    for user in (SENIOR, JUNIOR):  # App Home shows the pair's ground rules to both
        app.driver.home_opened(user)
    wait_for(lambda: all(MARK in json.dumps(app.slack.home_tabs.get(u)) for u in (SENIOR, JUNIOR)))
    _close_cohort_and_answer_survey(app)
    assert hits_in_database(app.db, MARK)  # the search finds what is there

    after = len(app.slack.calls)
    _erase(app)
    for at in (_at(first + timedelta(days=61), 14), _at(first + timedelta(days=91), 14)):
        for name in ("outbox", "checkins", "reminders", "nudges", "followups", "digest", "retention", "outbox"):
            job(name, at)

    assert hits_in_database(app.db, MARK) == []
    sent_after = [json.dumps(c.params) for c in app.slack.calls[after:]]
    assert [s for s in sent_after if MARK in s] == []
    assert [m for m in _shown_in_slack(app) if MARK in json.dumps(m)] == []
    assert [user for user, view in app.slack.home_tabs.items() if MARK in json.dumps(view)] == []
    assert MARK not in logs.text

    with app.db.unit_of_work() as session:
        senior = session.scalars(select(Participant).where(Participant.role == "mentee")).one()
        person = senior.person
        assert (senior.status, senior.self_rating_join, person.department, person.self_department) == (
            "left",
            None,
            None,
            None,
        )
        # counts programme history needs stay: the sessions, held or not; the partner's own answer stays
        assert session.scalar(select(func.count()).select_from(MentoringSession)) == 2
        assert [(c.side, c.rating) for c in session.scalars(select(CheckIn))] == [("junior", 4)]
        follow_up = session.get(OutboxMessage, queued.id)
        assert follow_up is not None and follow_up.status == "failed"  # cancelled, never sent


def test_a_database_error_names_the_statement_never_the_answer(db: Database) -> None:
    secret = f"{MARK} a database error's parameters"
    with pytest.raises(IntegrityError) as error, db.engine.begin() as connection:
        connection.execute(
            CheckIn.__table__.insert(),  # type: ignore[arg-type]
            {"team_id": "T-none", "session_id": 1, "participant_id": 1, "side": "senior", "action": secret,
             "sent_at": datetime(2026, 1, 1, tzinfo=UTC)},
        )  # fmt: skip
    assert "check_ins" in str(error.value) and secret not in str(error.value)
