"""`/reverse-mentor pairs`: the admins' overview, and its per-pair actions (admin-only, forged clicks refused)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.delivery.outbox import sending_what_it_queues
from bot.messages.pairs_overview import history_modal, overview_modal
from bot.pairs import overview as pairs_overview
from bot.runtime.services import Services
from handlers import forms
from handlers.admin import admin_only
from handlers.commands import register_subcommand
from handlers.payload import button_value, team_of


def _pair(body: dict[str, Any]) -> int:
    return int(button_value(body)["pair"])


def _command(ack: Ack, command: dict[str, Any], client: WebClient, services: Services) -> None:
    ack()
    page = pairs_overview.overview(services.db, command["team_id"], now=services.clock.now())
    client.views_open(trigger_id=command["trigger_id"], view=overview_modal(page))


def _refresh(body: dict[str, Any], client: WebClient, services: Services) -> None:
    view = body.get("view") or {}
    if view.get("callback_id") != "pairs_overview_modal":
        return
    page = forms.Submission(view).metadata.get("page", 0)
    found = pairs_overview.overview(services.db, team_of(body), page, now=services.clock.now())
    client.views_update(view_id=view["id"], view=overview_modal(found))


def register(app: App, services: Services) -> None:
    register_subcommand("pairs", _command, admin=True)
    gate = [admin_only(services)]

    @app.action("pairs_page", middleware=gate)
    def page(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        number = int(body["actions"][0]["value"])
        view = overview_modal(pairs_overview.overview(services.db, team_of(body), number, now=services.clock.now()))
        client.views_update(view_id=body["view"]["id"], view=view)

    def nudge(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        with sending_what_it_queues(services.db, client, clock=services.clock.now):
            text = pairs_overview.nudge_now(
                services.db, team_of(body), _pair(body), body["user"]["id"], now=services.clock.now()
            )
        client.chat_postMessage(channel=body["user"]["id"], text=text)

    app.action("pairs_nudge_now", middleware=gate)(nudge)
    app.action("digest_nudge_now", middleware=gate)(nudge)

    @app.action("pair_history_open", middleware=gate)
    def history(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        found = pairs_overview.history(services.db, team_of(body), _pair(body))
        if found is None:
            client.chat_postMessage(channel=body["user"]["id"], text="No such pair.")
            return
        mentor, mentee, sessions = found
        view = history_modal(mentor, mentee, sessions)
        if body.get("view"):
            client.views_push(trigger_id=body["trigger_id"], view=view)
        else:
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action("pair_end", middleware=gate)
    def end(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        with sending_what_it_queues(services.db, client, clock=services.clock.now):
            text = pairs_overview.end_pair(services.db, team_of(body), _pair(body))
        client.chat_postMessage(channel=body["user"]["id"], text=text)
        _refresh(body, client, services)
