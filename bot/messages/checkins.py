"""The private check-in DM after a session, its answer states, and the 'it happened' modal."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.messages.blocks import Block, actions, button, context, input_block, modal, option, section
from bot.messages.escaping import escape

DETAILS_CALLBACK = "checkin_details_modal"
RESCHEDULE_CALLBACK = "checkin_reschedule_modal"
RESCHEDULE_IS_SHARED = (
    "The new time is booked for both of you: your partner sees it as your next session, with its reminder and "
    "check-in. The rest of your answers stay as private as ever."
)
OUTCOME_WORDS = {
    "held": "it happened",
    "i_cancelled": "you cancelled",
    "they_cancelled": "your partner cancelled",
    "rescheduled": "you rescheduled",
}
# Exactly where check-in answers go (docs/privacy.md); said in one line wherever a person answers.
ANSWER_USES = (
    "Your answers are used for three things only: the programme's published counts (never about fewer than "
    "5 people), nudges that describe a pattern (never whose answer or which session), and the admins' list "
    "of pairs at risk."
)
TWO_WAY_WORDS = {"yes": "it stayed two-way", "partly": "partly two-way", "no": "it turned into advice for you"}


def when_text(moment: datetime) -> str:
    """Slack shows <!date> in each reader's own time zone."""
    unix = int(moment.timestamp())
    fallback = moment.isoformat(" ", "minutes")[:16]  # YYYY-MM-DD HH:MM, as strftime would, several times faster
    return f"<!date^{unix}^{{date_short_pretty}} at {{time}}|{fallback} UTC>"


def _answer_buttons(check_in_id: int) -> Block:
    value = json.dumps({"checkin": check_in_id})
    return actions(
        button("It happened", "checkin_held", value, style="primary"),
        button("I cancelled", "checkin_i_cancelled", value),
        button("They cancelled", "checkin_they_cancelled", value),
        button("We rescheduled", "checkin_rescheduled", value),
        block_id=f"checkin-{check_in_id}",
    )


def checkin_message(check_in_id: int, partner_user_id: str, when: datetime) -> dict[str, Any]:
    text = f"How did your session with <@{partner_user_id}> on {when_text(when)} go?"
    return {
        "text": text,
        "blocks": [
            section(text),
            _answer_buttons(check_in_id),
            context(ANSWER_USES),
        ],
    }


def answered_message(
    check_in_id: int,
    outcome: str,
    rating: int | None = None,
    action: str | None = None,
    two_way: str | None = None,
    rescheduled_to: datetime | None = None,
) -> dict[str, Any]:
    parts = [f"Thanks: noted that {OUTCOME_WORDS.get(outcome, outcome)}"]
    if outcome == "rescheduled" and rescheduled_to:
        parts[0] += f" to {when_text(rescheduled_to)}"
    if rating:
        parts.append(f"rating {rating}/5")
    if two_way:
        parts.append(TWO_WAY_WORDS[two_way])
    if action:
        parts.append(f"your action: {escape(action.rstrip('. '))}")
    text = "; ".join(parts) + "."
    return {
        "text": text,
        "blocks": [
            section(f":white_check_mark: {text}"),
            actions(button("Change my answer", "checkin_change", json.dumps({"checkin": check_in_id}))),
            context(ANSWER_USES),
        ],
    }


def reopened_message(check_in_id: int) -> dict[str, Any]:
    text = "What happened at your session?"
    return {"text": text, "blocks": [section(text), _answer_buttons(check_in_id)]}


def details_modal(check_in_id: int, side: str, where: dict[str, str]) -> dict[str, Any]:
    rating = {
        "type": "radio_buttons",
        "action_id": "value",
        "options": [option(f"{n} - {w}", str(n)) for n, w in enumerate(("poor", "meh", "fine", "good", "great"), 1)],
    }
    blocks: list[Block] = [input_block("rating", "How useful was it?", rating)]
    if side == "senior":
        blocks.append(
            input_block(
                "action",
                "One thing you'll do because of it",
                {"type": "plain_text_input", "action_id": "value", "max_length": 301},
                hint="Counted in the programme digest, never quoted. We'll ask how it went later.",
            )
        )
    else:
        two_way = {
            "type": "radio_buttons",
            "action_id": "value",
            "options": [
                option("Yes, two-way", "yes"),
                option("Partly", "partly"),
                option("No, it became advice for me", "no"),
            ],
        }
        blocks.append(input_block("two_way", "Did it stay two-way, with you leading?", two_way))
    metadata = json.dumps({"checkin": check_in_id, **where})
    return modal(DETAILS_CALLBACK, "Your session", blocks, submit="Save", private_metadata=metadata)


def reschedule_modal(check_in_id: int, where: dict[str, str]) -> dict[str, Any]:
    blocks = [
        input_block("when", "New date and time", {"type": "datetimepicker", "action_id": "value"}),
        # Unlike the rest of a check-in, this answer is shared: it books the session for both (docs/privacy.md).
        context(RESCHEDULE_IS_SHARED),
    ]
    metadata = json.dumps({"checkin": check_in_id, **where})
    return modal(RESCHEDULE_CALLBACK, "Rescheduled to", blocks, submit="Save", private_metadata=metadata)
