"""The admins' view of every active pair: state at a glance, sorted by risk, paged; and the per-pair
actions (nudge now, history, end the pair kindly)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.messages.endings import pair_closed_message
from bot.messages.pairs_overview import manual_nudge_message
from bot.pairs.views import Page, PairStatus
from storage.db import Database
from storage.models import MentoringSession, NudgeLog
from storage.queries import pairs as pair_queries
from storage.queries import pairs_overview as queries
from storage.queries.outbox import Call, enqueue, enqueue_many
from storage.queries.programmes import current_programme

PAGE_SIZE = 20
RULES_GRACE = timedelta(days=14)


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


def overview(db: Database, team_id: str, page: int = 0, *, now: datetime) -> Page:
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


def nudge_now(db: Database, team_id: str, pair_id: int, admin_user_id: str, *, now: datetime) -> str:
    """A gentle nudge to both, from an admin, once a day at most; logged like the scheduler's nudges.

    The outbox's unique key decides what is new (ON CONFLICT DO NOTHING), so a double click racing the
    first one queues and logs nothing: a look-before-insert let both clicks log the same message."""
    today = now.date().isoformat()
    with db.unit_of_work() as session:
        pair = pair_queries.pair_with_people(session, team_id, pair_id)
        if pair is None or pair.status != "active":
            return "That pair is no longer active."
        calls = {
            f"manual-nudge:{pair.id}:{user_id}:{today}": user_id
            for user_id in (pair.mentor.person.slack_user_id, pair.mentee.person.slack_user_id)
        }
        added = enqueue_many(
            session,
            team_id,
            [
                Call(key, "chat.postMessage", {"channel": user_id, **manual_nudge_message(pair.id)}, now)
                for key, user_id in calls.items()
            ],
        )
        if not added:
            return "Already nudged today."
        session.add_all(
            NudgeLog(
                team_id=team_id,
                pair_id=pair.id,
                recipient_user_id=calls[key],
                kind="stale_pair",
                subject_key=f"manual:{pair.id}:{today}:{admin_user_id}"[:120],
                outbox_id=outbox_id,
            )
            for key, outbox_id in added.items()
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
        pair.ended_at = db.now()
        for member in (pair.mentor, pair.mentee):
            enqueue(
                session,
                team_id,
                f"pair-ended:{pair.id}:{member.id}",
                "chat.postMessage",
                {"channel": member.person.slack_user_id, **pair_closed_message()},
            )
        return f"Ended the pair of <@{pair.mentor.person.slack_user_id}> and <@{pair.mentee.person.slack_user_id}>."
