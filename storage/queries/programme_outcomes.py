"""What the closing surveys and the action follow-ups add up to (aggregates only)."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from storage.models import ActionFollowUp, CheckIn, Cohort, MentoringSession, Pair, Participant, SurveyResponse


def latest_closed_cohort(session: Session, programme_id: int) -> Cohort | None:
    return session.scalars(
        select(Cohort)
        .where(Cohort.programme_id == programme_id, Cohort.status == "closed")
        .order_by(Cohort.id.desc())
        .limit(1)
    ).first()


def survey_totals(session: Session, cohort_id: int) -> tuple[int, int, int, int, float | None]:
    """(sent, answered, would take part again, seniors with both ratings, mean change in self-rating)."""
    change = SurveyResponse.self_rating_after - Participant.self_rating_join
    both = (SurveyResponse.self_rating_after.is_not(None)) & (Participant.self_rating_join.is_not(None))
    row = session.execute(
        select(
            func.count(),
            func.count(SurveyResponse.answered_at),
            func.sum(case((SurveyResponse.would_again == "yes", 1), else_=0)),
            func.sum(case((both, 1), else_=0)),
            func.avg(case((both, change))),
        )
        .select_from(SurveyResponse)
        .join(Participant, Participant.id == SurveyResponse.participant_id)
        .where(SurveyResponse.cohort_id == cohort_id)
    ).one()
    return (
        int(row[0]),
        int(row[1] or 0),
        int(row[2] or 0),
        int(row[3] or 0),
        (float(row[4]) if row[4] is not None else None),
    )


def follow_up_totals(session: Session, programme_id: int) -> dict[str, tuple[int, int]]:
    """Latest answer per followed-up action: {answer: (actions, distinct seniors)}."""
    latest = (
        select(ActionFollowUp.check_in_id, func.max(ActionFollowUp.day).label("day"))
        .where(ActionFollowUp.answer.is_not(None))
        .group_by(ActionFollowUp.check_in_id)
        .subquery()
    )
    rows = session.execute(
        select(ActionFollowUp.answer, func.count(), func.count(func.distinct(CheckIn.participant_id)))
        .join(latest, (latest.c.check_in_id == ActionFollowUp.check_in_id) & (latest.c.day == ActionFollowUp.day))
        .join(CheckIn, CheckIn.id == ActionFollowUp.check_in_id)
        .join(MentoringSession, MentoringSession.id == CheckIn.session_id)
        .join(Pair, Pair.id == MentoringSession.pair_id)
        .where(Pair.programme_id == programme_id)
        .group_by(ActionFollowUp.answer)
    )
    return {answer: (int(n), int(people)) for answer, n, people in rows if answer is not None}
