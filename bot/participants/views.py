"""What a participant's screens are built from: the join form and its choices, what the join modal starts
from, and the status shown on App Home and by `status`. Plain values and no I/O, so the message builders
(`bot.messages`) can import them without importing the enrolment service."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

CADENCES = (14, 21, 28, 42)
DEFAULT_WORKING_HOURS = "09:00-17:00"  # on the person's own clock (their Slack time zone)
WEEKDAYS = (0, 1, 2, 3, 4)  # Monday = 0


@dataclass(frozen=True)
class JoinForm:
    role: str | None
    department: str
    level: int | None
    manager_user_id: str | None
    topics_offered: tuple[str, ...] = ()
    topics_wanted: tuple[str, ...] = ()
    perspectives: str = ""
    off_limits: str = ""
    format: str | None = "either"
    cadence_days: int = 21
    consent: bool = False
    level_raw: str = ""
    self_rating: int | None = None
    working_hours: str = DEFAULT_WORKING_HOURS
    working_days: tuple[int, ...] = WEEKDAYS


@dataclass(frozen=True)
class JoinPrefill:
    """What the join modal starts from: a previous answer, else the org chart."""

    role: str | None = None
    department: str = ""
    level: int | None = None
    manager_user_id: str | None = None
    topics_offered: tuple[str, ...] = ()
    topics_wanted: tuple[str, ...] = ()
    perspectives: str = ""
    off_limits: str = ""
    format: str = "either"
    cadence_days: int = 21
    consent: bool = False
    name: str | None = None
    topics: tuple[str, ...] = field(default_factory=tuple)
    already_joined: bool = False
    self_rating: int | None = None
    from_org_chart: bool = False  # department, level and manager are the chart's: shown, not asked
    working_hours: str = DEFAULT_WORKING_HOURS
    working_days: tuple[int, ...] = WEEKDAYS


@dataclass(frozen=True)
class PairView:
    """What a participant sees of one of their pairs."""

    pair_id: int
    partner_user_id: str
    rules: dict[str, str]
    rules_agreed: bool
    next_session: datetime | None
    next_session_id: int | None = None


@dataclass(frozen=True)
class HistoryItem:
    """One past or upcoming session with the viewer's own answer (never the partner's).

    `state` and `cancelled_by` are what both people were told (scheduled, or cancelled or moved with the
    buttons); once the check-ins went out they are None, because from then on the session's state is decided
    from both private answers, and showing it would state the partner's answer as fact."""

    when: datetime
    state: str | None
    cancelled_by: str | None
    my_outcome: str | None
    my_rating: int | None
    my_action: str | None
    my_two_way: str | None
    awaiting_check_in: bool = False  # it has happened (as of the status's `now`) and the viewer has not answered


@dataclass(frozen=True)
class ParticipantStatus:
    joined: bool
    role: str | None = None
    status: str | None = None
    department: str | None = None
    topics_offered: tuple[str, ...] = ()
    topics_wanted: tuple[str, ...] = ()
    partner_user_id: str | None = None
    programme_name: str = ""
    pairs: tuple[PairView, ...] = ()
    history: tuple[HistoryItem, ...] = ()
    guides: tuple[tuple[str, str], ...] = ()
    tips: tuple[str, ...] = ()
    mentors_channel: str | None = None
