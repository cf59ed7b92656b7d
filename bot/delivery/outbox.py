"""Sending the outbox: every bot message goes out in order, once, waiting out rate limits and outages.

Rows are written by the code that decides (`storage.queries.outbox.enqueue`, in the decision's own
transaction); this module only delivers them. For each row: claim it (its own small transaction, a
compare-and-set so two senders never both own it), call Slack, then record the outcome (another small
transaction). A crash therefore loses nothing: a claimed row whose sender died is claimed again once its
lease runs out.

Error policy:

* HTTP 429: back to 'pending' until `Retry-After` has passed (not counted as an attempt; a rate-limited
  message waits, it is never dropped). The Slack method is also held for that long in this sender, so the
  rows behind it do not hammer a limit that is already hit.
* HTTP 5xx, network errors and Slack's transient errors answered with HTTP 200 (`internal_error`,
  `fatal_error`, `service_unavailable`, `request_timeout`): back to 'pending' with exponential backoff
  (1, 2, 4 ... s, at most 5 minutes), 'failed' after `max_attempts` (by default about two hours of outage).
* Any other Slack error (`channel_not_found`, `invalid_blocks`, ...): 'failed' at once; trying again would
  get the same answer.

Order: a row waits while an earlier row for the same conversation is unfinished (waiting for a retry, or
being sent by another sender), so a pair never sees message 2 before message 1.

Works with a plain `WebClient` and with one from `bot.delivery.slack_client.make_client`, whose own retry handlers
simply absorb some failures before this module sees them.
"""

from __future__ import annotations

import http.client
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from storage.db import Database
from storage.models import OutboxMessage
from storage.queries import outbox as queries

log = logging.getLogger(__name__)

# Far longer than one Slack call, even one that slack_sdk retries itself (make_client waits out up to five
# 429s inside a call): a sender holding a row that long is taken to be dead.
LEASE = timedelta(minutes=10)
MAX_BACKOFF_SECONDS = 300.0
# 9 doublings to the 5-minute cap, then 21 tries 5 minutes apart: a Slack outage of up to ~2 hours loses
# nothing (8 attempts gave up after ~2 minutes).
MAX_ATTEMPTS = 30
# Slack's answers (HTTP 200, ok: false) that mean "try again later", not "this request is wrong".
TRANSIENT_ERRORS = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})
DEFAULT_RETRY_AFTER_SECONDS = 1.0
POLL_SECONDS = 1.0  # how often `drain` looks again while another sender holds a row it waits for
PLAIN_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral", "views.publish"})
NETWORK_ERRORS = (URLError, TimeoutError, ConnectionError, http.client.HTTPException)

ProgressCallback = Callable[[int, int], None]


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
    if row.method == "dm":
        return f"{row.team_id}:users:{','.join(sorted(set(payload.get('users') or [])))}"
    if row.method == "views.publish":
        return f"{row.team_id}:home:{payload.get('user_id')}"
    channel = str(payload.get("channel") or "")
    if channel[:1] in ("U", "W"):  # posting to a user id lands in the app's DM with them
        return f"{row.team_id}:users:{channel}"
    return f"{row.team_id}:channel:{channel}"


def _payload_problem(row: OutboxMessage) -> str | None:
    """Why a row can never be sent as queued (checked before calling Slack, so a bad row is not half sent)."""
    if row.method != "dm":
        return None if row.method in PLAIN_METHODS else f"unsupported outbox method {row.method!r}"
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


class OutboxSender:
    """Delivers due outbox rows through one WebClient. One sender per thread; any number may run at once."""

    def __init__(
        self,
        db: Database,
        client: WebClient,
        *,
        clock: Callable[[], datetime],  # the programme clock (services.clock.now): what is due, and when sent
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._db = db
        self._client = client
        self._clock = clock
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._held_until: dict[str, datetime] = {}  # Slack method -> end of its Retry-After

    # ------------------------------------------------------------------ public

    def send_due(
        self,
        *,
        batch: str | None = None,
        limit: int | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> SendReport:
        """Send what is due now (all of it, or the `batch`), in id order; return when nothing more is due.

        `limit` caps the rows taken in this call. `on_progress(done, total)` follows each row that is
        finished (sent or failed): the batch's figures from the database, or without a batch, this call's.
        """
        tally = _Tally()
        retried: set[int] = set()  # put back during this call: not taken again by it, even if due at once
        taken = 0
        while limit is None or taken < limit:
            taken_now = self._one_pass(batch, None if limit is None else limit - taken, tally, retried, on_progress)
            if taken_now == 0:
                break
            taken += taken_now
        with self._db.unit_of_work() as session:
            pending = queries.unfinished_count(session, batch)
        return tally.report(pending)

    def drain(
        self,
        *,
        batch: str | None = None,
        timeout: float = 300,
        on_progress: ProgressCallback | None = None,
    ) -> SendReport:
        """Send until nothing is unfinished (for the batch), sleeping until the next retry is due; or time out."""
        deadline = self._clock() + timedelta(seconds=timeout)
        tally = _Tally()
        while True:
            report = self.send_due(batch=batch, on_progress=on_progress)
            tally.sent += report.sent
            tally.failed += report.failed
            tally.retried += report.retried
            now = self._clock()
            if report.pending == 0 or now >= deadline:
                return tally.report(report.pending)
            wake = min(self._next_wake(batch, now), deadline)
            self._sleep(max((wake - now).total_seconds(), 0.01))

    def progress(self, batch: str) -> tuple[int, int]:
        """(done, total) for a batch, where done counts sent and failed rows: "Sent 120 of 340 intros"."""
        with self._db.unit_of_work() as session:
            sent, failed, total = queries.progress(session, batch)
        return sent + failed, total

    def failures(self, batch: str) -> int:
        """Rows of a batch that gave up: done, but never delivered."""
        with self._db.unit_of_work() as session:
            return queries.progress(session, batch)[1]

    # ------------------------------------------------------------------ one pass

    def _one_pass(
        self,
        batch: str | None,
        budget: int | None,
        tally: _Tally,
        retried: set[int],
        on_progress: ProgressCallback | None,
    ) -> int:
        with self._db.unit_of_work() as session:
            rows = queries.unfinished(session, batch)
        waiting: set[str] = set()  # conversations with an earlier row unfinished: the rest of them wait
        taken = 0
        for row in rows:
            if budget is not None and taken >= budget:
                break
            key = conversation_key(row)
            if key in waiting or row.id in retried:
                waiting.add(key)
                continue
            now = self._clock()
            if not self._claimable(row, now) or self._held(row, now):
                waiting.add(key)
                continue
            with self._db.unit_of_work() as session:
                mine = queries.claim(session, row.id, now=now, lease=LEASE)
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
                self._report_progress(on_progress, batch, tally)
        return taken

    def _report_progress(self, on_progress: ProgressCallback, batch: str | None, tally: _Tally) -> None:
        try:
            on_progress(*self._progress_for(batch, tally))
        except Exception:  # showing progress is a courtesy; it must not stop the sending
            log.exception("outbox: progress callback failed")

    def _claimable(self, row: OutboxMessage, now: datetime) -> bool:
        if row.status == "pending":
            return row.not_before <= now
        return row.claimed_at is None or row.claimed_at < now - LEASE

    def _held(self, row: OutboxMessage, now: datetime) -> bool:
        methods = [row.method]
        if row.method == "dm":
            methods = ["chat.postMessage"]
            if not (row.result or {}).get("channel"):
                methods.append("conversations.open")
        return any(self._held_until.get(m, now) > now for m in methods)

    def _progress_for(self, batch: str | None, tally: _Tally) -> tuple[int, int]:
        if batch is not None:
            return self.progress(batch)
        with self._db.unit_of_work() as session:
            left = queries.unfinished_count(session)
        done = tally.sent + tally.failed
        return done, done + left

    def _next_wake(self, batch: str | None, now: datetime) -> datetime:
        with self._db.unit_of_work() as session:
            rows = queries.unfinished(session, batch)
        times = [until for until in self._held_until.values() if until > now]
        for row in rows:
            if row.status == "pending" and row.not_before > now:
                times.append(row.not_before)
            elif row.status == "sending":
                times.append(now + timedelta(seconds=POLL_SECONDS))
        return min(times, default=now + timedelta(seconds=POLL_SECONDS))

    # ------------------------------------------------------------------ one row

    def _send_one(self, row: OutboxMessage) -> str:
        """Send one claimed row and record the outcome: 'sent', 'failed', 'retried' or 'lost' (lease gone)."""
        attempt = _Attempt(row)
        if row.attempts >= self._max_attempts:  # only after senders died holding it, again and again
            return self._fail(row, attempt, f"gave up after {row.attempts} attempts (senders stopped mid-send)")
        problem = _payload_problem(row)
        if problem is not None:
            return self._fail(row, attempt, problem)
        try:
            if row.method == "dm":
                result = self._send_dm(row, attempt)
            else:
                result = _summary(self._client.api_call(row.method, json=row.payload))
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
        # here the row stays 'sending', and once the lease runs out another sender sends it again (Slack
        # has no idempotency key for chat.postMessage). So a crash can repeat at most the one message that
        # was in flight; it can never lose one, and never repeats a row whose 'sent' was committed.
        with self._db.unit_of_work() as session:
            queries.mark_sent(session, row.id, result=result, now=self._clock())
            pair_id = (row.payload or {}).get("pair_id")
            if row.method == "dm" and pair_id is not None:
                queries.set_pair_channel(session, row.team_id, pair_id, result["channel"])
        log.info("outbox %s (%s): %s sent %s", row.id, row.dedupe_key, row.method, result)
        return "sent"

    def _send_dm(self, row: OutboxMessage, attempt: _Attempt) -> dict[str, Any]:
        payload = row.payload
        channel = attempt.result.get("channel")
        if not channel:
            attempt.api_method = "conversations.open"
            opened = self._client.conversations_open(users=",".join(payload["users"]))
            channel = opened["channel"]["id"]
            # Kept with a retry, so the next try posts to this conversation without opening it again.
            attempt.result["channel"] = channel
        attempt.api_method = "chat.postMessage"
        message = {key: value for key, value in payload.items() if key not in ("users", "pair_id")}
        posted = self._client.api_call("chat.postMessage", json={**message, "channel": channel})
        return {"channel": channel, "ts": posted["ts"]}

    def _rate_limited(self, row: OutboxMessage, attempt: _Attempt, seconds: float) -> str:
        now = self._clock()
        until = now + timedelta(seconds=seconds)
        self._held_until[attempt.api_method] = max(until, self._held_until.get(attempt.api_method, until))
        error = f"{attempt.api_method}: ratelimited (HTTP 429), Retry-After {seconds:g} s"
        with self._db.unit_of_work() as session:
            ours = queries.mark_retry(
                session,
                row.id,
                claimed_at=_claimed_at(row),
                not_before=until,
                error=error,
                count_attempt=False,
                result=attempt.result or None,
            )
        return self._retried(row, ours, error, seconds)

    def _back_off(self, row: OutboxMessage, attempt: _Attempt, error: str) -> str:
        attempts = row.attempts + 1
        if attempts >= self._max_attempts:
            return self._fail(row, attempt, f"{error} (gave up after {attempts} attempts)", count_attempt=True)
        seconds = min(2.0 ** (attempts - 1), MAX_BACKOFF_SECONDS)
        with self._db.unit_of_work() as session:
            ours = queries.mark_retry(
                session,
                row.id,
                claimed_at=_claimed_at(row),
                not_before=self._clock() + timedelta(seconds=seconds),
                error=error,
                result=attempt.result or None,
            )
        return self._retried(row, ours, error, seconds)

    def _retried(self, row: OutboxMessage, ours: bool, error: str, seconds: float) -> str:
        if not ours:
            log.warning("outbox %s (%s): lease lost while sending; left to its new sender", row.id, row.dedupe_key)
            return "lost"
        log.info("outbox %s (%s): retry in %g s after %s", row.id, row.dedupe_key, seconds, error)
        return "retried"

    def _fail(self, row: OutboxMessage, attempt: _Attempt, error: str, *, count_attempt: bool = False) -> str:
        with self._db.unit_of_work() as session:
            ours = queries.mark_failed(
                session,
                row.id,
                claimed_at=_claimed_at(row),
                error=error,
                count_attempt=count_attempt,
                result=attempt.result or None,
            )
        if not ours:
            log.warning("outbox %s (%s): lease lost while sending; left to its new sender", row.id, row.dedupe_key)
            return "lost"
        log.warning("outbox %s (%s): failed for good: %s", row.id, row.dedupe_key, error)
        return "failed"
