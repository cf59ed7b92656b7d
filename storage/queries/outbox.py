"""The outbox: Web API calls queued durably with the decision behind them, claimed, and marked as they go.

Every function takes the caller's Session and never commits: `enqueue` runs inside the transaction that
made the decision; the sender (bot/delivery/outbox.py) gives each claim and each outcome its own small transaction.

Claiming is a compare-and-set (`UPDATE ... WHERE id = :id AND status = 'pending' ...`), so two senders,
in two threads or two processes, on SQLite or PostgreSQL, can never both own one row: the second UPDATE
matches nothing. Each claim names its sender (a `senders` row with a heartbeat); `sweep` hands a row whose
sender went silent back to 'pending', marked in doubt (Slack may have it already). docs/delivery.md.

Two clocks meet here and are never mixed: `not_before` and `sent_at` are programme time (the Clock);
`claimed_at`, `next_attempt_at`, `in_doubt_since` and sender heartbeats are real time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, delete, func, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.db import session_now
from storage.models import OutboxMessage, OutboxSenderRow, Pair
from storage.queries.programmes import ensure_workspace

UNFINISHED = ("pending", "sending")
# A sender row silent this long is long gone (its claims were swept within seconds): the row itself goes.
FORGET_SENDERS_AFTER = timedelta(days=1)
# A claim with no sender was made by a process from before migration 0007 (no sender rows, no heartbeat),
# which held a claim for this long before anyone else could take the row. During a rolling deploy such a
# process may still be sending it: only after this long is the row its orphan.
LEGACY_CLAIM_LEASE = timedelta(minutes=10)

_recording: ContextVar[list[int] | None] = ContextVar("outbox_recording", default=None)


@contextmanager
def recording() -> Iterator[list[int]]:
    """Collect the ids of the rows `enqueue` and `enqueue_many` queue (or find already queued) in this thread
    until the block ends: a click then sends exactly what its own unit of work queued, and nothing else."""
    ids: list[int] = []
    token = _recording.set(ids)
    try:
        yield ids
    finally:
        _recording.reset(token)


def _record(ids: Iterable[int]) -> None:
    collected = _recording.get()
    if collected is not None:
        collected.extend(ids)


def enqueue(
    session: Session,
    team_id: str,
    dedupe_key: str,
    method: str,
    payload: dict[str, Any],
    batch: str | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage:
    """Queue one Web API call, once: a second call with the same (team, dedupe_key) returns the first row.

    Two transactions racing on one key both pass the SELECT; the unique constraint then refuses the
    second insert (IntegrityError), which rolls back that caller's whole decision, as it should.
    """
    existing = session.scalars(
        select(OutboxMessage).where(OutboxMessage.team_id == team_id, OutboxMessage.dedupe_key == dedupe_key)
    ).first()
    if existing is not None:
        _record([existing.id])
        return existing
    ensure_workspace(session, team_id)
    message = OutboxMessage(
        team_id=team_id,
        dedupe_key=dedupe_key,
        batch=batch,
        method=method,
        payload=payload,
        not_before=not_before or session_now(session),
    )
    session.add(message)
    session.flush()
    _record([message.id])
    return message


@dataclass(frozen=True)
class Call:
    """One Web API call to queue with `enqueue_many`."""

    dedupe_key: str
    method: str
    payload: dict[str, Any]
    not_before: datetime


def enqueue_many(session: Session, team_id: str, calls: Sequence[Call], batch: str | None = None) -> dict[str, int]:
    """`enqueue` for many calls in one statement: dedupe key -> outbox id of each call this added. A key
    already queued (in any state, by anyone, even a racing transaction) is left as it is and not returned:
    the unique constraint decides (ON CONFLICT DO NOTHING), and RETURNING names what went in."""
    if not calls:
        return {}
    ensure_workspace(session, team_id)
    outbox = OutboxMessage.__table__
    assert isinstance(outbox, Table)  # typed as any FromClause; a class with __tablename__ maps a Table
    build = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    created = session_now(session)
    rows = session.execute(
        build(outbox)
        .on_conflict_do_nothing(index_elements=[outbox.c.team_id, outbox.c.dedupe_key])
        .returning(outbox.c.dedupe_key, outbox.c.id),
        [
            {"team_id": team_id, "dedupe_key": c.dedupe_key, "batch": batch, "method": c.method,
             "payload": c.payload, "status": "pending", "attempts": 0, "not_before": c.not_before,
             "created_at": created}
            for c in calls
        ],
    )  # fmt: skip
    added = {key: outbox_id for key, outbox_id in rows}
    _record(added.values())
    return added


def _in_batch(batch: str | None) -> Any:
    return OutboxMessage.batch == batch if batch is not None else true()


def unfinished(session: Session, batch: str | None = None) -> list[OutboxMessage]:
    """Rows still to send ('pending') or being sent ('sending'), by due time, then creation."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status.in_(UNFINISHED), _in_batch(batch))
            .order_by(OutboxMessage.not_before, OutboxMessage.id)
        )
    )


def _due_or_sending(now: datetime) -> Any:
    return or_(
        OutboxMessage.status == "sending",
        and_(OutboxMessage.status == "pending", OutboxMessage.not_before <= now),
    )


def due(session: Session, now: datetime) -> list[OutboxMessage]:
    """Every row due by programme time `now` and not finished, plus every row being sent, in delivery order:
    original due time, then creation (the id grows with each insert). A row not yet due is left out, so it
    can hold back nothing: whatever comes after it in its conversation is due later still."""
    return list(
        session.scalars(
            select(OutboxMessage).where(_due_or_sending(now)).order_by(OutboxMessage.not_before, OutboxMessage.id)
        )
    )


def due_up_to(
    session: Session, now: datetime, *, batch: str | None = None, ids: Sequence[int] | None = None
) -> list[OutboxMessage]:
    """`due`, cut down to what a scoped call (a click's `ids`, a `batch`) needs: the rows of its own team
    due no later than the latest of its own rows. Only those can hold its rows back: a conversation belongs
    to one team, and a row of it due later (or due with it but created after) comes after it in delivery
    order. So a click reads its own rows and their few predecessors, not every team's due payloads."""
    own = _in_batch(batch)
    if ids is not None:
        own = and_(own, OutboxMessage.id.in_(list(ids)))
    bounds = (
        select(OutboxMessage.team_id, func.max(OutboxMessage.not_before).label("latest"))
        .where(own)
        .group_by(OutboxMessage.team_id)
        .subquery()
    )
    return list(
        session.scalars(
            select(OutboxMessage)
            .join(bounds, and_(OutboxMessage.team_id == bounds.c.team_id, OutboxMessage.not_before <= bounds.c.latest))
            .where(_due_or_sending(now))
            .order_by(OutboxMessage.not_before, OutboxMessage.id)
        )
    )


def unfinished_count(session: Session, batch: str | None = None, ids: Sequence[int] | None = None) -> int:
    query = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(UNFINISHED))
    query = query.where(_in_batch(batch))
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    return session.scalar(query) or 0


def claim(
    session: Session, message_id: int, *, now: datetime, real_now: datetime, sender_id: str
) -> OutboxMessage | None:
    """Take one pending row for sending if it is due (programme time `now`) and its retry may be tried (real
    time `real_now`); None if someone else has it or it is not ready."""
    claimed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == "pending",
            OutboxMessage.not_before <= now,
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= real_now),
        )
        .values(status="sending", claimed_at=real_now, sender_id=sender_id)
        .execution_options(synchronize_session=False)
    )
    # SQLAlchemy types Session.execute() as Result; an UPDATE or DELETE returns a CursorResult, with rowcount
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(OutboxMessage, message_id, populate_existing=True)


def sweep(session: Session, *, real_now: datetime, silence: timedelta) -> list[int]:
    """Hand back every row claimed by a sender silent for longer than `silence` (or gone), or claimed with no
    sender (by a process from before senders existed) over LEGACY_CLAIM_LEASE ago: 'pending' again, due at
    once, in doubt since its claim (the dead sender may have posted it), one attempt counted, so a message
    that kills its sender every time cannot loop for ever. Returns the ids swept."""
    alive = select(OutboxSenderRow.id).where(OutboxSenderRow.heartbeat_at >= real_now - silence)
    orphaned = and_(
        OutboxMessage.status == "sending",
        or_(
            and_(
                OutboxMessage.sender_id.is_(None),
                or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < real_now - LEGACY_CLAIM_LEASE),
            ),
            # NULL NOT IN (no rows) is true in SQL: the null case is only the one above.
            and_(OutboxMessage.sender_id.is_not(None), OutboxMessage.sender_id.not_in(alive)),
        ),
    )
    ids = list(session.scalars(select(OutboxMessage.id).where(orphaned)))
    if ids:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), orphaned)
            .values(
                status="pending",
                sender_id=None,
                next_attempt_at=None,
                attempts=OutboxMessage.attempts + 1,
                in_doubt_since=func.coalesce(OutboxMessage.in_doubt_since, OutboxMessage.claimed_at),
            )
            .execution_options(synchronize_session=False)
        )
    session.execute(delete(OutboxSenderRow).where(OutboxSenderRow.heartbeat_at < real_now - FORGET_SENDERS_AFTER))
    return ids


def register_sender(session: Session, sender_id: str, *, real_now: datetime) -> None:
    session.add(OutboxSenderRow(id=sender_id, started_at=real_now, heartbeat_at=real_now))


def heartbeat(session: Session, sender_id: str, *, real_now: datetime) -> bool:
    """Renew a sender's heartbeat; False if its row is gone (then its claims may already be swept)."""
    done = session.execute(
        update(OutboxSenderRow)
        .where(OutboxSenderRow.id == sender_id)
        .values(heartbeat_at=real_now)
        .execution_options(synchronize_session=False)
    )
    # SQLAlchemy types Session.execute() as Result; an UPDATE or DELETE returns a CursorResult, with rowcount
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def unregister_sender(session: Session, sender_id: str) -> None:
    session.execute(delete(OutboxSenderRow).where(OutboxSenderRow.id == sender_id))


def mark_sent(session: Session, message_id: int, *, result: dict[str, Any], now: datetime) -> None:
    """Slack said ok (or already had it). Unconditional: even if the claim was swept meanwhile, the message
    did go. `now` is programme time."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status="sent", result=result, sent_at=now, sender_id=None)
        .execution_options(synchronize_session=False)
    )


def _still_ours(message_id: int, claimed_at: datetime, sender_id: str) -> Any:
    return and_(
        OutboxMessage.id == message_id,
        OutboxMessage.status == "sending",
        OutboxMessage.claimed_at == claimed_at,
        OutboxMessage.sender_id == sender_id,
    )


def mark_retry(
    session: Session,
    message_id: int,
    *,
    claimed_at: datetime,
    sender_id: str,
    next_attempt_at: datetime,
    error: str,
    count_attempt: bool = True,
    result: dict[str, Any] | None = None,
) -> bool:
    """Back to 'pending' until real time `next_attempt_at`; the due time stays as queued. False if the row
    is no longer ours (swept)."""
    values: dict[str, Any] = {
        "status": "pending",
        "next_attempt_at": next_attempt_at,
        "last_error": error,
        "sender_id": None,
    }
    if count_attempt:
        values["attempts"] = OutboxMessage.attempts + 1
    if result is not None:
        values["result"] = result
    done = session.execute(
        update(OutboxMessage)
        .where(_still_ours(message_id, claimed_at, sender_id))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    # SQLAlchemy types Session.execute() as Result; an UPDATE or DELETE returns a CursorResult, with rowcount
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def mark_failed(
    session: Session,
    message_id: int,
    *,
    claimed_at: datetime,
    sender_id: str,
    error: str,
    count_attempt: bool = False,
    result: dict[str, Any] | None = None,
) -> bool:
    """Give up on the row for good. False if the row is no longer ours (swept)."""
    values: dict[str, Any] = {"status": "failed", "last_error": error, "sender_id": None}
    if count_attempt:
        values["attempts"] = OutboxMessage.attempts + 1
    if result is not None:
        values["result"] = result
    done = session.execute(
        update(OutboxMessage)
        .where(_still_ours(message_id, claimed_at, sender_id))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    # SQLAlchemy types Session.execute() as Result; an UPDATE or DELETE returns a CursorResult, with rowcount
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def set_pair_channel(session: Session, team_id: str, pair_id: int, channel_id: str) -> None:
    """Remember the pair's group DM, in the transaction that marks their intro sent."""
    session.execute(
        update(Pair)
        .where(Pair.id == pair_id, Pair.team_id == team_id)
        .values(channel_id=channel_id)
        .execution_options(synchronize_session=False)
    )


def progress(session: Session, batch: str) -> tuple[int, int, int]:
    """(sent, failed, total) for one batch, e.g. a matching round's intros."""
    rows = session.execute(
        select(OutboxMessage.status, func.count()).where(OutboxMessage.batch == batch).group_by(OutboxMessage.status)
    )
    counts: dict[str, int] = {status: count for status, count in rows}
    return counts.get("sent", 0), counts.get("failed", 0), sum(counts.values())


def outcome(session: Session, team_id: str, dedupe_key: str) -> tuple[str, str | None] | None:
    """(status, last error) of the message queued under this key; None if none was."""
    row = session.execute(
        select(OutboxMessage.status, OutboxMessage.last_error).where(
            OutboxMessage.team_id == team_id, OutboxMessage.dedupe_key == dedupe_key
        )
    ).first()
    return None if row is None else (row[0], row[1])


def exists(session: Session, team_id: str, dedupe_key: str) -> bool:
    """Whether a message with this key was ever queued (to tell a first decision from a repeat)."""
    return (
        session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.team_id == team_id, OutboxMessage.dedupe_key == dedupe_key)
        )
        is not None
    )
