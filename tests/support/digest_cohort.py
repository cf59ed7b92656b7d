"""The digest's scripted cohort, counted by hand: eleven pairs of one programme with their sessions and check-in
answers around `NOW`, beside a second programme of the same team whose activity must never leak into the
first. The digest figures, the export and their tests all read this one script; the expected figures are in
the comments next to their assertions (tests/integration/test_digest.py, test_export.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from storage.db import Database
from storage.models import CheckIn, MentoringSession, Pair, Participant, Person, Programme, Workspace

TEAM = "T0DIGEST"
NOW = datetime(2024, 3, 13, 12, 0, tzinfo=UTC)  # a Wednesday; the period is [6 Mar 12:00, 13 Mar 12:00)


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=UTC)


JOINED = datetime(2023, 12, 15, 10, 0, tzinfo=UTC)
PAIRED = at(1, 1)

# pair: (mentor, mentee, created_at, status, ended_at, mentor_slot)
PAIRS: dict[str, tuple[str, str, datetime, str, datetime | None, int]] = {
    "P1": ("J1", "S1", PAIRED, "active", None, 1),
    "P2": ("J2", "S2", PAIRED, "active", None, 1),
    "P3": ("J3", "S3", PAIRED, "active", None, 1),
    "P4": ("J4", "S4", PAIRED, "active", None, 1),
    "P5": ("J5", "S5", PAIRED, "active", None, 1),
    "P6": ("J6", "S6", PAIRED, "active", None, 1),
    "P7": ("J7", "S7", PAIRED, "active", None, 1),
    "P8": ("J8", "S8", PAIRED, "ended", at(2, 1), 1),
    "P9": ("J1", "S9", at(3, 10), "active", None, 2),  # J1's second pair: one person in two pairs
    "P10": ("J10", "S10", PAIRED, "active", None, 1),  # J10 paused: never met, but not idle
    "P11": ("J11", "S11", PAIRED, "active", None, 1),  # never met: idle since it was paired
}

# (pair, scheduled_at, state, cancelled_by)
SESSIONS: list[tuple[str, datetime, str, str | None]] = [
    ("P1", at(1, 3), "cancelled", "senior"),  # two senior cancellations, but not among P1's last three
    ("P1", at(1, 4), "cancelled", "senior"),
    ("P1", at(1, 10), "held", None),
    ("P1", at(2, 29), "held", None),
    ("P1", at(3, 7), "held", None),
    ("P1", at(3, 12, 9), "rescheduled", None),
    ("P2", at(1, 11), "held", None),
    ("P2", at(3, 1), "held", None),
    ("P2", at(3, 6, 12), "held", None),  # exactly at the period's start: in the period
    ("P2", at(3, 8), "held", None),
    ("P3", at(1, 12), "held", None),
    ("P3", at(3, 2), "held", None),
    ("P3", at(3, 9), "held", None),
    ("P3", at(3, 15, 12), "scheduled", None),  # ahead: counts for nothing but "not idle"
    ("P4", at(1, 13), "cancelled", "junior"),
    ("P4", at(3, 5), "cancelled", "senior"),
    ("P4", at(3, 7), "cancelled", "junior"),
    ("P4", at(3, 11), "held", None),
    ("P5", at(1, 14), "held", None),
    ("P5", at(2, 10), "cancelled", "senior"),
    ("P5", at(3, 4), "held", None),
    ("P5", at(3, 10), "cancelled", "senior"),  # 2 of the last 3: at risk
    ("P6", at(1, 5), "held", None),  # and nothing since: idle for 68 days
    ("P7", at(2, 1), "held", None),
    ("P7", at(2, 22), "cancelled", "senior"),
    ("P7", at(3, 12), "cancelled", "senior"),  # 2 of the last 3: at risk
    ("P7", at(3, 20), "scheduled", None),  # booked ahead, so not idle
    ("P8", at(1, 15), "held", None),
    ("P8", at(1, 20), "cancelled", "senior"),  # an ended pair is never at risk
]

# (pair, session scheduled_at, side, answered_at, rating, two_way, action)
CHECK_INS: list[tuple[str, datetime, str, datetime | None, int | None, str | None, str | None]] = [
    # answered in the period
    ("P1", at(3, 7), "junior", at(3, 7, 18), 5, "yes", None),
    ("P1", at(3, 7), "senior", at(3, 8, 9), 4, None, "Try the junior's favourite tools"),
    ("P2", at(3, 8), "junior", at(3, 8, 15), 4, "partly", None),
    ("P2", at(3, 8), "senior", at(3, 8, 16), 3, None, "   "),  # blank: not an action
    ("P2", at(3, 6, 12), "junior", at(3, 6, 13), 5, "yes", None),
    ("P2", at(3, 6, 12), "senior", at(3, 6, 14), 5, None, "Ship the accessibility fix"),
    ("P3", at(3, 9), "junior", at(3, 9, 12), 2, "no", None),
    ("P3", at(3, 9), "senior", at(3, 9, 13), 4, None, None),
    ("P4", at(3, 11), "junior", at(3, 11, 12), 4, "yes", None),
    ("P4", at(3, 11), "senior", None, None, None, None),  # never answered
    ("P5", at(3, 4), "junior", at(3, 6, 12, 30), 3, "yes", None),  # an earlier session, answered in the period
    ("P5", at(3, 10), "senior", at(3, 10, 11), None, None, None),
    # answered in the week before
    ("P5", at(3, 4), "senior", at(3, 5), 4, None, "Read the staff survey"),
    ("P1", at(2, 29), "junior", at(2, 29, 15), 3, "partly", None),
    ("P1", at(2, 29), "senior", at(3, 1), 4, None, "Shadow a junior's day"),
    # earlier
    ("P2", at(1, 11), "junior", at(1, 11, 15), 1, "no", None),
    ("P2", at(1, 11), "senior", at(1, 12), 2, None, "Nothing yet"),
    # after `now`: not in any figure
    ("P3", at(3, 2), "senior", at(3, 14), 1, None, "Late answer"),
]

ACTION_TEXTS = [c[6] for c in CHECK_INS if c[6] and c[6].strip()]


def display_name(code: str) -> str:
    return f"Name{code} Surname{code}"


def slack_id(code: str) -> str:
    return f"U0{code}XYZ"


@dataclass
class Cohort:
    programme_id: int
    other_programme_id: int
    pair_ids: dict[str, int] = field(default_factory=dict)
    people: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (slack id, display name)


def build_cohort(db: Database) -> Cohort:
    """The programme above, plus a second programme whose activity must never leak into the first."""
    with db.unit_of_work() as s:
        s.add(Workspace(team_id=TEAM, name="Digest"))
        s.flush()
        programme = Programme(team_id=TEAM, name="Reverse <!channel> & friends", created_at=at(1, 1))
        other = Programme(team_id=TEAM, name="Other", created_at=at(1, 1))
        s.add_all([programme, other])
        s.flush()
        cohort = Cohort(programme.id, other.id)
        participants: dict[str, Participant] = {}

        def join(code: str, role: str, programme_id: int, **fields: object) -> Participant:
            person = Person(team_id=TEAM, slack_user_id=slack_id(code), display_name=display_name(code))
            s.add(person)
            s.flush()
            values: dict[str, object] = {"status": "active", "joined_at": JOINED, **fields}
            participant = Participant(
                team_id=TEAM, programme_id=programme_id, person_id=person.id, role=role, consent=True, **values
            )
            s.add(participant)
            s.flush()
            cohort.people[code] = (person.slack_user_id, display_name(code))
            participants[code] = participant
            return participant

        for n in (1, 2, 3, 4, 5, 6, 7, 8, 10, 11):
            join(f"J{n}", "mentor", programme.id, status="paused" if n == 10 else "active")
        for n in range(1, 12):
            fields: dict[str, object] = {"status": "left", "left_at": at(2, 1)} if n == 8 else {}
            join(f"S{n}", "mentee", programme.id, **fields)
        join("L1", "mentor", programme.id, status="left", left_at=at(3, 8))  # left in the period
        join("N1", "mentor", programme.id, joined_at=at(3, 7))  # joined in the period
        join("N2", "mentee", programme.id, joined_at=at(3, 12))
        join("N3", "mentee", programme.id, joined_at=at(3, 14))  # after `now`
        join("JB", "mentor", other.id)
        join("SB", "mentee", other.id)

        def pair(name: str, mentor: str, mentee: str, programme_id: int, **fields: object) -> Pair:
            row = Pair(
                team_id=TEAM,
                programme_id=programme_id,
                mentor_id=participants[mentor].id,
                mentee_id=participants[mentee].id,
                **fields,
            )
            s.add(row)
            s.flush()
            cohort.pair_ids[name] = row.id
            return row

        for name, (mentor, mentee, created, status, ended, slot) in PAIRS.items():
            pair(name, mentor, mentee, programme.id, created_at=created, status=status, ended_at=ended,
                 mentor_slot=slot)  # fmt: skip
        pair("PB", "JB", "SB", other.id, created_at=PAIRED)

        sessions: dict[tuple[str, datetime], MentoringSession] = {}
        for name, when, state, by in [*SESSIONS, ("PB", at(3, 8), "held", None)]:
            row = MentoringSession(team_id=TEAM, pair_id=cohort.pair_ids[name], scheduled_at=when, state=state,
                                   cancelled_by=by)  # fmt: skip
            s.add(row)
            s.flush()
            sessions[(name, when)] = row
        other_answers = [
            ("PB", at(3, 8), "junior", at(3, 8, 15), 1, "no", "typed by JB"),
            ("PB", at(3, 8), "senior", at(3, 8, 15), 1, None, "typed by SB"),
        ]
        for name, when, side, answered, rating, two_way, action in [*CHECK_INS, *other_answers]:
            mentor, mentee = (PAIRS[name][:2]) if name in PAIRS else ("JB", "SB")
            who = participants[mentor if side == "junior" else mentee]
            outcome = None if answered is None else ("held" if rating else "i_cancelled")
            s.add(
                CheckIn(team_id=TEAM, session_id=sessions[(name, when)].id, participant_id=who.id, side=side,
                        outcome=outcome, rating=rating, two_way=two_way, action=action, sent_at=when,
                        answered_at=answered)
            )  # fmt: skip
    return cohort


DELETED = {slack_id("J3"), slack_id("S8"), "U0OUTSIDER"}  # users.info said `deleted`
