"""Messages when a pair closes. Kind, and never blaming."""

from __future__ import annotations

from typing import Any

from bot.messages.blocks import section
from bot.messages.escaping import escape


def _message(text: str) -> dict[str, Any]:
    return {"text": text, "blocks": [section(text)]}


def partner_left_message(leaver_user_id: str) -> dict[str, Any]:
    return _message(
        f"<@{leaver_user_id}> has stepped back from the reverse mentoring programme, so your pair has closed. "
        "Thank you for the time you gave each other. You'll be considered in the next matching round."
    )


def pair_closed_message() -> dict[str, Any]:
    return _message(
        "Your reverse mentoring pair has closed. Thank you for the sessions you had; "
        "you'll be considered in the next matching round."
    )


def new_partner_admin_message(junior_user_id: str, senior_user_id: str) -> dict[str, Any]:
    return _message(
        f"<@{junior_user_id}> asked for a new partner, so their pair with <@{senior_user_id}> is closed. "
        f"<@{senior_user_id}> was told only that the pair closed. Both will be in the next matching round."
    )


def cohort_closed_message(cohort_name: str) -> dict[str, Any]:
    return _message(
        f"The '{escape(cohort_name)}' cohort has closed, and with it your reverse mentoring pair. "
        "Thank you for every session. A short survey follows: it helps the next cohort."
    )
