"""The outbox: Web API calls queued durably with the decision behind them, claimed, and marked as they go.

Every function takes the caller's Session and never commits: `enqueue` runs inside the transaction that
made the decision; the sender (bot/delivery/outbox.py) gives each claim and each outcome its own small transaction.

Claiming is a compare-and-set (`UPDATE ... WHERE id = :id AND status = 'pending' ...`), so two senders,
in two threads or two processes, on SQLite or PostgreSQL, can never both own one row: the second UPDATE
matches nothing. A row left in 'sending' longer than the lease belongs to a sender that died; anyone may
claim it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, case, func, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.db import session_now
from storage.models import OutboxMessage, Pair
from storage.queries.programmes import ensure_workspace

UNFINISHED = ("pending", "sending")


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
    return {key: outbox_id for key, outbox_id in rows}


def _in_batch(batch: str | None) -> Any:
    return OutboxMessage.batch == batch if batch is not None else true()


def unfinished(session: Session, batch: str | None = None) -> list[OutboxMessage]:
    """Rows still to send ('pending') or being sent ('sending'), in the order they were queued."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status.in_(UNFINISHED), _in_batch(batch))
            .order_by(OutboxMessage.id)
        )
    )


def unfinished_count(session: Session, batch: str | None = None) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status.in_(UNFINISHED), _in_batch(batch))
        )
        or 0
    )


def claim(session: Session, message_id: int, *, now: datetime, lease: timedelta) -> OutboxMessage | None:
    """Take one row for sending if it is due (or its sender's lease ran out); None if someone else has it.

    Taking a row back from a dead sender counts as an attempt, so a message that kills its sender every
    time cannot loop for ever.
    """
    claimed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            or_(
                and_(OutboxMessage.status == "pending", OutboxMessage.not_before <= now),
                and_(
                    OutboxMessage.status == "sending",
                    or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - lease),
                ),
            ),
        )
        .values(
            status="sending",
            claimed_at=now,
            attempts=case(
                (OutboxMessage.status == "sending", OutboxMessage.attempts + 1), else_=OutboxMessage.attempts
            ),
        )
        .execution_options(synchronize_session=False)
    )
    # SQLAlchemy types Session.execute() as Result; an UPDATE or DELETE returns a CursorResult, with rowcount
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(OutboxMessage, message_id, populate_existing=True)


def mark_sent(session: Session, message_id: int, *, result: dict[str, Any], now: datetime) -> None:
    """Slack said ok. Unconditional: even if our lease ran out meanwhile, the message did go."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status="sent", result=result, sent_at=now)
        .execution_options(synchronize_session=False)
    )


def _still_ours(message_id: int, claimed_at: datetime) -> Any:
    return and_(
        OutboxMessage.id == message_id, OutboxMessage.status == "sending", OutboxMessage.claimed_at == claimed_at
    )


def mark_retry(
    session: Session,
    message_id: int,
    *,
    claimed_at: datetime,
    not_before: datetime,
    error: str,
    count_attempt: bool = True,
    result: dict[str, Any] | None = None,
) -> bool:
    """Back to 'pending' until `not_before`. False if the row is no longer ours (lease lost)."""
    values: dict[str, Any] = {"status": "pending", "not_before": not_before, "last_error": error}
    if count_attempt:
        values["attempts"] = OutboxMessage.attempts + 1
    if result is not None:
        values["result"] = result
    done = session.execute(
        update(OutboxMessage)
        .where(_still_ours(message_id, claimed_at))
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
    error: str,
    count_attempt: bool = False,
    result: dict[str, Any] | None = None,
) -> bool:
    """Give up on the row for good. False if the row is no longer ours (lease lost)."""
    values: dict[str, Any] = {"status": "failed", "last_error": error}
    if count_attempt:
        values["attempts"] = OutboxMessage.attempts + 1
    if result is not None:
        values["result"] = result
    done = session.execute(
        update(OutboxMessage)
        .where(_still_ours(message_id, claimed_at))
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
