"""Check-ins: after a session each party is asked privately what happened; their answers are reconciled.

Rules (docs/programme.md, Check-ins): a session counts as held when at least one party says held and neither says
cancelled; a cancellation is attributed to the side the canceller's own answer names ("I cancelled"), or
else the side the other party's answer names ("they cancelled"); a reschedule creates the new session and
closes the old one as rescheduled (the rule itself: `bot.sessions.reconcile`). Answers are confidential:
only the answerer ever sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.delivery.quiet_hours import deliver_at
from bot.messages.checkins import checkin_message
from bot.sessions.invites import queue_invites
from bot.sessions.reconcile import Answer, reconcile
from storage.db import Database, session_now
from storage.models import CheckIn, MentoringSession, Participant, Programme
from storage.queries import checkins as queries
from storage.queries import pairs as pair_queries
from storage.queries.outbox import enqueue
from storage.vocabulary import CheckInOutcome, TwoWayAnswer

ACTION_LIMIT = 300


@dataclass(frozen=True)
class DispatchReport:
    sessions: int
    check_ins: int


def dispatch(db: Database, now: datetime, quiet_hours: bool = True) -> DispatchReport:
    """Ask both parties of every past, unasked session: one check-in row and one DM each, ever, each DM
    outside its reader's quiet hours."""
    sessions = created = 0
    with db.unit_of_work() as session:
        for meeting in queries.sessions_due_for_checkin(session, now):
            if queries.claim_for_checkin(session, meeting.id, now):  # not taken by a session being logged
                created += _ask_both(session, meeting, now if quiet_hours else None)
                sessions += 1
    return DispatchReport(sessions, created)


def dispatch_logged(db: Database, session_id: int, logged_by: str, now: datetime) -> int:
    """Check-ins for one session just logged: the person logging it is asked at once, their partner outside
    their quiet hours. Returns the check-ins created (0 if the scheduled job asked first)."""
    with db.unit_of_work() as session:
        meeting = session.get(MentoringSession, session_id)
        if meeting is None or not queries.claim_for_checkin(session, session_id, now):
            return 0
        return _ask_both(session, meeting, now, asked_now=logged_by)


def _not_before(
    participant: Participant, quiet_from: datetime | None, programme: Programme, asked_now: str | None
) -> datetime | None:
    """When a check-in DM may go: None (now) without quiet hours; at once for whoever asked for it."""
    if quiet_from is None or participant.person.slack_user_id == asked_now:
        return quiet_from
    return deliver_at(participant.person, quiet_from, programme)


def _ask_both(
    session: Session, meeting: MentoringSession, quiet_from: datetime | None, asked_now: str | None = None
) -> int:
    pair = queries.pair_of(session, meeting.pair_id)
    programme = session.get_one(Programme, pair.programme_id)
    created = 0
    for participant, partner, side in ((pair.mentor, pair.mentee, "junior"), (pair.mentee, pair.mentor, "senior")):
        if participant.status == "left":
            continue
        check_in = queries.check_in_for(session, meeting.id, participant.id)
        if check_in is not None:
            continue  # sent once per party, ever
        check_in = CheckIn(team_id=meeting.team_id, session_id=meeting.id, participant_id=participant.id, side=side)
        session.add(check_in)
        session.flush()
        message = checkin_message(check_in.id, partner.person.slack_user_id, meeting.scheduled_at)
        user_id = participant.person.slack_user_id
        enqueue(
            session,
            meeting.team_id,
            f"checkin:{check_in.id}",
            "chat.postMessage",
            {"channel": user_id, **message},
            batch="checkins",
            not_before=_not_before(participant, quiet_from, programme, asked_now),
        )
        created += 1
    return created


@dataclass(frozen=True)
class Recorded:
    ok: bool
    error: str = ""
    side: str = ""
    outcome: str | None = None
    session_id: int | None = None
    new_session_id: int | None = None


def _own_check_in(session: Session, team_id: str, check_in_id: int, user_id: str) -> CheckIn | None:
    check_in = queries.check_in_with_owner(session, team_id, check_in_id)
    if check_in is None or check_in[1] != user_id:
        return None
    return check_in[0]


def record_outcome(
    db: Database, team_id: str, check_in_id: int, user_id: str, outcome: str, rescheduled_to: datetime | None = None
) -> Recorded:
    """Store (or change) what the person says happened, then re-decide the session. Replays change nothing."""
    if not CheckInOutcome.has(outcome):
        return Recorded(False, "Unknown answer.")
    if outcome == "rescheduled" and rescheduled_to is None:
        return Recorded(False, "Pick the new date and time.")
    with db.unit_of_work() as session:
        check_in = _own_check_in(session, team_id, check_in_id, user_id)
        if check_in is None:
            return Recorded(False, "This check-in isn't yours.")
        check_in.outcome = outcome
        check_in.rescheduled_to = rescheduled_to if outcome == "rescheduled" else None
        if outcome != "held":
            check_in.rating = None
            check_in.action = None
            check_in.two_way = None
        check_in.answered_at = db.now()
        session.flush()
        new_id = _apply_verdict(session, check_in.session_id)
        return Recorded(
            True, side=check_in.side, outcome=outcome, session_id=check_in.session_id, new_session_id=new_id
        )


def _apply_verdict(session: Session, session_id: int) -> int | None:
    # Locked before the answers are read: when both answer at once, the second decides on both answers.
    meeting = queries.session_for_update(session, session_id)
    answers = [Answer(c.side, c.outcome, c.rescheduled_to) for c in queries.check_ins_of(session, session_id)]
    verdict = reconcile(answers)
    meeting.state = verdict.state
    meeting.cancelled_by = verdict.cancelled_by
    if verdict.state != "rescheduled" or verdict.rescheduled_to is None:
        return None
    follow_up = session.get(MentoringSession, meeting.rescheduled_to_id) if meeting.rescheduled_to_id else None
    if follow_up is None:
        follow_up = MentoringSession(
            team_id=meeting.team_id, pair_id=meeting.pair_id, scheduled_at=verdict.rescheduled_to
        )
        session.add(follow_up)
        session.flush()
        meeting.rescheduled_to_id = follow_up.id
        follow_up.ics_sequence = meeting.ics_sequence + 1  # the same calendar entry, moved
        _queue_invites(session, follow_up)
    elif follow_up.checkins_sent_at is None and follow_up.scheduled_at != verdict.rescheduled_to:
        follow_up.scheduled_at = verdict.rescheduled_to
        follow_up.ics_sequence += 1
        _queue_invites(session, follow_up)
    return follow_up.id


def _queue_invites(session: Session, meeting: MentoringSession) -> None:
    """A reschedule booked through a check-in moves both people's calendar entries, as the buttons do."""
    session.flush()
    pair = pair_queries.pair_with_people(session, meeting.team_id, meeting.pair_id)
    if pair is not None and pair.status == "active":
        queue_invites(session, pair, meeting, session_now(session))


def record_details(
    db: Database, team_id: str, check_in_id: int, user_id: str, rating: int | None, action: str, two_way: str | None
) -> dict[str, str]:
    """Store the 'it happened' details; returns inline errors keyed by block id (empty when stored)."""
    errors: dict[str, str] = {}
    if rating is None or not 1 <= rating <= 5:
        errors["rating"] = "Choose a rating from 1 to 5."
    if len(action) > ACTION_LIMIT:
        errors["action"] = f"Keep this under {ACTION_LIMIT} characters (it is {len(action)})."
    if two_way is not None and not TwoWayAnswer.has(two_way):
        errors["two_way"] = "Choose yes, partly or no."
    if errors:
        return errors
    with db.unit_of_work() as session:
        check_in = _own_check_in(session, team_id, check_in_id, user_id)
        if check_in is None:
            return {"rating": "This check-in isn't yours."}
        if check_in.side == "senior" and not action.strip():
            return {"action": "Name one thing you'll do differently because of this session."}
        if check_in.side == "junior" and two_way is None:
            return {"two_way": "Tell us whether the session stayed two-way."}
        check_in.outcome = "held"
        check_in.rescheduled_to = None
        check_in.rating = rating
        check_in.action = action.strip() if check_in.side == "senior" else None
        check_in.two_way = two_way if check_in.side == "junior" else None
        check_in.answered_at = db.now()
        session.flush()
        _apply_verdict(session, check_in.session_id)
    return {}


def side_of_check_in(db: Database, team_id: str, check_in_id: int, user_id: str) -> str | None:
    with db.unit_of_work() as session:
        check_in = _own_check_in(session, team_id, check_in_id, user_id)
        return check_in.side if check_in else None
