"""Sending the outbox: every bot message goes out in order, once, waiting out rate limits, outages and crashes.

Rows are written by the code that decides (`storage.queries.outbox.enqueue`, in the decision's own
transaction); this module only delivers them. The contract is docs/delivery.md; in short:

* Order: rows of one conversation go out by their original due time (`not_before`, programme time, never
  moved), then creation. A row waiting for its due time (the recipient's morning) holds back nothing; a row
  that is due but waiting for a retry holds back every later row of its conversation.
* Claims: each row is claimed (a compare-and-set in its own small transaction) by a sender, a `senders` row
  whose heartbeat this process renews every `heartbeat_seconds` (5 s). Any sender sweeps every
  `sweep_seconds` (10 s) and hands back the rows of senders silent for over `silence_seconds` (20 s).
* A swept row is "in doubt": its sender may have posted it just before dying. Idempotent calls
  (chat.update, chat.delete, files.delete, views.publish, conversations.open) are simply made again: a
  delete answered "already gone" (`ALREADY_GONE`) counts as done. A chat.postMessage carries message
  metadata naming its row, so before posting an in-doubt row into a DM with one person or a channel, the
  sender reads that conversation's history from the claim on and records the ts it finds instead of posting.
  A pair's group DM is never read (that is the pair's private conversation): there, a crash in the window
  between Slack's ok and our commit can post the message twice.

Error policy:

* HTTP 429: back to 'pending' until `Retry-After` has passed (not counted as an attempt; a rate-limited
  message waits, it is never dropped). The Slack method is also held for that long in this sender, so the
  rows behind it do not hammer a limit that is already hit.
* HTTP 5xx, network errors and Slack's transient errors answered with HTTP 200 (`internal_error`,
  `fatal_error`, `service_unavailable`, `request_timeout`): back to 'pending' with exponential backoff
  (1, 2, 4 ... s, at most 5 minutes), 'failed' after `max_attempts` (by default about two hours of outage).
* Any other Slack error (`channel_not_found`, `invalid_blocks`, ...): 'failed' at once; trying again would
  get the same answer.

Two clocks, never mixed: the programme Clock (`clock`) decides whether a row is due and stamps `sent_at`;
real time (`RealTime`) runs the machinery: claims, heartbeats, sweeps, retry times and sleeps.

Works with a plain `WebClient` and with one from `bot.delivery.slack_client.make_client`, whose own retry
handlers simply absorb some failures before this module sees them.
"""

from __future__ import annotations

import http.client
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from storage.db import Database
from storage.models import OutboxMessage
from storage.queries import outbox as queries

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0  # how often a sender renews its row
SILENCE_SECONDS = 20.0  # a sender silent this long is dead: four missed heartbeats, not one slow commit
SWEEP_SECONDS = 10.0  # how often a sender looks for dead senders' rows
MAX_BACKOFF_SECONDS = 300.0
# 9 doublings to the 5-minute cap, then 21 tries 5 minutes apart: a Slack outage of up to ~2 hours loses
# nothing (8 attempts gave up after ~2 minutes).
MAX_ATTEMPTS = 30
# Slack's answers (HTTP 200, ok: false) that mean "try again later", not "this request is wrong".
TRANSIENT_ERRORS = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})
DEFAULT_RETRY_AFTER_SECONDS = 1.0
POLL_SECONDS = 1.0  # how often `drain` looks again while another sender holds a row it waits for
PLAIN_METHODS = frozenset(
    {"chat.postMessage", "chat.update", "chat.postEphemeral", "views.publish", "chat.delete", "files.delete"}
)
# Deleting what is already gone has done its job: Slack's answer to the second of two deletes (a retry after a
# crash, or the person deleted it themselves) counts as sent. That is what makes the deletes idempotent.
ALREADY_GONE = {
    "chat.delete": frozenset({"message_not_found"}),
    "files.delete": frozenset({"file_not_found", "file_deleted"}),
}
# Rows addressed to people ('users'), whose conversation is opened first: a message ('dm') or a file uploaded
# with a comment ('files.upload': files.getUploadURLExternal + files.completeUploadExternal, as
# slack_sdk's files_upload_v2 makes them). An upload is not idempotent: a crash between Slack's ok and our
# commit uploads the file once more, like a post into a pair's group DM.
CONVERSATION_METHODS = frozenset({"dm", "files.upload"})
NETWORK_ERRORS = (URLError, TimeoutError, ConnectionError, http.client.HTTPException)
# The message metadata every chat.postMessage from the outbox carries: how a sender finds, after a crash,
# that the message it is about to post again is already there.
METADATA_EVENT_TYPE = "outbox_row"
# Our host's clock and Slack's may disagree a little: history is read from this long before the claim.
HISTORY_SKEW = timedelta(seconds=60)
HISTORY_PAGES = 5  # 1,000 messages after a claim made seconds ago: more than any conversation here gets
# Answers to conversations.history that mean "this conversation cannot be checked": post as if not found.
HISTORY_UNREADABLE = frozenset({"missing_scope", "not_in_channel", "channel_not_found", "not_allowed_token_type"})

ProgressCallback = Callable[[int, int], None]


def real_utc_now() -> datetime:
    """The real UTC time, for the sender's own machinery only: claim times, heartbeats, retry times.

    Deliberately not the programme Clock: under `run-job --now T`, a test or the demo's simulated weeks, the
    Clock can stand still or jump a week, and then every live sender would look dead (or none ever would),
    and a backoff of 2 s would never end."""
    return datetime.now(UTC)  # noqa: TID251 - infrastructure time, not a programme decision


class RealTime:
    """Real time for the machinery, in one object so that tests can hand in a fake one: UTC for what is
    stored and compared across processes, monotonic seconds for intervals, and sleeping."""

    def utc(self) -> datetime:
        return real_utc_now()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


REAL_TIME = RealTime()


@dataclass(frozen=True)
class SendReport:
    """What one call did: rows sent, failed for good, put back for a retry; rows still unfinished after it."""

    sent: int
    failed: int
    retried: int
    pending: int


@dataclass
class _Tally:
    sent: int = 0
    failed: int = 0
    retried: int = 0

    def count(self, outcome: str) -> None:
        if outcome in ("sent", "failed", "retried"):
            setattr(self, outcome, getattr(self, outcome) + 1)

    def report(self, pending: int) -> SendReport:
        return SendReport(self.sent, self.failed, self.retried, pending)


@dataclass(frozen=True)
class _Scope:
    """Which rows a call may send: all, one batch, or the ids a unit of work queued."""

    batch: str | None = None
    ids: frozenset[int] | None = None

    def includes(self, row: OutboxMessage) -> bool:
        if self.batch is not None and row.batch != self.batch:
            return False
        return self.ids is None or row.id in self.ids


class _Attempt:
    """How far one try at one row got: the Slack method in flight, and what is already known (a DM id)."""

    def __init__(self, row: OutboxMessage) -> None:
        self.api_method = row.method
        self.result: dict[str, Any] = dict(row.result or {})


def _claimed_at(row: OutboxMessage) -> datetime:
    """The claim this sender holds on a row it is sending: set when the row was claimed."""
    assert row.claimed_at is not None, f"outbox row {row.id} is sent without a claim"
    return row.claimed_at


def conversation_key(row: OutboxMessage) -> str:
    """The conversation a row lands in, as far as can be told before sending; rows with one key keep order."""
    payload = row.payload or {}
    if row.method in CONVERSATION_METHODS:
        return f"{row.team_id}:users:{','.join(sorted(set(payload.get('users') or [])))}"
    if row.method == "views.publish":
        return f"{row.team_id}:home:{payload.get('user_id')}"
    channel = str(payload.get("channel") or "")
    if channel[:1] in ("U", "W"):  # posting to a user id lands in the app's DM with them
        return f"{row.team_id}:users:{channel}"
    return f"{row.team_id}:channel:{channel}"


def row_metadata(row: OutboxMessage) -> dict[str, Any]:
    """Slack message metadata naming the outbox row a post comes from (invisible to people)."""
    return {"event_type": METADATA_EVENT_TYPE, "event_payload": {"id": row.id, "key": row.dedupe_key}}


def _names_row(message: dict[str, Any], row: OutboxMessage) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return (
        metadata.get("event_type") == METADATA_EVENT_TYPE
        and payload.get("id") == row.id
        and payload.get("key") == row.dedupe_key
    )


def _payload_problem(row: OutboxMessage) -> str | None:
    """Why a row can never be sent as queued (checked before calling Slack, so a bad row is not half sent)."""
    if row.method not in CONVERSATION_METHODS:
        return None if row.method in PLAIN_METHODS else f"unsupported outbox method {row.method!r}"
    if row.method == "files.upload" and not all(
        isinstance((row.payload or {}).get(key), str) and row.payload[key] for key in ("filename", "content")
    ):
        return "files.upload payload needs 'filename' and 'content' (text)"
    users = (row.payload or {}).get("users")
    if not isinstance(users, list) or not users or not all(isinstance(u, str) and u for u in users):
        return "dm payload needs 'users': a list of Slack user ids"
    pair_id = row.payload.get("pair_id")
    if pair_id is not None and (isinstance(pair_id, bool) or not isinstance(pair_id, int)):
        return "dm payload 'pair_id' must be an integer"
    return None


def _retry_after(error: SlackApiError) -> float:
    for name, value in (error.response.headers or {}).items():
        if name.lower() == "retry-after":
            try:
                return max(float(value[0] if isinstance(value, list) else value), 0.0)
            except (TypeError, ValueError):
                break
    return DEFAULT_RETRY_AFTER_SECONDS


def _slack_error(error: SlackApiError) -> str:
    data = error.response.data if isinstance(error.response.data, dict) else {}
    messages = (data.get("response_metadata") or {}).get("messages") or []
    return " ".join([str(data.get("error") or "unknown_error"), *map(str, messages)])


def _summary(response: SlackResponse) -> dict[str, Any]:
    """The part of Slack's answer worth keeping: where the message is, so it can be updated later."""
    out = {key: response.get(key) for key in ("channel", "ts", "message_ts") if response.get(key) is not None}
    view = response.get("view")
    if isinstance(view, dict) and view.get("id"):
        out["view_id"] = view["id"]
    return out


def _slack_ts(moment: datetime) -> str:
    return f"{moment.timestamp():.6f}"


class SenderPresence:
    """This sender's row in `senders`, kept alive by a heartbeat thread while it may hold claims.

    A long-lived process keeps one for its whole life (`BackgroundSender`); a short call (a click, a
    `run-job`) gets one for the length of the call from `OutboxSender`. Either way, a process killed
    mid-send stops beating, and after `silence_seconds` its claims are anyone's."""

    def __init__(
        self, db: Database, *, heartbeat_seconds: float = HEARTBEAT_SECONDS, real_time: RealTime = REAL_TIME
    ) -> None:
        if heartbeat_seconds <= 0:
            raise ValueError("heartbeat_seconds must be positive")
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:10]}"
        self._db = db
        self._every = heartbeat_seconds
        self._real = real_time
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> SenderPresence:
        with self._db.unit_of_work() as session:
            queries.register_sender(session, self.id, real_now=self._real.utc())
        self._thread = threading.Thread(target=self._beat, name=f"outbox-heartbeat-{self.id}", daemon=True)
        self._thread.start()
        return self

    def beat(self) -> None:
        with self._db.unit_of_work() as session:
            if not queries.heartbeat(session, self.id, real_now=self._real.utc()):
                # Swept as dead (a stall longer than the silence): come back; claims already lost stay lost.
                queries.register_sender(session, self.id, real_now=self._real.utc())

    def _beat(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self.beat()
            except Exception:  # the database may blip; the next beat tries again, well within the silence
                log.exception("outbox sender %s: heartbeat failed", self.id)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        try:
            with self._db.unit_of_work() as session:
                queries.unregister_sender(session, self.id)
        except Exception:  # left behind, it simply looks dead: its claims (if any) are swept
            log.exception("outbox sender %s: could not remove its row", self.id)

    def __enter__(self) -> SenderPresence:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _always(client: WebClient) -> Callable[[str], WebClient]:
    return lambda _team_id: client


class OutboxSender:
    """Delivers due outbox rows, each through its own workspace's WebClient. One sender per thread; any number
    may run at once.

    `client` is one WebClient (a click sends only what it queued, all of its own team) or `Services.client_for`
    (jobs and the background sender deliver every team's rows, each with that team's token).

    `clock` is programme time (a bound `Clock.now`): it says what is due and stamps `sent_at`. The interval
    parameters are real seconds; tests shrink them instead of waiting."""

    def __init__(
        self,
        db: Database,
        client: WebClient | Callable[[str], WebClient],
        *,
        clock: Callable[[], datetime],
        real_time: RealTime = REAL_TIME,
        max_attempts: int = MAX_ATTEMPTS,
        presence: SenderPresence | None = None,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
        silence_seconds: float = SILENCE_SECONDS,
        sweep_seconds: float = SWEEP_SECONDS,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if silence_seconds <= heartbeat_seconds:
            raise ValueError("silence_seconds must be longer than heartbeat_seconds, or live senders look dead")
        self._db = db
        self._client_for = client if not isinstance(client, WebClient) else _always(client)
        self._clock = clock
        self._real = real_time
        self._max_attempts = max_attempts
        self._presence = presence
        self._heartbeat_seconds = heartbeat_seconds
        self._silence = timedelta(seconds=silence_seconds)
        self._sweep_every = sweep_seconds
        self._last_sweep: float | None = None
        self._sender_id: str | None = None  # while a public call runs
        self._held_until: dict[str, float] = {}  # Slack method -> monotonic end of its Retry-After

    # ------------------------------------------------------------------ public

    def send_due(
        self,
        *,
        batch: str | None = None,
        ids: Sequence[int] | None = None,
        limit: int | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> SendReport:
        """Send what is due now (all of it, the `batch`, or the rows `ids`), in delivery order; return when
        nothing more of it can go now.

        A row outside the scope still holds back a later row of its conversation that is inside it (it is left
        for the sender that owns it, or the outbox job). `limit` caps the rows taken in this call.
        `on_progress(done, total)` follows each row that is finished (sent or failed): the batch's figures
        from the database, or without a batch, this call's.
        """
        scope = _Scope(batch, None if ids is None else frozenset(ids))
        with self._registered():
            tally = _Tally()
            retried: set[int] = set()  # put back during this call: not taken again by it, even if due at once
            taken = 0
            while limit is None or taken < limit:
                budget = None if limit is None else limit - taken
                taken_now = self._one_pass(scope, budget, tally, retried, on_progress)
                if taken_now == 0:
                    break
                taken += taken_now
            with self._db.unit_of_work() as session:
                pending = queries.unfinished_count(session, batch, None if ids is None else list(ids))
            return tally.report(pending)

    def send_ids(self, ids: Sequence[int]) -> SendReport:
        """Send just these rows (the ones a click's unit of work queued) if they are due; nothing else."""
        if not ids:
            return SendReport(0, 0, 0, 0)
        return self.send_due(ids=ids)

    def drain(
        self,
        *,
        batch: str | None = None,
        ids: Sequence[int] | None = None,
        timeout: float = 300,
        on_progress: ProgressCallback | None = None,
    ) -> SendReport:
        """Send until nothing due (of the batch or ids) is unfinished, sleeping until the next retry; or time
        out. Rows not yet due by programme time are left for later, not waited for."""
        deadline = self._real.monotonic() + timeout
        tally = _Tally()
        with self._registered():
            while True:
                report = self.send_due(batch=batch, ids=ids, on_progress=on_progress)
                tally.sent += report.sent
                tally.failed += report.failed
                tally.retried += report.retried
                wait = self._next_wait(_Scope(batch, None if ids is None else frozenset(ids)))
                left = deadline - self._real.monotonic()
                if wait is None or left <= 0:
                    return tally.report(report.pending)
                self._real.sleep(max(min(wait, left), 0.01))

    def sweep(self) -> list[int]:
        """Hand back the rows of senders silent for over `silence_seconds`; the ids swept."""
        with self._db.unit_of_work() as session:
            swept = queries.sweep(session, real_now=self._real.utc(), silence=self._silence)
        if swept:
            log.warning("outbox: took back %d rows from senders that stopped mid-send: %s", len(swept), swept)
        self._last_sweep = self._real.monotonic()
        return swept

    def progress(self, batch: str) -> tuple[int, int]:
        """(done, total) for a batch, where done counts sent and failed rows: "Sent 120 of 340 intros"."""
        with self._db.unit_of_work() as session:
            sent, failed, total = queries.progress(session, batch)
        return sent + failed, total

    def failures(self, batch: str) -> int:
        """Rows of a batch that gave up: done, but never delivered."""
        with self._db.unit_of_work() as session:
            return queries.progress(session, batch)[1]

    # ------------------------------------------------------------------ the sender row

    @contextmanager
    def _registered(self) -> Iterator[str]:
        """The sender id claims are made under: the long-lived presence, or one for this call."""
        if self._sender_id is not None:  # drain -> send_due: already registered
            yield self._sender_id
            return
        if self._presence is not None:
            self._sender_id = self._presence.id
            try:
                yield self._sender_id
            finally:
                self._sender_id = None
            return
        with SenderPresence(self._db, heartbeat_seconds=self._heartbeat_seconds, real_time=self._real) as presence:
            self._sender_id = presence.id
            try:
                yield presence.id
            finally:
                self._sender_id = None

    # ------------------------------------------------------------------ one pass

    def _one_pass(
        self,
        scope: _Scope,
        budget: int | None,
        tally: _Tally,
        retried: set[int],
        on_progress: ProgressCallback | None,
    ) -> int:
        self._sweep_if_due()
        rows = self._due_rows(scope)
        waiting: set[str] = set()  # conversations with an earlier row unfinished: the rest of them wait
        taken = 0
        for row in rows:
            if budget is not None and taken >= budget:
                break
            self._sweep_if_due()  # a pass over a whole round can take minutes; dead senders wait 10 s at most
            key = conversation_key(row)
            if key in waiting:
                continue
            if row.id in retried or not scope.includes(row) or not self._ready(row) or self._held(row):
                waiting.add(key)
                continue
            mine = self._claim(row)
            if mine is None:  # another sender got there first
                waiting.add(key)
                continue
            taken += 1
            outcome = self._send_one(mine)
            tally.count(outcome)
            if outcome == "retried":
                retried.add(row.id)
                waiting.add(key)
            elif on_progress is not None:
                self._report_progress(on_progress, scope.batch, tally)
        return taken

    def _due_rows(self, scope: _Scope) -> list[OutboxMessage]:
        """The due rows a pass looks at, in delivery order: every team's for an unscoped call (a job, the
        background sender); for a click's ids or a batch, only its own team's rows up to its latest due time
        (all that can hold it back)."""
        with self._db.unit_of_work() as session:
            if scope.batch is None and scope.ids is None:
                return queries.due(session, self._clock())
            ids = None if scope.ids is None else sorted(scope.ids)
            return queries.due_up_to(session, self._clock(), batch=scope.batch, ids=ids)

    def _sweep_if_due(self) -> None:
        if self._last_sweep is None or self._real.monotonic() - self._last_sweep >= self._sweep_every:
            self.sweep()

    def _claim(self, row: OutboxMessage) -> OutboxMessage | None:
        assert self._sender_id is not None
        with self._db.unit_of_work() as session:
            return queries.claim(
                session, row.id, now=self._clock(), real_now=self._real.utc(), sender_id=self._sender_id
            )

    def _report_progress(self, on_progress: ProgressCallback, batch: str | None, tally: _Tally) -> None:
        try:
            on_progress(*self._progress_for(batch, tally))
        except Exception:  # showing progress is a courtesy; it must not stop the sending
            log.exception("outbox: progress callback failed")

    def _ready(self, row: OutboxMessage) -> bool:
        """Pending, and its retry time (real) has come. (`queries.due` already checked it is due.)"""
        if row.status != "pending":
            return False
        return row.next_attempt_at is None or row.next_attempt_at <= self._real.utc()

    def _held(self, row: OutboxMessage) -> bool:
        methods = [row.method]
        if row.method in CONVERSATION_METHODS:
            methods = ["chat.postMessage" if row.method == "dm" else row.method]
            if not (row.result or {}).get("channel"):
                methods.append("conversations.open")
        now = self._real.monotonic()
        return any(self._held_until.get(m, now) > now for m in methods)

    def _progress_for(self, batch: str | None, tally: _Tally) -> tuple[int, int]:
        if batch is not None:
            return self.progress(batch)
        with self._db.unit_of_work() as session:
            left = queries.unfinished_count(session)
        done = tally.sent + tally.failed
        return done, done + left

    def _next_wait(self, scope: _Scope) -> float | None:
        """Real seconds until something of the scope that is due may be tried; None when nothing is left."""
        rows = [row for row in self._due_rows(scope) if scope.includes(row)]
        if not rows:
            return None
        real_now, mono = self._real.utc(), self._real.monotonic()
        waits = [until - mono for until in self._held_until.values() if until > mono]
        for row in rows:
            if row.status == "pending" and row.next_attempt_at is not None and row.next_attempt_at > real_now:
                waits.append((row.next_attempt_at - real_now).total_seconds())
            else:  # being sent by another sender, or behind a row that is
                waits.append(POLL_SECONDS)
        return min(waits)

    # ------------------------------------------------------------------ one row

    def _send_one(self, row: OutboxMessage) -> str:
        """Send one claimed row and record the outcome: 'sent', 'failed', 'retried' or 'lost' (swept)."""
        attempt = _Attempt(row)
        if row.attempts >= self._max_attempts:  # only after senders died holding it, again and again
            return self._fail(row, attempt, f"gave up after {row.attempts} attempts (senders stopped mid-send)")
        problem = _payload_problem(row)
        if problem is not None:
            return self._fail(row, attempt, problem)
        try:
            if row.method == "dm":
                result = self._send_dm(row, attempt)
            elif row.method == "files.upload":
                result = self._upload(row, attempt)
            elif row.method == "chat.postMessage":
                result = self._post(row, attempt, dict(row.payload), str(row.payload.get("channel") or ""))
            else:  # chat.update, chat.delete, files.delete, views.publish, chat.postEphemeral: made again as they are
                result = self._plain(row)
        except SlackApiError as error:
            status = error.response.status_code
            if status == 429:
                return self._rate_limited(row, attempt, _retry_after(error))
            if status >= 500 or (error.response.get("error") in TRANSIENT_ERRORS):
                return self._back_off(row, attempt, f"{attempt.api_method}: HTTP {status} {_slack_error(error)}")
            return self._fail(row, attempt, f"{attempt.api_method}: {_slack_error(error)}")
        except NETWORK_ERRORS as error:
            return self._back_off(row, attempt, f"{attempt.api_method}: {type(error).__name__}: {error}")
        except Exception as error:  # a payload the client refuses: sending it again would fail the same way
            log.exception("outbox %s (%s): cannot send", row.id, row.dedupe_key)
            return self._fail(row, attempt, f"{attempt.api_method}: {type(error).__name__}: {error}")

        # The one window left: Slack has said ok and this commit has not happened yet. If the process dies
        # here, its heartbeat stops, the row is swept back in doubt, and the next sender finds the post by
        # its metadata (a DM with one person, a channel) or, in a pair's group DM, posts it once more.
        with self._db.unit_of_work() as session:
            queries.mark_sent(session, row.id, result=result, now=self._clock())
            pair_id = (row.payload or {}).get("pair_id")
            if row.method == "dm" and pair_id is not None:
                queries.set_pair_channel(session, row.team_id, pair_id, result["channel"])
        log.info("outbox %s (%s): %s sent %s", row.id, row.dedupe_key, row.method, result)
        return "sent"

    def _plain(self, row: OutboxMessage) -> dict[str, Any]:
        try:
            return _summary(self._client_for(row.team_id).api_call(row.method, json=row.payload))
        except SlackApiError as error:
            if error.response.get("error") in ALREADY_GONE.get(row.method, ()):
                payload = row.payload or {}
                return {k: payload[k] for k in ("channel", "ts", "file") if payload.get(k)} | {"already_gone": True}
            raise

    def _open(self, row: OutboxMessage, attempt: _Attempt) -> str:
        """The conversation with the row's 'users', opened once: kept with a retry, so the next try posts to
        this conversation without opening it again."""
        channel = attempt.result.get("channel")
        if not channel:
            attempt.api_method = "conversations.open"
            opened = self._client_for(row.team_id).conversations_open(users=",".join(row.payload["users"]))
            channel = opened["channel"]["id"]
            attempt.result["channel"] = channel
        return str(channel)

    def _upload(self, row: OutboxMessage, attempt: _Attempt) -> dict[str, Any]:
        """A text file into the row's conversation, with its comment (files_upload_v2, as the digest's chart)."""
        payload = row.payload
        channel = self._open(row, attempt)
        attempt.api_method = "files.upload"
        response = self._client_for(row.team_id).files_upload_v2(
            channel=channel,
            content=payload["content"],
            filename=payload["filename"],
            title=payload.get("title") or payload["filename"],
            initial_comment=payload.get("initial_comment"),
        )
        file = response.get("file") or (response.get("files") or [{}])[0]
        return {"channel": channel, "file": file.get("id")}

    def _send_dm(self, row: OutboxMessage, attempt: _Attempt) -> dict[str, Any]:
        payload = row.payload
        channel = self._open(row, attempt)
        message = {key: value for key, value in payload.items() if key not in ("users", "pair_id")}
        return self._post(row, attempt, {**message, "channel": channel}, channel, group=len(set(payload["users"])) > 1)

    def _post(
        self, row: OutboxMessage, attempt: _Attempt, message: dict[str, Any], channel: str, *, group: bool = False
    ) -> dict[str, Any]:
        """chat.postMessage with the row's metadata; an in-doubt row is first looked for where it may be."""
        if row.in_doubt_since is not None and not group:
            found = self._already_posted(row, attempt, channel)
            if found is not None:
                log.warning("outbox %s (%s): found already posted at %s; not posting again", row.id, row.dedupe_key,
                            found)  # fmt: skip
                return found
        attempt.api_method = "chat.postMessage"
        posted = self._client_for(row.team_id).api_call(
            "chat.postMessage", json={"metadata": row_metadata(row), **message}
        )
        return {"channel": posted.get("channel") or channel, "ts": posted["ts"]}

    def _already_posted(self, row: OutboxMessage, attempt: _Attempt, channel: str) -> dict[str, Any] | None:
        """The {channel, ts} of this row's post if Slack has it; None if not, or if the conversation cannot
        be read (then posting again risks one duplicate, as documented).

        Read only where the app is allowed to and people do not talk privately to each other: the bot's own
        DM with one person (its Messages tab is read-only, so it holds only the bot's posts) and channels
        (im:history, channels:history). A group DM ('G...', or a dm row with two people) is never read."""
        assert row.in_doubt_since is not None
        if channel[:1] in ("U", "W"):  # a user id: the history lives in the app's DM with them
            attempt.api_method = "conversations.open"
            channel = self._client_for(row.team_id).conversations_open(users=channel)["channel"]["id"]
        if channel[:1] not in ("D", "C"):
            return None
        attempt.api_method = "conversations.history"
        oldest = _slack_ts(row.in_doubt_since - HISTORY_SKEW)
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            try:
                page = self._client_for(row.team_id).conversations_history(
                    channel=channel, oldest=oldest, inclusive=True, include_all_metadata=True, limit=200, cursor=cursor
                )
            except SlackApiError as error:
                if error.response.get("error") in HISTORY_UNREADABLE:
                    log.info("outbox %s: cannot read %s (%s); posting", row.id, channel, error.response.get("error"))
                    return None
                raise
            for message in page.get("messages") or []:
                if _names_row(message, row):
                    return {"channel": channel, "ts": message["ts"]}
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not page.get("has_more") or not cursor:
                break
        return None

    def _rate_limited(self, row: OutboxMessage, attempt: _Attempt, seconds: float) -> str:
        until = self._real.monotonic() + seconds
        self._held_until[attempt.api_method] = max(until, self._held_until.get(attempt.api_method, until))
        error = f"{attempt.api_method}: ratelimited (HTTP 429), Retry-After {seconds:g} s"
        return self._retry_later(row, attempt, seconds, error, count_attempt=False)

    def _back_off(self, row: OutboxMessage, attempt: _Attempt, error: str) -> str:
        attempts = row.attempts + 1
        if attempts >= self._max_attempts:
            return self._fail(row, attempt, f"{error} (gave up after {attempts} attempts)", count_attempt=True)
        seconds = min(2.0 ** (attempts - 1), MAX_BACKOFF_SECONDS)
        return self._retry_later(row, attempt, seconds, error, count_attempt=True)

    def _retry_later(
        self, row: OutboxMessage, attempt: _Attempt, seconds: float, error: str, *, count_attempt: bool
    ) -> str:
        assert row.claimed_at is not None and self._sender_id is not None
        with self._db.unit_of_work() as session:
            ours = queries.mark_retry(
                session,
                row.id,
                claimed_at=row.claimed_at,
                sender_id=self._sender_id,
                next_attempt_at=self._real.utc() + timedelta(seconds=seconds),
                error=error,
                count_attempt=count_attempt,
                result=attempt.result or None,
            )
        if not ours:
            log.warning("outbox %s (%s): claim swept while sending; left to its new sender", row.id, row.dedupe_key)
            return "lost"
        log.info("outbox %s (%s): retry in %g s after %s", row.id, row.dedupe_key, seconds, error)
        return "retried"

    def _fail(self, row: OutboxMessage, attempt: _Attempt, error: str, *, count_attempt: bool = False) -> str:
        assert row.claimed_at is not None and self._sender_id is not None
        with self._db.unit_of_work() as session:
            ours = queries.mark_failed(
                session,
                row.id,
                claimed_at=row.claimed_at,
                sender_id=self._sender_id,
                error=error,
                count_attempt=count_attempt,
                result=attempt.result or None,
            )
        if not ours:
            log.warning("outbox %s (%s): claim swept while sending; left to its new sender", row.id, row.dedupe_key)
            return "lost"
        log.warning("outbox %s (%s): failed for good: %s", row.id, row.dedupe_key, error)
        return "failed"


class BackgroundSender:
    """A thread that keeps one process's sender alive: heartbeat every `heartbeat_seconds`, and every
    `sweep_seconds` a sweep for dead senders' rows and a pass over everything due. Every `serve` process
    runs one, so a message whose sender died is sent again within `silence_seconds + sweep_seconds` of the
    death (30 s by default), whichever process holds the scheduler lease."""

    def __init__(
        self,
        db: Database,
        client: WebClient | Callable[[str], WebClient],
        *,
        clock: Callable[[], datetime],
        real_time: RealTime = REAL_TIME,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
        silence_seconds: float = SILENCE_SECONDS,
        sweep_seconds: float = SWEEP_SECONDS,
    ) -> None:
        self.presence = SenderPresence(db, heartbeat_seconds=heartbeat_seconds, real_time=real_time)
        self.sender = OutboxSender(
            db,
            client,
            clock=clock,
            real_time=real_time,
            presence=self.presence,
            heartbeat_seconds=heartbeat_seconds,
            silence_seconds=silence_seconds,
            sweep_seconds=sweep_seconds,
        )
        # Sweeping has a thread and a sender of its own: the sending thread can sit in one Slack call for
        # half a minute (Retry-After waits, timeouts), and a dead process's rows must not wait for it.
        self._sweeper = OutboxSender(
            db, client, clock=clock, real_time=real_time, heartbeat_seconds=heartbeat_seconds,
            silence_seconds=silence_seconds, sweep_seconds=sweep_seconds,
        )  # fmt: skip
        self._every = sweep_seconds
        self._real = real_time
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._send_loop, name="outbox-background-sender", daemon=True),
            threading.Thread(target=self._sweep_loop, name="outbox-sweeper", daemon=True),
        ]

    def start(self) -> BackgroundSender:
        self.presence.start()
        for thread in self._threads:
            thread.start()
        return self

    def _send_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sender.send_due()
            except Exception:  # a failing pass must not end the thread; the next one tries again
                log.exception("outbox: background pass failed")
            self._stop.wait(self._every)

    def _sweep_loop(self) -> None:
        """A sweep every `sweep_seconds`, counted from the start of the last one, whatever Slack is doing."""
        while not self._stop.is_set():
            started = self._real.monotonic()
            try:
                self._sweeper.sweep()
            except Exception:  # the database may blip; the next sweep tries again
                log.exception("outbox: sweep failed")
            self._stop.wait(max(self._every - (self._real.monotonic() - started), 0.0))

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        self.presence.stop()


def queued_by_this_request() -> AbstractContextManager[list[int]]:
    """`with queued_by_this_request() as ids:` collects the ids of the outbox rows queued inside the block
    (by this thread), for `OutboxSender.send_ids` once the listener has answered Slack."""
    return queries.recording()


@contextmanager
def sending_what_it_queues(db: Database, client: WebClient, *, clock: Callable[[], datetime]) -> Iterator[list[int]]:
    """Around one listener's unit of work: afterwards, send exactly the rows it queued that are due now, with
    that listener's client, and nothing of any other request or team. What cannot go at once (not yet due,
    a retry, behind an earlier row) is left to the background sender and the outbox job."""
    with queries.recording() as ids:
        yield ids
    OutboxSender(db, client, clock=clock).send_ids(ids)
