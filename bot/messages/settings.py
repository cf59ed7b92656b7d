"""The programme settings modal and the summary DM an admin gets after saving it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.messages.blocks import Block, context, header, input_block, modal, option, plain, section
from bot.messages.checkins import when_text
from bot.messages.escaping import escape
from bot.settings.values import (
    DECIMALS,
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

CALLBACK_ID = "programme_settings_modal"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEIGHT_LABELS = {
    "different_department": "Different departments",
    "topic_overlap": "Each shared topic (up to 3)",
    "beyond_technology": "A shared topic beyond technology",
    "timezone": "Time-zone distance (a penalty)",
    "format": "Compatible meeting format",
    "base": "Base score of any allowed pair",
}
LABELS = {
    "name": "Programme name",
    "objectives": "Objectives",
    "cadence_days": "Sessions every (days)",
    "duration_days": "Cohort length (days)",
    "digest_channel": "Digest channel",
    "digest_weekday": "Digest day",
    "digest_hour": "Digest hour",
    "timezone": "Programme time zone",
    "topics": "Topics",
    "nudge_cancel_n": "Nudge after N cancellations by the senior",
    "nudge_cancel_m": "…out of the last M sessions",
    "stale_factor": "Stale pair after (× cadence)",
    "reminder_delay_hours": "Check-in reminder after (hours)",
    "quiet_start_hour": "Quiet hours start",
    "quiet_end_hour": "Quiet hours end",
    "admin_user_ids": "Admins",
    "admin_usergroup": "Admin user group id",
    "message_retention_days": "Keep sent messages' text for (days)",
    **{WEIGHT_PREFIX + name: f"Weight: {label.lower()}" for name, label in WEIGHT_LABELS.items()},
}
# How long an old or new value may get in the summary DM before it is cut short
SUMMARY_VALUE_LIMIT = 200
SECTION_LIMIT = 3000


MAX_INPUT_LENGTH = 3000  # Slack accepts max_length from 1 to 3,000 on a plain_text_input


def decimal_text(value: float) -> str:
    """1.5 -> "1.5", 20.0 -> "20": plain digits (never "1e-05"), which is what number_input accepts."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _number(value: float, bounds: tuple[float, float], decimals: bool) -> dict[str, Any]:
    low, high = bounds
    shown = decimal_text if decimals else str
    return {
        "type": "number_input",
        "action_id": "value",
        "is_decimal_allowed": decimals,
        "initial_value": shown(value),
        "min_value": shown(low),
        "max_value": shown(high),
    }


def _text(
    initial: str, multiline: bool = False, max_length: int | None = None, placeholder: str = ""
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    if max_length:
        # One more than the limit so that an over-long paste reaches our inline error, not a silent cut
        # (within Slack's own ceiling of 3,000, above which it refuses the whole view).
        element["max_length"] = min(max_length + 1, MAX_INPUT_LENGTH)
    if placeholder:
        element["placeholder"] = plain(placeholder)
    return element


def _select(options: list[dict[str, Any]], initial: str) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "static_select", "action_id": "value", "options": options}
    chosen = [o for o in options if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return element


def _hour(hour: int) -> dict[str, Any]:
    return _select([option(f"{h:02d}:00", str(h)) for h in range(24)], str(hour))


def _whole(block_id: str, value: int, hint: str | None = None) -> Block:
    return input_block(block_id, LABELS[block_id], _number(value, WHOLE_NUMBERS[block_id], False), hint=hint)


def settings_modal(settings: ProgrammeSettings, opened: Opened) -> dict[str, Any]:
    channel: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": "value",
        "placeholder": plain("Choose a channel"),
        # The digest speaks to the organisation: never into a channel shared with another one.
        "filter": {"include": ["public", "private"], "exclude_external_shared_channels": True},
    }
    if settings.digest_channel:
        channel["initial_conversation"] = settings.digest_channel
    admins: dict[str, Any] = {"type": "multi_users_select", "action_id": "value", "placeholder": plain("Add people")}
    if settings.admin_user_ids:
        admins["initial_users"] = list(settings.admin_user_ids)
    weights = [
        input_block(
            weight_block(name),
            WEIGHT_LABELS[name],
            _number(settings.matching_weights[name], DECIMALS[weight_block(name)], True),
        )
        for name in WEIGHT_NAMES
    ]
    blocks: list[Block] = [
        context("Every change is recorded with who made it and when. Defaults follow the programme guide."),
        header("Programme"),
        input_block("name", LABELS["name"], _text(settings.name, max_length=NAME_LIMIT)),
        input_block(
            "objectives",
            LABELS["objectives"],
            _text(settings.objectives, multiline=True, max_length=OBJECTIVES_LIMIT),
            optional=True,
        ),
        _whole("cadence_days", settings.cadence_days, hint="21 days is every three weeks."),
        _whole("duration_days", settings.duration_days, hint="182 days is about six months."),
        input_block(
            "topics",
            LABELS["topics"],
            _text("\n".join(settings.topics), multiline=True),
            hint=f"One per line, {MIN_TOPICS} to {MAX_TOPICS}, each up to {TOPIC_LIMIT} characters. "
            "Participants choose from these.",
        ),
        header("Digest"),
        input_block("digest_channel", LABELS["digest_channel"], channel, optional=True),
        input_block(
            "digest_weekday",
            LABELS["digest_weekday"],
            _select([option(day, str(i)) for i, day in enumerate(WEEKDAYS)], str(settings.digest_weekday)),
        ),
        input_block("digest_hour", LABELS["digest_hour"], _hour(settings.digest_hour)),
        input_block(
            "timezone",
            LABELS["timezone"],
            _text(settings.timezone, max_length=64, placeholder="Europe/London"),
            hint="An IANA time zone name, like Europe/London or America/New_York. The digest hour is in it.",
        ),
        header("Nudges"),
        _whole("nudge_cancel_n", settings.nudge_cancel_n),
        _whole("nudge_cancel_m", settings.nudge_cancel_m),
        input_block(
            "stale_factor",
            LABELS["stale_factor"],
            _number(settings.stale_factor, DECIMALS["stale_factor"], True),
            hint="A pair with no session for this many times its cadence gets a nudge.",
        ),
        _whole("reminder_delay_hours", settings.reminder_delay_hours, hint="One reminder for an unanswered check-in."),
        input_block(
            "quiet_start_hour",
            LABELS["quiet_start_hour"],
            _hour(settings.quiet_start_hour),
            hint="In each person's own time zone: no DM lands between start and end.",
        ),
        input_block("quiet_end_hour", LABELS["quiet_end_hour"], _hour(settings.quiet_end_hour)),
        _whole(
            "message_retention_days",
            settings.message_retention_days,
            hint="After this, the bot's copy of each sent message keeps only where it went, not what it said.",
        ),
        header("Matching weights"),
        context("Each from 0 to 20: higher means that preference counts for more when pairs are chosen."),
        *weights,
        header("Admins"),
        input_block("admin_user_ids", LABELS["admin_user_ids"], admins, optional=True),
        input_block(
            "admin_usergroup",
            LABELS["admin_usergroup"],
            _text(settings.admin_usergroup or "", max_length=32, placeholder="S0614TZR7"),
            optional=True,
            hint="Everyone in this Slack user group is an admin too. Its id starts with S.",
        ),
    ]
    metadata = json.dumps({"programme": opened.programme_id, "seen": opened.seen_change_id})
    return modal(CALLBACK_ID, "Programme settings", blocks, submit="Save", private_metadata=metadata)


def opened_from(private_metadata: str | None) -> Opened | None:
    """The Opened marker the modal carries; None when it is missing or malformed."""
    try:
        marker = json.loads(private_metadata or "")
        return Opened(int(marker["programme"]), int(marker["seen"]))
    except (ValueError, TypeError, KeyError):
        return None


def _shown(key: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "_none_"
    if key == "digest_channel":
        return f"<#{value}>"
    if key == "admin_user_ids":
        return ", ".join(f"<@{user}>" for user in value)
    if key == "digest_weekday":
        return WEEKDAYS[int(value)]
    if key in ("digest_hour", "quiet_start_hour", "quiet_end_hour"):
        return f"{int(value):02d}:00"
    if isinstance(value, float):
        return decimal_text(value)
    text = ", ".join(value) if isinstance(value, list) else str(value)
    if len(text) > SUMMARY_VALUE_LIMIT:
        text = text[: SUMMARY_VALUE_LIMIT - 1] + "…"
    return escape(text)


def _line(key: str, old: Any, new: Any) -> str:
    label = LABELS.get(key, key)
    if key == "topics":
        added = [t for t in new if t not in old]
        removed = [t for t in old if t not in new]
        parts = [f"added {_shown(key, added)}"] if added else []
        parts += [f"removed {_shown(key, removed)}"] if removed else []
        return f"• *{label}*: {'; '.join(parts) or 'reordered'}"
    if key == "objectives":
        return f"• *{label}*: updated"
    return f"• *{label}*: {_shown(key, old)} → {_shown(key, new)}"


def summary_message(changes: Mapping[str, list[Any]], next_digest: datetime | None = None) -> dict[str, Any]:
    """The admin's DM after saving: what changed, old → new; or that nothing did. With `next_digest` (the
    digest's schedule changed), when it goes next, in the reader's own time zone."""
    if not changes:
        return {"text": "Nothing changed.", "blocks": [section("Programme settings saved. Nothing changed.")]}
    chunks = ["Programme settings saved. What changed:"]
    for key, (old, new) in changes.items():
        line = _line(key, old, new)
        if len(chunks[-1]) + 1 + len(line) > SECTION_LIMIT:
            chunks.append(line)
        else:
            chunks[-1] += "\n" + line
    blocks = [section(chunk) for chunk in chunks]
    if next_digest is not None:
        blocks.append(context(f"The next digest goes out {when_text(next_digest)}."))
    return {"text": "Programme settings saved", "blocks": blocks}
