"""The admins' view of every active pair: state at a glance, sorted by risk, paged; and the per-pair
actions (nudge now, history, end the pair kindly)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from bot.messages.endings import pair_closed_message
from bot.messages.pairs_overview import manual_nudge_message
from storage.db import Database
from storage.models import MentoringSession, NudgeLog, utcnow
from storage.queries import pairs as pair_queries
from storage.queries import pairs_overview as queries
from storage.queries.outbox import enqueue
from storage.queries.outbox import exists as outbox_exists
from storage.queries.programmes import current_programme

PAGE_SIZE = 20
RULES_GRACE = timedelta(days=14)


@dataclass(frozen=True)
class PairStatus:
    row: queries.PairRow
    risks: tuple[str, ...]


def risks_of(row: queries.PairRow, n: int, m: int, stale_factor: float, now: datetime) -> tuple[str, ...]:
    risks = []
    senior = sum(1 for outcome in row.recent[:m] if outcome == "senior")
    if senior >= n:
        risks.append(f"senior cancelled {senior} of the last {min(m, len(row.recent))}")
    since = row.next_session or row.last_session or row.created_at
    if row.next_session is None and now - since > timedelta(days=row.cadence_days * stale_factor):
        risks.append(f"no session for {(now - since).days} days")
    if not row.rules_agreed and now - row.created_at > RULES_GRACE:
        risks.append("ground rules not agreed")
    return tuple(risks)


@dataclass(frozen=True)
class Page:
    pairs: tuple[PairStatus, ...]
    page: int
    pages: int
    total: int
    at_risk: int


def overview(db: Database, team_id: str, page: int = 0, now: datetime | None = None) -> Page:
    now = now or utcnow()
    with db.unit_of_work() as session:
        programme = current_programme(session, team_id)
        rows = queries.active_pairs(session, programme.id, now, programme.nudge_cancel_m)
        n, m, factor = programme.nudge_cancel_n, programme.nudge_cancel_m, programme.stale_factor
    statuses = [PairStatus(r, risks_of(r, n, m, factor, now)) for r in rows]
    far_past = datetime.min.replace(tzinfo=now.tzinfo)
    statuses.sort(key=lambda s: (-len(s.risks), s.row.last_session or far_past, s.row.pair_id))
    pages = max((len(statuses) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(page, 0), pages - 1)
    shown = tuple(statuses[page * PAGE_SIZE : (page + 1) * PAGE_SIZE])
    return Page(shown, page, pages, len(statuses), sum(1 for s in statuses if s.risks))


def history(db: Database, team_id: str, pair_id: int) -> tuple[str, str, list[MentoringSession]] | None:
    """(mentor's Slack id, mentee's Slack id, sessions newest first), or None for no such pair."""
    with db.unit_of_work() as session:
        pair = pair_queries.pair_with_people(session, team_id, pair_id)
        if pair is None:
            return None
        sessions = queries.sessions_of(session, team_id, pair_id)
        return pair.mentor.person.slack_user_id, pair.mentee.person.slack_user_id, sessions


def nudge_now(db: Database, team_id: str, pair_id: int, admin_user_id: str) -> str:
    """A gentle nudge to both, from an admin, once a day at most; logged like the scheduler's nudges."""
    today = utcnow().date().isoformat()
    try:
        return _nudge_now(db, team_id, pair_id, admin_user_id, today)
    except IntegrityError:  # a double click raced the first one, which queued the nudges
        return "Already nudged today."


def _nudge_now(db: Database, team_id: str, pair_id: int, admin_user_id: str, today: str) -> str:
    with db.unit_of_work() as session:
        pair = pair_queries.pair_with_people(session, team_id, pair_id)
        if pair is None or pair.status != "active":
            return "That pair is no longer active."
        for member in (pair.mentor, pair.mentee):
            user_id = member.person.slack_user_id
            key = f"manual-nudge:{pair.id}:{user_id}:{today}"
            if outbox_exists(session, team_id, key):
                continue
            row = enqueue(
                session, team_id, key, "chat.postMessage", {"channel": user_id, **manual_nudge_message(pair.id)}
            )
            session.add(
                NudgeLog(
                    team_id=team_id,
                    pair_id=pair.id,
                    recipient_user_id=user_id,
                    kind="stale_pair",
                    subject_key=f"manual:{pair.id}:{today}:{admin_user_id}"[:120],
                    outbox_id=row.id,
                )
            )
        return f"Nudged <@{pair.mentor.person.slack_user_id}> and <@{pair.mentee.person.slack_user_id}>."


def end_pair(db: Database, team_id: str, pair_id: int) -> str:
    with db.unit_of_work() as session:
        pair = pair_queries.pair_with_people(session, team_id, pair_id)
        if pair is None:
            return "No such pair."
        if pair.status != "active":
            return "That pair had already ended."
        pair.status = "ended"
        pair.ended_at = utcnow()
        for member in (pair.mentor, pair.mentee):
            enqueue(
                session,
                team_id,
                f"pair-ended:{pair.id}:{member.id}",
                "chat.postMessage",
                {"channel": member.person.slack_user_id, **pair_closed_message()},
            )
        return f"Ended the pair of <@{pair.mentor.person.slack_user_id}> and <@{pair.mentee.person.slack_user_id}>."
