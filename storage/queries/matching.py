"""What matching reads (pools, the org chart, former pairs) and writes (runs, pairs, ground rules)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, joinedload

from storage.models import MatchRun, Pair, Participant, Person
from storage.queries import locks


def pool(session: Session, programme_id: int, cohort_id: int | None = None) -> Sequence[Participant]:
    """Every participant of the programme (of the open cohort, when there is one) with their person loaded;
    paused ones too, so they get a reason."""
    query = (
        select(Participant)
        .options(joinedload(Participant.person))
        .where(Participant.programme_id == programme_id, Participant.status != "left")
    )
    if cohort_id is not None:
        query = query.where(Participant.cohort_id == cohort_id)
    return session.scalars(query.order_by(Participant.id)).all()


def manager_links(session: Session, team_id: str) -> dict[int, int | None]:
    """person id -> manager's person id, for the whole team (one query)."""
    rows = session.execute(select(Person.id, Person.manager_id).where(Person.team_id == team_id))
    return {person_id: manager_id for person_id, manager_id in rows}


def self_reported_manager_links(session: Session, team_id: str) -> dict[int, int]:
    """person id -> the manager they typed when they joined outside the org chart (one query)."""
    rows = session.execute(
        select(Person.id, Person.self_manager_id).where(Person.team_id == team_id, Person.self_manager_id.is_not(None))
    )
    return {person_id: manager_id for person_id, manager_id in rows if manager_id is not None}


def former_partner_links(session: Session, team_id: str) -> list[tuple[int, int]]:
    """(mentor person id, mentee person id) for every pair the team ever had, in any programme or state."""
    mentor, mentee = aliased(Participant), aliased(Participant)
    rows = session.execute(
        select(mentor.person_id, mentee.person_id)
        .select_from(Pair)
        .join(mentor, mentor.id == Pair.mentor_id)
        .join(mentee, mentee.id == Pair.mentee_id)
        .where(Pair.team_id == team_id)
    )
    return [(a, b) for a, b in rows]


def active_pair_counts(session: Session, programme_id: int) -> dict[int, int]:
    """participant id -> number of active pairs they are in."""
    counts: dict[int, int] = {}
    for column in (Pair.mentor_id, Pair.mentee_id):
        rows = session.execute(
            select(column, func.count())
            .where(Pair.programme_id == programme_id, Pair.status == "active")
            .group_by(column)
        )
        for participant_id, count in rows:
            counts[participant_id] = counts.get(participant_id, 0) + count
    return counts


def used_mentor_slots(session: Session, programme_id: int) -> dict[int, set[int]]:
    rows = session.execute(
        select(Pair.mentor_id, Pair.mentor_slot).where(Pair.programme_id == programme_id, Pair.status == "active")
    )
    slots: dict[int, set[int]] = {}
    for mentor_id, slot in rows:
        slots.setdefault(mentor_id, set()).add(slot)
    return slots


def match_run(session: Session, team_id: str, run_id: int, for_update: bool = False) -> MatchRun | None:
    query = select(MatchRun).where(MatchRun.id == run_id, MatchRun.team_id == team_id)
    if for_update:
        query = locks.for_update(session, query)
    return session.scalars(query).first()


def participants_by_id(session: Session, ids: Sequence[int]) -> dict[int, Participant]:
    if not ids:
        return {}
    rows = session.scalars(
        select(Participant).options(joinedload(Participant.person)).where(Participant.id.in_(list(set(ids))))
    )
    return {p.id: p for p in rows}
