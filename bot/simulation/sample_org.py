"""The offline demo's sample organisation: people, departments, a management chain, and what each would
answer in the join modal. Pure: a seeded `random.Random` in, plain data out (no Slack, no SQL).

The shape is a small company: a chief executive; one director per department; managers under the
directors; junior staff under the managers (or straight under a director when there are no managers);
and a programme lead in Operations who administers the programme without taking part. Seniors (directors
and managers, and the chief executive) join as mentees, juniors as mentors, so some juniors report to
the very seniors they could otherwise be matched with, which the matching must refuse. The chief
executive is above everyone, so nobody may be their mentor: the proposal says so.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from typing import TypedDict

from storage.queries.programmes import DEFAULT_TOPICS

DEPARTMENTS = ("Operations", "Finance", "Customer Service", "Marketing", "Technology")
MIN_PEOPLE = 12  # the admin, the chief executive, five directors and five juniors
TEAM_ID = "T0DEMO"

# Time zones and the UTC offset Slack reports for them in January (the demo's season).
ZONES = (("Europe/London", 0), ("America/New_York", -5 * 3600), ("Europe/Berlin", 3600))
ZONE_WEIGHTS = (0.65, 0.2, 0.15)

_FIRST_NAMES = """
    Amara Ben Chloe Dev Elif Farah Gus Hana Idris Jade Kofi Lena Mateo Nia Oscar Priya Quinn Rosa Sami
    Tomas Uma Victor Wen Xavier Yara Zoe Aisha Bruno Carmen Dmitri Esme Femi Grace Hugo Ines Jonah Keiko
    Luca Maya Nikhil Olu Paula Ravi Sofia Theo Valentina Will Ximena Yusuf Zainab
"""
_LAST_NAMES = """
    Adeyemi Brennan Castillo Dubois Evans Fischer Gallagher Haddad Ito Jensen Kowalski Lindqvist Mensah
    Novak Okafor Patel Quiroga Rossi Schmidt Takahashi Usman Varga Walsh Xu Yilmaz Zielinski Achebe
    Baptiste Chen Delgado Eriksen Fontaine Gupta Horvat Iqbal Jovanovic Khan Lopez Moreau Nakamura
"""
FIRST_NAMES = tuple(_FIRST_NAMES.split())
LAST_NAMES = tuple(_LAST_NAMES.split())

PERSPECTIVES = (
    "First in my family to go to university.",
    "I joined as an apprentice straight from school.",
    "I'm neurodivergent and think in pictures.",
    "I moved here from Lagos five years ago.",
    "I care for my mum alongside work.",
    "I grew up on TikTok and run our team's channel.",
    "I came back to work after two years out.",
    "I'm the only person on my team who works fully remotely.",
)
OFF_LIMITS = ("My health.", "Pay and promotions.", "My family.", "Anything about my own manager.")
ACTIONS = (
    "Ask my team how they actually use AI tools day to day",
    "Let the most junior person open our next team meeting",
    "Shadow a customer service shift this month",
    "Rewrite our hybrid-working guidance with the people it affects",
    "Try the new expenses app myself before approving it",
    "Stop replying to messages in the evening",
    "Invite two apprentices to the strategy review",
    "Read the staff network's survey results in full",
    "Post a short video update instead of the monthly email",
    "Check our job adverts for jargon with the early-careers group",
)


@dataclass(frozen=True)
class Member:
    """Someone in the sample organisation, and what they would answer in the join modal."""

    user_id: str
    name: str
    email: str
    department: str
    level: int
    manager_id: str | None
    title: str
    tz: str
    tz_offset: int
    role: str | None  # "mentor" | "mentee" | None (the programme lead does not take part)
    topics: tuple[str, ...] = ()  # offered (mentors) or wanted (mentees)
    perspectives: str = ""
    off_limits: str = ""
    meeting_format: str = "either"
    cadence_days: int = 14
    self_rating: int | None = None

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


@dataclass(frozen=True)
class SampleOrg:
    team_id: str
    admin: Member
    members: tuple[Member, ...]  # everyone, the admin first

    @property
    def participants(self) -> tuple[Member, ...]:
        return tuple(m for m in self.members if m.role is not None)

    def by_id(self) -> dict[str, Member]:
        return {m.user_id: m for m in self.members}

    def to_csv(self) -> str:
        """The org chart as an HR system would export it: email, department, level, manager email."""
        emails = {m.user_id: m.email for m in self.members}
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["email", "department", "level", "manager"])
        for member in self.members:
            writer.writerow(
                [member.email, member.department, member.level, emails[member.manager_id] if member.manager_id else ""]
            )
        return out.getvalue()


def _names(rng: random.Random, count: int) -> list[str]:
    firsts = list(FIRST_NAMES)
    lasts = list(LAST_NAMES)
    rng.shuffle(firsts)
    rng.shuffle(lasts)
    names: list[str] = []
    for i in range(count):
        # Walk the shuffled lists diagonally: unique full names, first names repeating only past 50 people.
        names.append(f"{firsts[i % len(firsts)]} {lasts[(i + i // len(lasts)) % len(lasts)]}")
    return names


def _zone(rng: random.Random) -> tuple[str, int]:
    return rng.choices(ZONES, weights=ZONE_WEIGHTS)[0]


def build_org(people: int, rng: random.Random) -> SampleOrg:
    """About `people` people in five departments; everyone but the programme lead joins."""
    if people < MIN_PEOPLE:
        raise ValueError(f"the sample organisation needs at least {MIN_PEOPLE} people, not {people}")
    managers_count = (people - 1 - 6 - 5) // 2  # as many juniors as seniors who can be matched
    juniors_count = people - 1 - 6 - managers_count
    names = iter(_names(rng, people))
    members: list[Member] = []
    serial = iter(range(1, people + 1))

    def add(
        department: str, level: int, manager: Member | None, title: str, role: str | None, zone: tuple[str, int]
    ) -> Member:
        name = next(names)
        member = Member(
            user_id=f"UDEMO{next(serial):03d}",
            name=name,
            email=f"{name.lower().replace(' ', '.')}@example.com",
            department=department,
            level=level,
            manager_id=manager.user_id if manager else None,
            title=title,
            tz=zone[0],
            tz_offset=zone[1],
            role=role,
            **_answers(rng, role),
        )
        members.append(member)
        return member

    ceo = add("Operations", 10, None, "Chief Executive", "mentee", ZONES[0])
    directors = {d: add(d, 8, ceo, f"Director of {d}", "mentee", _zone(rng)) for d in DEPARTMENTS}
    admin = add("Operations", 4, directors["Operations"], "Programme Lead, People Team", None, ZONES[0])
    managers: dict[str, list[Member]] = {d: [] for d in DEPARTMENTS}
    for i in range(managers_count):
        department = DEPARTMENTS[i % len(DEPARTMENTS)]
        level = rng.choice((5, 6, 6, 7))
        managers[department].append(
            add(department, level, directors[department], f"{department} Manager", "mentee", _zone(rng))
        )
    for i in range(juniors_count):
        department = DEPARTMENTS[(i + 2) % len(DEPARTMENTS)]
        bosses = managers[department] or [directors[department]]
        boss = bosses[(i // len(DEPARTMENTS)) % len(bosses)]
        title = rng.choice(("Analyst", "Associate", "Apprentice", "Coordinator", "Graduate Trainee"))
        add(department, rng.choice((1, 2, 2, 3)), boss, f"{title}, {department}", "mentor", _zone(rng))
    ordered = [admin, *(m for m in members if m is not admin)]
    return SampleOrg(team_id=TEAM_ID, admin=admin, members=tuple(ordered))


class _Answers(TypedDict, total=False):
    """What a member would answer in the join modal: the answer fields of `Member`."""

    topics: tuple[str, ...]
    meeting_format: str
    cadence_days: int
    perspectives: str
    off_limits: str
    self_rating: int | None


def _answers(rng: random.Random, role: str | None) -> _Answers:
    if role is None:
        return {}
    topics = tuple(sorted(rng.sample(DEFAULT_TOPICS, rng.choice((2, 2, 3)))))
    answers: _Answers = {
        "topics": topics,
        "meeting_format": rng.choice(("video", "in_person", "either", "either")),
        "cadence_days": rng.choices((14, 21), weights=(0.8, 0.2))[0],
    }
    if role == "mentor":
        if rng.random() < 0.5:
            answers["perspectives"] = rng.choice(PERSPECTIVES)
        if rng.random() < 0.2:
            answers["off_limits"] = rng.choice(OFF_LIMITS)
    else:
        answers["self_rating"] = rng.choice((1, 2, 2, 3))
    return answers
