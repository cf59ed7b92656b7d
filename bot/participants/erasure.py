"""Leave and erase: everything a person typed or answered goes, in one transaction, and the Slack clean-up
is queued in it as outbox rows (docs/privacy.md, "What erase removes").

In the database: their check-in answers (and the follow-ups of their actions), survey responses, join
self-rating, profile text and choices, a self-reported department, level and manager, their pairs' ground
rules and match reasons. Counts that programme history needs stay counts: the sessions (held, cancelled,
by which side) and the number of pairs.

In the outbox, every row is looked at (`classify`):
- to them (their DM with the bot, their App Home, an ephemeral to them),
- in one of their pairs' group DMs,
- quoting them (a row the nudge log ties to their pairs, such as a reminder repeating the ground rules, or
  one whose text holds something they typed),
- or only mentioning them (`<@U...>`).
A queued row of any kind is cancelled and its text dropped. A sent row's stored payload loses its text,
except a mere mention (it holds no answer). In Slack, the bot's DMs to them are deleted (`chat.delete`),
and the messages in their pairs' group DMs and those quoting them elsewhere are replaced by a short notice
(`chat.update`); files the bot uploaded there (calendar invites) are deleted (`files.delete`). The notice
of "partner left" is queued after the scan, so it is not cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from bot.messages.erasure import redacted_message
from bot.messages.escaping import escape
from storage.db import session_now
from storage.models import OutboxMessage, Pair, Participant
from storage.queries import erasure as queries
from storage.queries.outbox import Call, enqueue_many

# A typed text shorter than this is looked for only where it is known to be quoted (their DMs, their
# pairs' group DMs, reminders): "no" or "n/a" would otherwise match every message of the workspace.
QUOTE_MIN_LENGTH = 8
CLEANUP_METHODS = frozenset({"chat.delete", "files.delete"})
POSTED = frozenset({"dm", "chat.postMessage", "chat.update"})
ADDRESSED = frozenset({"dm", "files.upload"})  # rows sent to a conversation named by its 'users'


class Touch(StrEnum):
    OWN = "own"  # to them
    PAIR = "pair"  # in one of their pairs' group DMs
    QUOTES = "quotes"  # to someone else, quoting them
    MENTIONS = "mentions"  # names them, quotes nothing


@dataclass(frozen=True)
class Subject:
    """Who is erased, and how to recognise the messages to, with or about them."""

    user_id: str
    pair_members: Mapping[int, frozenset[str]]
    pair_outbox_ids: frozenset[int]
    needles: tuple[str, ...]  # what they typed, as stored and as posted (escaped), long enough to search

    @property
    def pair_ids(self) -> frozenset[int]:
        return frozenset(self.pair_members)


def needles_of(texts: Iterable[str]) -> tuple[str, ...]:
    found = {form for text in texts for form in (text, escape(text)) if len(form) >= QUOTE_MIN_LENGTH}
    return tuple(sorted(found))


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _channels(row: OutboxMessage) -> set[str]:
    payload, result = row.payload or {}, row.result or {}
    return {str(c) for c in (payload.get("channel"), result.get("channel")) if c}


def classify(row: OutboxMessage, subject: Subject, dm_channels: set[str], pair_channels: set[str]) -> Touch | None:
    """How a row touches the erased person, or None. `dm_channels`: their DM with the bot (D...) as learned
    from sent rows; `pair_channels`: their pairs' group DMs."""
    payload = row.payload or {}
    uid = subject.user_id
    users = set(payload.get("users") or [])
    channels = _channels(row)
    if (
        (row.method in ADDRESSED and users == {uid})
        or uid in channels
        or channels & dm_channels
        or payload.get("user_id") == uid
        or (row.method == "chat.postEphemeral" and payload.get("user") == uid)
    ):
        return Touch.OWN
    if (
        payload.get("pair_id") in subject.pair_ids
        or (row.method in ADDRESSED and any(users == members for members in subject.pair_members.values()))
        or channels & pair_channels
    ):
        return Touch.PAIR
    if row.id in subject.pair_outbox_ids:
        return Touch.QUOTES
    texts = list(_strings(payload))
    if any(needle in text for text in texts for needle in subject.needles):
        return Touch.QUOTES
    if any(f"<@{uid}>" in text for text in texts):
        return Touch.MENTIONS
    return None


def _learn_channels(rows: list[OutboxMessage], subject: Subject) -> tuple[set[str], set[str]]:
    """Their DM's id and their pairs' group DM ids, from where sent rows landed."""
    dm_channels: set[str] = set()
    pair_channels: set[str] = set()
    for row in rows:
        payload, channel = row.payload or {}, (row.result or {}).get("channel")
        if not channel:
            continue
        users = set(payload.get("users") or [])
        if payload.get("channel") == subject.user_id or (row.method == "dm" and users == {subject.user_id}):
            dm_channels.add(str(channel))
        elif payload.get("pair_id") in subject.pair_ids or any(users == m for m in subject.pair_members.values()):
            pair_channels.add(str(channel))
    return dm_channels, pair_channels


def _cleanup_call(row: OutboxMessage, touch: Touch, participant_id: int, now: Any) -> Call | None:
    """The Slack call that takes a sent message's text out of Slack, or None (nothing there to change)."""
    result = row.result or {}
    if row.method == "files.upload":  # a calendar invite names both people: the file goes, in Slack too
        file_id = result.get("file")
        if row.status != "sent" or not file_id:
            return None
        return Call(f"erase:{participant_id}:delete-file:{file_id}", "files.delete", {"file": file_id}, now)
    channel, ts = result.get("channel") or (row.payload or {}).get("channel"), result.get("ts")
    if row.status != "sent" or row.method not in POSTED or not channel or not ts:
        return None
    if touch is Touch.OWN and row.method != "chat.update":
        return Call(f"erase:{participant_id}:delete:{channel}:{ts}", "chat.delete", {"channel": channel, "ts": ts}, now)
    return Call(
        f"erase:{participant_id}:update:{channel}:{ts}",
        "chat.update",
        {"channel": channel, "ts": ts, **redacted_message()},
        now,
    )


def erase_messages(session: Session, participant: Participant, subject: Subject) -> int:
    """Cancel, redact and queue the Slack clean-up (see the module docstring). Returns the Slack calls queued."""
    rows = [
        r
        for r in queries.outbox_rows(session, participant.team_id)
        if r.method not in CLEANUP_METHODS and not (r.batch or "").startswith("erasure:")
    ]
    dm_channels, pair_channels = _learn_channels(rows, subject)
    now = session_now(session)
    calls: dict[tuple[str, str], Call] = {}
    for row in rows:
        touch = classify(row, subject, dm_channels, pair_channels)
        if touch is None:
            continue
        if row.status == "pending":
            queries.cancel(row)
            continue
        if touch is Touch.MENTIONS:
            continue  # a name, no answer: the partner's "your partner left", an admin's escalation
        call = _cleanup_call(row, touch, participant.id, now)
        if call is not None and not (row.payload or {}).get(queries.ERASED):
            where = (
                ("file", str(call.payload["file"]))
                if call.method == "files.delete"
                else (str(call.payload["channel"]), str(call.payload["ts"]))
            )
            if where not in calls or call.method == "chat.delete":  # deleting beats rewording
                calls[where] = call
        queries.redact(row)
    session.flush()
    enqueue_many(session, participant.team_id, list(calls.values()), batch=f"erasure:{participant.id}")
    return len(calls)


def subject_of(session: Session, participant: Participant) -> Subject:
    """Read before anything is erased: their pairs, and the texts to look for in messages."""
    pairs = queries.pairs_of(session, participant.id)
    members = {
        pair.id: frozenset({pair.mentor.person.slack_user_id, pair.mentee.person.slack_user_id}) for pair in pairs
    }
    # Their pairs' ground rules and a typed department are not searched for: both are found where they are
    # quoted by structure (the group DM, reminders, match reasons), and their words (a department's name,
    # the default confidentiality rule) are shared with everyone else's messages.
    texts = queries.typed_by(session, participant)
    return Subject(
        user_id=participant.person.slack_user_id,
        pair_members=members,
        pair_outbox_ids=frozenset(queries.outbox_ids_of_pairs(session, list(members))),
        needles=needles_of(texts),
    )


def partners_of(session: Session, participant: Participant) -> tuple[str, ...]:
    """Everyone the participant was ever paired with (their App Home may show the pair's ground rules)."""
    uid = participant.person.slack_user_id
    return tuple(sorted({m for pair in queries.pairs_of(session, participant.id) for m in _members(pair)} - {uid}))


def _members(pair: Pair) -> tuple[str, str]:
    return pair.mentor.person.slack_user_id, pair.mentee.person.slack_user_id


def erase_everything(session: Session, participant: Participant) -> int:
    """All of it but ending the pairs (the caller does that after, so the partners' notice stays queued).
    Returns how many check-in and survey answers were erased."""
    subject = subject_of(session, participant)
    erase_messages(session, participant, subject)
    pairs = queries.pairs_of(session, participant.id)
    queries.clear_ground_rules(session, [p.id for p in pairs], subject.user_id)
    queries.clear_match_reasons(session, participant.team_id, pairs, subject.user_id)
    queries.clear_profile(participant)
    return queries.erase_answers(session, participant.id)
