"""The programme's closed vocabularies, each defined once: the CHECK constraints and bot/ both use these.

They live in storage because the database enforces them and storage must not import bot; bot imports them.
Members are `StrEnum`s, so a member equals its stored string ("held" == CheckInOutcome.HELD) and code that
still writes the literal keeps working. Outbox statuses stay beside the outbox (storage/models.py).
"""

from __future__ import annotations

from enum import StrEnum


class Vocabulary(StrEnum):
    @classmethod
    def values(cls) -> tuple[str, ...]:
        """The stored strings in declaration order (the order the CHECK constraint lists them in)."""
        return tuple(member.value for member in cls)

    @classmethod
    def has(cls, value: object) -> bool:
        """Whether a value read from a form or a button is one of ours (`in` on the class needs a member)."""
        return value in cls._value2member_map_


class Role(Vocabulary):
    MENTOR = "mentor"  # the junior colleague
    MENTEE = "mentee"  # the senior leader


class MeetingFormat(Vocabulary):
    IN_PERSON = "in_person"
    VIDEO = "video"
    EITHER = "either"


class ParticipantStatus(Vocabulary):
    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"


class PairStatus(Vocabulary):
    ACTIVE = "active"
    ENDED = "ended"


class SessionState(Vocabulary):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"


class Side(Vocabulary):
    """Which side of a pair someone is on, named by seniority (the nudge rules speak of senior cancellations)."""

    SENIOR = "senior"
    JUNIOR = "junior"


class CheckInOutcome(Vocabulary):
    HELD = "held"
    I_CANCELLED = "i_cancelled"
    THEY_CANCELLED = "they_cancelled"
    RESCHEDULED = "rescheduled"


class TwoWayAnswer(Vocabulary):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"


class NudgeKind(Vocabulary):
    SENIOR_CANCELLING = "senior_cancelling"
    ESCALATION = "escalation"
    STALE_PAIR = "stale_pair"
    CHECKIN_REMINDER = "checkin_reminder"
    SESSION_REMINDER = "session_reminder"


class MatchRunStatus(Vocabulary):
    PROPOSED = "proposed"
    APPROVED = "approved"
    DISCARDED = "discarded"


class CohortStatus(Vocabulary):
    OPEN = "open"
    CLOSED = "closed"


class CohortAudience(Vocabulary):
    EVERYONE = "everyone"
    MENTORS = "mentors"
    MENTEES = "mentees"


class WouldAgain(Vocabulary):
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


class FollowUpAnswer(Vocabulary):
    DONE = "done"
    IN_PROGRESS = "in_progress"
    DROPPED = "dropped"
