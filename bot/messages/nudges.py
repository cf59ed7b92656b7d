"""The nudge DMs: to a senior who keeps cancelling, to admins on escalation, to an idle pair, and the
check-in reminder. Each builder returns {"text", "blocks"} for chat.postMessage.

People are named by mention (`<@U...>`), which Slack renders safely; a display name, typed by its owner in
their Slack profile, passes `escape` first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.messages.blocks import Block, actions, button, context, section
from bot.messages.checkins import checkin_message, when_text
from bot.messages.escaping import escape
from bot.nudges.rules import HELD, JUNIOR_CANCELLED, RESCHEDULED, SENIOR_CANCELLED, PastSession


def _schedule_button(pair_id: int) -> Block:
    # json.dumps({"pair": pair_id}) spelled out: a catch-up nudge scan builds tens of thousands of these
    return actions(button("Schedule a session", "session_schedule_open", f'{{"pair": {int(pair_id)}}}'))


def _history_lines(recent: Sequence[PastSession], senior: str, junior: str) -> str:
    words = {
        HELD: "held",
        SENIOR_CANCELLED: f"cancelled by {senior}",
        JUNIOR_CANCELLED: f"cancelled by {junior}",
        RESCHEDULED: "rescheduled",
    }
    return "\n".join(f"• {when_text(s.scheduled_at)}: {words.get(s.outcome, s.outcome)}" for s in recent)


def _count(recent: Sequence[PastSession]) -> tuple[int, int]:
    return sum(1 for s in recent if s.outcome == SENIOR_CANCELLED), len(recent)


def senior_cancelling_message(pair_id: int, junior_user_id: str) -> dict[str, Any]:
    """To the senior (mentee): the pattern, kindly, and why it matters to the junior who leads.

    A session's state comes partly from the junior's private check-in answer, so the senior is told the
    pattern only: no count, no dates, no list of sessions, nothing saying whose answer made which one count
    as cancelled (docs/privacy.md). The admins' escalation carries the exact history."""
    junior = f"<@{junior_user_id}>"
    text = (
        f"A quick note about your reverse mentoring with {junior}: lately, sessions have often ended up "
        "cancelled from your side."
    )
    return {
        "text": text,
        "blocks": [
            section(text),
            section(
                f"Plans change, and nobody is keeping score. But in reverse mentoring {junior} leads: they "
                "prepare each session and choose what to share with you. Sessions that happen steadily are what "
                "make that worth their while, and what makes the learning stick for you. Could you pick the next "
                "date now and protect it in your calendar?"
            ),
            _schedule_button(pair_id),
            context(
                "Only you received this message. It describes the pattern across your recent sessions (the "
                "Cancel button and both of your private check-ins), not any one session or answer."
            ),
        ],
    }


def escalation_message(
    pair_id: int,
    senior_user_id: str,
    junior_user_id: str,
    recent: Sequence[PastSession],
    reason: str,
    senior_name: str | None = None,
    junior_name: str | None = None,
) -> dict[str, Any]:
    """To each admin: which pair, its recent history, and that the senior was already nudged."""
    senior, junior = f"<@{senior_user_id}>", f"<@{junior_user_id}>"
    cancelled, considered = _count(recent)
    text = (
        f"Pair at risk: {senior} (senior) has cancelled {cancelled} of the last {considered} sessions with "
        f"{junior} (junior), including one since they were nudged about it."
    )
    names = ""
    if senior_name or junior_name:
        names = f" ({escape(senior_name) or 'senior'} and {escape(junior_name) or 'junior'})"
    return {
        "text": text,
        "blocks": [
            section(text),
            section(f"*Their recent sessions{names}*\n{_history_lines(recent, senior, junior)}"),
            context(f"Why you're told: {escape(reason)}. {junior} has not been told about this message."),
        ],
    }


def stale_pair_message(
    pair_id: int, partner_user_id: str, last_session_at: datetime | None, cadence_days: int, recipient_is_senior: bool
) -> dict[str, Any]:
    """To each of an idle pair: no session for a while, and a button to schedule one."""
    partner = f"<@{partner_user_id}>"
    if last_session_at is None:
        text = f"You and {partner} haven't had your first reverse mentoring session yet. Shall we find a date?"
    else:
        text = (
            f"It's been a while since your last reverse mentoring session with {partner} "
            f"({when_text(last_session_at)}). Shall we find a date for the next one?"
        )
    leads = f"{partner} leads the sessions; " if recipient_is_senior else "You lead the sessions; "
    return {
        "text": text,
        "blocks": [
            section(text),
            _schedule_button(pair_id),
            context(f"{leads}you agreed to meet about every {cadence_days} days."),
        ],
    }


def checkin_reminder_message(check_in_id: int, partner_user_id: str, session_at: datetime) -> dict[str, Any]:
    """The check-in again, once, with the same answer buttons."""
    text = f"A reminder: how did your session with <@{partner_user_id}> on {when_text(session_at)} go?"
    original = checkin_message(check_in_id, partner_user_id, session_at)
    return {"text": text, "blocks": [section(text), *original["blocks"][1:]]}
