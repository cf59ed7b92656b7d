"""Modal submissions."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.messages.join import CALLBACK_ID as JOIN_CALLBACK
from bot.participants import enrolment as participants
from bot.runtime.services import Services
from handlers import forms
from handlers.home import publish_home

log = logging.getLogger(__name__)


def on_join_submission(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    team_id = body["team"]["id"] if body.get("team") else body["user"]["team_id"]
    user_id = body["user"]["id"]
    form = forms.join_form(body["view"])
    errors = participants.validate_join(services.db, team_id, user_id, form)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    # Saved before the ack: if the database fails, the modal stays open instead of losing the answers.
    _participant, created = participants.save_join(services.db, team_id, user_id, form)
    ack()
    text = (
        "Welcome to reverse mentoring! You'll hear from me when you're matched."
        if created
        else "Your profile is updated."
    )
    client.chat_postMessage(channel=user_id, text=text)
    publish_home(client, services, team_id, user_id)


def register(app: App, services: Services) -> None:
    @app.view(JOIN_CALLBACK)
    def on_join(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        on_join_submission(ack, body, client, services)
