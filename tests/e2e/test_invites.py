"""Calendar invites through signed requests: schedule, reschedule and cancel each upload one .ics file per
person into the pair's group DM (through the outbox and the stand-in's files.getUploadURLExternal /
files.completeUploadExternal), and each file parses back with `icalendar` to the right UID, SEQUENCE,
STATUS and times, with nothing private in it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.delivery.outbox import OutboxSender
from bot.messages.sessions import schedule_modal
from bot.runtime.clock import SystemClock
from bot.sessions import scheduling as sessions
from bot.simulation.standin import StandInUpload
from storage.models import GroundRules, MentoringSession, OutboxMessage, Pair, Participant
from tests.support.factories import working_afternoon
from tests.support.flows import button, join_and_match, run_job, wait_for
from tests.support.harness import RunningApp

MENTOR, MENTEE = "U0JUNIOR", "U0LEE"
PRIVATE = ("Salary talk is off limits", "Nothing leaves this room", "My divorce", "Workplace culture", "Marketing")
FIRST = datetime(2027, 1, 12, 15, 0, tzinfo=UTC)  # 15:00 London, 10:00 New York
MOVED = datetime(2027, 1, 14, 16, 30, tzinfo=UTC)


@pytest.fixture
def paired(running_app: RunningApp) -> tuple[RunningApp, int]:
    join_and_match(running_app, MENTOR, MENTEE)
    with running_app.db.unit_of_work() as session:
        pair = session.scalars(select(Pair)).one()
        for participant in session.scalars(select(Participant)):
            participant.off_limits = "My divorce"
        rules = session.scalars(select(GroundRules).where(GroundRules.pair_id == pair.id)).first()
        if rules is None:
            rules = GroundRules(team_id=pair.team_id, pair_id=pair.id)
            session.add(rules)
        rules.off_limits = "Salary talk is off limits"
        rules.confidentiality = "Nothing leaves this room"
        pair_id = pair.id
    # the pair's intro opens their group DM first (it is sent by the outbox job in the programme)
    sender = OutboxSender(running_app.db, running_app.services.client_for, clock=running_app.services.clock.now)
    assert sender.send_due().sent >= 1
    return running_app, pair_id


def _submit_schedule(app: RunningApp, pair_id: int, when: datetime, minutes: int, replaces: int | None = None) -> None:
    view = schedule_modal([(pair_id, MENTEE, "Lee Senior")], replaces)
    values: dict[str, Any] = {
        "when": {"value": {"type": "datetimepicker", "selected_date_time": int(when.timestamp())}},
        "length": {"value": {"type": "static_select", "selected_option": {"value": str(minutes)}}},
        "override": {"value": {"type": "checkboxes", "selected_options": []}},
    }
    reply = app.driver.submit_view(MENTOR, view, values)
    assert reply.status == 200 and reply.body == "", reply.body
    # as a person would: the next click comes after this one's messages are out (the pair's "scheduled" post
    # goes after the listener has answered; a click racing it leaves rows to the outbox job)
    wait_for(lambda: _settled(app))


def _settled(app: RunningApp) -> bool:
    """Every session has had its "scheduled" post sent, and nothing else is pending."""
    with app.db.unit_of_work() as session:
        rows = session.scalars(select(OutboxMessage)).all()
        sessions = len(session.scalars(select(MentoringSession.id)).all())
    posted = [r for r in rows if r.dedupe_key.startswith("session-scheduled:") and r.status == "sent"]
    return len(posted) == sessions and not [r for r in rows if r.status == "pending"]


def _uploads(app: RunningApp, count: int) -> list[StandInUpload]:
    return wait_for(lambda: len([u for u in app.slack.uploads if u.completed]) >= count and app.slack.uploads)[:count]


def _event(upload: StandInUpload) -> tuple[Calendar, Any]:
    calendar = Calendar.from_ical(upload.data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    return calendar, events[0]


def _check(upload: StandInUpload, *, start: datetime, minutes: int, sequence: int, status: str, partner: str) -> str:
    """Assert one invite's content; returns its UID."""
    calendar, event = _event(upload)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert event.decoded("DTSTART") == start and event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTEND") == start + timedelta(minutes=minutes)
    assert int(event["SEQUENCE"]) == sequence
    assert str(event["STATUS"]) == status
    assert str(event["CLASS"]) == "PRIVATE"
    assert str(event["SUMMARY"]) == f"Reverse mentoring with {partner}"
    assert "https://slack.com/app_redirect?team=" in str(event["URL"])
    text = upload.data.decode("utf-8")
    for private in PRIVATE:
        assert private.lower() not in text.lower(), private
    return str(event["UID"])


def _by_person(uploads: list[StandInUpload]) -> dict[str, StandInUpload]:
    out = {}
    for upload in uploads:
        user = MENTOR if f"<@{MENTOR}>" in (upload.initial_comment or "") else MENTEE
        out[user] = upload
    assert set(out) == {MENTOR, MENTEE}
    return out


def test_schedule_reschedule_and_cancel_each_send_both_an_invite_with_one_uid(paired: tuple[RunningApp, int]) -> None:
    app, pair_id = paired
    with app.db.unit_of_work() as session:
        names = {p.person.slack_user_id: p.person.display_name for p in session.scalars(select(Participant))}

    _submit_schedule(app, pair_id, FIRST, 45)
    first = _by_person(_uploads(app, 2))
    uids = {
        _check(first[MENTOR], start=FIRST, minutes=45, sequence=0, status="CONFIRMED", partner=names[MENTEE]),
        _check(first[MENTEE], start=FIRST, minutes=45, sequence=0, status="CONFIRMED", partner=names[MENTOR]),
    }
    assert len(uids) == 1
    uid = uids.pop()
    # both files land in the pair's group DM, with the add links beside them
    assert len({tuple(u.channels) for u in first.values()}) == 1 and all(u.channels for u in first.values())
    comment = first[MENTEE].initial_comment or ""
    assert "calendar.google.com/calendar/render?action=TEMPLATE" in comment
    assert "outlook.office.com/calendar/0/deeplink/compose" in comment and "Add to Outlook" in comment
    assert "20270112T150000Z%2F20270112T154500Z" in comment

    with app.db.unit_of_work() as session:
        first_id = session.scalars(select(MentoringSession.id).where(MentoringSession.scheduled_at == FIRST)).one()
        assert session.get(MentoringSession, first_id).duration_minutes == 45

    _submit_schedule(app, pair_id, MOVED, 60, replaces=first_id)
    moved = _by_person(_uploads(app, 4)[2:])
    for user, partner in ((MENTOR, MENTEE), (MENTEE, MENTOR)):
        got = _check(moved[user], start=MOVED, minutes=60, sequence=1, status="CONFIRMED", partner=names[partner])
        assert got == uid
        assert "replace the old entry" in (moved[user].initial_comment or "")

    with app.db.unit_of_work() as session:
        moved_id = session.scalars(select(MentoringSession.id).where(MentoringSession.scheduled_at == MOVED)).one()
    app.driver.click(MENTEE, "home_cancel_session", json.dumps({"session": moved_id}))
    cancelled = _by_person(_uploads(app, 6)[4:])
    for user, partner in ((MENTOR, MENTEE), (MENTEE, MENTOR)):
        got = _check(cancelled[user], start=MOVED, minutes=60, sequence=2, status="CANCELLED", partner=names[partner])
        assert got == uid
        assert "delete it" in (cancelled[user].initial_comment or "")


def test_a_double_submission_sends_one_invite_each(paired: tuple[RunningApp, int]) -> None:
    app, pair_id = paired
    _submit_schedule(app, pair_id, FIRST, 60)
    _submit_schedule(app, pair_id, FIRST, 60)
    _uploads(app, 2)
    with app.db.unit_of_work() as session:
        assert len(session.scalars(select(MentoringSession)).all()) == 1
    assert len([u for u in app.slack.uploads if u.completed]) == 2


def test_an_unoffered_length_is_refused(paired: tuple[RunningApp, int]) -> None:
    app, pair_id = paired
    view = schedule_modal([(pair_id, MENTEE, "Lee Senior")])
    values = {
        "when": {"value": {"type": "datetimepicker", "selected_date_time": int(FIRST.timestamp())}},
        "length": {"value": {"type": "static_select", "selected_option": {"value": "600"}}},
    }
    reply = app.driver.submit_view(MENTOR, view, values)
    assert "length" in reply.json()["errors"]["when"]
    assert not app.slack.uploads


def test_a_reschedule_answered_in_a_check_in_moves_the_same_calendar_entry(
    paired: tuple[RunningApp, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app, pair_id = paired
    when = working_afternoon() - timedelta(hours=2)
    result = sessions.schedule(
        app.db, app.driver.team_id, pair_id, MENTOR, when, override_hours=True, now=when - timedelta(days=1)
    )
    assert result.ok
    OutboxSender(app.db, app.services.client_for, clock=app.services.clock.now).send_due()
    uid = _check(
        _by_person(_uploads(app, 2))[MENTOR],
        start=when,
        minutes=60,
        sequence=0,
        status="CONFIRMED",
        partner=_partner_of(app, 0),
    )
    run_job(app, "checkins", working_afternoon(), monkeypatch, tmp_path)
    dm = wait_for(lambda: [m for m in app.slack.messages(MENTOR) if "How did your session" in m.get("text", "")])[-1]
    before = len(app.slack.calls_to("views.open"))
    app.driver.click(
        MENTOR, "checkin_rescheduled", button(dm, "checkin_rescheduled")["value"], channel_id=dm["channel"], message=dm
    )
    modal = wait_for(lambda: app.slack.calls_to("views.open")[before:])[0].params["view"]
    new_time = (SystemClock().now() + timedelta(days=3)).replace(second=0, microsecond=0)
    for _ in range(2):  # a double submission moves it once
        reply = app.driver.submit_view(
            MENTOR, modal, {"when": {"value": {"selected_date_time": int(new_time.timestamp())}}}
        )
        assert reply.body == ""
    moved = _by_person(_uploads(app, 4)[2:])
    for user in (MENTOR, MENTEE):
        assert _check(moved[user], start=new_time, minutes=60, sequence=1, status="CONFIRMED",
                      partner=_partner_of(app, 0 if user == MENTOR else 1)) == uid  # fmt: skip
    assert len([u for u in app.slack.uploads if u.completed]) == 4


def _partner_of(app: RunningApp, index: int) -> str:
    """The display name of MENTEE (index 0: what the mentor's invite names) or MENTOR (index 1)."""
    with app.db.unit_of_work() as session:
        names = {p.person.slack_user_id: p.person.display_name for p in session.scalars(select(Participant))}
    return str(names[MENTEE if index == 0 else MENTOR])
