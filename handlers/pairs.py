"""A pair's group DM controls: agree or edit the ground rules, schedule a session."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import ground_rules, sessions
from bot.messages.intro import (
    EDIT_RULES_CALLBACK,
    SCHEDULE_CALLBACK,
    edit_rules_modal,
    rules_agreed_message,
    rules_update_message,
    schedule_modal,
    session_scheduled_message,
)
from bot.notify import post_to_pair
from bot.services import Services
from handlers.home import publish_home


def _team(body: dict[str, Any]) -> str:
    return (body.get("team") or {}).get("id") or body["user"]["team_id"]


def _value(body: dict[str, Any]) -> dict[str, Any]:
    return json.loads(body["actions"][0].get("value") or "{}")


def _tell(client: WebClient, body: dict[str, Any], text: str) -> None:
    user_id = body["user"]["id"]
    channel = (body.get("container") or {}).get("channel_id") or user_id
    client.chat_postEphemeral(channel=channel, user=user_id, text=text)


def on_agree(body: dict[str, Any], client: WebClient, services: Services) -> None:
    value, team_id, user_id = _value(body), _team(body), body["user"]["id"]
    outcome = ground_rules.agree(services.db, team_id, int(value["pair"]), user_id, int(value["v"]))
    _tell(client, body, outcome.message if not outcome.agreed_now else "Agreed by you both. Saved to App Home.")
    if outcome.agreed_now and outcome.pair and outcome.rules:
        message = rules_agreed_message(outcome.rules)
        post_to_pair(
            services.db, client, outcome.pair, message, f"rules-agreed:{outcome.pair.id}:{outcome.rules.version}"
        )
        for member in (outcome.pair.mentor.person.slack_user_id, outcome.pair.mentee.person.slack_user_id):
            publish_home(client, services, team_id, member)


def on_edit_open(body: dict[str, Any], client: WebClient, services: Services) -> None:
    found = ground_rules.current(services.db, _team(body), int(_value(body)["pair"]))
    members = {found[0].mentor.person.slack_user_id, found[0].mentee.person.slack_user_id} if found else set()
    if found is None or body["user"]["id"] not in members:
        _tell(client, body, "Only the two people in this pair can edit its ground rules.")
        return
    client.views_open(trigger_id=body["trigger_id"], view=edit_rules_modal(found[1]))


def on_edit_submit(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    values = {block: (v.get("value") or {}).get("value") or "" for block, v in body["view"]["state"]["values"].items()}
    errors = {
        name: f"Keep this under {ground_rules.FIELD_LIMIT} characters."
        for name, text in values.items()
        if len(text) > ground_rules.FIELD_LIMIT
    }
    errors |= {
        n: "Please fill this in." for n in ground_rules.FIELDS if n != "off_limits" and not values.get(n, "").strip()
    }
    if errors:
        ack(response_action="errors", errors=errors)
        return
    meta = json.loads(body["view"].get("private_metadata") or "{}")
    outcome = ground_rules.edit(services.db, _team(body), int(meta["pair"]), body["user"]["id"], values)
    if not outcome.ok:
        ack(response_action="errors", errors={"topics": outcome.message})
        return
    ack()
    if outcome.message == "Saved." and outcome.pair and outcome.rules:
        message = rules_update_message(outcome.rules, body["user"]["id"])
        post_to_pair(
            services.db, client, outcome.pair, message, f"rules-edit:{outcome.pair.id}:{outcome.rules.version}"
        )


def on_schedule_open(body: dict[str, Any], client: WebClient) -> None:
    client.views_open(trigger_id=body["trigger_id"], view=schedule_modal(int(_value(body)["pair"])))


def on_schedule_submit(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    state = body["view"]["state"]["values"].get("when", {}).get("value", {})
    unix = state.get("selected_date_time")
    if not unix:
        ack(response_action="errors", errors={"when": "Pick a date and a time."})
        return
    meta = json.loads(body["view"].get("private_metadata") or "{}")
    pair_id, user_id = int(meta["pair"]), body["user"]["id"]
    when = datetime.fromtimestamp(int(unix), tz=UTC)
    result = sessions.schedule(services.db, _team(body), pair_id, user_id, when)
    if not result.ok:
        ack(response_action="errors", errors={"when": result.error})
        return
    ack()
    if result.created:
        found = ground_rules.current(services.db, _team(body), pair_id)
        if found:
            message = session_scheduled_message(user_id, int(unix))
            post_to_pair(services.db, client, found[0], message, f"session-scheduled:{result.session_id}")


def register(app: App, services: Services) -> None:
    @app.action("rules_agree")
    def agree(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_agree(body, client, services)

    @app.action("rules_edit")
    def edit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_edit_open(body, client, services)

    @app.view(EDIT_RULES_CALLBACK)
    def edit_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        on_edit_submit(ack, body, client, services)

    @app.action("session_schedule_open")
    def schedule_open(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_schedule_open(body, client)

    @app.view(SCHEDULE_CALLBACK)
    def schedule_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        on_schedule_submit(ack, body, client, services)
