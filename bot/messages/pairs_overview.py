"""The admins' pairs overview modal (paged to stay within Slack's 100 blocks), a pair's history, and the
admin's nudge."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.messages.blocks import Block, actions, button, confirm_dialog, context, section
from bot.messages.checkins import when_text
from bot.pairs.views import Page, PairStatus, SessionFacts

OVERVIEW_CALLBACK = "pairs_overview_modal"


def _when(moment: datetime | None) -> str:
    return when_text(moment) if moment else "none"


def _pair_blocks(status: PairStatus) -> list[Block]:
    row = status.row
    flag = ":warning: *At risk:* " + "; ".join(status.risks) if status.risks else ":white_check_mark: On track"
    text = (
        f"<@{row.mentor_user}> (mentor) & <@{row.mentee_user}> (mentee)\n{flag}\n"
        f"Last: {_when(row.last_session)} · Next: {_when(row.next_session)} · held {row.held}, "
        f"cancelled by senior {row.cancelled_senior}, by junior {row.cancelled_junior} · "
        f"ground rules {'agreed' if row.rules_agreed else 'not agreed'}"
    )
    value = json.dumps({"pair": row.pair_id})
    end_confirm = confirm_dialog(
        "End this pair?", "Both are told kindly that the pair has closed; nobody is blamed.", "End the pair"
    )
    return [
        section(text),
        actions(
            button("Nudge now", "pairs_nudge_now", value),
            button("History", "pair_history_open", value),
            button("End pair", "pair_end", value, style="danger", confirm=end_confirm),
            block_id=f"pair-{row.pair_id}",
        ),
    ]


def overview_modal(page: Page) -> dict[str, Any]:
    summary = (
        f"*{page.total} active pairs, {page.at_risk} at risk.* Sorted by risk; page {page.page + 1} of {page.pages}."
    )
    blocks: list[Block] = [section(summary)]
    if not page.pairs:
        blocks.append(section("No active pairs yet: run `/reverse-mentor match` to propose some."))
    for status in page.pairs:
        blocks += _pair_blocks(status)
    nav = []
    if page.page > 0:
        nav.append(button("Previous", "pairs_page", str(page.page - 1)))
    if page.page + 1 < page.pages:
        nav.append(button("Next", "pairs_page", str(page.page + 1)))
    if nav:
        blocks.append(actions(*nav, block_id="pairs-nav"))
    return {
        "type": "modal",
        "callback_id": OVERVIEW_CALLBACK,
        "title": {"type": "plain_text", "text": "Pairs"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": blocks,
        "private_metadata": json.dumps({"page": page.page}),
    }


STATE_WORDS = {"held": "held", "scheduled": "scheduled", "rescheduled": "rescheduled"}


def history_modal(mentor_user: str, mentee_user: str, sessions: Sequence[SessionFacts]) -> dict[str, Any]:
    lines = []
    for meeting in sessions:
        state = STATE_WORDS.get(meeting.state, f"cancelled by the {meeting.cancelled_by or 'unknown'} side")
        lines.append(f"• {when_text(meeting.scheduled_at)}: {state}")
    blocks: list[Block] = [
        section(f"<@{mentor_user}> & <@{mentee_user}>"),
        section("\n".join(lines) if lines else "No sessions yet."),
        context("Check-in answers stay private to each person; only the session outcomes are shown."),
    ]
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Pair history"},
        "close": {"type": "plain_text", "text": "Back"},
        "blocks": blocks,
    }


def manual_nudge_message(pair_id: int) -> dict[str, Any]:
    text = (
        "A friendly nudge from your programme team: it's a good moment to book your next reverse mentoring "
        "session. Steady sessions are what make the junior's lead worthwhile."
    )
    return {
        "text": text,
        "blocks": [
            section(text),
            actions(button("Schedule a session", "session_schedule_open", json.dumps({"pair": pair_id}))),
        ],
    }
