"""Cohort surfaces: the admin's open-cohort modal, carry-over invitations, the closing survey."""

from __future__ import annotations

import json
from typing import Any

from bot.messages.blocks import Block, actions, button, context, input_block, modal, option, section
from bot.messages.escaping import escape

OPEN_COHORT_CALLBACK = "open_cohort_modal"
SURVEY_CALLBACK = "cohort_survey_modal"
AUDIENCES = {"everyone": "Mentors and mentees", "mentors": "Mentors only", "mentees": "Mentees only"}


def open_cohort_modal() -> dict[str, Any]:
    audience: dict[str, Any] = {
        "type": "radio_buttons",
        "action_id": "value",
        "options": [option(label, value) for value, label in AUDIENCES.items()],
    }
    audience["initial_option"] = audience["options"][0]
    blocks: list[Block] = [
        input_block("name", "Name", {"type": "plain_text_input", "action_id": "value", "max_length": 121}),
        input_block("starts", "Starts", {"type": "datepicker", "action_id": "value"}),
        input_block("ends", "Ends", {"type": "datepicker", "action_id": "value"}),
        input_block("audience", "Who may join", audience),
    ]
    return modal(OPEN_COHORT_CALLBACK, "Open a cohort", blocks, submit="Open")


def carry_over_message(cohort_id: int, cohort_name: str) -> dict[str, Any]:
    text = f"A new reverse mentoring cohort, '{escape(cohort_name)}', is open. Would you like to carry on?"
    return {
        "text": text,
        "blocks": [
            section(text),
            actions(
                button(
                    "Carry on into the new cohort", "cohort_carry_over", json.dumps({"cohort": cohort_id}), "primary"
                )
            ),
            context("You'll get a new partner; never someone you were paired with before."),
        ],
    }


def survey_invite_message(cohort_id: int, cohort_name: str) -> dict[str, Any]:
    text = f"'{escape(cohort_name)}' has closed. Three quick questions, private to you: only counts are reported."
    return {
        "text": text,
        "blocks": [
            section(text),
            actions(button("Take the survey", "cohort_survey_open", json.dumps({"cohort": cohort_id}), "primary")),
        ],
    }


def survey_modal(cohort_id: int, role: str) -> dict[str, Any]:
    would_again = {
        "type": "radio_buttons",
        "action_id": "value",
        "options": [option("Yes", "yes"), option("Maybe", "maybe"), option("No", "no")],
    }
    blocks: list[Block] = [
        input_block("would_again", "Would you take part again?", would_again),
        input_block(
            "what_changed",
            "What changed for you?",
            {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 1001},
            optional=True,
        ),
    ]
    if role == "mentee":
        rating = {
            "type": "radio_buttons",
            "action_id": "value",
            "options": [option(str(n), str(n)) for n in range(1, 6)],
        }
        blocks.append(input_block("self_rating", "How well do you understand your chosen topics now? (1-5)", rating))
    return modal(
        SURVEY_CALLBACK, "Closing survey", blocks, submit="Send", private_metadata=json.dumps({"cohort": cohort_id})
    )
