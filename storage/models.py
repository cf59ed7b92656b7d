"""The programme's data model: SQLAlchemy 2.0 typed models, every row scoped by Slack team id.

Constraints live here so that the database refuses bad states, not only the code: one person per Slack
user and team, one participant per person and programme, at most one active pair per mentee (and per
mentor slot), enums and ratings checked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from storage.vocabulary import (
    CheckInOutcome,
    CohortAudience,
    CohortStatus,
    FollowUpAnswer,
    MatchRunStatus,
    MeetingFormat,
    NudgeKind,
    PairStatus,
    ParticipantStatus,
    Role,
    SessionState,
    Side,
    TwoWayAnswer,
    Vocabulary,
    WouldAgain,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed")
FOLLOW_UP_DAYS = (30, 60, 90)
# An answer that records an action (not blank; seniors give them). The digest's query repeats these terms, the
# literal inline, so that SQLite counts the partial index below without reading rows (tests/integration/test_digest.py).
ACTION_RECORDED = "action IS NOT NULL AND trim(action) <> ''"


# Stamp columns: filled at flush from the Database's clock (storage/db.py, docs/time.md) when the code left
# them unset, and (RESTAMP) again whenever their row changes. Python-side only, as the `default=` they replace.
STAMP: dict[str, Any] = {"stamp": "insert"}
RESTAMP: dict[str, Any] = {"stamp": "update"}


def _in(column: str, values: tuple[str, ...] | type[Vocabulary]) -> str:
    """The CHECK text for a closed vocabulary, built from the one definition in storage/vocabulary.py."""
    stored = values.values() if isinstance(values, type) else values
    quoted = ", ".join(f"'{v}'" for v in stored)
    return f"{column} IN ({quoted})"


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which keeps no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware UTC times only")
        return value.astimezone(UTC)

    def bind_processor(self, dialect: Any) -> Any:
        """On SQLite, SQLAlchemy's own text form ('YYYY-MM-DD HH:MM:SS.ffffff') from datetime.isoformat, which
        is several times faster than its %-formatting: bulk writes (the nudge scan's) bind tens of thousands."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        @lru_cache(maxsize=256)  # a bulk write repeats its times: one created_at, each due time twice
        def text(value: datetime) -> str:
            utc = self.process_bind_param(value, dialect)
            assert utc is not None  # a time in gives a time out
            return utc.isoformat(" ", "microseconds")[:26]  # without the "+00:00"

        def process(value: datetime | None) -> str | None:
            return None if value is None else text(value)

        return process

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class Workspace(Base):
    """A Slack team the app is installed in."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(info=STAMP)


class Programme(Base):
    """A reverse mentoring programme and its settings (docs/programme.md and docs/nudges.md give the defaults)."""

    __tablename__ = "programmes"
    __table_args__ = (
        UniqueConstraint("team_id", "name"),
        CheckConstraint("cadence_days BETWEEN 1 AND 365", name="cadence"),
        CheckConstraint("duration_days BETWEEN 7 AND 1095", name="duration"),
        CheckConstraint("digest_weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("digest_hour BETWEEN 0 AND 23", name="hour"),
        CheckConstraint("nudge_cancel_n BETWEEN 1 AND nudge_cancel_m", name="nudge_n_of_m"),
        CheckConstraint("message_retention_days BETWEEN 1 AND 3650", name="message_retention"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="Reverse mentoring")
    objectives: Mapped[str] = mapped_column(Text, default="")
    cadence_days: Mapped[int] = mapped_column(default=21)
    duration_days: Mapped[int] = mapped_column(default=182)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    digest_channel: Mapped[str | None] = mapped_column(String(32))
    digest_weekday: Mapped[int] = mapped_column(default=0)  # Monday
    digest_hour: Mapped[int] = mapped_column(default=9)
    nudge_cancel_n: Mapped[int] = mapped_column(default=2)
    nudge_cancel_m: Mapped[int] = mapped_column(default=3)
    stale_factor: Mapped[float] = mapped_column(Float, default=1.5)
    reminder_delay_hours: Mapped[int] = mapped_column(default=48)
    quiet_start_hour: Mapped[int] = mapped_column(default=20)
    quiet_end_hour: Mapped[int] = mapped_column(default=8)
    topics: Mapped[list[str]] = mapped_column(default=list)
    matching_weights: Mapped[dict[str, Any]] = mapped_column(default=dict)
    admin_user_ids: Mapped[list[str]] = mapped_column(default=list)
    admin_usergroup: Mapped[str | None] = mapped_column(String(32))
    mentor_guides: Mapped[dict[str, Any]] = mapped_column(default=dict)
    mentors_channel: Mapped[str | None] = mapped_column(String(32))
    # Sent messages' stored payloads older than this lose their text (docs/privacy.md, Retention)
    message_retention_days: Mapped[int] = mapped_column(default=90, server_default=text("90"))
    created_at: Mapped[datetime] = mapped_column(info=STAMP)


class Person(Base):
    """Someone in the org chart (imported from HR, or known from joining).

    The org chart is authoritative: for someone `in_org_chart`, `department`, `level` and `manager_id` are the
    chart's and only an import changes them. Someone not in the chart types their own, kept as self-reported
    (`self_*`); `department` and `level` then copy what they typed (the values every feature reads), while
    `manager_id` stays the chart's alone. Self-reported values survive a later import, so matching can keep
    out both chains (chart and self-reported) and admins can see where the two disagree.
    """

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("team_id", "slack_user_id"),
        CheckConstraint("manager_id IS NULL OR manager_id <> id", name="not_own_manager"),
        CheckConstraint("self_manager_id IS NULL OR self_manager_id <> id", name="not_own_self_manager"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    slack_user_id: Mapped[str] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    display_name: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(120))
    level: Mapped[int | None] = mapped_column(Integer)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    tz: Mapped[str | None] = mapped_column(String(64))
    tz_offset_seconds: Mapped[int] = mapped_column(default=0)
    in_org_chart: Mapped[bool] = mapped_column(Boolean, default=False)
    self_department: Mapped[str | None] = mapped_column(String(120))
    self_level: Mapped[int | None] = mapped_column(Integer)
    self_manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    updated_at: Mapped[datetime] = mapped_column(info=RESTAMP)

    manager: Mapped[Person | None] = relationship(remote_side=[id], foreign_keys=[manager_id])
    self_manager: Mapped[Person | None] = relationship(remote_side=[id], foreign_keys=[self_manager_id])


class Participant(Base):
    """A person's opt-in to a programme, with what they bring and want."""

    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("programme_id", "person_id"),
        CheckConstraint(_in("role", Role), name="role"),
        CheckConstraint(_in("format", MeetingFormat), name="format"),
        CheckConstraint(_in("status", ParticipantStatus), name="status"),
        CheckConstraint("capacity BETWEEN 1 AND 2", name="capacity"),
        CheckConstraint("cadence_days BETWEEN 7 AND 90", name="cadence"),
        CheckConstraint("self_rating_join IS NULL OR self_rating_join BETWEEN 1 AND 5", name="self_rating_join"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    topics_offered: Mapped[list[str]] = mapped_column(default=list)
    topics_wanted: Mapped[list[str]] = mapped_column(default=list)
    perspectives: Mapped[str] = mapped_column(Text, default="")
    off_limits: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(16), default="either")
    cadence_days: Mapped[int] = mapped_column(default=21)
    capacity: Mapped[int] = mapped_column(default=1)
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active")
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"), index=True)
    self_rating_join: Mapped[int | None] = mapped_column()
    # Stated in the join/profile modal (Slack doesn't expose them), on the person's own wall clock: "HH:MM-HH:MM"
    # and Python weekday digits (Monday = 0). bot/sessions/slots.py suggests session times inside them.
    working_hours: Mapped[str] = mapped_column(String(11), default="09:00-17:00", server_default="09:00-17:00")
    working_days: Mapped[str] = mapped_column(String(7), default="01234", server_default="01234")
    joined_at: Mapped[datetime] = mapped_column(info=STAMP)
    updated_at: Mapped[datetime] = mapped_column(info=RESTAMP)
    left_at: Mapped[datetime | None] = mapped_column()

    person: Mapped[Person] = relationship()


class MatchRun(Base):
    """A matching proposal an admin reviews; nobody is told anything until it is approved."""

    __tablename__ = "match_runs"
    __table_args__ = (CheckConstraint(_in("status", MatchRunStatus), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    proposal: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(info=STAMP)
    decided_at: Mapped[datetime | None] = mapped_column()


class Pair(Base):
    """A mentor (junior) and a mentee (senior) working together."""

    __tablename__ = "pairs"
    __table_args__ = (
        UniqueConstraint("mentor_id", "mentee_id"),  # never re-pair the same two participants
        CheckConstraint(_in("status", PairStatus), name="status"),
        CheckConstraint("mentor_slot BETWEEN 1 AND 2", name="mentor_slot"),
        CheckConstraint("mentor_id <> mentee_id", name="two_people"),
        Index(
            "uq_pairs_active_mentee",
            "programme_id",
            "mentee_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index(
            "uq_pairs_active_mentor_slot",
            "programme_id",
            "mentor_id",
            "mentor_slot",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    match_run_id: Mapped[int | None] = mapped_column(ForeignKey("match_runs.id", ondelete="SET NULL"))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    mentor_slot: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default="active")
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reason: Mapped[str] = mapped_column(Text, default="")
    channel_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(info=STAMP)
    ended_at: Mapped[datetime | None] = mapped_column()

    mentor: Mapped[Participant] = relationship(foreign_keys=[mentor_id])
    mentee: Mapped[Participant] = relationship(foreign_keys=[mentee_id])


class GroundRules(Base):
    """The pair's ground rules: a shared draft either may edit, stored as agreed once both agree."""

    __tablename__ = "ground_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), unique=True)
    topics: Mapped[str] = mapped_column(Text, default="")
    off_limits: Mapped[str] = mapped_column(Text, default="")
    meeting_place: Mapped[str] = mapped_column(Text, default="")
    frequency: Mapped[str] = mapped_column(Text, default="")
    confidentiality: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    edited_by: Mapped[str | None] = mapped_column(String(32))
    mentor_agreed_version: Mapped[int | None] = mapped_column()
    mentee_agreed_version: Mapped[int | None] = mapped_column()
    agreed_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(info=RESTAMP)


class MentoringSession(Base):
    """One meeting of a pair (scheduled, or logged after the fact). Times are UTC."""

    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint(_in("state", SessionState), name="state"),
        CheckConstraint(f"cancelled_by IS NULL OR {_in('cancelled_by', Side)}", name="cancelled_by"),
        CheckConstraint("state = 'cancelled' OR cancelled_by IS NULL", name="cancel_side_only_if_cancelled"),
        CheckConstraint("duration_minutes BETWEEN 15 AND 240", name="duration"),
        CheckConstraint("ics_sequence >= 0", name="ics_sequence"),
        # the nudge scan and the digest read each pair's recent outcomes from this index alone
        Index("ix_sessions_pair_outcome", "pair_id", "scheduled_at", "id", "state", "cancelled_by"),
        Index("ix_sessions_due", "state", "scheduled_at"),
        # the digest counts a team's sessions by state and time, and groups a window's by pair, from this alone
        Index("ix_sessions_team_outcome", "team_id", "state", "scheduled_at", "cancelled_by", "pair_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    scheduled_at: Mapped[datetime] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default="scheduled")
    cancelled_by: Mapped[str | None] = mapped_column(String(16))
    rescheduled_to_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    created_by: Mapped[str | None] = mapped_column(String(32))
    logged_after: Mapped[bool] = mapped_column(Boolean, default=False)
    checkins_sent_at: Mapped[datetime | None] = mapped_column()
    duration_minutes: Mapped[int] = mapped_column(default=60, server_default=text("60"))
    # RFC 5545 SEQUENCE of the calendar invite this session carries: a reschedule's new session is one more
    # than the session it replaces (same UID), and a cancellation adds one.
    ics_sequence: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(info=STAMP)


class CheckIn(Base):
    """One party's private answer about one session; sent once per party, ever."""

    __tablename__ = "check_ins"
    __table_args__ = (
        UniqueConstraint("session_id", "participant_id"),
        CheckConstraint(_in("side", Side), name="side"),
        CheckConstraint(f"outcome IS NULL OR {_in('outcome', CheckInOutcome)}", name="outcome"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
        CheckConstraint(f"two_way IS NULL OR {_in('two_way', TwoWayAnswer)}", name="two_way"),
        Index(
            "ix_check_ins_unanswered",
            "sent_at",
            sqlite_where=text("answered_at IS NULL"),
            postgresql_where=text("answered_at IS NULL"),
        ),
        # the digest: a week's answers, and every answer to date counted by kind without reading the rows
        Index(  # answers only: the nudge scan's unanswered check-ins keep to ix_check_ins_unanswered
            "ix_check_ins_team_answered",
            "team_id",
            "answered_at",
            sqlite_where=text("answered_at IS NOT NULL"),
            postgresql_where=text("answered_at IS NOT NULL"),
        ),
        Index("ix_check_ins_team_answer_kinds", "team_id", "side", "two_way", "rating", "answered_at"),
        Index(
            "ix_check_ins_team_actions",
            "team_id",
            "side",
            "answered_at",
            sqlite_where=text(ACTION_RECORDED),
            postgresql_where=text(ACTION_RECORDED),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(16))
    rescheduled_to: Mapped[datetime | None] = mapped_column()
    rating: Mapped[int | None] = mapped_column()
    action: Mapped[str | None] = mapped_column(Text)
    two_way: Mapped[str | None] = mapped_column(String(8))
    sent_at: Mapped[datetime] = mapped_column(info=STAMP)
    answered_at: Mapped[datetime | None] = mapped_column()


class NudgeLog(Base):
    """Every nudge decided, written with its outbox row so that none is lost or sent twice."""

    __tablename__ = "nudge_log"
    __table_args__ = (
        CheckConstraint(_in("kind", NudgeKind), name="kind"),
        Index("ix_nudge_log_recipient_kind", "recipient_user_id", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    recipient_user_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    subject_key: Mapped[str] = mapped_column(String(120), default="")
    due_at: Mapped[datetime] = mapped_column(info=STAMP)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(info=STAMP)


class OutboxMessage(Base):
    """A Web API call to make, durably queued in the same transaction as the decision behind it."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("team_id", "dedupe_key"),
        CheckConstraint(_in("status", OUTBOX_STATUSES), name="status"),
        Index("ix_outbox_pending", "status", "not_before", "id"),
        Index("ix_outbox_sending", "status", "sender_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    dedupe_key: Mapped[str] = mapped_column(String(200))
    batch: Mapped[str | None] = mapped_column(String(120), index=True)
    method: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    # Programme time the message is due: set once when queued and never moved (docs/delivery.md). Rows of one
    # conversation go out in (not_before, id) order.
    not_before: Mapped[datetime] = mapped_column(info=STAMP)
    # Real time (not the programme Clock) before which a retry may not be tried: backoff and Retry-After.
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime | None] = mapped_column()  # real time of the current claim
    sender_id: Mapped[str | None] = mapped_column(String(120))  # the `senders` row that holds the claim
    # Real time of the first claim whose sender died mid-send: Slack may have the message already, so it is
    # looked for (conversation history from this time) before posting again. None: never in doubt.
    in_doubt_since: Mapped[datetime | None] = mapped_column()
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(info=STAMP)
    sent_at: Mapped[datetime | None] = mapped_column()


class OutboxSenderRow(Base):
    """A process (or one call) that sends outbox rows, alive while its heartbeat is recent.

    Times here are real UTC, never the programme Clock: a simulated week must not make a live sender look
    dead. A claim whose sender has been silent too long is taken back by any other sender."""

    __tablename__ = "senders"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    started_at: Mapped[datetime] = mapped_column()
    heartbeat_at: Mapped[datetime] = mapped_column(index=True)


class Lease(Base):
    """A named lease with an expiry: the process holding 'scheduler' is the only one running jobs."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime] = mapped_column()


class Cohort(Base):
    """A round of the programme: who may join, its dates, open until an admin closes it with a survey."""

    __tablename__ = "cohorts"
    __table_args__ = (
        CheckConstraint(_in("status", CohortStatus), name="status"),
        CheckConstraint(_in("audience", CohortAudience), name="audience"),
        CheckConstraint("ends_at > starts_at", name="dates"),
        Index(
            "uq_cohorts_one_open",
            "programme_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    audience: Mapped[str] = mapped_column(String(16), default="everyone")
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_by: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(info=STAMP)


class SurveyResponse(Base):
    """A participant's closing survey for a cohort (private; only counts leave it)."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("cohort_id", "participant_id"),
        CheckConstraint(f"would_again IS NULL OR {_in('would_again', WouldAgain)}", name="would_again"),
        CheckConstraint("self_rating_after IS NULL OR self_rating_after BETWEEN 1 AND 5", name="self_rating_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    sent_at: Mapped[datetime] = mapped_column(info=STAMP)
    would_again: Mapped[str | None] = mapped_column(String(8))
    what_changed: Mapped[str | None] = mapped_column(Text)
    self_rating_after: Mapped[int | None] = mapped_column()
    answered_at: Mapped[datetime | None] = mapped_column()


class ActionFollowUp(Base):
    """Following up, privately, an action a senior recorded at a check-in: after 30, 60 and 90 days."""

    __tablename__ = "action_follow_ups"
    __table_args__ = (
        UniqueConstraint("check_in_id", "day"),
        CheckConstraint("day IN (30, 60, 90)", name="day"),
        CheckConstraint(f"answer IS NULL OR {_in('answer', FollowUpAnswer)}", name="answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    check_in_id: Mapped[int] = mapped_column(ForeignKey("check_ins.id", ondelete="CASCADE"), index=True)
    day: Mapped[int] = mapped_column()
    sent_at: Mapped[datetime] = mapped_column(info=STAMP)
    answer: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime | None] = mapped_column()


class SettingsChange(Base):
    """One save of the programme settings: who, when, and only the fields that changed, as {field: [old, new]}."""

    __tablename__ = "settings_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    changed_by: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(info=STAMP)
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PublishedCell(Base):
    """One published cell of the digest (docs/privacy.md): a count for one programme week (Monday 00:00 to the
    next Monday in the programme's time zone, `week_start` as UTC), computed once when the week closed and never
    revised. `value` is the count rounded to the nearest 5, 0 for a true zero, NULL for "fewer than 5"."""

    __tablename__ = "published_cells"
    __table_args__ = (UniqueConstraint("programme_id", "week_start", "cell"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    week_start: Mapped[datetime] = mapped_column()
    cell: Mapped[str] = mapped_column(String(32))
    value: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(info=STAMP)
