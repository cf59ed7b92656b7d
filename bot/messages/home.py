"""The App Home tab: a participant's own view, plus an admin section for programme admins."""

from __future__ import annotations

import json
from typing import Any

from bot.escaping import escape
from bot.messages.blocks import Block, actions, button, context, divider, header, section
from bot.messages.help import COMMAND
from bot.messages.intro import RULE_LABELS
from bot.participants import PairView, ParticipantStatus


def _participant_blocks(status: ParticipantStatus) -> list[Block]:
    if not status.joined:
        return [
            section(
                "Reverse mentoring pairs a junior *mentor*, who leads, with a senior *mentee*, who listens "
                "and learns. Join to be matched in the next round."
            ),
            actions(button("Join the programme", "home_join", style="primary")),
        ]
    role = "Mentor" if status.role == "mentor" else "Mentee"
    topics = status.topics_offered if status.role == "mentor" else status.topics_wanted
    partner = f"<@{status.partner_user_id}>" if status.partner_user_id else "_not matched yet_"
    pause = button("Resume", "home_resume") if status.status == "paused" else button("Pause", "home_pause")
    return [
        section(
            f"*Role:* {role}\n*Status:* {status.status}\n*Partner:* {partner}\n"
            f"*Topics:* {escape(', '.join(topics)) or 'none chosen'}"
        ),
        actions(button("Edit my profile", "home_join"), pause),
        *[block for pair in status.pairs for block in _pair_blocks(pair)],
    ]


def _pair_blocks(pair: PairView) -> list[Block]:
    rules = "\n".join(f"*{label}:* {escape(pair.rules.get(name, ''))}" for name, label in RULE_LABELS.items())
    state = "agreed by you both" if pair.rules_agreed else "not agreed yet (see your group DM)"
    when = (
        f"<!date^{int(pair.next_session.timestamp())}^{{date_long_pretty}} at {{time}}|{pair.next_session.isoformat()}>"
        if pair.next_session
        else "none scheduled"
    )
    return [
        divider(),
        section(f"*Your pair with <@{pair.partner_user_id}>*\nNext session: {when}"),
        section(f"*Ground rules* ({state})\n{rules}" if pair.rules else "*Ground rules:* none yet"),
        actions(button("Schedule a session", "session_schedule_open", json.dumps({"pair": pair.pair_id}))),
    ]


def _admin_blocks() -> list[Block]:
    return [
        divider(),
        header("Programme admin"),
        section("Run matching to review proposed pairs before anyone is told."),
        actions(
            button("Run matching", "admin_match", style="primary"),
            button("Import org chart", "admin_import_org"),
        ),
    ]


def home_view(status: ParticipantStatus, is_admin: bool) -> dict[str, Any]:
    blocks: list[Block] = [header(status.programme_name or "Reverse mentoring")]
    blocks += _participant_blocks(status)
    if is_admin:
        blocks += _admin_blocks()
    blocks.append(context(f"Type `{COMMAND} help` anywhere to see every command."))
    return {"type": "home", "blocks": blocks}
