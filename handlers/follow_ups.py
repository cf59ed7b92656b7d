"""Answers to the 30/60/90-day follow-ups of a senior's planned action."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.messages.follow_ups import follow_up_answered
from bot.runtime.services import Services
from bot.sessions import follow_ups
from handlers.payload import button_value, team_of
from storage.vocabulary import FollowUpAnswer


def on_answer(body: dict[str, Any], client: WebClient, services: Services, value: str) -> None:
    team_id = team_of(body)
    follow_up_id = int(button_value(body)["follow_up"])
    action = follow_ups.answer(services.db, team_id, follow_up_id, body["user"]["id"], value)
    container = body.get("container") or {}
    if action is None:
        client.chat_postMessage(channel=body["user"]["id"], text="That follow-up isn't yours.")
        return
    if container.get("channel_id") and container.get("message_ts"):
        client.chat_update(
            channel=container["channel_id"], ts=container["message_ts"], **follow_up_answered(action, value)
        )


def _listener(services: Services, value: str) -> Any:
    def listener(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_answer(body, client, services, value)

    return listener


def register(app: App, services: Services) -> None:
    for value in FollowUpAnswer.values():
        app.action(f"follow_up_{value}")(_listener(services, value))
