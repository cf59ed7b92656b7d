"""The private follow-up DM about an action a senior planned."""

from __future__ import annotations

import json
from typing import Any

from bot.messages.blocks import actions, button, context, section
from bot.messages.escaping import escape

ANSWER_WORDS = {"done": "done", "in_progress": "in progress", "dropped": "dropped"}


def follow_up_message(follow_up_id: int, action: str, day: int) -> dict[str, Any]:
    text = f"{day} days ago you planned to: _{escape(action)}_. How is it going?"
    value = json.dumps({"follow_up": follow_up_id})
    return {
        "text": text,
        "blocks": [
            section(text),
            actions(
                button("Done", "follow_up_done", value, style="primary"),
                button("In progress", "follow_up_in_progress", value),
                button("Dropped", "follow_up_dropped", value),
            ),
            context("Only you see this; the programme counts answers, never quotes them."),
        ],
    }


def follow_up_answered(action: str, answer: str) -> dict[str, Any]:
    text = f"Noted: _{escape(action.rstrip('. '))}_ is {ANSWER_WORDS[answer]}. Thank you."
    return {"text": text, "blocks": [section(text)]}
