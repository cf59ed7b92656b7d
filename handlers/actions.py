"""Button clicks and other block actions."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.delivery.outbox import OutboxSender, queued_by_this_request, sending_what_it_queues
from bot.messages.help import leave_confirm_blocks
from bot.pairs import endings as pair_endings
from bot.participants import enrolment as participants
from bot.runtime.services import Services
from handlers.commands import open_join_modal
from handlers.home import publish_home
from handlers.payload import button_value, team_of


def on_leave_confirm(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, services: Services) -> None:
    ack()
    team_id, user_id = team_of(body), body["user"]["id"]
    erase = body["actions"][0].get("value") == "erase"
    with queued_by_this_request() as queued:
        if erase:
            erasure = participants.erase(services.db, team_id, user_id)
        else:
            participants.set_status(services.db, team_id, user_id, "left")
    if erase:
        if erasure is not None and erasure.repeat:
            return  # a double click: the first click's answer stands
        text = (
            f"You've left the programme and {erasure.erased if erasure else 0} of your check-in and survey "
            "answers were erased. Thank you for taking part."
        )
    else:
        text = "You've left the programme. Thank you for taking part; `/reverse-mentor join` to come back."
    respond(text=text, replace_original=True)
    OutboxSender(services.db, client, clock=services.clock.now).send_ids(queued)
    publish_home(client, services, team_id, user_id)
    for partner in erasure.partners if erase and erasure is not None else ():
        publish_home(client, services, team_id, partner)  # the Home they see may still show the erased rules


def register(app: App, services: Services) -> None:
    @app.action("leave_confirm")
    def leave_confirm(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        on_leave_confirm(ack, body, respond, client, services)

    @app.action("leave_cancel")
    def leave_cancel(ack: Ack, respond: Respond) -> None:
        ack()
        respond(text="Glad you're staying.", replace_original=True)

    @app.action("home_join")
    def home_join(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        open_join_modal(client, services, team_of(body), body["user"]["id"], body["trigger_id"])

    @app.action("home_leave")
    def home_leave(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.chat_postMessage(channel=body["user"]["id"], text="Leave the programme?", blocks=leave_confirm_blocks())

    @app.action("pair_request_new")
    def request_new(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = team_of(body), body["user"]["id"]
        pair_id = int(button_value(body)["pair"])
        admins = services.admins.admins(team_id)
        with sending_what_it_queues(services.db, client, clock=services.clock.now):
            text = pair_endings.request_new_partner(services.db, team_id, pair_id, user_id, admins)
        client.chat_postMessage(channel=user_id, text=text)
        publish_home(client, services, team_id, user_id)

    @app.action("home_pause")
    def home_pause(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        participants.set_status(services.db, team_of(body), body["user"]["id"], "paused")
        publish_home(client, services, team_of(body), body["user"]["id"])

    @app.action("home_resume")
    def home_resume(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        participants.set_status(services.db, team_of(body), body["user"]["id"], "active")
        publish_home(client, services, team_of(body), body["user"]["id"])
