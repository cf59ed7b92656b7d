"""The nudge scan on real databases (SQLite and PostgreSQL): decisions land in nudge_log and the outbox once."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from bot.nudges.scan import scan
from storage.db import Database
from storage.models import CheckIn, NudgeLog, OutboxMessage, Pair, Participant, Person
from storage.queries.programmes import current_programme
from tests.support.factories import add_session, make_pair

TEAM = "T1"
NOW = datetime(2024, 1, 10, 12, 0, tzinfo=UTC)  # a Wednesday, midday UTC
DAY = timedelta(days=1)


def pair(db: Database, junior: str = "UJUNIOR", senior: str = "USENIOR", *, admins: tuple[str, ...] = ()) -> int:
    """A pair matched 40 days before NOW with a session booked for next week (so it is not idle)."""
    pair_id = make_pair(db, TEAM, junior, senior, admins=admins)
    with db.unit_of_work() as session:
        session.execute(update(Pair).where(Pair.id == pair_id).values(created_at=NOW - 40 * DAY))
    add_session(db, TEAM, pair_id, NOW + 6 * DAY)
    return pair_id


def senior_cancelled(db: Database, pair_id: int, when: datetime) -> int:
    return add_session(db, TEAM, pair_id, when, state="cancelled", cancelled_by="senior")


def nudges(db: Database) -> list[tuple[str, str]]:
    with db.unit_of_work() as session:
        rows = session.execute(select(NudgeLog.kind, NudgeLog.recipient_user_id).order_by(NudgeLog.id))
        return [(kind, user) for kind, user in rows]


def outbox(db: Database) -> list[OutboxMessage]:
    with db.unit_of_work() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def all_text(payload: dict[str, Any]) -> str:
    return json.dumps(payload)


def test_the_senior_nudge_describes_the_pattern_never_which_session_or_whose_answer(db: Database) -> None:
    pair_id = pair(db)
    # as when the senior answered "held" and the junior privately "they cancelled": each counts as the senior's
    sessions = [NOW - 20 * DAY, NOW - 13 * DAY, NOW - 6 * DAY]
    add_session(db, TEAM, pair_id, sessions[0], state="held")
    senior_cancelled(db, pair_id, sessions[1])
    senior_cancelled(db, pair_id, sessions[2])

    assert scan(db, NOW).written == {"senior_cancelling": 1}
    [message] = outbox(db)
    text = all_text(message.payload)
    assert "cancelled from your side" in text  # the pattern ...
    assert "<!date^" not in text  # ... never which session ...
    assert not any(str(int(moment.timestamp())) in text for moment in sessions)
    assert "of your last" not in text  # ... nor how many, which beside their own answers would say which
    assert "cancelled by" not in text and "<@UJUNIOR> cancelled" not in text  # ... nor whose answer


def test_senior_cancelling_twice_gets_one_nudge_and_a_second_scan_adds_nothing(db: Database) -> None:
    pair_id = pair(db)
    add_session(db, TEAM, pair_id, NOW - 20 * DAY, state="held")
    senior_cancelled(db, pair_id, NOW - 13 * DAY)
    senior_cancelled(db, pair_id, NOW - 6 * DAY)

    report = scan(db, NOW)

    assert report.written == {"senior_cancelling": 1}
    assert nudges(db) == [("senior_cancelling", "USENIOR")]
    [message] = outbox(db)
    assert message.method == "chat.postMessage"
    assert message.payload["channel"] == "USENIOR"
    assert message.not_before == NOW
    assert "cancelled from your side" in message.payload["text"]
    assert "<@UJUNIOR> leads" in all_text(message.payload)
    with db.unit_of_work() as session:
        log = session.scalars(select(NudgeLog)).one()
    assert log.outbox_id == message.id and log.pair_id == pair_id and log.due_at == NOW
    assert message.dedupe_key == f"nudge:senior_cancelling:USENIOR:{log.subject_key}"

    again = scan(db, NOW + timedelta(hours=1))
    assert again.total_written == 0
    assert len(outbox(db)) == 1 and len(nudges(db)) == 1


def test_one_cancellation_short_is_no_nudge(db: Database) -> None:
    pair_id = pair(db)
    add_session(db, TEAM, pair_id, NOW - 20 * DAY, state="held")
    add_session(db, TEAM, pair_id, NOW - 13 * DAY, state="cancelled", cancelled_by="junior")
    senior_cancelled(db, pair_id, NOW - 6 * DAY)
    assert scan(db, NOW).total_written == 0
    assert outbox(db) == []


def test_a_third_senior_cancellation_escalates_to_every_admin_not_the_junior(db: Database) -> None:
    pair_id = pair(db, admins=("UADMIN1",))
    senior_cancelled(db, pair_id, NOW - 13 * DAY)
    senior_cancelled(db, pair_id, NOW - 6 * DAY)
    scan(db, NOW, extra_admins=["UCONFIG"])
    senior_cancelled(db, pair_id, NOW + 2 * DAY)  # cancelled ahead, after the nudge

    report = scan(db, NOW + 3 * DAY, extra_admins=["UCONFIG"])

    assert report.written == {"escalation": 2}
    assert nudges(db) == [
        ("senior_cancelling", "USENIOR"),
        ("escalation", "UADMIN1"),
        ("escalation", "UCONFIG"),
    ]
    escalations = [m for m in outbox(db) if m.dedupe_key.startswith("nudge:escalation:")]
    assert {m.payload["channel"] for m in escalations} == {"UADMIN1", "UCONFIG"}
    text = all_text(escalations[0].payload)
    assert "<@USENIOR>" in text and "<@UJUNIOR>" in text and "has not been told" in text
    assert scan(db, NOW + 3 * DAY + timedelta(hours=1), extra_admins=["UCONFIG"]).total_written == 0


def test_escalation_escapes_display_names(db: Database) -> None:
    pair_id = pair(db, admins=("UADMIN1",))
    with db.unit_of_work() as session:
        session.execute(update(Person).where(Person.slack_user_id == "USENIOR").values(display_name="<!channel> Boss"))
    senior_cancelled(db, pair_id, NOW - 13 * DAY)
    senior_cancelled(db, pair_id, NOW - 6 * DAY)
    scan(db, NOW)
    senior_cancelled(db, pair_id, NOW - 1 * DAY)
    scan(db, NOW + timedelta(hours=1))
    [escalation] = [m for m in outbox(db) if m.payload["channel"] == "UADMIN1"]
    text = all_text(escalation.payload)
    assert "&lt;!channel&gt; Boss" in text and "<!channel>" not in text


def test_an_idle_pair_is_nudged_both_with_a_schedule_button(db: Database) -> None:
    pair_id = make_pair(db, TEAM, "UJUNIOR", "USENIOR")
    with db.unit_of_work() as session:
        session.execute(update(Pair).where(Pair.id == pair_id).values(created_at=NOW - 90 * DAY))
    add_session(db, TEAM, pair_id, NOW - 32 * DAY, state="held")  # cadence 21 days: idle after 31.5
    add_session(db, TEAM, pair_id, NOW - 10 * DAY, state="cancelled", cancelled_by="junior")  # not a meeting

    assert scan(db, NOW).written == {"stale_pair": 2}

    messages = {m.payload["channel"]: m.payload for m in outbox(db)}
    assert set(messages) == {"UJUNIOR", "USENIOR"}
    for user, payload in messages.items():
        [button] = [e for b in payload["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert button["action_id"] == "session_schedule_open"
        assert json.loads(button["value"]) == {"pair": pair_id}
        partner = "USENIOR" if user == "UJUNIOR" else "UJUNIOR"
        assert f"<@{partner}>" in payload["text"]
    later = scan(db, NOW + 2 * DAY)
    assert later.total_written == 0
    assert later.pairs == 0  # told already: SQL no longer even returns the pair
    assert scan(db, NOW + 32 * DAY).written == {"stale_pair": 2}  # still silent a whole period later


def test_a_pair_that_met_recently_or_ended_is_not_idle(db: Database) -> None:
    recent = make_pair(db, TEAM, "UJ1", "US1")
    add_session(db, TEAM, recent, NOW - 20 * DAY, state="held")
    ended = make_pair(db, TEAM, "UJ2", "US2")
    with db.unit_of_work() as session:
        session.execute(update(Pair).where(Pair.id.in_((recent, ended))).values(created_at=NOW - 90 * DAY))
        session.execute(update(Pair).where(Pair.id == ended).values(status="ended"))
    assert scan(db, NOW).total_written == 0


def _check_in(db: Database, pair_id: int, *, sent_at: datetime, side: str = "senior") -> int:
    session_id = add_session(db, TEAM, pair_id, sent_at - timedelta(hours=1), checkins_sent_at=sent_at)
    with db.unit_of_work() as session:
        found = session.get(Pair, pair_id)
        assert found is not None
        participant_id = found.mentee_id if side == "senior" else found.mentor_id
        check_in = CheckIn(
            team_id=TEAM, session_id=session_id, participant_id=participant_id, side=side, sent_at=sent_at
        )
        session.add(check_in)
        session.flush()
        return check_in.id


def test_an_unanswered_check_in_gets_one_reminder(db: Database) -> None:
    pair_id = pair(db)
    check_in_id = _check_in(db, pair_id, sent_at=NOW - 47 * timedelta(hours=1))
    assert scan(db, NOW).total_written == 0  # not yet two days

    assert scan(db, NOW + 2 * timedelta(hours=1)).written == {"checkin_reminder": 1}

    [reminder] = outbox(db)
    assert reminder.payload["channel"] == "USENIOR"
    assert "A reminder" in reminder.payload["text"] and "<@UJUNIOR>" in reminder.payload["text"]
    buttons = [e for b in reminder.payload["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert json.loads(buttons[0]["value"]) == {"checkin": check_in_id}
    assert scan(db, NOW + 3 * DAY).total_written == 0
    assert scan(db, NOW + 9 * DAY).total_written == 0  # once, ever: not again after the week


def test_an_answered_check_in_gets_no_reminder(db: Database) -> None:
    pair_id = pair(db)
    check_in_id = _check_in(db, pair_id, sent_at=NOW - 3 * DAY)
    with db.unit_of_work() as session:
        session.execute(update(CheckIn).where(CheckIn.id == check_in_id).values(answered_at=NOW - 2 * DAY))
    assert scan(db, NOW).total_written == 0


def test_quiet_hours_defer_not_before_to_the_recipients_morning(db: Database) -> None:
    pair_id = pair(db)
    with db.unit_of_work() as session:
        session.execute(update(Person).where(Person.slack_user_id == "USENIOR").values(tz="Asia/Tokyo"))
    senior_cancelled(db, pair_id, NOW - 13 * DAY)
    senior_cancelled(db, pair_id, NOW - 6 * DAY)
    friday_evening_utc = datetime(2024, 1, 12, 12, 0, tzinfo=UTC)  # 21:00 Friday in Tokyo

    scan(db, friday_evening_utc)

    monday_8_tokyo = datetime(2024, 1, 14, 23, 0, tzinfo=UTC)
    [message] = outbox(db)
    assert message.not_before == monday_8_tokyo
    with db.unit_of_work() as session:
        assert session.scalars(select(NudgeLog.due_at)).one() == monday_8_tokyo


def test_paused_participants_are_not_nudged(db: Database) -> None:
    pair_id = pair(db)
    with db.unit_of_work() as session:
        found = session.get(Pair, pair_id)
        assert found is not None
        session.execute(update(Participant).where(Participant.id == found.mentee_id).values(status="paused"))
    senior_cancelled(db, pair_id, NOW - 13 * DAY)
    senior_cancelled(db, pair_id, NOW - 6 * DAY)
    assert scan(db, NOW).total_written == 0


def test_programme_thresholds_apply(db: Database) -> None:
    pair_id = pair(db)
    with db.unit_of_work() as session:
        programme = current_programme(session, TEAM)
        programme.nudge_cancel_n, programme.nudge_cancel_m = 3, 4
    senior_cancelled(db, pair_id, NOW - 13 * DAY)
    senior_cancelled(db, pair_id, NOW - 6 * DAY)
    assert scan(db, NOW).total_written == 0
    senior_cancelled(db, pair_id, NOW - 1 * DAY)
    assert scan(db, NOW).written == {"senior_cancelling": 1}


def test_two_scans_at_once_queue_each_nudge_once(db: Database) -> None:
    for i in range(5):
        pair_id = pair(db, f"UJ{i}", f"US{i}", admins=("UADMIN1",))
        senior_cancelled(db, pair_id, NOW - 13 * DAY)
        senior_cancelled(db, pair_id, NOW - 6 * DAY)
    second = Database(db.url, now=db.now)  # its own engine and connections, like another process
    start = threading.Barrier(2)
    reports = []

    def run(database: Database) -> None:
        start.wait()
        reports.append(scan(database, NOW))

    threads = [threading.Thread(target=run, args=(d,)) for d in (db, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    second.dispose()

    assert sorted(r.total_written for r in reports) == [0, 5]
    assert len(outbox(db)) == 5 and len(nudges(db)) == 5
