"""Erasure's reach in the outbox, the Slack clean-up calls the outbox now sends, and retention.

Each test runs on SQLite and PostgreSQL (the `db` fixture) against a fresh Web API stand-in.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.delivery.outbox import OutboxSender
from bot.delivery.retention import purge_old_payloads
from bot.participants import enrolment
from bot.sessions import scheduling
from bot.settings import programme as programme_settings
from bot.simulation.standin import SlackStandIn, StandInUser
from storage.db import Database
from storage.models import OutboxMessage, Programme
from storage.queries import outbox as queries
from storage.queries.participants import participants as participants_of
from storage.queries.programmes import current_programme
from tests.support.factories import make_pair

TEAM = "T0ERASE"
TOKEN = "xoxb-erase"
USERS = ("U0M1", "U0S1", "U0M2", "U0S2", "U0ADMIN")


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(users=[StandInUser(u, u.lower(), u) for u in USERS], team_id=TEAM) as standin:
        yield standin


@pytest.fixture
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.url)


def _queue(db: Database, key: str, method: str, payload: dict[str, object], due: datetime | None = None) -> int:
    with db.unit_of_work() as session:
        return queries.enqueue(session, TEAM, key, method, payload, not_before=due).id


def _row(db: Database, row_id: int) -> OutboxMessage:
    with db.unit_of_work() as session:
        row = session.get(OutboxMessage, row_id)
        assert row is not None
        return row


def _send(db: Database, client: WebClient) -> None:
    OutboxSender(db, client, clock=db.now).send_due()


# ------------------------------------------------------------------ the three methods


def test_the_outbox_deletes_and_rewords_messages_and_deletes_files(
    db: Database, client: WebClient, slack: SlackStandIn
) -> None:
    posted = client.chat_postMessage(channel="U0S1", text="your answer: 5/5")
    kept = client.chat_postMessage(channel="U0M1", text="the pair's intro")
    file_id = slack.add_file("export.csv", b"a,b\n1,2\n")["id"]
    delete = _queue(db, "d", "chat.delete", {"channel": posted["channel"], "ts": posted["ts"]})
    update = _queue(db, "u", "chat.update", {"channel": kept["channel"], "ts": kept["ts"], "text": "removed"})
    remove = _queue(db, "f", "files.delete", {"file": file_id})
    _send(db, client)
    assert [_row(db, i).status for i in (delete, update, remove)] == ["sent"] * 3
    assert slack.message(posted["channel"], posted["ts"]) is None
    shown = slack.message(kept["channel"], kept["ts"])
    assert shown is not None and shown["text"] == "removed"
    assert slack.file_deleted(file_id)
    # done again (a replay after a crash, or someone deleted it first): Slack says it is gone, which is done
    again = [
        _queue(db, "d2", "chat.delete", {"channel": posted["channel"], "ts": posted["ts"]}),
        _queue(db, "f2", "files.delete", {"file": file_id}),
    ]
    _send(db, client)
    assert [_row(db, i).status for i in again] == ["sent", "sent"]
    assert [c.response["error"] for c in slack.calls[-2:] if c.response] == ["message_not_found", "file_deleted"]


def test_the_stand_in_answers_files_delete_like_slack(client: WebClient, slack: SlackStandIn) -> None:
    with pytest.raises(SlackApiError) as never:
        client.api_call("files.delete", json={"file": "F0NEVER"})
    assert never.value.response["error"] == "file_not_found"
    file_id = slack.add_file("a.csv", b"x")["id"]
    assert client.api_call("files.delete", json={"file": file_id})["ok"]
    with pytest.raises(SlackApiError) as twice:
        client.api_call("files.delete", json={"file": file_id})
    assert twice.value.response["error"] == "file_deleted"


# ------------------------------------------------------------------ what an erasure reaches, and what not


def test_erasure_cleans_up_their_messages_and_leaves_everyone_elses_alone(
    db: Database, client: WebClient, slack: SlackStandIn
) -> None:
    ours = make_pair(db, TEAM, "U0M1", "U0S1")
    theirs = make_pair(db, TEAM, "U0M2", "U0S2")
    secret = "Qx9 what only U0S1 wrote"
    with db.unit_of_work() as session:
        programme = current_programme(session, TEAM)
        for participant in participants_of(session, programme.id):
            if participant.person.slack_user_id == "U0S1":
                participant.perspectives = secret
    to_them = _queue(db, "dm-s1", "chat.postMessage", {"channel": "U0S1", "text": "How did it go?"})
    pair_dm = _queue(db, "intro-1", "dm", {"users": ["U0M1", "U0S1"], "pair_id": ours, "text": f"> {secret}"})
    other_pair = _queue(db, "intro-2", "dm", {"users": ["U0M2", "U0S2"], "pair_id": theirs, "text": "hello"})
    quoting = _queue(db, "to-admin", "chat.postMessage", {"channel": "U0ADMIN", "text": f"said: {secret}"})
    mention = _queue(db, "escalation", "chat.postMessage", {"channel": "U0ADMIN", "text": "<@U0S1> keeps cancelling"})
    _send(db, client)
    later = datetime.now(UTC) + timedelta(days=3)  # noqa: TID251 - a due time in the future, for the test
    queued = _queue(db, "nudge-s1", "chat.postMessage", {"channel": "U0M1", "text": "<@U0S1> ..."}, due=later)

    assert enrolment.erase(db, TEAM, "U0S1") is not None
    _send(db, client)

    assert _row(db, queued).status == "failed"  # cancelled: never goes
    for row_id in (to_them, pair_dm, quoting):
        row = _row(db, row_id)
        assert "text" not in row.payload and row.payload.get("erased") and row.result and row.result.get("ts")
    where = {i: (_row(db, i).result or {}) for i in (to_them, pair_dm, quoting, other_pair, mention)}
    assert slack.message(where[to_them]["channel"], where[to_them]["ts"]) is None  # their DM: deleted
    for row_id in (pair_dm, quoting):  # the pair's group DM and the admin's copy: reworded, no text of theirs
        shown = slack.message(where[row_id]["channel"], where[row_id]["ts"])
        assert shown is not None and secret not in str(shown) and "erased" in shown["text"]
    # everyone else's messages, and a mere mention, stay as they were
    assert _row(db, other_pair).payload["text"] == "hello"
    assert _row(db, mention).payload["text"] == "<@U0S1> keeps cancelling"
    shown = slack.message(where[other_pair]["channel"], where[other_pair]["ts"])
    assert shown is not None and shown["text"] == "hello"
    # a second erasure queues nothing more
    with db.unit_of_work() as session:
        before = len(list(session.scalars(select(OutboxMessage.id))))
    enrolment.erase(db, TEAM, "U0S1")
    with db.unit_of_work() as session:
        assert len(list(session.scalars(select(OutboxMessage.id)))) == before


# ------------------------------------------------------------------ retention


def test_retention_purges_old_sent_text_keeps_where_it_went_and_an_erasure_still_finds_it(
    db: Database, client: WebClient, slack: SlackStandIn
) -> None:
    make_pair(db, TEAM, "U0M1", "U0S1")
    old = _queue(db, "old", "chat.postMessage", {"channel": "U0S1", "text": "Qx9 old answer"})
    recent = _queue(db, "recent", "chat.postMessage", {"channel": "U0M1", "text": "Qx9 recent"})
    _send(db, client)
    now = datetime.now(UTC)  # noqa: TID251 - the test sets the sent times around it
    with db.unit_of_work() as session:
        session.get_one(OutboxMessage, old).sent_at = now - timedelta(days=91)
        session.get_one(OutboxMessage, recent).sent_at = now - timedelta(days=30)
    assert purge_old_payloads(db, now) == 1
    assert purge_old_payloads(db, now) == 0  # once
    purged = _row(db, old)
    assert purged.payload == {"channel": "U0S1", "purged": True} and purged.result and purged.result["ts"]
    assert _row(db, recent).payload["text"] == "Qx9 recent"

    # an admin shortens it to 10 days in the settings
    with db.unit_of_work() as session:
        current = programme_settings.settings_of(current_programme(session, TEAM))
    values = programme_settings.ProgrammeSettings(**{**current.__dict__, "message_retention_days": 10})
    assert programme_settings.save(db, TEAM, "U0ADMIN", values).saved
    with db.unit_of_work() as session:
        assert session.scalars(select(Programme.message_retention_days)).one() == 10
    assert purge_old_payloads(db, now) == 1
    assert "text" not in _row(db, recent).payload

    # the purged DM is still found and deleted when its reader erases
    enrolment.erase(db, TEAM, "U0S1")
    _send(db, client)
    result = purged.result
    assert slack.message(result["channel"], result["ts"]) is None


def test_retention_is_a_setting_with_limits() -> None:
    form_errors = programme_settings.validate({"message_retention_days": "0"})[1]
    assert "between 1 and 3650" in form_errors["message_retention_days"]


def test_erasure_deletes_the_calendar_invites_of_their_pairs_in_slack(
    db: Database, client: WebClient, slack: SlackStandIn
) -> None:
    ours = make_pair(db, TEAM, "U0M1", "U0S1")
    theirs = make_pair(db, TEAM, "U0M2", "U0S2")
    now = db.now()
    for pair_id, user in ((ours, "U0M1"), (theirs, "U0M2")):
        when = now.replace(microsecond=0) + timedelta(days=3)
        assert scheduling.schedule(db, TEAM, pair_id, user, when, override_hours=True, now=now).ok
    _send(db, client)
    with db.unit_of_work() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.method == "files.upload")).all()
        files = {r.dedupe_key: (r.result or {}).get("file") for r in rows}
        users = {r.dedupe_key: tuple(r.payload["users"]) for r in rows}
    assert len(files) == 4 and all(files.values())
    assert enrolment.erase(db, TEAM, "U0S1") is not None
    _send(db, client)
    for key, file_id in files.items():
        assert slack.file_deleted(file_id) == ("U0S1" in users[key]), key
