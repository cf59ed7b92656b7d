"""Answering a check-in from its private DM: outcome buttons, the details modal, rescheduling."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.delivery.outbox import OutboxSender, queued_by_this_request
from bot.messages.checkins import (
    DETAILS_CALLBACK,
    RESCHEDULE_CALLBACK,
    answered_message,
    details_modal,
    reopened_message,
    reschedule_modal,
)
from bot.runtime.services import Services
from bot.sessions import checkins
from handlers import forms
from handlers.payload import button_value, team_of


def _check_in_id(body: dict[str, Any]) -> int:
    return int(button_value(body)["checkin"])


def _where(body: dict[str, Any]) -> dict[str, str]:
    container = body.get("container") or {}
    return {"channel": container.get("channel_id", ""), "ts": container.get("message_ts", "")}


def _show(client: WebClient, where: dict[str, str], message: dict[str, Any]) -> None:
    if where.get("channel") and where.get("ts"):
        client.chat_update(channel=where["channel"], ts=where["ts"], **message)


def _not_yours(client: WebClient, body: dict[str, Any], text: str) -> None:
    where = _where(body)
    client.chat_postEphemeral(channel=where["channel"] or body["user"]["id"], user=body["user"]["id"], text=text)


def on_cancelled(body: dict[str, Any], client: WebClient, services: Services, outcome: str) -> None:
    check_in_id = _check_in_id(body)
    result = checkins.record_outcome(services.db, team_of(body), check_in_id, body["user"]["id"], outcome)
    if not result.ok:
        _not_yours(client, body, result.error)
        return
    _show(client, _where(body), answered_message(check_in_id, outcome))


def on_open_modal(body: dict[str, Any], client: WebClient, services: Services, kind: str) -> None:
    check_in_id = _check_in_id(body)
    side = checkins.side_of_check_in(services.db, team_of(body), check_in_id, body["user"]["id"])
    if side is None:
        _not_yours(client, body, "This check-in isn't yours.")
        return
    view = (
        details_modal(check_in_id, side, _where(body))
        if kind == "held"
        else reschedule_modal(check_in_id, _where(body))
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def on_details(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    meta = forms.Submission(body["view"]).metadata
    details = forms.check_in_details(body["view"])
    rating, action, two_way = details.rating, details.action, details.two_way
    user_id = body["user"]["id"]
    errors = checkins.record_details(services.db, team_of(body), int(meta["checkin"]), user_id, rating, action, two_way)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    _show(client, meta, answered_message(int(meta["checkin"]), "held", rating, action or None, two_way))


def on_reschedule(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    meta = forms.Submission(body["view"]).metadata
    when = forms.Submission(body["view"]).date_time("when")
    if when is None:
        ack(response_action="errors", errors={"when": "Pick the new date and time."})
        return
    if when <= services.clock.now():
        ack(response_action="errors", errors={"when": "That time has passed: pick a time in the future."})
        return
    with queued_by_this_request() as queued:  # the moved session's calendar invites
        result = checkins.record_outcome(
            services.db, team_of(body), int(meta["checkin"]), body["user"]["id"], "rescheduled", when
        )
    if not result.ok:
        ack(response_action="errors", errors={"when": result.error})
        return
    ack()
    OutboxSender(services.db, client, clock=services.clock.now).send_ids(queued)
    _show(client, meta, answered_message(int(meta["checkin"]), "rescheduled", rescheduled_to=when))


def register(app: App, services: Services) -> None:
    @app.action("checkin_held")
    def held(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_open_modal(body, client, services, "held")

    @app.action("checkin_rescheduled")
    def rescheduled(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_open_modal(body, client, services, "rescheduled")

    @app.action("checkin_i_cancelled")
    def i_cancelled(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_cancelled(body, client, services, "i_cancelled")

    @app.action("checkin_they_cancelled")
    def they_cancelled(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_cancelled(body, client, services, "they_cancelled")

    @app.action("checkin_change")
    def change(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        _show(client, _where(body), reopened_message(_check_in_id(body)))

    @app.view(DETAILS_CALLBACK)
    def details(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        on_details(ack, body, client, services)

    @app.view(RESCHEDULE_CALLBACK)
    def reschedule(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        on_reschedule(ack, body, client, services)
