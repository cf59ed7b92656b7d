"""Scheduling and logging modals, and session notices."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from bot.messages.blocks import Block, actions, button, input_block, modal, option, section
from bot.messages.checkins import when_text
from bot.messages.invites import DEFAULT_DURATION, DURATIONS

SCHEDULE_CALLBACK = "schedule_session_modal"
LOG_CALLBACK = "log_session_modal"


def _pair_select(pairs: list[tuple[int, str, str]]) -> Block:
    options = [option(f"With {name}", str(pair_id)) for pair_id, _user, name in pairs]
    element = {"type": "static_select", "action_id": "value", "options": options, "initial_option": options[0]}
    return input_block("pair", "Which pair", element)


SUGGESTED_BLOCK = "suggested"
NO_OVERLAP = (
    "Your working hours never overlap, so these are the times closest to both of your working days "
    "(each of you gives up the least)."
)


def slot_label(start: datetime, reader_zone: tzinfo, partner_zone: tzinfo, length: timedelta) -> str:
    """Plain text (option labels can't hold Slack date tokens), so the app writes the time in the reader's zone,
    with the partner's local start beside it: 'Tue 12 Jan, 14:00-15:00 (their time 09:00)'."""
    local, end, theirs = (
        start.astimezone(reader_zone),
        (start + length).astimezone(reader_zone),
        start.astimezone(partner_zone),
    )
    day = f"{local:%a} {local.day} {local:%b}"
    their_day = "" if theirs.date() == local.date() else f"{theirs:%a} "
    return f"{day}, {local:%H:%M}-{end:%H:%M} (their time {their_day}{theirs:%H:%M})"


def schedule_modal(
    pairs: list[tuple[int, str, str]],
    replaces: int | None = None,
    *,
    suggested: Sequence[datetime] = (),
    overlap: bool = True,
    reader_zone: tzinfo = UTC,
    partner_zone: tzinfo = UTC,
    length: timedelta = timedelta(hours=1),
) -> dict[str, Any]:
    """Suggested times (bot/sessions/slots.py) as radio options, and a picker for typing any other time."""
    blocks: list[Block] = [section("Pick a time that works for you both. I'll check in with each of you afterwards.")]
    if len(pairs) > 1:
        blocks.append(_pair_select(pairs))
    if suggested:
        options = [
            option(slot_label(start, reader_zone, partner_zone, length), str(int(start.timestamp())))
            for start in suggested
        ]
        hint = "Inside both of your working hours, in your time zone." if overlap else NO_OVERLAP
        blocks.append(
            input_block(
                SUGGESTED_BLOCK,
                "Suggested times",
                {"type": "radio_buttons", "action_id": "value", "options": options},
                optional=True,
                hint=hint,
            )
        )
    when = {"type": "datetimepicker", "action_id": "value"}
    label = "Or another time" if suggested else "When"
    blocks.append(input_block("when", label, when, optional=bool(suggested)))
    lengths = [option(f"{minutes} minutes", str(minutes)) for minutes in DURATIONS]
    default = lengths[DURATIONS.index(DEFAULT_DURATION)]
    length_select = {"type": "static_select", "action_id": "value", "options": lengths, "initial_option": default}
    blocks.append(input_block("length", "How long", length_select))
    override = {
        "type": "checkboxes",
        "action_id": "value",
        "options": [option("Schedule anyway, even outside 07:00-21:00", "yes")],
    }
    blocks.append(input_block("override", "Outside working hours?", override, optional=True))
    metadata = json.dumps({"pair": pairs[0][0], "replaces": replaces})
    title = "Reschedule" if replaces else "Schedule a session"
    return modal(SCHEDULE_CALLBACK, title, blocks, submit="Schedule", private_metadata=metadata)


def log_modal(pairs: list[tuple[int, str, str]]) -> dict[str, Any]:
    blocks: list[Block] = [section("Log a session that happened without being scheduled. I'll ask you both about it.")]
    if len(pairs) > 1:
        blocks.append(_pair_select(pairs))
    blocks.append(input_block("when", "When was it?", {"type": "datetimepicker", "action_id": "value"}))
    return modal(
        LOG_CALLBACK, "Log a session", blocks, submit="Log", private_metadata=json.dumps({"pair": pairs[0][0]})
    )


def session_scheduled_message(scheduled_by: str, when: datetime) -> dict[str, Any]:
    text = f"<@{scheduled_by}> scheduled a session for {when_text(when)}."
    return {"text": text, "blocks": [section(text)]}


def session_cancelled_message(cancelled_by: str, when: datetime, pair_id: int) -> dict[str, Any]:
    text = f"<@{cancelled_by}> cancelled your session on {when_text(when)}. Pick another time when you can."
    return {
        "text": text,
        "blocks": [
            section(text),
            actions(button("Schedule a session", "session_schedule_open", json.dumps({"pair": pair_id}))),
        ],
    }
