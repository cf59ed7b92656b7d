"""What a person sees when a listener fails after Slack was answered: a private note instead of silence."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

SORRY = (
    "Sorry, something went wrong on my side while doing that. Please try again in a minute; "
    "if it keeps happening, tell a programme admin."
)


def _user_of(body: dict[str, Any]) -> str | None:
    """Who acted: interactions carry `user`, slash commands `user_id`, events `event.user`."""
    user = body.get("user")
    if isinstance(user, dict):
        return user.get("id")
    return body.get("user_id") or (body.get("event") or {}).get("user")


def on_error(error: Exception, body: dict[str, Any], client: WebClient, logger: logging.Logger) -> None:
    logger.exception("listener failed: %s", error)
    user_id = _user_of(body or {})
    if not user_id:
        return
    try:
        client.chat_postMessage(channel=user_id, text=SORRY)
    except SlackApiError as failed:  # Slack itself may be what failed; the log has the story
        logger.warning("could not tell %s about the failure: %s", user_id, failed.response.get("error"))


def register(app: App) -> None:
    app.error(on_error)
