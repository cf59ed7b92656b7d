"""What the pair's messages and the admins' overview are built from, as plain types with no I/O: the
overview's page of pairs, and the read-only shapes of a pair, its members, its ground rules and its sessions.

The message builders (`bot.messages`) import these instead of `storage`: the storage rows (`Pair`,
`Participant`, `GroundRules`, `MentoringSession`, `PairRow`) have these shapes, so the services pass them
straight in, and a builder states exactly what it reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class PersonFacts(Protocol):
    @property
    def slack_user_id(self) -> str: ...
    @property
    def department(self) -> str | None: ...


class MemberFacts(Protocol):
    """A pair member as the intro presents them."""

    @property
    def role(self) -> str: ...
    @property
    def person(self) -> PersonFacts: ...
    @property
    def topics_offered(self) -> list[str]: ...
    @property
    def topics_wanted(self) -> list[str]: ...
    @property
    def perspectives(self) -> str: ...


class PairFacts(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def reason(self) -> str: ...


class RulesFacts(Protocol):
    """A pair's ground rules: the five texts, the draft's version and who agreed to which version."""

    @property
    def pair_id(self) -> int: ...
    @property
    def topics(self) -> str: ...
    @property
    def off_limits(self) -> str: ...
    @property
    def meeting_place(self) -> str: ...
    @property
    def frequency(self) -> str: ...
    @property
    def confidentiality(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def mentor_agreed_version(self) -> int | None: ...
    @property
    def mentee_agreed_version(self) -> int | None: ...
    @property
    def agreed_at(self) -> datetime | None: ...


class SessionFacts(Protocol):
    """One session of a pair as its history shows it: when, and what became of it."""

    @property
    def scheduled_at(self) -> datetime: ...
    @property
    def state(self) -> str: ...
    @property
    def cancelled_by(self) -> str | None: ...


class OverviewRow(Protocol):
    """One active pair at a glance (`storage.queries.pairs_overview.PairRow`)."""

    @property
    def pair_id(self) -> int: ...
    @property
    def mentor_user(self) -> str: ...
    @property
    def mentee_user(self) -> str: ...
    @property
    def last_session(self) -> datetime | None: ...
    @property
    def next_session(self) -> datetime | None: ...
    @property
    def held(self) -> int: ...
    @property
    def cancelled_senior(self) -> int: ...
    @property
    def cancelled_junior(self) -> int: ...
    @property
    def rules_agreed(self) -> bool: ...


@dataclass(frozen=True)
class PairStatus:
    row: OverviewRow
    risks: tuple[str, ...]


@dataclass(frozen=True)
class Page:
    pairs: tuple[PairStatus, ...]
    page: int
    pages: int
    total: int
    at_risk: int
