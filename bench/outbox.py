"""Benchmark for bot.delivery.outbox: how long the outbox itself adds to sending a round of intros.

Run: .venv/bin/python bench/outbox.py [--rows 340] [--senders 1,2] [--url postgresql+psycopg://...]

Queues N `dm` rows (one per pair, two users each) in a fresh SQLite file (or the database at --url, whose
rows of the bench's own team are cleared first), then drains them through the local Web API stand-in with 1 or more
senders in threads. Prints rows per second, the outbox's own time per row (wall time minus the time the
stand-in's HTTP round trips took, measured separately) and checks that every row was posted exactly once.
"""

import argparse
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_sdk import WebClient
from sqlalchemy import delete

from bot.delivery.outbox import OutboxSender
from bot.runtime.clock import SystemClock
from bot.simulation.standin import SlackStandIn, StandInUser
from storage.db import Database
from storage.models import OutboxMessage
from storage.queries.outbox import enqueue

TEAM = "T0BENCH"
TOKEN = "xoxb-bench"


def _queue(db: Database, rows: int, batch: str) -> None:
    with db.unit_of_work() as session:
        session.execute(delete(OutboxMessage).where(OutboxMessage.team_id == TEAM))
        for i in range(rows):
            users = [f"U{2 * i:04d}", f"U{2 * i + 1:04d}"]
            enqueue(session, TEAM, f"intro:{i}", "dm", {"users": users, "text": f"intro {i}"}, batch=batch)


def _bare_round_trips(slack: SlackStandIn, rows: int) -> float:
    client = WebClient(token=TOKEN, base_url=slack.url)
    started = time.perf_counter()
    for i in range(rows):
        channel = client.conversations_open(users=f"U{2 * i:04d},U{2 * i + 1:04d}")["channel"]["id"]
        client.chat_postMessage(channel=channel, text="warm-up")
    return time.perf_counter() - started


def _run(db: Database, slack: SlackStandIn, rows: int, senders: int) -> tuple[float, int]:
    batch = f"bench:{senders}"
    _queue(db, rows, batch)
    slack.reset()
    start = threading.Barrier(senders + 1)

    def work() -> None:
        sender = OutboxSender(db, WebClient(token=TOKEN, base_url=slack.url), clock=SystemClock().now)
        start.wait()
        sender.drain(batch=batch, timeout=600)

    threads = [threading.Thread(target=work) for _ in range(senders)]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    posts = Counter(m["text"] for m in slack.messages() if m["method"] == "chat.postMessage")
    duplicates = sum(n - 1 for n in posts.values() if n > 1) + (rows - len(posts))
    return elapsed, duplicates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=340)
    parser.add_argument("--senders", default="1,2")
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        db = Database(args.url or f"sqlite:///{folder}/bench.sqlite3")
        db.upgrade()
        users = [StandInUser(f"U{i:04d}", f"user{i}", f"User {i}") for i in range(2 * args.rows)]
        with SlackStandIn(users=users, team_id=TEAM) as slack:
            bare = _bare_round_trips(slack, args.rows)
            print(f"{db.engine.dialect.name}, {args.rows} dm rows; bare HTTP round trips {bare:.2f} s")
            ok = True
            for senders in (int(s) for s in args.senders.split(",")):
                elapsed, wrong = _run(db, slack, args.rows, senders)
                overhead_ms = max(elapsed - bare, 0.0) / args.rows * 1000
                ok &= wrong == 0
                print(
                    f"  {senders} sender(s): {elapsed:.2f} s, {args.rows / elapsed:.0f} rows/s, "
                    f"outbox overhead ~{overhead_ms:.1f} ms/row (single-sender view), "
                    f"{'each posted once' if wrong == 0 else f'{wrong} duplicated or missing'}"
                )
        db.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
