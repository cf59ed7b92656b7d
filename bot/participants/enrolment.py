"""Opting in and out: the join form's rules, and a participant's pause, resume, leave and erasure."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot.cohorts import lifecycle as cohorts
from bot.pairs.endings import end_pairs_of_leaver
from bot.participants import erasure
from bot.participants.mentor_guides import guides_for, tips
from bot.participants.views import CADENCES, HistoryItem, JoinForm, JoinPrefill, PairView, ParticipantStatus
from bot.sessions import slots
from storage.db import Database
from storage.models import CheckIn, MentoringSession, Pair, Participant, Person
from storage.queries import cohorts as cohort_queries
from storage.queries import participants as participant_queries
from storage.queries import people as people_queries
from storage.queries.checkins import history_for
from storage.queries.pairs import active_pairs_of, active_partner_user_ids, ground_rules_for, next_session
from storage.queries.programmes import current_programme
from storage.vocabulary import MeetingFormat, Role

TEXT_LIMIT = 500
DEPARTMENT_LIMIT = 120
LEVELS = range(1, 21)


@dataclass(frozen=True)
class SlackProfile:
    """What `users.info` tells us about a person."""

    name: str | None = None
    tz: str | None = None
    tz_offset_seconds: int = 0
    email: str | None = None


def _typical_level(session: Session, programme_id: int, role: str) -> float | None:
    levels = [
        p.person.level
        for p in participant_queries.participants(session, programme_id, status="active")
        if p.role == role and p.person.level is not None
    ]
    return statistics.median(levels) if len(levels) >= 3 else None


def _manages(session: Session, team_id: str, user_id: str, manager_user_id: str) -> bool:
    """True when `user_id` is somewhere in `manager_user_id`'s management chain, by the org chart or by what
    people typed (would make a cycle)."""
    manager = people_queries.person_by_slack_id(session, team_id, manager_user_id)
    seen: set[int] = set()
    above = [manager] if manager is not None else []
    while above:
        person = above.pop()
        if person.id in seen:
            continue
        if person.slack_user_id == user_id:
            return True
        seen.add(person.id)
        above += [m for m in (person.manager, person.self_manager) if m is not None]
    return False


def _charted(db: Database, team_id: str, user_id: str) -> bool:
    """In the org chart: their department, level and manager are the chart's, and the form's are ignored."""
    with db.unit_of_work() as session:
        person = people_queries.person_by_slack_id(session, team_id, user_id)
        return person is not None and person.in_org_chart


def validate_join(db: Database, team_id: str, user_id: str, form: JoinForm) -> dict[str, str]:
    """Inline errors keyed by the modal's block ids; empty when the form may be saved."""
    errors: dict[str, str] = {}
    charted = _charted(db, team_id, user_id)
    if not Role.has(form.role):
        errors["role"] = "Choose whether you join as a mentor (junior) or a mentee (senior leader)."
    if not charted:
        errors.update(_self_reported_errors(user_id, form))
    for block_id, text in (("perspectives", form.perspectives), ("off_limits", form.off_limits)):
        if len(text) > TEXT_LIMIT:
            errors[block_id] = f"Keep this under {TEXT_LIMIT} characters (it is {len(text)})."
    if form.role == "mentor" and not form.topics_offered:
        errors["topics_offered"] = "Pick at least one topic you can offer as a mentor."
    if form.role == "mentee" and not form.topics_wanted:
        errors["topics_wanted"] = "Pick at least one topic you want to learn about."
    if not MeetingFormat.has(form.format):
        errors["format"] = "Choose how you would like to meet."
    if form.cadence_days not in CADENCES:
        errors["cadence"] = "Choose how often you would like to meet."
    if slots.parse_hours(form.working_hours) is None:
        errors["working_hours"] = "Write your working hours as start-end on your own clock, e.g. 09:00-17:00."
    if not form.consent:
        errors["consent"] = "Please agree to the confidentiality terms to take part."
    if form.role == "mentee" and (form.self_rating is None or not 1 <= form.self_rating <= 5):
        errors["self_rating"] = "Rate your understanding of your chosen topics from 1 to 5, so we can see the change."
    cohort_problem = cohorts.join_check(db, team_id, form.role)
    if cohort_problem:
        errors["role"] = cohort_problem
    if errors:
        return errors
    with db.unit_of_work() as session:
        if not charted and form.manager_user_id and _manages(session, team_id, user_id, form.manager_user_id):
            errors["manager"] = "That person reports to you (directly or further down): choose your own manager."
        programme = current_programme(session, team_id)
        if charted:
            # The chart's level is the one matching uses; the modal shows it read-only, so a doubt about the
            # role is raised on the role.
            person = people_queries.person_by_slack_id(session, team_id, user_id)
            level = person.level if person is not None else None
            if level is not None:
                doubt = _level_sanity(session, programme.id, form.role, level).get("level")
                if doubt:
                    errors["role"] = doubt
        else:
            assert form.level is not None
            errors.update(_level_sanity(session, programme.id, form.role, form.level))
    return errors


def _self_reported_errors(user_id: str, form: JoinForm) -> dict[str, str]:
    """Department, level and manager, as typed by someone not in the org chart."""
    errors: dict[str, str] = {}
    if not form.department.strip():
        errors["department"] = "Tell us your department."
    elif len(form.department) > DEPARTMENT_LIMIT:
        errors["department"] = f"Keep the department under {DEPARTMENT_LIMIT} characters."
    if form.level is None or form.level not in LEVELS:
        errors["level"] = f"Enter your job level as a whole number from {LEVELS.start} to {LEVELS.stop - 1}."
    if form.manager_user_id == user_id:
        errors["manager"] = "You can't be your own manager: choose the person you report to, or leave it empty."
    return errors


def _level_sanity(session: Session, programme_id: int, role: str | None, level: int) -> dict[str, str]:
    """Mentors are the junior party: catch a level at or above the programme's typical mentee."""
    if role == "mentor":
        typical = _typical_level(session, programme_id, "mentee")
        if typical is not None and level >= typical:
            return {
                "level": f"Mentors are the junior party, and level {level} is at or above a typical "
                f"mentee here (level {typical:g}). Did you mean to join as a mentee?"
            }
    if role == "mentee":
        typical = _typical_level(session, programme_id, "mentor")
        if typical is not None and level <= typical:
            return {
                "level": f"Mentees are the senior party, and level {level} is at or below a typical "
                f"mentor here (level {typical:g}). Did you mean to join as a mentor?"
            }
    return {}


def prefill_for(db: Database, team_id: str, user_id: str, profile: SlackProfile) -> JoinPrefill:
    """Remember what Slack told us about the person, and prefill from their last answer or the org chart."""
    with db.unit_of_work() as session:
        programme = current_programme(session, team_id)
        person = people_queries.ensure_person(session, team_id, user_id)
        _apply_profile(person, profile)
        # Charted people see the chart's values (read-only); everyone else their own, as they typed them.
        manager = person.manager if person.in_org_chart else person.self_manager
        manager_id = manager.slack_user_id if manager else None
        department = (person.department if person.in_org_chart else person.self_department) or ""
        level = person.level if person.in_org_chart else person.self_level
        participant = participant_queries.participant_for(session, programme.id, person.id)
        topics = tuple(programme.topics)
        if participant is None:
            return JoinPrefill(
                department=department,
                level=level,
                manager_user_id=manager_id,
                name=person.display_name,
                topics=topics,
                from_org_chart=person.in_org_chart,
            )
        return JoinPrefill(
            role=participant.role,
            department=department,
            level=level,
            manager_user_id=manager_id,
            from_org_chart=person.in_org_chart,
            topics_offered=tuple(participant.topics_offered),
            topics_wanted=tuple(participant.topics_wanted),
            perspectives=participant.perspectives,
            off_limits=participant.off_limits,
            format=participant.format,
            cadence_days=participant.cadence_days,
            consent=participant.consent,
            name=person.display_name,
            topics=topics,
            already_joined=True,
            self_rating=participant.self_rating_join,
            working_hours=participant.working_hours,
            working_days=tuple(int(d) for d in participant.working_days if d.isdigit()),
        )


def _apply_profile(person: Person, profile: SlackProfile) -> None:
    if profile.name:
        person.display_name = profile.name
    if profile.tz:
        person.tz = profile.tz
        person.tz_offset_seconds = profile.tz_offset_seconds
    if profile.email and not person.email:
        person.email = profile.email


def save_join(db: Database, team_id: str, user_id: str, form: JoinForm) -> tuple[Participant, bool]:
    """Create or update the participant (joining twice updates); returns it and whether it is new."""
    with db.unit_of_work() as session:
        programme = current_programme(session, team_id)
        person = people_queries.ensure_person(session, team_id, user_id)
        if not person.in_org_chart:
            _save_self_reported(session, team_id, person, form)
        participant = participant_queries.participant_for(session, programme.id, person.id)
        created = participant is None
        if participant is None:
            participant = Participant(team_id=team_id, programme_id=programme.id, person_id=person.id)
            session.add(participant)
        participant.role = form.role or "mentor"
        participant.topics_offered = list(form.topics_offered)
        participant.topics_wanted = list(form.topics_wanted)
        participant.perspectives = form.perspectives.strip()
        participant.off_limits = form.off_limits.strip()
        participant.format = form.format or "either"
        participant.cadence_days = form.cadence_days
        participant.consent = form.consent
        hours = slots.parse_hours(form.working_hours)
        if hours is not None:  # checked by validate; stored in one spelling, "09:00-17:00"
            participant.working_hours = f"{hours[0]:%H:%M}-{hours[1]:%H:%M}"
        participant.working_days = "".join(str(d) for d in sorted(set(form.working_days)) if 0 <= d <= 6) or "01234"
        if participant.role == "mentee" and participant.self_rating_join is None:
            participant.self_rating_join = form.self_rating  # kept from the first join, to measure the change
        open_cohort = cohort_queries.open_cohort(session, programme.id)
        if open_cohort is not None and (participant.cohort_id is None or participant.status == "left"):
            participant.cohort_id = open_cohort.id
        if participant.status == "left":
            participant.left_at = None
        participant.status = "active"
        session.flush()
        return participant, created


def _save_self_reported(session: Session, team_id: str, person: Person, form: JoinForm) -> None:
    """What someone outside the org chart typed: kept as self-reported, and used until the chart lists them.
    The chart's own manager (`manager_id`) is never written from a form."""
    person.self_department = form.department.strip()
    person.self_level = form.level
    person.self_manager_id = (
        people_queries.ensure_person(session, team_id, form.manager_user_id).id if form.manager_user_id else None
    )
    person.department = person.self_department
    person.level = person.self_level


def status_of(db: Database, team_id: str, user_id: str, now: datetime) -> ParticipantStatus:
    with db.unit_of_work() as session:
        programme = current_programme(session, team_id)
        participant = participant_queries.participant_by_slack_id(session, programme.id, user_id)
        if participant is None:
            return ParticipantStatus(joined=False, programme_name=programme.name)
        partners = active_partner_user_ids(session, participant.id)
        pairs = tuple(_pair_view(session, p, participant.id, now) for p in active_pairs_of(session, participant.id))
        return ParticipantStatus(
            joined=True,
            role=participant.role,
            status=participant.status,
            department=participant.person.department,
            topics_offered=tuple(participant.topics_offered),
            topics_wanted=tuple(participant.topics_wanted),
            partner_user_id=partners[0] if partners else None,
            programme_name=programme.name,
            pairs=pairs,
            history=tuple(_history_item(m, c, now) for m, c in history_for(session, participant.id)),
            guides=tuple(guides_for(participant.topics_offered, programme.mentor_guides))
            if participant.role == "mentor"
            else (),
            tips=tuple(tips(programme.mentor_guides)) if participant.role == "mentor" else (),
            mentors_channel=programme.mentors_channel if participant.role == "mentor" else None,
        )


def _history_item(meeting: MentoringSession, own: CheckIn | None, now: datetime) -> HistoryItem:
    """The viewer's line: the state both were told, or, once the check-ins went out, only their own answer."""
    shared = meeting.checkins_sent_at is None  # after this, the state comes from both private answers
    state = meeting.state if shared else None
    outcome = own.outcome if own else None
    return HistoryItem(
        meeting.scheduled_at,
        state,
        meeting.cancelled_by if shared else None,
        outcome,
        own.rating if own else None,
        own.action if own else None,
        own.two_way if own else None,
        awaiting_check_in=_awaiting(state, meeting.scheduled_at, outcome, now),
    )


def _awaiting(state: str | None, when: datetime, outcome: str | None, now: datetime) -> bool:
    """A session that has happened by `now` and still waits for the viewer's check-in answer (whatever the
    partner answered: that stays theirs)."""
    return outcome is None and state in (None, "scheduled") and when <= now


def _pair_view(session: Session, pair: Pair, participant_id: int, now: datetime) -> PairView:
    partner = pair.mentee if pair.mentor_id == participant_id else pair.mentor
    rules = ground_rules_for(session, pair.id)
    upcoming = next_session(session, pair.id, now)
    fields = (
        {
            name: getattr(rules, name)
            for name in ("topics", "off_limits", "meeting_place", "frequency", "confidentiality")
        }
        if rules
        else {}
    )
    return PairView(
        pair_id=pair.id,
        partner_user_id=partner.person.slack_user_id,
        rules=fields,
        rules_agreed=bool(rules and rules.agreed_at),
        next_session=upcoming.scheduled_at if upcoming else None,
        next_session_id=upcoming.id if upcoming else None,
    )


def set_status(db: Database, team_id: str, user_id: str, status: str) -> str | None:
    """Pause, resume or leave. Returns the previous status, or None when the person never joined. Someone
    who left stays left: coming back is a fresh `join` (it puts them in the open cohort)."""
    with db.unit_of_work() as session:
        programme = current_programme(session, team_id)
        participant = participant_queries.participant_by_slack_id(session, programme.id, user_id)
        if participant is None:
            return None
        previous = participant.status
        if previous == "left":
            return previous
        participant.status = status
        participant.left_at = db.now() if status == "left" else None
        if status == "left" and previous != "left":
            end_pairs_of_leaver(session, participant)
        return previous


@dataclass(frozen=True)
class Erasure:
    erased: int  # answers deleted
    repeat: bool  # they had left and nothing was left to erase: a double click, nothing to tell them
    # everyone they were ever paired with: their App Home may still show the erased ground rules
    partners: tuple[str, ...] = field(default=(), compare=False)


def erase(db: Database, team_id: str, user_id: str) -> Erasure | None:
    """Leave and erase everything they typed or answered, in one transaction (`bot.participants.erasure`);
    None if they never joined. The participant row is locked, so of two clicks at once the second sees the
    first's erasure."""
    with db.unit_of_work() as session:
        programme = current_programme(session, team_id)
        participant = participant_queries.participant_by_slack_id(session, programme.id, user_id, for_update=True)
        if participant is None:
            return None
        had_left = participant.status == "left"
        partners = erasure.partners_of(session, participant)
        # first: the scan cancels every queued message to or about them, and the partners' notice below must go
        erased = erasure.erase_everything(session, participant)
        if participant.status != "left":
            end_pairs_of_leaver(session, participant)
        participant.status = "left"
        if not had_left:
            participant.left_at = db.now()
        return Erasure(erased, repeat=had_left and erased == 0, partners=partners)
