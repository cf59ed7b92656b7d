"""The admin's matching round: propose from the database, let the admin drop or exclude, approve.

Nothing reaches a participant before approval; on approval the pairs, their draft ground rules and the
intro messages (outbox rows) are written in one transaction, so an intro is never lost or sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot.matching import rules as matching
from bot.messages.intro import intro_message
from bot.messages.matching import unmatched_message
from bot.pairs import ground_rules
from storage.db import Database
from storage.models import GroundRules, MatchRun, Pair, Participant, Person, Programme
from storage.queries import cohorts as cohort_queries
from storage.queries import matching as queries
from storage.queries.outbox import enqueue
from storage.queries.programmes import current_programme

DROPPED = "dropped from the proposal by an admin"
EXCLUDED = "left out of this round by an admin"


def intro_batch(run_id: int) -> str:
    return f"intros:{run_id}"


def unmatched_batch(run_id: int) -> str:
    """The private 'no partner this round' DMs of one approved round."""
    return f"unmatched:{run_id}"


def _candidate(
    participant: Participant,
    managers: dict[int, tuple[int, ...]],
    former: dict[int, set[int]],
    load: dict[int, int],
    excluded: set[int],
) -> matching.Candidate:
    person = participant.person
    capacity = participant.capacity if participant.role == "mentor" else 1
    return matching.Candidate(
        participant_id=participant.id,
        person_id=person.id,
        name=person.display_name or person.slack_user_id,
        department=person.department or "Unknown department",
        level=person.level or 0,
        ancestors=matching.management_chain(person.id, managers),
        topics_offered=frozenset(participant.topics_offered),
        topics_wanted=frozenset(participant.topics_wanted),
        tz_offset_minutes=person.tz_offset_seconds // 60,
        format=participant.format,
        capacity=max(capacity - load.get(participant.id, 0), 0),
        former_partners=frozenset(former.get(person.id, set())),
        active=participant.status == "active" and participant.id not in excluded,
    )


def _weights(programme: Programme) -> matching.Weights:
    known = set(matching.Weights.__dataclass_fields__)
    return matching.Weights(**{k: float(v) for k, v in (programme.matching_weights or {}).items() if k in known})


def _pools(
    session: Session, programme: Programme, excluded: set[int]
) -> tuple[list[matching.Candidate], list[matching.Candidate], dict[int, Participant]]:
    cohort = cohort_queries.open_cohort(session, programme.id)
    participants = queries.pool(session, programme.id, cohort.id if cohort else None)
    # The org chart's managers and the ones people typed, both: either may be the one that is true.
    managers = matching.combined_managers(
        queries.manager_links(session, programme.team_id),
        queries.self_reported_manager_links(session, programme.team_id),
    )
    former: dict[int, set[int]] = {}
    for mentor_person, mentee_person in queries.former_partner_links(session, programme.team_id):
        former.setdefault(mentor_person, set()).add(mentee_person)
        former.setdefault(mentee_person, set()).add(mentor_person)
    load = queries.active_pair_counts(session, programme.id)
    by_id = {p.id: p for p in participants}
    candidates = [_candidate(p, managers, former, load, excluded) for p in participants]
    mentors = [c for c, p in zip(candidates, participants, strict=True) if p.role == "mentor"]
    mentees = [c for c, p in zip(candidates, participants, strict=True) if p.role == "mentee"]
    return mentors, mentees, by_id


def _reason_for_unavailable(candidate: matching.Candidate, excluded: set[int], default: str) -> str:
    return EXCLUDED if candidate.participant_id in excluded else default


def _self_reported(candidate: matching.Candidate, by_id: dict[int, Participant]) -> bool:
    """Matched on what they typed: they are not in the org chart."""
    return not by_id[candidate.participant_id].person.in_org_chart


def chart_mismatch(person: Person) -> dict[str, Any] | None:
    """Where what someone typed before the org chart listed them disagrees with the chart (the chart is used;
    both managers are kept out of matching): each differing field as {typed, chart}. None when they agree."""
    if not person.in_org_chart:
        return None
    differences: dict[str, Any] = {}
    if person.self_manager_id is not None and person.self_manager_id != person.manager_id:
        differences["manager"] = {
            "typed": person.self_manager.slack_user_id if person.self_manager else None,
            "chart": person.manager.slack_user_id if person.manager else None,
        }
    if person.self_level is not None and person.self_level != person.level:
        differences["level"] = {"typed": person.self_level, "chart": person.level}
    if person.self_department and person.self_department != person.department:
        differences["department"] = {"typed": person.self_department, "chart": person.department}
    return {"user": person.slack_user_id, **differences} if differences else None


def _proposal(result: matching.MatchResult, by_id: dict[int, Participant], excluded: set[int]) -> dict[str, Any]:
    def user(candidate: matching.Candidate) -> str:
        return by_id[candidate.participant_id].person.slack_user_id

    pairs = [
        {
            "mentor_id": m.mentor.participant_id,
            "mentee_id": m.mentee.participant_id,
            "mentor_user": user(m.mentor),
            "mentee_user": user(m.mentee),
            "mentor_name": m.mentor.name,
            "mentee_name": m.mentee.name,
            "score": round(m.score, 2),
            "reason": m.reason,
            "mentor_self_reported": _self_reported(m.mentor, by_id),
            "mentee_self_reported": _self_reported(m.mentee, by_id),
        }
        for m in sorted(result.matches, key=lambda m: -m.score)
    ]
    unmatched = [
        {
            "participant_id": u.candidate.participant_id,
            "user": user(u.candidate),
            "name": u.candidate.name,
            "role": u.role,
            "reason": _reason_for_unavailable(u.candidate, excluded, u.reason),
        }
        for u in result.unmatched
    ]
    found = (chart_mismatch(p.person) for p in sorted(by_id.values(), key=lambda p: p.id))
    mismatches = [m for m in found if m is not None]
    return {"pairs": pairs, "unmatched": unmatched, "excluded": sorted(excluded), "chart_mismatches": mismatches}


def _already_paired(by_id: dict[int, Participant], load: dict[int, int]) -> set[int]:
    """Mentees already in an active pair aren't in this round at all (they're busy, not unmatched)."""
    return {pid for pid, p in by_id.items() if p.role == "mentee" and load.get(pid, 0) > 0}


def propose(db: Database, team_id: str, admin_user_id: str, excluded: set[int] | None = None) -> MatchRun:
    """Run the matcher over the programme's pool and store the proposal for the admin to review."""
    excluded = set(excluded or ())
    with db.unit_of_work() as session:
        programme = current_programme(session, team_id)
        mentors, mentees, by_id = _pools(session, programme, excluded)
        busy = _already_paired(by_id, queries.active_pair_counts(session, programme.id))
        mentees = [m for m in mentees if m.participant_id not in busy]
        mentors = [m for m in mentors if m.capacity > 0 or not m.active]
        result = matching.match(mentors, mentees, _weights(programme))
        for earlier in session.query(MatchRun).filter_by(programme_id=programme.id, status="proposed"):
            earlier.status = "discarded"
            earlier.decided_at = db.now()
        run = MatchRun(
            team_id=team_id,
            programme_id=programme.id,
            requested_by=admin_user_id,
            proposal=_proposal(result, by_id, excluded),
        )
        session.add(run)
        session.flush()
        return run


def get_run(db: Database, team_id: str, run_id: int) -> MatchRun | None:
    with db.unit_of_work() as session:
        return queries.match_run(session, team_id, run_id)


def remember_message(db: Database, team_id: str, run_id: int, channel: str, ts: str) -> None:
    with db.unit_of_work() as session:
        run = queries.match_run(session, team_id, run_id)
        if run is not None:
            run.proposal = {**run.proposal, "message": {"channel": channel, "ts": ts}}


def drop_pair(db: Database, team_id: str, run_id: int, mentee_id: int) -> MatchRun | None:
    """Take one pair out of a proposal; both people become unmatched with the reason. Idempotent."""
    with db.unit_of_work() as session:
        run = queries.match_run(session, team_id, run_id, for_update=True)
        if run is None or run.status != "proposed":
            return run
        proposal = dict(run.proposal)
        dropped = [p for p in proposal["pairs"] if p["mentee_id"] == mentee_id]
        if dropped:
            pair = dropped[0]
            proposal["pairs"] = [p for p in proposal["pairs"] if p["mentee_id"] != mentee_id]
            proposal["unmatched"] = [
                *proposal["unmatched"],
                _unmatched_entry(pair, "mentor"),
                _unmatched_entry(pair, "mentee"),
            ]
            run.proposal = proposal
        return run


def _unmatched_entry(pair: dict[str, Any], role: str) -> dict[str, Any]:
    return {
        "participant_id": pair[f"{role}_id"],
        "user": pair[f"{role}_user"],
        "name": pair.get(f"{role}_name", ""),
        "role": role,
        "reason": DROPPED,
    }


def rerun_without(db: Database, team_id: str, run_id: int, participant_id: int, admin_user_id: str) -> MatchRun:
    run = get_run(db, team_id, run_id)
    excluded = set(run.proposal.get("excluded", ())) if run else set()
    return propose(db, team_id, admin_user_id, excluded | {participant_id})


@dataclass(frozen=True)
class Approval:
    run_id: int
    batch: str
    pairs_created: int
    already_approved: bool = False
    skipped: tuple[str, ...] = ()
    discarded: bool = False
    unmatched_told: int = 0  # people left without a partner, each sent one private DM (batch `unmatched_batch`)


def _free_slot(used: dict[int, set[int]], mentor_id: int) -> int:
    taken = used.setdefault(mentor_id, set())
    slot = next(s for s in (1, 2, 3) if s not in taken)
    taken.add(slot)
    return slot


def _still_valid(pair: dict[str, Any], by_id: dict[int, Participant], load: dict[int, int]) -> str | None:
    """Things may change between proposal and approval: someone pauses, leaves, or gets paired."""
    mentor, mentee = by_id.get(pair["mentor_id"]), by_id.get(pair["mentee_id"])
    if mentor is None or mentee is None:
        return "someone left the programme"
    if mentor.status != "active" or mentee.status != "active":
        return "someone paused or left since the proposal"
    if load.get(mentee.id, 0) > 0 or load.get(mentor.id, 0) >= mentor.capacity:
        return "someone was paired since the proposal"
    return None


def approve(db: Database, team_id: str, run_id: int, admin_user_id: str) -> Approval:
    """Create the pairs, their draft ground rules and their intros (as outbox rows), all or nothing."""
    batch = intro_batch(run_id)
    with db.unit_of_work() as session:
        run = queries.match_run(session, team_id, run_id, for_update=True)
        if run is None or run.status == "discarded":
            return Approval(run_id, batch, 0, discarded=True)
        if run.status == "approved":
            return Approval(run_id, batch, 0, already_approved=True)
        programme = session.get(Programme, run.programme_id)
        assert programme is not None
        proposed = run.proposal["pairs"]
        by_id = queries.participants_by_id(session, [i for p in proposed for i in (p["mentor_id"], p["mentee_id"])])
        load = queries.active_pair_counts(session, programme.id)
        used = queries.used_mentor_slots(session, programme.id)
        cohort = cohort_queries.open_cohort(session, programme.id)
        created, skipped, left_over = 0, [], [int(u["participant_id"]) for u in run.proposal["unmatched"]]
        for proposed_pair in proposed:
            problem = _still_valid(proposed_pair, by_id, load)
            if problem:
                skipped.append(f"<@{proposed_pair['mentor_user']}> & <@{proposed_pair['mentee_user']}>: {problem}")
                left_over += [proposed_pair["mentor_id"], proposed_pair["mentee_id"]]
                continue
            slot = _free_slot(used, proposed_pair["mentor_id"])
            pair = _create_pair(session, programme, run, proposed_pair, slot, cohort.id if cohort else None)
            load[pair.mentor_id] = load.get(pair.mentor_id, 0) + 1
            load[pair.mentee_id] = 1
            _enqueue_intro(session, programme, pair, by_id)
            created += 1
        told = _tell_the_unmatched(session, programme, run, left_over, load, admin_user_id)
        run.status = "approved"
        run.decided_at = db.now()
        return Approval(run_id, batch, created, skipped=tuple(skipped), unmatched_told=told)


def _tell_the_unmatched(
    session: Session,
    programme: Programme,
    run: MatchRun,
    participant_ids: list[int],
    load: dict[int, int],
    admin_user_id: str,
) -> int:
    """Queue one kind private DM for each person this round leaves without a partner, in the approval's
    transaction. Only active people with no partner at all hear it (someone who paused or left since did so
    themselves); the words never say why, since the reason may name who else joined (a management chain)."""
    people = queries.participants_by_id(session, sorted(set(participant_ids)))
    waiting = [p for p in people.values() if p.status == "active" and load.get(p.id, 0) == 0]
    for participant in sorted(waiting, key=lambda p: p.id):
        user_id = participant.person.slack_user_id
        enqueue(
            session,
            programme.team_id,
            f"unmatched:{run.id}:{participant.id}",  # a second approval (or retry) finds it: one DM each
            "chat.postMessage",
            {"channel": user_id, **unmatched_message(programme.name, admin_user_id)},
            batch=unmatched_batch(run.id),
        )
    return len(waiting)


def _create_pair(
    session: Session, programme: Programme, run: MatchRun, proposed: dict[str, Any], slot: int, cohort_id: int | None
) -> Pair:
    pair = Pair(
        team_id=programme.team_id,
        programme_id=programme.id,
        match_run_id=run.id,
        mentor_id=proposed["mentor_id"],
        mentee_id=proposed["mentee_id"],
        mentor_slot=slot,
        cohort_id=cohort_id,
        score=proposed["score"],
        reason=proposed["reason"],
    )
    session.add(pair)
    session.flush()
    return pair


def _enqueue_intro(session: Session, programme: Programme, pair: Pair, by_id: dict[int, Participant]) -> None:
    mentor, mentee = by_id[pair.mentor_id], by_id[pair.mentee_id]
    draft = ground_rules.draft(mentor, mentee, programme)
    rules = GroundRules(team_id=programme.team_id, pair_id=pair.id, **draft)
    session.add(rules)
    session.flush()
    message = intro_message(pair, mentor, mentee, rules)
    enqueue(
        session,
        programme.team_id,
        f"intro:{pair.id}",
        "dm",
        {
            "users": [mentor.person.slack_user_id, mentee.person.slack_user_id],
            "pair_id": pair.id,
            **message,
        },
        batch=intro_batch(pair.match_run_id or 0),
    )


def discard(db: Database, team_id: str, run_id: int) -> bool:
    """Throw a proposal away (nobody was told). False when it was already approved."""
    with db.unit_of_work() as session:
        run = queries.match_run(session, team_id, run_id, for_update=True)
        if run is None or run.status == "approved":
            return False
        run.status = "discarded"
        run.decided_at = run.decided_at or db.now()
        return True
