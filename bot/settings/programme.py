"""Programme settings: what an admin may set, the limits of each value, and saving a change with its record.

The form arrives as raw strings (read by handlers/forms.py), is checked into a `ProgrammeSettings` or inline
errors keyed by block id (`validate`), and is saved with only the fields that changed recorded as
{field: [old, new]} (`save`). Matching weights are recorded one by one as `matching_weights.<name>`.

Two admins may have the modal open at once. The modal remembers the last change it was opened after, and a
save applies only what this admin changed: a field someone else changed meanwhile, left as this admin saw
it, keeps the newer value instead of being put back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery.slack_client import before_ack
from bot.settings.values import (
    DECIMALS,
    DEFAULT_WEIGHTS,
    MAX_TOPICS,
    MIN_TOPICS,
    NAME_LIMIT,
    OBJECTIVES_LIMIT,
    TOPIC_LIMIT,
    WEIGHT_NAMES,
    WEIGHT_PREFIX,
    WHOLE_NUMBERS,
    Opened,
    ProgrammeSettings,
    weight_block,
)
from storage.db import Database
from storage.models import Programme
from storage.queries import settings as queries
from storage.queries.programmes import current_programme

HOURS = ("digest_hour", "quiet_start_hour", "quiet_end_hour")

NAME, OBJECTIVES, TOPICS, TIMEZONE = "name", "objectives", "topics", "timezone"
DIGEST_CHANNEL, DIGEST_WEEKDAY = "digest_channel", "digest_weekday"
DIGEST_SCHEDULE = frozenset({DIGEST_CHANNEL, DIGEST_WEEKDAY, "digest_hour", TIMEZONE})  # when and where it goes
ADMINS, USERGROUP = "admin_user_ids", "admin_usergroup"

USER_ID = re.compile(r"[UW][A-Z0-9]{2,30}")
CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,30}")
USERGROUP_ID = re.compile(r"S[A-Z0-9]{2,30}")
WHOLE = re.compile(r"[+-]?[0-9]+")
DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
BULLET = re.compile(r"^(?:[-*•]\s+)")


@dataclass(frozen=True)
class SaveResult:
    saved: bool
    changes: dict[str, list[Any]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    change_id: int | None = None


@dataclass(frozen=True)
class ChangeRecord:
    changed_by: str
    changed_at: datetime
    changes: dict[str, list[Any]]


def settings_of(programme: Programme) -> ProgrammeSettings:
    """The programme's settings in effect: the defaults in docs/programme.md until an admin changed them."""
    stored = programme.matching_weights or {}
    weights = {name: float(stored.get(name, DEFAULT_WEIGHTS[name])) for name in WEIGHT_NAMES}
    return ProgrammeSettings(
        name=programme.name,
        objectives=programme.objectives or "",
        cadence_days=programme.cadence_days,
        duration_days=programme.duration_days,
        digest_channel=programme.digest_channel,
        digest_weekday=programme.digest_weekday,
        digest_hour=programme.digest_hour,
        timezone=programme.timezone,
        topics=tuple(programme.topics or ()),
        nudge_cancel_n=programme.nudge_cancel_n,
        nudge_cancel_m=programme.nudge_cancel_m,
        stale_factor=float(programme.stale_factor),
        reminder_delay_hours=programme.reminder_delay_hours,
        quiet_start_hour=programme.quiet_start_hour,
        quiet_end_hour=programme.quiet_end_hour,
        matching_weights=weights,
        admin_user_ids=tuple(sorted(programme.admin_user_ids or ())),
        admin_usergroup=programme.admin_usergroup,
        message_retention_days=programme.message_retention_days,
    )


def open_settings(db: Database, team_id: str) -> tuple[ProgrammeSettings, Opened]:
    """The current settings to prefill the modal with, and the marker to merge the save against."""
    with db.unit_of_work() as session:
        programme = current_programme(session, team_id)
        return settings_of(programme), Opened(programme.id, queries.latest_change_id(session, programme.id))


# ------------------------------------------------------------------ checking the form


def _text(raw: Any) -> str:
    return raw.strip() if isinstance(raw, str) else ""


def parse_whole(raw: Any, low: int, high: int, unit: str = "") -> tuple[int | None, str | None]:
    text = _text(raw)
    span = f"between {low} and {high}{unit}"
    if not text:
        return None, f"Enter a whole number {span}."
    if not WHOLE.fullmatch(text):
        if DECIMAL.fullmatch(text):
            return None, f"Use a whole number (no decimals) {span}."
        return None, f"Enter a whole number {span}."
    number = int(text)
    if not low <= number <= high:
        return None, f"Use a number {span}."
    return number, None


def parse_decimal(raw: Any, low: float, high: float) -> tuple[float | None, str | None]:
    text = _text(raw)
    span = f"between {low:g} and {high:g}"
    if not text or not DECIMAL.fullmatch(text):
        return None, f"Enter a number {span} (decimals like 1.5 are fine)."
    number = round(float(text), 3)  # the modal shows three decimal places at most
    if not low <= number <= high:
        return None, f"Use a number {span}."
    return number, None


def parse_topics(raw: Any) -> tuple[tuple[str, ...], str | None]:
    """One topic per line; blank lines, bullets and repeats (ignoring case) are dropped."""
    topics: list[str] = []
    seen: set[str] = set()
    for line in _text(raw).splitlines():
        topic = " ".join(BULLET.sub("", line.strip()).split())
        if topic and topic.casefold() not in seen:
            seen.add(topic.casefold())
            topics.append(topic)
    too_long = [t for t in topics if len(t) > TOPIC_LIMIT]
    if too_long:
        return (), f"Keep each topic to {TOPIC_LIMIT} characters; this one is longer: “{too_long[0][:40]}…”"
    if len(topics) < MIN_TOPICS:
        return (), f"List at least {MIN_TOPICS} topics, one per line."
    if len(topics) > MAX_TOPICS:
        return (), f"List at most {MAX_TOPICS} topics."
    return tuple(topics), None


@lru_cache(maxsize=1)
def _zones_by_folded_name() -> dict[str, str]:
    return {zone.casefold(): zone for zone in available_timezones()}


def parse_timezone(raw: Any) -> tuple[str | None, str | None]:
    """An IANA name such as Europe/London; a name typed in the wrong case is corrected."""
    text = _text(raw)
    problem = "Enter a time zone name like Europe/London, America/New_York or UTC."
    if not text:
        return None, problem
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder such as "Europe", or too long
        text = _zones_by_folded_name().get(text.casefold(), "")
        if not text:
            return None, f"I don't know that time zone. {problem}"
    return text, None


def parse_usergroup(raw: Any) -> tuple[str | None, str | None]:
    text = _text(raw).upper()
    if not text:
        return None, None
    if not USERGROUP_ID.fullmatch(text):
        return None, "A user group id starts with S, like S0614TZR7 (not the @handle)."
    return text, None


def validate(
    form: Mapping[str, Any], configured_admins: Iterable[str] = ()
) -> tuple[ProgrammeSettings | None, dict[str, str]]:
    """The form as settings, or inline errors keyed by block id (None then)."""
    errors: dict[str, str] = {}
    numbers: dict[str, Any] = {}

    name = " ".join(_text(form.get(NAME)).split())
    if not name:
        errors[NAME] = "Give the programme a name."
    elif len(name) > NAME_LIMIT:
        errors[NAME] = f"Keep the name to {NAME_LIMIT} characters."
    objectives = _text(form.get(OBJECTIVES))
    if len(objectives) > OBJECTIVES_LIMIT:
        errors[OBJECTIVES] = f"Keep the objectives to {OBJECTIVES_LIMIT} characters."

    units = {
        "cadence_days": " days",
        "duration_days": " days",
        "reminder_delay_hours": " hours",
        "message_retention_days": " days",
    }
    for block_id, (low, high) in WHOLE_NUMBERS.items():
        numbers[block_id], problem = parse_whole(form.get(block_id), low, high, units.get(block_id, ""))
        if problem:
            errors[block_id] = problem
    for block_id in HOURS:
        numbers[block_id], problem = parse_whole(form.get(block_id), 0, 23)
        if problem:
            errors[block_id] = "Choose an hour."
    numbers[DIGEST_WEEKDAY], problem = parse_whole(form.get(DIGEST_WEEKDAY), 0, 6)
    if problem:
        errors[DIGEST_WEEKDAY] = "Choose a day."
    for block_id, (low_f, high_f) in DECIMALS.items():
        numbers[block_id], problem = parse_decimal(form.get(block_id), low_f, high_f)
        if problem:
            errors[block_id] = problem

    n, m = numbers["nudge_cancel_n"], numbers["nudge_cancel_m"]
    if n is not None and m is not None and n > m:
        errors["nudge_cancel_n"] = f"N can't be more than M: {n} cancellations out of the last {m} sessions."
    start, end = numbers["quiet_start_hour"], numbers["quiet_end_hour"]
    if start is not None and start == end:
        errors["quiet_end_hour"] = "Quiet hours must end at a different hour than they start."

    topics, problem = parse_topics(form.get(TOPICS))
    if problem:
        errors[TOPICS] = problem
    timezone, problem = parse_timezone(form.get(TIMEZONE))
    if problem:
        errors[TIMEZONE] = problem

    channel = _text(form.get(DIGEST_CHANNEL)) or None
    if channel is not None and not CHANNEL_ID.fullmatch(channel):
        errors[DIGEST_CHANNEL] = "Choose a channel from the list."
    raw_admins = form.get(ADMINS) or []
    admins = sorted({a for a in raw_admins if isinstance(a, str)}) if isinstance(raw_admins, list) else []
    if any(not USER_ID.fullmatch(a) for a in admins) or not isinstance(raw_admins, list):
        errors[ADMINS] = "Choose people from the list."
    usergroup, problem = parse_usergroup(form.get(USERGROUP))
    if problem:
        errors[USERGROUP] = problem
    elif not admins and usergroup is None and not tuple(configured_admins):
        errors[ADMINS] = "Name at least one admin or a user group, or nobody could change these settings again."

    if errors:
        return None, errors
    return (
        ProgrammeSettings(
            name=name,
            objectives=objectives,
            cadence_days=numbers["cadence_days"],
            duration_days=numbers["duration_days"],
            digest_channel=channel,
            digest_weekday=numbers[DIGEST_WEEKDAY],
            digest_hour=numbers["digest_hour"],
            timezone=timezone or "UTC",
            topics=topics,
            nudge_cancel_n=n,
            nudge_cancel_m=m,
            stale_factor=numbers["stale_factor"],
            reminder_delay_hours=numbers["reminder_delay_hours"],
            quiet_start_hour=start,
            quiet_end_hour=end,
            matching_weights={name: numbers[weight_block(name)] for name in WEIGHT_NAMES},
            admin_user_ids=tuple(admins),
            admin_usergroup=usergroup,
            message_retention_days=numbers["message_retention_days"],
        ),
        {},
    )


def usergroup_problem(client: WebClient, usergroup: str | None) -> str | None:
    """Slack's word on a user group id: an unknown group is an inline error; any other failure lets it through."""
    if not usergroup:
        return None
    try:
        before_ack(client).usergroups_users_list(usergroup=usergroup)  # checked before the modal's ack
    except SlackApiError as error:
        if error.response.get("error") == "no_such_subteam":
            return f"There's no user group {usergroup} in this workspace."
    except OSError:  # slow or unreachable: let it through, as for other failures
        pass
    return None


CHANNEL_ANNOUNCEMENT = (
    "This channel will get the weekly health digest of the reverse mentoring programme: counts and trends "
    "only, never names, and no figure about fewer than 5 people."
)
NOT_IN_CHANNEL = (
    "I'm not in that channel, so I can't post the digest there. Invite me first (`/invite @Reverse Mentor` "
    "in the channel), then save again."
)


def digest_channel_problem(db: Database, client: WebClient, team_id: str, channel: str | None) -> str | None:
    """A newly chosen digest channel is announced in it before the settings are saved: Slack refuses the
    post when the bot isn't a member (its only scope for posting is chat:write), and the admin learns that
    now rather than from a digest that silently never arrives. Other failures let it through."""
    with db.unit_of_work() as session:
        if not channel or channel == current_programme(session, team_id).digest_channel:
            return None
    try:
        before_ack(client).chat_postMessage(channel=channel, text=CHANNEL_ANNOUNCEMENT)
    except SlackApiError as error:
        if error.response.get("error") in ("not_in_channel", "channel_not_found", "is_archived"):
            return NOT_IN_CHANNEL
    except OSError:
        pass
    return None


# ------------------------------------------------------------------ saving


def diff(
    current: Mapping[str, Any], submitted: Mapping[str, Any], seen: Mapping[str, Any] | None = None
) -> dict[str, list[Any]]:
    """{field: [old, new]} for what the admin changed. `seen` holds, for fields others changed since the
    modal opened, the value the admin was shown: submitting it unchanged keeps the newer value."""
    seen = seen or {}
    changes: dict[str, list[Any]] = {}
    for key, new in submitted.items():
        old = current.get(key)
        if new == old or (key in seen and new == seen[key]):
            continue
        changes[key] = [old, new]
    return changes


def merged_problems(merged: Mapping[str, Any]) -> dict[str, str]:
    """Rules across fields, checked again after merging with another admin's save made while this one was open."""
    errors: dict[str, str] = {}
    if merged["nudge_cancel_n"] > merged["nudge_cancel_m"]:
        errors["nudge_cancel_n"] = (
            f"Another admin set M to {merged['nudge_cancel_m']} meanwhile: N can't be more than that."
        )
    if merged["quiet_start_hour"] == merged["quiet_end_hour"]:
        errors["quiet_end_hour"] = "Another admin changed the quiet hours meanwhile: start and end would be the same."
    return errors


def _apply(programme: Programme, current: ProgrammeSettings, changes: Mapping[str, Sequence[Any]]) -> None:
    weights = dict(current.matching_weights)
    weights_changed = False
    for key, (_old, new) in changes.items():
        if key.startswith(WEIGHT_PREFIX):
            weights[key.removeprefix(WEIGHT_PREFIX)] = new
            weights_changed = True
        else:
            setattr(programme, key, list(new) if isinstance(new, list) else new)
    if weights_changed:
        # all six from then on, so a later change of the code's defaults can't shift a configured programme
        programme.matching_weights = weights


def save(
    db: Database, team_id: str, user_id: str, values: ProgrammeSettings, *, opened: Opened | None = None
) -> SaveResult:
    """Store what changed, with one SettingsChange row (who, when, [old, new] per field); nothing if nothing did."""
    with db.unit_of_work() as session:
        programme = queries.programme_for_update(session, team_id)
        if opened is not None and opened.programme_id != programme.id:
            problem = "A new programme started while this was open: close it and open the settings again."
            return SaveResult(False, errors={NAME: problem})
        current = settings_of(programme)
        seen: dict[str, Any] = {}
        if opened is not None:
            for change in queries.changes_after(session, programme.id, opened.seen_change_id):
                for key, (old, _new) in change.changes.items():
                    seen.setdefault(key, old)
        changes = diff(current.record(), values.record(), seen)
        if NAME in changes and queries.name_taken(session, team_id, values.name, other_than=programme.id):
            return SaveResult(False, errors={NAME: "Another programme already has this name."})
        clash = merged_problems({**current.record(), **{key: new for key, (_old, new) in changes.items()}})
        if clash:
            return SaveResult(False, errors=clash)
        if not changes:
            return SaveResult(True)
        _apply(programme, current, changes)
        session.flush()
        change = queries.record_change(session, team_id, programme.id, user_id, changes)
        return SaveResult(True, changes=changes, change_id=change.id)


def settings_history(db: Database, team_id: str, limit: int = 10) -> list[ChangeRecord]:
    """The latest changes to the team's settings, newest first: who, when, and [old, new] per field."""
    with db.unit_of_work() as session:
        return [
            ChangeRecord(c.changed_by, c.changed_at, dict(c.changes))
            for c in queries.recent_changes(session, team_id, limit)
        ]
