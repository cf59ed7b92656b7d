"""Cohorts: an admin opens one (who may join, dates), closes it with a private survey, opens the next.

Matching works within the open cohort and never repeats a former pair (any cohort). Participants of a
closed cohort carry over to the next one with one click; closing asks everyone a short survey, and seniors
rate their understanding again so the change since joining is measurable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.messages.cohorts import carry_over_message, survey_invite_message
from bot.messages.endings import cohort_closed_message
from bot.messages.escaping import escape
from storage.db import Database
from storage.models import Cohort, Participant, SurveyResponse
from storage.queries import cohorts as queries
from storage.queries.outbox import enqueue
from storage.queries.programmes import current_programme
from storage.vocabulary import CohortAudience, WouldAgain

NAME_LIMIT = 120
TEXT_LIMIT = 1000


@dataclass(frozen=True)
class CohortResult:
    ok: bool
    message: str
    cohort_id: int | None = None


def validate_cohort(name: str, starts_at: datetime | None, ends_at: datetime | None, audience: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Give the cohort a name, e.g. 'Spring 2027'."
    elif len(name) > NAME_LIMIT:
        errors["name"] = f"Keep the name under {NAME_LIMIT} characters."
    if starts_at is None:
        errors["starts"] = "Pick the start date."
    if ends_at is None:
        errors["ends"] = "Pick the end date."
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends"] = "The end date must come after the start date."
    if not CohortAudience.has(audience):
        errors["audience"] = "Choose who may join."
    return errors


def open_cohort(
    db: Database, team_id: str, admin_user_id: str, name: str, starts_at: datetime, ends_at: datetime, audience: str
) -> CohortResult:
    """Open a cohort; the first one adopts everyone already in the programme, later ones invite the last."""
    with db.unit_of_work() as session:
        programme = current_programme(session, team_id)
        current = queries.open_cohort(session, programme.id)
        if current is not None:
            return CohortResult(False, f"'{current.name}' is still open: close it before opening the next.")
        previous = queries.latest_closed(session, programme.id)
        cohort = Cohort(
            team_id=team_id,
            programme_id=programme.id,
            name=name.strip(),
            audience=audience,
            starts_at=starts_at,
            ends_at=ends_at,
            opened_by=admin_user_id,
        )
        session.add(cohort)
        session.flush()
        if previous is None:
            queries.adopt_unassigned(session, programme.id, cohort.id)
        else:
            for participant in queries.members(session, previous.id):
                if participant.status == "left" or not _may_join(cohort, participant.role):
                    continue
                enqueue(
                    session,
                    team_id,
                    f"carry-over:{cohort.id}:{participant.id}",
                    "chat.postMessage",
                    {"channel": participant.person.slack_user_id, **carry_over_message(cohort.id, cohort.name)},
                )
        return CohortResult(True, f"Opened '{escape(cohort.name)}'.", cohort.id)


def _may_join(cohort: Cohort, role: str) -> bool:
    return cohort.audience == "everyone" or cohort.audience == f"{role}s"


def join_check(db: Database, team_id: str, role: str | None) -> str | None:
    """An inline error for the join form when the open cohort is not open to this role."""
    with db.unit_of_work() as session:
        cohort = queries.open_cohort(session, current_programme(session, team_id).id)
        if cohort is None or role is None or _may_join(cohort, role):
            return None
        return f"'{cohort.name}' is open to {cohort.audience} only."


def close_cohort(db: Database, team_id: str, admin_user_id: str) -> CohortResult:
    """Close the open cohort: its pairs end (both told kindly), and everyone in it gets the survey once."""
    with db.unit_of_work() as session:
        programme = current_programme(session, team_id)
        cohort = queries.open_cohort(session, programme.id, for_update=True)
        if cohort is None:
            return CohortResult(False, "There is no open cohort to close.")
        cohort.status = "closed"
        cohort.closed_at = db.now()
        for pair in queries.active_pairs(session, cohort.id):
            pair.status = "ended"
            pair.ended_at = cohort.closed_at
            for member in (pair.mentor, pair.mentee):
                enqueue(
                    session,
                    team_id,
                    f"cohort-closed:{pair.id}:{member.id}",
                    "chat.postMessage",
                    {"channel": member.person.slack_user_id, **cohort_closed_message(cohort.name)},
                )
        surveyed = 0
        for participant in queries.members(session, cohort.id):
            if participant.status == "left" or queries.survey_for(session, cohort.id, participant.id):
                continue
            session.add(SurveyResponse(team_id=team_id, cohort_id=cohort.id, participant_id=participant.id))
            message = survey_invite_message(cohort.id, cohort.name)
            enqueue(
                session,
                team_id,
                f"survey:{cohort.id}:{participant.id}",
                "chat.postMessage",
                {"channel": participant.person.slack_user_id, **message},
            )
            surveyed += 1
        return CohortResult(True, f"Closed '{escape(cohort.name)}'; {surveyed} people were sent the survey.", cohort.id)


def carry_over(db: Database, team_id: str, user_id: str, cohort_id: int) -> str:
    with db.unit_of_work() as session:
        programme = current_programme(session, team_id)
        cohort = queries.open_cohort(session, programme.id)
        participant = queries.participant(session, programme.id, user_id)
        if participant is None:
            return "You're not in the programme: `/reverse-mentor join` to take part."
        if cohort is None or cohort.id != cohort_id:
            return "That cohort isn't open any more."
        if not _may_join(cohort, participant.role):
            return f"'{escape(cohort.name)}' is open to {cohort.audience} only."
        if participant.cohort_id == cohort.id:
            return f"You're already in '{escape(cohort.name)}'."
        participant.cohort_id = cohort.id
        participant.status = "active"
        participant.left_at = None
        return f"You're in '{escape(cohort.name)}'. You'll hear from me when you're matched."


@dataclass(frozen=True)
class SurveyForm:
    would_again: str | None
    what_changed: str
    self_rating_after: int | None


def survey_role(db: Database, team_id: str, user_id: str, cohort_id: int) -> str | None:
    with db.unit_of_work() as session:
        participant = queries.participant(session, current_programme(session, team_id).id, user_id)
        if participant is None or queries.survey_for(session, cohort_id, participant.id) is None:
            return None
        return participant.role


def answer_survey(db: Database, team_id: str, user_id: str, cohort_id: int, form: SurveyForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not WouldAgain.has(form.would_again):
        errors["would_again"] = "Would you take part again?"
    if len(form.what_changed) > TEXT_LIMIT:
        errors["what_changed"] = f"Keep this under {TEXT_LIMIT} characters."
    if form.self_rating_after is not None and not 1 <= form.self_rating_after <= 5:
        errors["self_rating"] = "Choose from 1 to 5."
    if errors:
        return errors
    with db.unit_of_work() as session:
        participant: Participant | None = queries.participant(session, current_programme(session, team_id).id, user_id)
        response = queries.survey_for(session, cohort_id, participant.id) if participant else None
        if participant is None or response is None:
            return {"would_again": "This survey isn't yours."}
        if participant.role == "mentee" and form.self_rating_after is None:
            return {"self_rating": "Rate your understanding now, from 1 to 5."}
        response.would_again = form.would_again
        response.what_changed = form.what_changed.strip()
        response.self_rating_after = form.self_rating_after if participant.role == "mentee" else None
        response.answered_at = db.now()
    return {}


def open_cohort_name(db: Database, team_id: str) -> str | None:
    with db.unit_of_work() as session:
        cohort = queries.open_cohort(session, current_programme(session, team_id).id)
        return cohort.name if cohort else None
