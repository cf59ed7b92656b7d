"""Ending a pair kindly: when someone leaves, or when the junior asks for a new partner (without blame:
admins are told who asked, the senior is told only that the pair has closed)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from bot.messages.endings import new_partner_admin_message, pair_closed_message, partner_left_message
from storage.db import Database, session_now
from storage.models import Pair, Participant
from storage.queries import pairs as pair_queries
from storage.queries.outbox import enqueue


def _close(session: Session, pair: Pair) -> None:
    pair.status = "ended"
    pair.ended_at = session_now(session)


def end_pairs_of_leaver(session: Session, participant: Participant) -> int:
    """Close the leaver's pairs and tell each partner, in the caller's transaction."""
    closed = 0
    for pair in pair_queries.active_pairs_of(session, participant.id):
        partner = pair.mentee if pair.mentor_id == participant.id else pair.mentor
        _close(session, pair)
        enqueue(
            session,
            pair.team_id,
            f"partner-left:{pair.id}",
            "chat.postMessage",
            {"channel": partner.person.slack_user_id, **partner_left_message(participant.person.slack_user_id)},
        )
        closed += 1
    return closed


def request_new_partner(db: Database, team_id: str, pair_id: int, user_id: str, admin_ids: Iterable[str]) -> str:
    """Only the junior (mentor) may ask. Returns what to tell them."""
    with db.unit_of_work() as session:
        pair = pair_queries.pair_with_people(session, team_id, pair_id)
        if pair is None or pair.mentor.person.slack_user_id != user_id:
            return "Only the mentor in this pair can ask for a new partner."
        if pair.status != "active":
            return "This pair has already closed."
        _close(session, pair)
        senior = pair.mentee.person.slack_user_id
        enqueue(
            session, team_id, f"pair-closed:{pair.id}", "chat.postMessage", {"channel": senior, **pair_closed_message()}
        )
        for admin in sorted(set(admin_ids)):
            enqueue(
                session,
                team_id,
                f"new-partner-request:{pair.id}:{admin}",
                "chat.postMessage",
                {"channel": admin, **new_partner_admin_message(user_id, senior)},
            )
    return "Done: your pair has closed and you'll be in the next matching round. Thank you for saying so."
