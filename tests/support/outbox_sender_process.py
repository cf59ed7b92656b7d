"""A sending process for the kill tests (tests/integration/test_outbox_crash.py), run as
`python -m tests.support.outbox_sender_process DATABASE_URL SLACK_API_URL`.

It is the outbox's real sender, as a `run-job outbox` would run it, with the intervals shrunk through its
constructor (heartbeat every 0.2 s) so that the tests take seconds. It prints "ready" once its sender row is
in the database, then sends everything due; the test kills it with SIGKILL mid-send.
"""

from __future__ import annotations

import sys

from slack_sdk import WebClient

from bot.delivery.outbox import OutboxSender, SenderPresence
from bot.runtime.clock import SystemClock
from storage.db import Database

HEARTBEAT_SECONDS = 0.2
SILENCE_SECONDS = 1.0
TOKEN = "xoxb-kill-test"


def main(database_url: str, api_url: str) -> int:
    clock = SystemClock()
    db = Database(database_url, now=clock.now)
    client = WebClient(token=TOKEN, base_url=api_url, retry_handlers=[])
    with SenderPresence(db, heartbeat_seconds=HEARTBEAT_SECONDS) as presence:
        print("ready", flush=True)
        sender = OutboxSender(
            db,
            client,
            clock=clock.now,
            presence=presence,
            heartbeat_seconds=HEARTBEAT_SECONDS,
            silence_seconds=SILENCE_SECONDS,
        )
        print(sender.send_due(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
