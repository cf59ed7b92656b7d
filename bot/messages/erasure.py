"""What a bot message that quoted an erased person becomes in Slack (chat.update): a short notice, no text of theirs."""

from __future__ import annotations

from typing import Any

from bot.messages.blocks import section

REDACTED_TEXT = "This message was removed: someone in it left the programme and erased what they shared."


def redacted_message() -> dict[str, Any]:
    # one block, so that chat.update replaces the old blocks (with the quoted text) instead of keeping them
    return {"text": REDACTED_TEXT, "blocks": [section(f"_{REDACTED_TEXT}_")]}
