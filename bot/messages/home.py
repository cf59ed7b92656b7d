"""The App Home tab: a participant's own view, plus an admin section for programme admins."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.messages.blocks import (
    Block,
    actions,
    button,
    confirm_dialog,
    context,
    divider,
    header,
    line_sections,
    section,
)
from bot.messages.checkins import OUTCOME_WORDS, when_text
from bot.messages.escaping import escape
from bot.messages.help import COMMAND
from bot.messages.intro import rules_sections
from bot.participants.views import HistoryItem, PairView, ParticipantStatus

STATE_WORDS = {"scheduled": "scheduled", "held": "held", "cancelled": "cancelled", "rescheduled": "rescheduled"}


def _participant_blocks(status: ParticipantStatus) -> list[Block]:
    if not status.joined:
        return [
            section(
                "Reverse mentoring pairs a junior *mentor*, who leads, with a senior *mentee*, who listens "
                "and learns. Join to be matched in the next round."
            ),
            actions(button("Join the programme", "home_join", style="primary")),
        ]
    if status.status == "left":
        return [
            section("You've left the programme. Thank you for taking part; you're welcome back any time."),
            actions(button("Join again", "home_join", style="primary")),
            *_history_blocks(status.history),
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
        actions(
            button("Edit my profile", "home_join"),
            *(  # with no pair yet, there is nothing to schedule or log
                [button("Schedule a session", "home_schedule"), button("Log a session", "home_log")]
                if status.pairs
                else []
            ),
            pause,
            button("Leave", "home_leave", style="danger"),
        ),
        *[block for pair in status.pairs for block in _pair_blocks(pair, status.role)],
        *_history_blocks(status.history),
        *_mentor_support_blocks(status),
    ]


def _mentor_support_blocks(status: ParticipantStatus) -> list[Block]:
    if status.role != "mentor":
        return []
    lines = [f"*{escape(topic)}*: {escape(text)}" for topic, text in status.guides]
    blocks: list[Block] = [divider(), header("Leading your sessions")]
    if lines:
        blocks.append(section("*Conversation guides for your topics*\n" + "\n".join(lines)))
    blocks.append(section("*Ground-rule tips*\n" + "\n".join(f"• {escape(t)}" for t in status.tips)))
    if status.mentors_channel:
        blocks.append(context(f"Swap notes with other mentors in <#{status.mentors_channel}>."))
    return blocks


def _history_line(item: HistoryItem) -> str:
    # Once the check-ins went out, the session's state is decided from both private answers: the viewer sees
    # their own answer only, never what the partner's answer made of it.
    if item.my_outcome:
        state = f"you said {OUTCOME_WORDS.get(item.my_outcome, item.my_outcome)}"
    elif item.state is None:
        state = "past"
    else:
        state = STATE_WORDS.get(item.state, item.state)
        if item.state == "cancelled" and item.cancelled_by:  # with the Cancel button: both were told
            state += f" (by the {'senior' if item.cancelled_by == 'senior' else 'junior'} side)"
    mine = []
    if item.my_rating:
        mine.append(f"you rated it {item.my_rating}/5")
    if item.my_two_way:
        mine.append(f"two-way: {item.my_two_way}")
    if item.my_action:
        mine.append(f"your action: {escape(item.my_action)}")
    if item.awaiting_check_in:
        mine.append("waiting for your check-in")
    return f"• {when_text(item.when)}: {state}" + (f"; {'; '.join(mine)}" if mine else "")


def _history_blocks(history: tuple[HistoryItem, ...]) -> list[Block]:
    if not history:
        return []
    lines = ["*Your sessions* (your own answers; your partner never sees them)", *map(_history_line, history)]
    return [divider(), *(section(text) for text in line_sections(lines))]


def _pair_blocks(pair: PairView, role: str | None) -> list[Block]:
    state = "agreed by you both" if pair.rules_agreed else "not agreed yet (see your group DM)"
    when = when_text(pair.next_session) if pair.next_session else "none scheduled"
    rules = [section(f"*Ground rules* ({state})"), *rules_sections(pair.rules)] if pair.rules else []
    return [
        divider(),
        section(f"*Your pair with <@{pair.partner_user_id}>*\nNext session: {when}"),
        *(rules or [section("*Ground rules:* none yet")]),
        actions(*_pair_buttons(pair, role)),
    ]


def _pair_buttons(pair: PairView, role: str | None) -> list[dict[str, Any]]:
    buttons = [button("Schedule a session", "session_schedule_open", json.dumps({"pair": pair.pair_id}))]
    if pair.next_session_id is not None:
        buttons.append(
            button(  # its own action_id: Slack refuses a block holding one action_id twice
                "Reschedule next",
                "session_reschedule_open",
                json.dumps({"pair": pair.pair_id, "replaces": pair.next_session_id}),
            )
        )
        buttons.append(
            button(
                "Cancel next session",
                "home_cancel_session",
                json.dumps({"session": pair.next_session_id}),
                confirm=confirm_dialog("Cancel the session?", "Your partner will be told.", "Cancel it", "Keep it"),
            )
        )
    if role == "mentor":
        buttons.append(
            button(
                "Ask for a new partner",
                "pair_request_new",
                json.dumps({"pair": pair.pair_id}),
                confirm=confirm_dialog(
                    "Ask for a new partner?",
                    "This pair closes. Admins are told you asked; your partner is told only that the pair has closed.",
                    "Ask",
                ),
            )
        )
    return buttons


def _digest_line(at: datetime, channel: str | None) -> Block:
    if channel is None:
        return context("No digest channel yet: choose one in Programme settings, and the weekly digest starts.")
    return context(f"Next digest: {when_text(at)} in <#{channel}>. `{COMMAND} digest` previews it now.")


def _admin_blocks(digest: tuple[datetime, str | None] | None) -> list[Block]:
    return [
        divider(),
        header("Programme admin"),
        section("Run matching to review proposed pairs before anyone is told."),
        actions(
            button("Run matching", "admin_match", style="primary"),
            button("Import org chart", "admin_import_org"),
            button("Programme settings", "admin_settings"),
            button("Open a cohort", "admin_cohort_open"),
            button("Close the cohort", "admin_cohort_close"),
        ),
        *([_digest_line(*digest)] if digest else []),
    ]


def home_view(
    status: ParticipantStatus, is_admin: bool, digest: tuple[datetime, str | None] | None = None
) -> dict[str, Any]:
    """The App Home tab; admins also see the programme's tools and, with `digest` (when, which channel), when
    the next weekly digest goes out."""
    blocks: list[Block] = [header(status.programme_name or "Reverse mentoring")]
    blocks += _participant_blocks(status)
    if is_admin:
        blocks += _admin_blocks(digest)
    blocks.append(context(f"Type `{COMMAND} help` anywhere to see every command."))
    return {"type": "home", "blocks": blocks}
