"""Cohorts: admins open and close them; participants carry over and answer the closing survey."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.cohorts import lifecycle as cohorts
from bot.delivery.outbox import OutboxSender, queued_by_this_request
from bot.messages.blocks import actions, button, confirm_dialog, section
from bot.messages.cohorts import OPEN_COHORT_CALLBACK, SURVEY_CALLBACK, open_cohort_modal, survey_modal
from bot.messages.escaping import escape
from bot.runtime.services import Services
from handlers import forms
from handlers.admin import admin_only
from handlers.commands import register_subcommand
from handlers.payload import button_value, team_of

NO_OPEN_COHORT = "There is no open cohort to close: `/reverse-mentor cohort open` starts one."


def close_prompt() -> dict[str, Any]:
    confirm = confirm_dialog(
        "Close the cohort?",
        "Every active pair in it ends (both are told kindly) and everyone gets the closing survey.",
        "Close it",
    )
    blocks = [
        section("*Close the open cohort?* Pairs end and everyone is sent a short private survey."),
        actions(button("Close cohort", "cohort_close", "close", style="danger", confirm=confirm)),
    ]
    return {"response_type": "ephemeral", "text": "Close the cohort?", "blocks": blocks}


def _command(ack: Ack, command: dict[str, Any], client: WebClient, services: Services) -> None:
    words = (command.get("text") or "").split()
    action = words[1].lower() if len(words) > 1 else ""
    if action == "open":
        ack()
        client.views_open(trigger_id=command["trigger_id"], view=open_cohort_modal())
    elif action == "close":
        if cohorts.open_cohort_name(services.db, command["team_id"]) is None:
            ack(response_type="ephemeral", text=NO_OPEN_COHORT)
        else:
            ack(**close_prompt())
    else:
        current = cohorts.open_cohort_name(services.db, command["team_id"])
        status = f"'{escape(current)}' is open." if current else "No cohort is open."
        ack(
            response_type="ephemeral",
            text=f"{status} Use `/reverse-mentor cohort open` or `/reverse-mentor cohort close`.",
        )


def on_open_submit(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    team_id, user_id = team_of(body), body["user"]["id"]
    form = forms.open_cohort_form(body["view"])
    errors = cohorts.validate_cohort(form.name, form.starts, form.ends, form.audience)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    assert form.starts is not None and form.ends is not None
    with queued_by_this_request() as queued:
        result = cohorts.open_cohort(services.db, team_id, user_id, form.name, form.starts, form.ends, form.audience)
    if not result.ok:
        ack(response_action="errors", errors={"name": result.message})
        return
    ack()
    client.chat_postMessage(channel=user_id, text=result.message)
    OutboxSender(services.db, client, clock=services.clock.now).send_ids(queued)


def register(app: App, services: Services) -> None:
    register_subcommand("cohort", _command, admin=True)
    gate = [admin_only(services)]

    @app.action("admin_cohort_open", middleware=gate)
    def open_button(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=open_cohort_modal())

    @app.action("admin_cohort_close", middleware=gate)
    def close_button(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        if cohorts.open_cohort_name(services.db, team_of(body)) is None:
            client.chat_postMessage(channel=body["user"]["id"], text=NO_OPEN_COHORT)
            return
        prompt = close_prompt()
        client.chat_postMessage(channel=body["user"]["id"], text=prompt["text"], blocks=prompt["blocks"])

    @app.action("cohort_close", middleware=gate)
    def close(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        with queued_by_this_request() as queued:
            result = cohorts.close_cohort(services.db, team_of(body), body["user"]["id"])
        client.chat_postMessage(channel=body["user"]["id"], text=result.message)
        OutboxSender(services.db, client, clock=services.clock.now).send_ids(queued)

    @app.view(OPEN_COHORT_CALLBACK, middleware=gate)
    def open_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        on_open_submit(ack, body, client, services)

    @app.action("cohort_carry_over")
    def carry_over(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        cohort_id = int(button_value(body)["cohort"])
        text = cohorts.carry_over(services.db, team_of(body), body["user"]["id"], cohort_id)
        client.chat_postMessage(channel=body["user"]["id"], text=text)

    @app.action("cohort_survey_open")
    def survey_open(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        cohort_id = int(button_value(body)["cohort"])
        role = cohorts.survey_role(services.db, team_of(body), body["user"]["id"], cohort_id)
        if role is None:
            client.chat_postMessage(channel=body["user"]["id"], text="That survey isn't yours.")
            return
        client.views_open(trigger_id=body["trigger_id"], view=survey_modal(cohort_id, role))

    @app.view(SURVEY_CALLBACK)
    def survey_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        cohort_id, answers = forms.survey_form(body["view"])
        errors = cohorts.answer_survey(services.db, team_of(body), body["user"]["id"], cohort_id, answers)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        client.chat_postMessage(channel=body["user"]["id"], text="Thank you: your answers are in.")
