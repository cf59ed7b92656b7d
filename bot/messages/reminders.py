"""The reminder DM the day before a session."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.messages.blocks import context, section
from bot.messages.checkins import when_text
from bot.messages.intro import rules_blocks
from bot.pairs.views import RulesFacts


def reminder_message(partner_user_id: str, when: datetime, rules: RulesFacts | None) -> dict[str, Any]:
    text = f"Reminder: your reverse mentoring session with <@{partner_user_id}> is {when_text(when)}."
    blocks = [section(text)]
    if rules is not None:
        blocks += [section("*Your ground rules*"), *rules_blocks(rules)]
    blocks.append(context("The junior person leads; the senior listens and learns."))
    return {"text": text, "blocks": blocks}
