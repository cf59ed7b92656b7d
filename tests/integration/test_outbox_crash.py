"""Crash recovery with real processes: a sender subprocess is killed with SIGKILL mid-send, and a survivor
(this test's own sender) sweeps its claim back and finishes. docs/delivery.md, "Crash recovery".

Two moments to die: before the request reaches the Web API stand-in (the post is lost with the process), and
after the stand-in stored the post but before the answer was read (Slack has it, the outbox does not know).
Each message then goes out exactly once, except in a pair's group DM, which is never read: there, dying
after Slack's ok posts that one message twice (the documented "at most one duplicate").

Intervals are shrunk through constructor parameters: the dying sender beats every 0.2 s, the survivor deems
a sender dead after 1 s of silence and sweeps every 0.25 s.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.delivery.outbox import OutboxSender
from bot.runtime.clock import SystemClock
from bot.simulation.standin import SlackStandIn, StandInUser
from storage.db import Database
from storage.models import OutboxMessage
from storage.queries import outbox as queries
from tests.support.outbox_sender_process import TOKEN

ROOT = Path(__file__).resolve().parents[2]
TEAM = "T0KILL"
KEYS = ["m0", "m1", "m2"]
WITHIN_SECONDS = 60.0


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    users = [StandInUser(f"U{i}", f"user{i}", f"User {i}") for i in range(1, 3)]
    with SlackStandIn(users=users, team_id=TEAM) as standin:
        yield standin


def _queue(db: Database, conversation: str) -> None:
    """Three messages to one conversation: the bot's DM with one person, or a pair's group DM."""
    with db.unit_of_work() as session:
        for key in KEYS:
            if conversation == "dm":
                queries.enqueue(session, TEAM, key, "chat.postMessage", {"channel": "U1", "text": key})
            else:
                queries.enqueue(session, TEAM, key, "dm", {"users": ["U1", "U2"], "text": key})


def _start_sender(db: Database, slack: SlackStandIn) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.outbox_sender_process", db.url, slack.url],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process


def _kill_in_the_window(db: Database, slack: SlackStandIn, *, after_store: bool) -> float:
    """Start a sender, kill it with SIGKILL while its first chat.postMessage is held; the monotonic time of
    the kill."""
    held = slack.hold("chat.postMessage", after_store=after_store)
    process = _start_sender(db, slack)
    try:
        assert held.reached.wait(30), "the sender never posted"
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        killed = time.monotonic()
    finally:
        if process.poll() is None:
            process.kill()
        held.release()
    assert process.returncode == -signal.SIGKILL
    return killed


def _survive(db: Database, slack: SlackStandIn) -> None:
    survivor = OutboxSender(
        db,
        WebClient(token=TOKEN, base_url=slack.url),
        clock=SystemClock().now,
        heartbeat_seconds=0.2,
        silence_seconds=1.0,
        sweep_seconds=0.25,
    )
    survivor.drain(timeout=WITHIN_SECONDS)


def _posted(slack: SlackStandIn, channel: str) -> list[str]:
    return [m["text"] for m in slack.messages(channel) if m["method"] == "chat.postMessage"]


def _statuses(db: Database) -> list[str]:
    with db.unit_of_work() as session:
        return list(session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


@pytest.mark.parametrize("after_store", [False, True], ids=["killed-before-the-request", "killed-after-the-post"])
def test_a_dm_with_one_person_gets_each_message_exactly_once_after_its_sender_is_killed(
    sqlite_db: Database, slack: SlackStandIn, after_store: bool
) -> None:
    _queue(sqlite_db, "dm")

    killed = _kill_in_the_window(sqlite_db, slack, after_store=after_store)
    assert _posted(slack, "U1") == (["m0"] if after_store else [])
    assert _statuses(sqlite_db)[0] == "sending"  # the dead sender's claim, until swept
    _survive(sqlite_db, slack)

    assert _posted(slack, "U1") == KEYS  # each once, in order
    assert _statuses(sqlite_db) == ["sent"] * 3
    assert time.monotonic() - killed < WITHIN_SECONDS
    looked = slack.calls_to("conversations.history")
    assert [c.params["channel"] for c in looked] == [slack.dm_channel_id("U1")]  # only m0 was in doubt


@pytest.mark.parametrize("after_store", [False, True], ids=["killed-before-the-request", "killed-after-the-post"])
def test_a_pairs_group_dm_gets_each_message_once_or_the_one_in_flight_twice_and_is_never_read(
    sqlite_db: Database, slack: SlackStandIn, after_store: bool
) -> None:
    _queue(sqlite_db, "group")
    group = slack.dm_channel_id("U1", "U2")

    killed = _kill_in_the_window(sqlite_db, slack, after_store=after_store)
    _survive(sqlite_db, slack)

    assert _posted(slack, group) == (["m0", "m0", "m1", "m2"] if after_store else KEYS)
    assert _statuses(sqlite_db) == ["sent"] * 3
    assert time.monotonic() - killed < WITHIN_SECONDS
    assert slack.calls_to("conversations.history") == []
