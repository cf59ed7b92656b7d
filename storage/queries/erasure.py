"""Erasure and retention in storage: what a person typed or answered, found and removed in every table, and
the stored payloads of the outbox reduced to where each message is.

Every function takes the caller's Session and never commits: `bot/participants/erasure.py` runs them all
in the one transaction of "Leave and erase" (docs/privacy.md, "What erase removes").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from storage.models import (
    ActionFollowUp,
    CheckIn,
    GroundRules,
    MatchRun,
    NudgeLog,
    OutboxMessage,
    Pair,
    Participant,
    Person,
    Programme,
    SurveyResponse,
)

GROUND_RULE_FIELDS = ("topics", "off_limits", "meeting_place", "frequency", "confidentiality")
# What a redacted payload keeps: where the message went (and, for a sent one, its `result` keeps the ts),
# so that a later erasure can still find the message in Slack. Ids only: never anything a person wrote.
ROUTING_KEYS = ("channel", "users", "pair_id", "user_id", "user", "ts")
ERASED = "erased"  # marker in a payload an erasure redacted
PURGED = "purged"  # marker in a payload the retention job purged


def routing_only(payload: dict[str, Any] | None, marker: str) -> dict[str, Any]:
    """The payload without its text: only the routing ids, and a marker saying why."""
    kept = {key: value for key, value in (payload or {}).items() if key in ROUTING_KEYS}
    return {**kept, marker: True}


def is_redacted(payload: dict[str, Any] | None) -> bool:
    return bool(payload) and bool((payload or {}).get(ERASED) or (payload or {}).get(PURGED))


def erase_answers(session: Session, participant_id: int) -> int:
    """Delete every check-in answer and closing-survey response the participant gave (and the follow-ups of
    their actions); returns how many check-ins and survey responses went."""
    their_check_ins = select(CheckIn.id).where(CheckIn.participant_id == participant_id)
    session.execute(delete(ActionFollowUp).where(ActionFollowUp.check_in_id.in_(their_check_ins)))
    erased = 0
    for table in (CheckIn, SurveyResponse):
        result = session.execute(delete(table).where(table.participant_id == participant_id))
        # SQLAlchemy types Session.execute() as Result; an UPDATE or DELETE returns a CursorResult, with rowcount
        erased += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return erased


def typed_by(session: Session, participant: Participant) -> list[str]:
    """The free texts only the participant wrote (profile, actions, survey answers), read before they are
    erased, to find the messages that quote them."""
    texts = [participant.perspectives, participant.off_limits]
    texts += [a or "" for a in session.scalars(select(CheckIn.action).where(CheckIn.participant_id == participant.id))]
    texts += [
        w or ""
        for w in session.scalars(
            select(SurveyResponse.what_changed).where(SurveyResponse.participant_id == participant.id)
        )
    ]
    return [t.strip() for t in texts if t and t.strip()]


def pairs_of(session: Session, participant_id: int) -> list[Pair]:
    """Every pair the participant was ever in, whatever its state."""
    return list(
        session.scalars(
            select(Pair)
            .where(or_(Pair.mentor_id == participant_id, Pair.mentee_id == participant_id))
            .order_by(Pair.id)
        )
    )


def clear_ground_rules(session: Session, pair_ids: Sequence[int], user_id: str) -> None:
    """The pairs' ground-rule texts go (both wrote them; there is no telling whose words are whose). The
    version and agreement stamps stay: they are history, not text."""
    for rules in session.scalars(select(GroundRules).where(GroundRules.pair_id.in_(pair_ids))):
        for name in GROUND_RULE_FIELDS:
            setattr(rules, name, "")
        if rules.edited_by == user_id:
            rules.edited_by = None


def clear_profile(participant: Participant) -> None:
    """The participant's free text, choices and self-rating; the department, level and manager they typed
    (`self_*`, and the copies of them someone not in the org chart has in `department` and `level`). The org
    chart's own values stay: they are the organisation's record, not what the person typed."""
    participant.perspectives = ""
    participant.off_limits = ""
    participant.topics_offered = []
    participant.topics_wanted = []
    participant.self_rating_join = None
    person: Person = participant.person
    person.self_department = None
    person.self_level = None
    person.self_manager_id = None
    if not person.in_org_chart:
        person.department = None
        person.level = None


def clear_match_reasons(session: Session, team_id: str, pairs: Sequence[Pair], user_id: str) -> None:
    """A match reason names both departments (one of them possibly typed): the pairs' reasons, and the
    person's entries in every stored proposal, lose theirs; so do their typed-versus-chart differences."""
    for pair in pairs:
        pair.reason = ""
    for run in session.scalars(select(MatchRun).where(MatchRun.team_id == team_id)):
        proposal = dict(run.proposal or {})
        changed = False
        for key, who in (("pairs", ("mentor_user", "mentee_user")), ("unmatched", ("user",))):
            entries = []
            for entry in proposal.get(key) or []:
                if isinstance(entry, dict) and any(entry.get(w) == user_id for w in who) and entry.get("reason"):
                    entry = {**entry, "reason": ""}
                    changed = True
                entries.append(entry)
            if key in proposal:
                proposal[key] = entries
        mismatches = proposal.get("chart_mismatches") or []
        kept = [m for m in mismatches if not (isinstance(m, dict) and m.get("user") == user_id)]
        if len(kept) != len(mismatches):  # what they typed, beside the chart's values
            proposal["chart_mismatches"] = kept
            changed = True
        if changed:
            run.proposal = proposal  # a new object, so the JSON column is written


def outbox_rows(session: Session, team_id: str) -> Iterator[OutboxMessage]:
    """Every outbox row of the team (an erasure looks at each one: the rows about a person can't be told
    apart by SQL on both dialects' JSON)."""
    yield from session.scalars(select(OutboxMessage).where(OutboxMessage.team_id == team_id).order_by(OutboxMessage.id))


def outbox_ids_of_pairs(session: Session, pair_ids: Sequence[int]) -> set[int]:
    """Outbox rows the nudge log ties to these pairs (reminders repeating their ground rules, nudges)."""
    if not pair_ids:
        return set()
    return {
        i
        for i in session.scalars(
            select(NudgeLog.outbox_id).where(NudgeLog.pair_id.in_(pair_ids), NudgeLog.outbox_id.is_not(None))
        )
        if i is not None
    }


def cancel(row: OutboxMessage) -> None:
    """A queued message to or about an erased person never goes; its text goes too."""
    row.status = "failed"
    row.last_error = "cancelled: a participant erased their data"
    row.payload = routing_only(row.payload, ERASED)


def redact(row: OutboxMessage) -> None:
    row.payload = routing_only(row.payload, ERASED)


def purge_sent_payloads(session: Session, team_ids: Iterable[str], cutoff: datetime) -> int:
    """Retention: payloads of the teams' messages sent (or failed) before `cutoff` lose their text; the
    channel and ts stay (`routing_only`, and `result`). Returns how many rows were purged."""
    teams = list(team_ids)
    if not teams:
        return 0
    purged = 0
    rows = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.team_id.in_(teams),
            or_(
                (OutboxMessage.status == "sent") & (OutboxMessage.sent_at < cutoff),
                (OutboxMessage.status == "failed") & (OutboxMessage.created_at < cutoff),
            ),
        )
    )
    for row in rows:
        if is_redacted(row.payload):
            continue
        row.payload = routing_only(row.payload, PURGED)
        purged += 1
    return purged


def retention_by_team(session: Session) -> dict[str, int]:
    """Each team's retention in days: the shortest any of its programmes asks for (the outbox is per team)."""
    rows = session.execute(
        select(Programme.team_id, func.min(Programme.message_retention_days)).group_by(Programme.team_id)
    )
    return {team_id: int(days) for team_id, days in rows}
