"""The outbox: queued once, sent in order and once, through rate limits, outages, crashes and rivals.

Each test runs on SQLite and PostgreSQL (the `db` fixture) against a fresh Web API stand-in. The clients
are plain `WebClient`s with no retry handlers, so it is the outbox's own 429 and 5xx handling that is
exercised; time (the programme clock and the sender's real time alike) is fake and moves forward only when the
sender sleeps, except in the tests that really wait. The kill tests with real processes are in
test_outbox_crash.py.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.delivery.outbox import (
    METADATA_EVENT_TYPE,
    BackgroundSender,
    OutboxSender,
    RealTime,
    SendReport,
    real_utc_now,
)
from bot.delivery.slack_client import make_client
from bot.runtime.clock import SystemClock
from bot.simulation.standin import SlackStandIn, StandInUser
from storage.db import Database
from storage.models import OutboxMessage, OutboxSenderRow, Pair, Participant, Person
from storage.queries import outbox as queries
from storage.queries.programmes import current_programme
from tests.support.flows import wait_for

TEAM = "T0OUTBOX"
TOKEN = "xoxb-outbox-test"


class FakeTime(RealTime):
    """Programme time (`clock`, a minute ahead so rows queued during a test are due) and the sender's real
    time, both moved forward only when the sender sleeps."""

    def __init__(self) -> None:
        self.now = real_utc_now() + timedelta(minutes=1)
        self.real = real_utc_now()
        self.mono = 0.0
        self.slept: list[float] = []

    def clock(self) -> datetime:
        return self.now

    def utc(self) -> datetime:
        return self.real

    def monotonic(self) -> float:
        return self.mono

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)
        self.real += timedelta(seconds=seconds)
        self.mono += seconds


class Crash(BaseException):
    """Stands for the process dying: nothing in the sender catches it."""


class DyingClient(WebClient):
    """A WebClient whose process 'dies' at the n-th chat.postMessage: before sending it, or just after Slack's ok."""

    def __init__(self, *, dies_at_post: int, after_ok: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dies_at_post = dies_at_post
        self.after_ok = after_ok
        self.posts = 0

    def api_call(self, api_method: str, **kwargs: Any) -> Any:
        if api_method != "chat.postMessage":
            return super().api_call(api_method, **kwargs)
        if not self.after_ok and self.posts + 1 == self.dies_at_post:
            raise Crash
        response = super().api_call(api_method, **kwargs)
        self.posts += 1
        if self.after_ok and self.posts == self.dies_at_post:
            raise Crash
        return response


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    users = [StandInUser(f"U{i}", f"user{i}", f"User {i}") for i in range(1, 5)]
    with SlackStandIn(users=users, team_id=TEAM) as standin:
        yield standin


@pytest.fixture
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.url)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def _sender(db: Database, client: WebClient, fake_time: FakeTime, **kwargs: Any) -> OutboxSender:
    return OutboxSender(db, client, clock=fake_time.clock, real_time=fake_time, **kwargs)


def _post(
    db: Database,
    key: str,
    channel: str = "C1",
    batch: str | None = None,
    due: datetime | None = None,
    **payload: Any,
) -> int:
    with db.unit_of_work() as session:
        row = queries.enqueue(
            session,
            TEAM,
            key,
            "chat.postMessage",
            {"channel": channel, "text": key, **payload},
            batch=batch,
            not_before=due,
        )
        return row.id


def _rows(db: Database) -> list[OutboxMessage]:
    with db.unit_of_work() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _posted_texts(slack: SlackStandIn, channel: str | None = None) -> list[str]:
    return [m["text"] for m in slack.messages(channel) if m["method"] == "chat.postMessage"]


def _pair(db: Database, mentor_user: str, mentee_user: str) -> int:
    with db.unit_of_work() as session:
        programme = current_programme(session, TEAM)
        participant_ids = []
        for level, (user, role) in enumerate(((mentor_user, "mentor"), (mentee_user, "mentee")), start=1):
            person = Person(team_id=TEAM, slack_user_id=user, level=level)
            session.add(person)
            session.flush()
            participant = Participant(team_id=TEAM, programme_id=programme.id, person_id=person.id, role=role)
            session.add(participant)
            session.flush()
            participant_ids.append(participant.id)
        pair = Pair(team_id=TEAM, programme_id=programme.id, mentor_id=participant_ids[0], mentee_id=participant_ids[1])
        session.add(pair)
        session.flush()
        return pair.id


def test_enqueue_is_idempotent_by_dedupe_key(db: Database) -> None:
    first = _post(db, "intro:1")
    with db.unit_of_work() as session:
        again = queries.enqueue(session, TEAM, "intro:1", "chat.postMessage", {"channel": "C9", "text": "second"})
        assert again.id == first
        assert again.payload["channel"] == "C1"
        other_team = queries.enqueue(session, "T0OTHER", "intro:1", "chat.postMessage", {"channel": "C1"})
        assert other_team.id != first
    assert [(r.team_id, r.dedupe_key, r.status) for r in _rows(db)] == [
        (TEAM, "intro:1", "pending"),
        ("T0OTHER", "intro:1", "pending"),
    ]


def test_rows_are_sent_in_order_and_marked_sent_with_their_ts(
    db: Database, slack: SlackStandIn, client: WebClient, fake_time: FakeTime
) -> None:
    for i in range(5):
        _post(db, f"m{i}", channel="C1" if i % 2 else "C2")

    report = _sender(db, client, fake_time).send_due()

    assert report == SendReport(sent=5, failed=0, retried=0, pending=0)
    assert _posted_texts(slack) == ["m0", "m1", "m2", "m3", "m4"]
    posted = {m["text"]: m for m in slack.messages()}
    for row in _rows(db):
        assert row.status == "sent"
        assert row.sent_at is not None
        assert row.result == {"channel": posted[row.dedupe_key]["channel"], "ts": posted[row.dedupe_key]["ts"]}


def test_each_teams_rows_go_out_with_that_teams_token(db: Database, slack: SlackStandIn, fake_time: FakeTime) -> None:
    """Jobs and the background sender deliver every workspace's rows: each with its own team's client
    (`Services.client_for`), never one token for all."""
    tokens = {TEAM: "xoxb-team-one", "T0OTHER": "xoxb-team-two"}
    for team in tokens:
        with db.unit_of_work() as session:
            queries.enqueue(session, team, f"hello-{team}", "chat.postMessage", {"channel": "C1", "text": team})
    clients = {team: WebClient(token=token, base_url=slack.url) for team, token in tokens.items()}

    report = OutboxSender(db, clients.__getitem__, clock=fake_time.clock, real_time=fake_time).send_due()

    assert report.sent == 2
    posts = slack.calls_to("chat.postMessage")
    assert {call.params["text"]: call.token for call in posts} == tokens


def test_every_supported_method_goes_out_and_an_unsendable_row_fails_without_calling_slack(
    db: Database, slack: SlackStandIn, client: WebClient, fake_time: FakeTime
) -> None:
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Your pair"}}]}
    with db.unit_of_work() as session:
        queries.enqueue(session, TEAM, "post", "chat.postMessage", {"channel": "C1", "text": "v1"})
        queries.enqueue(session, TEAM, "edit", "chat.update", {"channel": "C1", "ts": "1.000001", "text": "v2"})
        queries.enqueue(session, TEAM, "psst", "chat.postEphemeral", {"channel": "C1", "user": "U1", "text": "psst"})
        queries.enqueue(session, TEAM, "home", "views.publish", {"user_id": "U1", "view": home})
        queries.enqueue(session, TEAM, "nope", "chat.meMessage", {"channel": "C1", "text": "?"})
        queries.enqueue(session, TEAM, "nobody", "dm", {"text": "to whom?"})

    report = _sender(db, client, fake_time).send_due()

    assert (report.sent, report.failed) == (4, 2)
    rows = {r.dedupe_key: r for r in _rows(db)}
    assert rows["edit"].result == {"channel": "C1", "ts": "1.000001"}
    assert "message_ts" in (rows["psst"].result or {})
    assert rows["home"].result == {"view_id": slack.home_tabs["U1"]["id"]}
    assert rows["nope"].status == "failed" and "unsupported" in (rows["nope"].last_error or "")
    assert rows["nobody"].status == "failed" and "'users'" in (rows["nobody"].last_error or "")
    assert slack.calls_to("chat.meMessage") == [] and slack.calls_to("conversations.open") == []
    assert [m["method"] for m in slack.messages("C1")] == ["chat.postMessage", "chat.update", "chat.postEphemeral"]


def test_a_run_of_429s_delays_but_loses_no_message(
    db: Database, slack: SlackStandIn, client: WebClient, fake_time: FakeTime
) -> None:
    keys = [f"m{i}" for i in range(6)]
    for i, key in enumerate(keys):
        _post(db, key, channel=f"C{i % 2}")
    slack.fail_next("chat.postMessage", times=3, error="ratelimited", status=429, retry_after=1)

    report = _sender(db, client, fake_time).drain(timeout=60)

    assert (report.sent, report.failed, report.pending) == (6, 0, 0)
    assert report.retried == 3
    assert fake_time.slept == [1.0, 1.0, 1.0]  # Retry-After honoured each time, nothing else sent meanwhile
    ok_posts = [c for c in slack.calls_to("chat.postMessage") if c.status == 200]
    assert Counter(c.params["text"] for c in ok_posts) == Counter(keys)
    assert _posted_texts(slack, "C0") == ["m0", "m2", "m4"]
    assert _posted_texts(slack, "C1") == ["m1", "m3", "m5"]
    assert all(r.attempts == 0 for r in _rows(db))  # waiting out a rate limit is not a failed attempt


def test_a_later_message_to_a_channel_waits_for_an_earlier_one_being_retried(
    db: Database, slack: SlackStandIn, client: WebClient, fake_time: FakeTime
) -> None:
    _post(db, "first", channel="C1")
    _post(db, "second", channel="C1")
    _post(db, "elsewhere", channel="C2")
    slack.fail_next("chat.postMessage", status=503)

    sender = _sender(db, client, fake_time)
    report = sender.send_due()

    assert (report.sent, report.retried, report.pending) == (1, 1, 2)
    assert _posted_texts(slack) == ["elsewhere"]
    sender.drain(timeout=60)
    assert _posted_texts(slack, "C1") == ["first", "second"]


def test_server_errors_are_retried_with_backoff_then_succeed(
    db: Database, slack: SlackStandIn, client: WebClient, fake_time: FakeTime
) -> None:
    _post(db, "m0")
    slack.fail_next("chat.postMessage", times=3, status=503)

    report = _sender(db, client, fake_time).drain(timeout=60)

    assert (report.sent, report.retried) == (1, 3)
    assert fake_time.slept == [1.0, 2.0, 4.0]
    (row,) = _rows(db)
    assert (row.status, row.attempts) == ("sent", 3)
    assert "HTTP 503" in (row.last_error or "")
    assert _posted_texts(slack) == ["m0"]


def test_slacks_transient_errors_answered_with_http_200_are_retried_not_dropped(
    db: Database, slack: SlackStandIn, client: WebClient, fake_time: FakeTime
) -> None:
    _post(db, "m0")
    for error in ("internal_error", "fatal_error", "service_unavailable", "request_timeout"):
        slack.fail_next("chat.postMessage", error=error)  # HTTP 200, ok: false

    report = _sender(db, client, fake_time).drain(timeout=60)

    assert (report.sent, report.failed, report.retried) == (1, 0, 4)
    assert _posted_texts(slack) == ["m0"]


def test_server_errors_give_up_after_max_attempts(
    db: Database, slack: SlackStandIn, client: WebClient, fake_time: FakeTime
) -> None:
    _post(db, "m0")
    slack.fail_next("chat.postMessage", times=10, status=500)

    report = _sender(db, client, fake_time, max_attempts=3).drain(timeout=60)

    assert (report.sent, report.failed, report.pending) == (0, 1, 0)
    assert len(slack.calls_to("chat.postMessage")) == 3
    (row,) = _rows(db)
    assert (row.status, row.attempts) == ("failed", 3)
    assert "gave up after 3 attempts" in (row.last_error or "")


def test_network_errors_are_retried_with_backoff(sqlite_db: Database, fake_time: FakeTime) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # retry_handlers=[]: slack_sdk would otherwise retry a refused connection itself, with real sleeps
    unreachable = WebClient(token=TOKEN, base_url=f"http://127.0.0.1:{port}/api/", timeout=2, retry_handlers=[])
    _post(sqlite_db, "m0")

    report = _sender(sqlite_db, unreachable, fake_time, max_attempts=3).drain(timeout=60)

    assert (report.failed, report.retried) == (1, 2)
    assert fake_time.slept == [1.0, 2.0]
    (row,) = _rows(sqlite_db)
    assert "URLError" in (row.last_error or "")


def test_a_permanent_error_marks_failed_and_does_not_block_other_channels(
    db: Database, slack: SlackStandIn, client: WebClient, fake_time: FakeTime
) -> None:
    slack.strict = True
    slack.add_channel("C1")
    _post(db, "gone-1", channel="CGONE")
    _post(db, "ok-1", channel="C1")
    _post(db, "gone-2", channel="CGONE")
    _post(db, "too-many-blocks", channel="C1", blocks=[{"type": "divider"}] * 51)
    _post(db, "ok-2", channel="C1")

    sender = _sender(db, client, fake_time)
    report = sender.drain(timeout=60)
    sender.drain(timeout=60)  # nothing is tried again

    assert (report.sent, report.failed, report.retried) == (2, 3, 0)
    assert fake_time.slept == []
    assert _posted_texts(slack, "C1") == ["ok-1", "ok-2"]
    assert len(slack.calls_to("chat.postMessage")) == 5
    errors = {r.dedupe_key: (r.status, r.last_error) for r in _rows(db)}
    assert errors["gone-1"] == ("failed", "chat.postMessage: channel_not_found")
    assert errors["too-many-blocks"][0] == "failed"
    assert (errors["too-many-blocks"][1] or "").startswith("chat.postMessage: invalid_blocks")


def test_a_dm_row_opens_the_pair_conversation_posts_and_remembers_the_channel(
    db: Database, slack: SlackStandIn, client: WebClient, fake_time: FakeTime
) -> None:
    pair_id = _pair(db, "U1", "U2")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Meet your pair"}}]
    with db.unit_of_work() as session:
        queries.enqueue(
            session,
            TEAM,
            f"intro:{pair_id}",
            "dm",
            {"users": ["U1", "U2"], "text": "Meet your pair", "blocks": blocks, "pair_id": pair_id},
            batch="intros:1",
        )

    report = _sender(db, client, fake_time).send_due(batch="intros:1")

    assert report.sent == 1
    channel = slack.dm_channel_id("U1", "U2")
    (message,) = slack.messages(channel)
    assert (message["text"], message["blocks"]) == ("Meet your pair", blocks)
    assert slack.calls_to("conversations.open")[0].params["users"] == "U1,U2"
    (row,) = _rows(db)
    assert row.result == {"channel": channel, "ts": message["ts"]}
    with db.unit_of_work() as session:
        assert session.get(Pair, pair_id).channel_id == channel


def test_a_dm_whose_post_failed_is_retried_in_the_conversation_already_opened(
    db: Database, slack: SlackStandIn, client: WebClient, fake_time: FakeTime
) -> None:
    with db.unit_of_work() as session:
        queries.enqueue(session, TEAM, "hello", "dm", {"users": ["U3", "U4"], "text": "hello"})
    slack.fail_next("chat.postMessage", status=503)

    sender = _sender(db, client, fake_time)
    sender.send_due()
    (row,) = _rows(db)
    assert (row.status, row.result) == ("pending", {"channel": slack.dm_channel_id("U3", "U4")})
    sender.drain(timeout=60)

    assert len(slack.calls_to("conversations.open")) == 1
    assert _posted_texts(slack, slack.dm_channel_id("U3", "U4")) == ["hello"]


def test_two_senders_in_two_threads_send_each_of_50_rows_once(db: Database, slack: SlackStandIn) -> None:
    keys = [f"m{i:02d}" for i in range(50)]
    for i, key in enumerate(keys):
        _post(db, key, channel=f"C{i % 5}")
    slack.set_delay("chat.postMessage", 0.002)  # let the two interleave
    start = threading.Barrier(2)
    reports: list[SendReport] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            sender = OutboxSender(db, WebClient(token=TOKEN, base_url=slack.url), clock=db.now)
            start.wait()
            reports.append(sender.send_due())
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert Counter(_posted_texts(slack)) == Counter(keys)
    assert sum(r.sent for r in reports) == 50
    assert all(r.sent > 0 for r in reports), "both senders should have taken part"
    for c in range(5):
        assert _posted_texts(slack, f"C{c}") == keys[c::5]  # order within a channel survives the race
    assert {r.status for r in _rows(db)} == {"sent"}


def test_a_crashed_sender_is_resumed_by_a_new_one_without_sending_anything_twice(
    db: Database, slack: SlackStandIn, fake_time: FakeTime
) -> None:
    keys = [f"m{i}" for i in range(10)]
    for key in keys:
        _post(db, key, channel="C1")
    dying = DyingClient(dies_at_post=6, token=TOKEN, base_url=slack.url)

    with pytest.raises(Crash):
        _sender(db, dying, fake_time).send_due()
    assert _posted_texts(slack) == keys[:5]
    assert [r.status for r in _rows(db)] == ["sent"] * 5 + ["sending"] + ["pending"] * 4

    with db.unit_of_work() as session:  # the dying sender's row went with it: its claim is anyone's at once
        assert session.scalars(select(OutboxSenderRow)).all() == []

    report = _sender(db, WebClient(token=TOKEN, base_url=slack.url), fake_time).send_due()

    assert (report.sent, report.pending) == (5, 0)
    assert _posted_texts(slack) == keys  # each once, in order
    m5 = _rows(db)[5]
    assert m5.attempts == 1  # taking a row back from a dead sender counts as an attempt
    assert m5.in_doubt_since is not None
    (looked,) = slack.calls_to("conversations.history")  # m5 was looked for before it was posted
    assert looked.params["channel"] == "C1" and looked.params["include_all_metadata"] in (True, "true", "1")


def test_a_limited_pass_stops_and_a_new_sender_carries_on(
    db: Database, slack: SlackStandIn, client: WebClient, fake_time: FakeTime
) -> None:
    keys = [f"m{i}" for i in range(8)]
    for i, key in enumerate(keys):
        _post(db, key, channel=f"C{i % 3}")

    first = _sender(db, client, fake_time).send_due(limit=3)
    second = _sender(db, WebClient(token=TOKEN, base_url=slack.url), fake_time).send_due()

    assert (first.sent, first.pending) == (3, 5)
    assert (second.sent, second.pending) == (5, 0)
    assert _posted_texts(slack) == keys


def test_a_crash_between_slacks_ok_and_the_commit_is_found_by_its_metadata_not_posted_again(
    db: Database, slack: SlackStandIn, fake_time: FakeTime
) -> None:
    """The window: Slack has the message but 'sent' was never committed. In a channel (and a DM with one
    person) the next sender reads the history, finds the post naming the row, and records its ts."""
    keys = [f"m{i}" for i in range(5)]
    for key in keys:
        _post(db, key, channel="C1")

    with pytest.raises(Crash):
        _sender(db, DyingClient(dies_at_post=3, after_ok=True, token=TOKEN, base_url=slack.url), fake_time).send_due()
    _sender(db, WebClient(token=TOKEN, base_url=slack.url), fake_time).send_due()

    assert _posted_texts(slack) == keys
    m2 = _rows(db)[2]
    (posted,) = [m for m in slack.messages("C1") if m["text"] == "m2"]
    assert (m2.status, m2.result) == ("sent", {"channel": "C1", "ts": posted["ts"]})
    assert posted["metadata"] == {"event_type": METADATA_EVENT_TYPE, "event_payload": {"id": m2.id, "key": "m2"}}


def test_a_crash_after_slacks_ok_in_a_pairs_group_dm_repeats_that_message_once_and_reads_nothing(
    db: Database, slack: SlackStandIn, fake_time: FakeTime
) -> None:
    """The documented exception: a pair's group DM is their private conversation, never read."""
    with db.unit_of_work() as session:
        for i in range(3):
            queries.enqueue(session, TEAM, f"g{i}", "dm", {"users": ["U1", "U2"], "text": f"g{i}"})

    with pytest.raises(Crash):
        _sender(db, DyingClient(dies_at_post=2, after_ok=True, token=TOKEN, base_url=slack.url), fake_time).send_due()
    _sender(db, WebClient(token=TOKEN, base_url=slack.url), fake_time).send_due()

    assert _posted_texts(slack, slack.dm_channel_id("U1", "U2")) == ["g0", "g1", "g1", "g2"]
    assert slack.calls_to("conversations.history") == []


def test_rows_of_a_silent_sender_are_swept_back_and_a_live_senders_are_not(
    db: Database, slack: SlackStandIn, client: WebClient, fake_time: FakeTime
) -> None:
    stale = _post(db, "stale", channel="C1")
    fresh = _post(db, "fresh", channel="C2")
    with db.unit_of_work() as session:
        session.add(OutboxSenderRow(id="dead", started_at=fake_time.real, heartbeat_at=fake_time.real))
        session.add(OutboxSenderRow(id="alive", started_at=fake_time.real, heartbeat_at=fake_time.real))
        for row_id, sender in ((stale, "dead"), (fresh, "alive")):
            row = session.get(OutboxMessage, row_id)
            row.status, row.sender_id, row.claimed_at = "sending", sender, fake_time.real
    fake_time.sleep(25)  # nobody beats for 25 s ...
    with db.unit_of_work() as session:
        assert queries.heartbeat(session, "alive", real_now=fake_time.real)  # ... but the live sender

    report = _sender(db, client, fake_time).send_due()

    assert (report.sent, report.pending) == (1, 1)
    assert _posted_texts(slack) == ["stale"]
    assert [(r.status, r.attempts) for r in _rows(db)] == [("sent", 1), ("sending", 0)]


def test_a_sender_silent_for_less_than_the_silence_keeps_its_claims(
    db: Database, client: WebClient, fake_time: FakeTime
) -> None:
    row_id = _post(db, "m0")
    with db.unit_of_work() as session:
        session.add(OutboxSenderRow(id="slow", started_at=fake_time.real, heartbeat_at=fake_time.real))
        row = session.get(OutboxMessage, row_id)
        row.status, row.sender_id, row.claimed_at = "sending", "slow", fake_time.real
    fake_time.sleep(19)

    assert _sender(db, client, fake_time).sweep() == []
    fake_time.sleep(2)
    assert _sender(db, client, fake_time).sweep() == [row_id]


def test_a_claim_from_before_sender_rows_keeps_its_ten_minute_lease_during_a_rolling_deploy(
    db: Database, fake_time: FakeTime
) -> None:
    """A process from before migration 0007 claims with no sender id and keeps no heartbeat; while it may still
    be sending (its lease was 10 minutes) a new process's sweep must leave the row alone, or it goes twice."""
    old_claim = _post(db, "claimed-by-an-old-process")
    with db.unit_of_work() as session:
        row = session.get(OutboxMessage, old_claim)
        row.status, row.sender_id, row.claimed_at = "sending", None, fake_time.real
    silence = timedelta(seconds=20)

    fake_time.sleep(9 * 60 + 59)
    with db.unit_of_work() as session:
        assert queries.sweep(session, real_now=fake_time.real, silence=silence) == []
    assert _rows(db)[0].status == "sending"
    fake_time.sleep(2)  # over ten minutes since the claim: that process is gone
    with db.unit_of_work() as session:
        assert queries.sweep(session, real_now=fake_time.real, silence=silence) == [old_claim]
    swept = _rows(db)[0]
    assert (swept.status, swept.attempts, swept.in_doubt_since) == ("pending", 1, swept.claimed_at)


def test_two_senders_cannot_both_claim_one_row(db: Database, fake_time: FakeTime) -> None:
    row_id = _post(db, "m0")
    when = {"now": fake_time.now, "real_now": fake_time.real}
    with db.unit_of_work() as session:
        assert queries.claim(session, row_id, sender_id="a", **when) is not None
    with db.unit_of_work() as session:
        assert queries.claim(session, row_id, sender_id="b", **when) is None
    with db.unit_of_work() as session:  # "a" has no sender row: it is dead, and its claim goes back
        assert queries.sweep(session, real_now=fake_time.real, silence=timedelta(seconds=20)) == [row_id]
    with db.unit_of_work() as session:
        assert queries.claim(session, row_id, sender_id="b", **when) is not None


def test_progress_counts_what_is_done_of_a_batch(
    db: Database, slack: SlackStandIn, client: WebClient, fake_time: FakeTime
) -> None:
    for i in range(4):
        _post(db, f"intro{i}", channel=f"C{i}", batch="intros:7")
    _post(db, "not-this-batch", channel="C9", batch="intros:8")
    slack.fail_next("chat.postMessage", error="channel_not_found")
    seen: list[tuple[int, int]] = []
    sender = _sender(db, client, fake_time)
    assert sender.progress("intros:7") == (0, 4)

    report = sender.drain(batch="intros:7", on_progress=lambda done, total: seen.append((done, total)))

    assert (report.sent, report.failed, report.pending) == (3, 1, 0)
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert sender.progress("intros:7") == (4, 4)
    with db.unit_of_work() as session:
        assert queries.progress(session, "intros:7") == (3, 1, 4)
        assert queries.progress(session, "intros:8") == (0, 0, 1)
    assert "not-this-batch" not in _posted_texts(slack)


def test_the_sender_really_waits_out_retry_after(sqlite_db: Database, slack: SlackStandIn, client: WebClient) -> None:
    _post(sqlite_db, "m0")
    slack.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=1)
    started = time.monotonic()

    report = OutboxSender(sqlite_db, client, clock=sqlite_db.now).drain(timeout=10)

    elapsed = time.monotonic() - started
    assert report.sent == 1
    assert 1.0 <= elapsed < 3.0
    calls = slack.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].time - calls[0].time >= 1.0


def test_a_client_with_slack_sdk_retry_handlers_works_too(
    sqlite_db: Database, slack: SlackStandIn, fake_time: FakeTime
) -> None:
    slack.strict = True
    slack.add_channel("C1")
    _post(sqlite_db, "m0", channel="C1")
    _post(sqlite_db, "m1", channel="CGONE")
    slack.fail_next("chat.postMessage", status=503)  # absorbed by the client's own retry handler

    report = _sender(sqlite_db, make_client(TOKEN, slack.url), fake_time).drain(timeout=60)

    assert (report.sent, report.failed, report.retried) == (1, 1, 0)
    assert [r.attempts for r in _rows(sqlite_db)] == [0, 0]
    assert _posted_texts(slack) == ["m0"]


def test_a_failing_progress_callback_does_not_stop_the_sending(
    db: Database, slack: SlackStandIn, client: WebClient, fake_time: FakeTime
) -> None:
    for i in range(3):
        _post(db, f"m{i}", channel=f"C{i}", batch="b")

    def broken(done: int, total: int) -> None:
        raise RuntimeError("the admin's progress message could not be updated")

    report = _sender(db, client, fake_time).drain(batch="b", on_progress=broken)

    assert (report.sent, report.pending) == (3, 0)


def test_a_message_waiting_for_its_recipients_morning_does_not_hold_back_one_due_now(
    db: Database, slack: SlackStandIn, client: WebClient, fake_time: FakeTime
) -> None:
    """Head-of-line blocking, the old defect: a nudge queued for the recipient's morning held back every later
    DM to them, a check-in due now included."""
    _post(db, "nudge-for-the-morning", channel="U1", due=fake_time.now + timedelta(hours=10))
    _post(db, "check-in-due-now", channel="U1")

    report = _sender(db, client, fake_time).send_due()

    assert (report.sent, report.pending) == (1, 1)
    assert _posted_texts(slack) == ["check-in-due-now"]
    fake_time.now += timedelta(hours=10)
    _sender(db, client, fake_time).send_due()
    assert _posted_texts(slack) == ["check-in-due-now", "nudge-for-the-morning"]


def test_a_conversations_rows_go_out_by_original_due_time_then_creation(
    db: Database, slack: SlackStandIn, client: WebClient, fake_time: FakeTime
) -> None:
    later = fake_time.now + timedelta(minutes=30)
    _post(db, "queued-first-due-later", channel="C1", due=later)
    _post(db, "queued-second-due-sooner", channel="C1", due=fake_time.now + timedelta(minutes=10))
    _post(db, "queued-third-due-with-the-first", channel="C1", due=later)
    fake_time.now += timedelta(hours=1)

    _sender(db, client, fake_time).send_due()

    assert _posted_texts(slack, "C1") == [
        "queued-second-due-sooner",
        "queued-first-due-later",
        "queued-third-due-with-the-first",
    ]


def test_a_retrying_intro_keeps_its_due_time_and_is_never_overtaken_by_its_ground_rules(
    db: Database, slack: SlackStandIn, client: WebClient, fake_time: FakeTime
) -> None:
    due = fake_time.now - timedelta(seconds=5)
    with db.unit_of_work() as session:  # one decision, one due time for both
        for key in ("intro", "ground-rules"):
            queries.enqueue(session, TEAM, key, "dm", {"users": ["U1", "U2"], "text": key}, not_before=due)
        queries.enqueue(session, TEAM, "elsewhere", "dm", {"users": ["U3"], "text": "elsewhere"}, not_before=due)
    slack.fail_next("chat.postMessage", status=503)

    sender = _sender(db, client, fake_time)
    first = sender.send_due()

    assert (first.sent, first.retried) == (1, 1)
    assert _posted_texts(slack) == ["elsewhere"]
    intro = _rows(db)[0]
    assert intro.not_before == due  # the retry moved only its next attempt, in real time
    assert intro.next_attempt_at == fake_time.real + timedelta(seconds=1)
    fake_time.now += timedelta(days=1)  # programme time racing ahead changes nothing for the retry ...
    assert sender.send_due().sent == 0
    sender.drain(timeout=60)  # ... real time passing does
    assert _posted_texts(slack, slack.dm_channel_id("U1", "U2")) == ["intro", "ground-rules"]


def test_send_ids_sends_those_rows_only_and_waits_behind_an_earlier_row_of_their_conversation(
    db: Database, slack: SlackStandIn, client: WebClient, fake_time: FakeTime
) -> None:
    other_team = _post(db, "someone-elses", channel="C9")
    earlier = _post(db, "earlier-in-c1", channel="C1")
    mine = _post(db, "mine-in-c1", channel="C1")
    mine_too = _post(db, "mine-in-c2", channel="C2")

    report = _sender(db, client, fake_time).send_ids([mine, mine_too])

    assert report.sent == 1
    assert _posted_texts(slack) == ["mine-in-c2"]  # mine-in-c1 must not overtake earlier-in-c1
    statuses = {r.id: r.status for r in _rows(db)}
    assert statuses == {other_team: "pending", earlier: "pending", mine: "pending", mine_too: "sent"}


def _queue_around_a_click(db: Database, fake_time: FakeTime) -> dict[str, int]:
    """A click's two rows (due now and in 5 minutes), an earlier row of its conversation, a row of its team
    due after its latest, and another team's row due before it."""
    now = fake_time.now
    ids = {
        "earlier": _post(db, "earlier-in-c1", channel="C1", due=now - timedelta(minutes=5)),
        "mine": _post(db, "mine-in-c1", channel="C1", due=now),
        "mine-later": _post(db, "mine-in-c2", channel="C2", due=now + timedelta(minutes=5)),
        "after-mine": _post(db, "after-mine-in-c1", channel="C1", due=now + timedelta(minutes=6)),
    }
    with db.unit_of_work() as session:
        ids["other-team"] = queries.enqueue(
            session, "T0OTHER", "theirs", "chat.postMessage", {"channel": "C1", "text": "theirs"},
            not_before=now - timedelta(minutes=10),
        ).id  # fmt: skip
    fake_time.now += timedelta(minutes=10)  # everything above is due
    return ids


def test_a_scoped_read_loads_only_its_teams_rows_due_by_its_latest(db: Database, fake_time: FakeTime) -> None:
    ids = _queue_around_a_click(db, fake_time)

    with db.unit_of_work() as session:
        everything = queries.due(session, fake_time.now)
        scoped = queries.due_up_to(session, fake_time.now, ids=[ids["mine"], ids["mine-later"]])
        batch = queries.due_up_to(session, fake_time.now, batch="none-such")

    assert len(everything) == 5
    assert [row.id for row in scoped] == [ids["earlier"], ids["mine"], ids["mine-later"]]  # in delivery order
    assert batch == []


def test_a_click_reads_no_other_teams_rows_and_no_later_ones_and_keeps_order(
    db: Database, slack: SlackStandIn, client: WebClient, fake_time: FakeTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A click used to load every due row of every team, payloads and all, on each pass."""
    ids = _queue_around_a_click(db, fake_time)
    loaded: set[int] = set()

    def counting(query: Any) -> Any:
        def read(*args: Any, **kwargs: Any) -> list[OutboxMessage]:
            rows: list[OutboxMessage] = query(*args, **kwargs)
            loaded.update(row.id for row in rows)
            return rows

        return read

    monkeypatch.setattr(queries, "due", counting(queries.due))
    monkeypatch.setattr(queries, "due_up_to", counting(queries.due_up_to))

    report = _sender(db, client, fake_time).send_ids([ids["mine"], ids["mine-later"]])

    assert loaded == {ids["earlier"], ids["mine"], ids["mine-later"]}
    assert report.sent == 1
    assert _posted_texts(slack) == ["mine-in-c2"]  # mine-in-c1 still waits behind earlier-in-c1


def test_recording_collects_the_rows_a_unit_of_work_queued_and_found(db: Database) -> None:
    existing = _post(db, "already-there")
    with queries.recording() as ids, db.unit_of_work() as session:
        new = queries.enqueue(session, TEAM, "new", "chat.postMessage", {"channel": "C1", "text": "new"}).id
        queries.enqueue(session, TEAM, "already-there", "chat.postMessage", {"channel": "C1", "text": "x"})
        many = queries.enqueue_many(
            session, TEAM, [queries.Call("bulk", "chat.postMessage", {"channel": "C2", "text": "b"}, real_utc_now())]
        )
    _post(db, "outside")

    assert ids == [new, existing, many["bulk"]]


def test_a_background_sender_beats_sweeps_and_sends_without_being_asked(db: Database, slack: SlackStandIn) -> None:
    """What every `serve` process runs: a dead sender's claim and a newly due row both go out on their own."""
    orphan = _post(db, "orphan", channel="C1")
    with db.unit_of_work() as session:  # claimed by a sender that died without a trace
        row = session.get(OutboxMessage, orphan)
        row.status, row.sender_id, row.claimed_at = "sending", "gone", real_utc_now()
    background = BackgroundSender(
        db,
        WebClient(token=TOKEN, base_url=slack.url),
        clock=SystemClock().now,
        heartbeat_seconds=0.1,
        silence_seconds=0.5,
        sweep_seconds=0.2,
    ).start()
    try:
        _post(db, "new", channel="C2")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and {r.status for r in _rows(db)} != {"sent"}:
            time.sleep(0.05)
        time.sleep(0.3)  # a few heartbeats
        with db.unit_of_work() as session:
            (beating,) = session.scalars(select(OutboxSenderRow)).all()
        assert beating.id == background.presence.id
        assert beating.heartbeat_at > beating.started_at
    finally:
        background.stop()

    assert sorted(_posted_texts(slack)) == ["new", "orphan"]
    with db.unit_of_work() as session:
        assert session.scalars(select(OutboxSenderRow)).all() == []  # a clean stop leaves no sender row


def test_a_dead_senders_row_is_swept_while_this_processs_own_slack_call_is_slow(
    sqlite_db: Database, slack: SlackStandIn
) -> None:
    """Any live process sweeps every `sweep_seconds` even while its sending thread waits on Slack (a
    Retry-After, a slow answer): the sweep has its own thread."""
    _post(sqlite_db, "slow", channel="C1")
    slack.set_delay("chat.postMessage", 3.0)
    background = BackgroundSender(
        sqlite_db,
        WebClient(token=TOKEN, base_url=slack.url, timeout=30),
        clock=SystemClock().now,
        heartbeat_seconds=0.1,
        silence_seconds=0.5,
        sweep_seconds=0.2,
    ).start()
    try:
        wait_for(lambda: slack.calls_to("chat.postMessage"))  # the sending thread is now inside the slow call
        orphan = _post(sqlite_db, "orphan", channel="C2")
        with sqlite_db.unit_of_work() as session:  # claimed by a sender that died without a trace
            row = session.get(OutboxMessage, orphan)
            assert row is not None
            row.status, row.sender_id, row.claimed_at = "sending", "gone", real_utc_now()
        started = time.monotonic()

        def swept() -> bool:
            with sqlite_db.unit_of_work() as session:
                found = session.get(OutboxMessage, orphan)
                return found is not None and found.in_doubt_since is not None

        wait_for(swept, timeout=10)
        assert time.monotonic() - started < 1.5  # silence 0.5 s + sweep 0.2 s, not the 3 s Slack call
    finally:
        background.stop()
