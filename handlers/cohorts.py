"""Cohorts: admins open and close them; participants carry over and answer the closing survey."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.cohorts import lifecycle as cohorts
from bot.delivery.outbox import OutboxSender, queued_by_this_request
from bot.messages.blocks import actions, button, confirm_dialog, section
from bot.messages.cohorts import OPEN_COHORT_CALLBACK, SURVEY_CALLBACK, open_cohort_modal, survey_modal
from bot.messages.escaping import escape
from bot.runtime.services import Services
from handlers.commands import register_subcommand
from handlers.payload import team_of

NOT_ADMIN = "Only programme admins can open or close cohorts."


NO_OPEN_COHORT = "There is no open cohort to close: `/reverse-mentor cohort open` starts one."


def _date(values: dict[str, Any], block: str) -> datetime | None:
    raw = ((values.get(block) or {}).get("value") or {}).get("selected_date")
    return datetime.fromisoformat(raw).replace(tzinfo=UTC) if raw else None


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
    if not services.admins.is_admin(team_id, user_id):
        ack(response_action="errors", errors={"name": NOT_ADMIN})
        return
    values = body["view"]["state"]["values"]
    name = ((values.get("name") or {}).get("value") or {}).get("value") or ""
    audience = (((values.get("audience") or {}).get("value") or {}).get("selected_option") or {}).get("value", "")
    starts, ends = _date(values, "starts"), _date(values, "ends")
    errors = cohorts.validate_cohort(name, starts, ends, audience)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    assert starts is not None and ends is not None
    with queued_by_this_request() as queued:
        result = cohorts.open_cohort(services.db, team_id, user_id, name, starts, ends, audience)
    if not result.ok:
        ack(response_action="errors", errors={"name": result.message})
        return
    ack()
    client.chat_postMessage(channel=user_id, text=result.message)
    OutboxSender(services.db, client, clock=services.clock.now).send_ids(queued)


def register(app: App, services: Services) -> None:
    register_subcommand("cohort", _command)

    def admin(body: dict[str, Any], client: WebClient) -> bool:
        if services.admins.is_admin(team_of(body), body["user"]["id"]):
            return True
        client.chat_postMessage(channel=body["user"]["id"], text=NOT_ADMIN)
        return False

    @app.action("admin_cohort_open")
    def open_button(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        if admin(body, client):
            client.views_open(trigger_id=body["trigger_id"], view=open_cohort_modal())

    @app.action("admin_cohort_close")
    def close_button(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        if not admin(body, client):
            return
        if cohorts.open_cohort_name(services.db, team_of(body)) is None:
            client.chat_postMessage(channel=body["user"]["id"], text=NO_OPEN_COHORT)
            return
        prompt = close_prompt()
        client.chat_postMessage(channel=body["user"]["id"], text=prompt["text"], blocks=prompt["blocks"])

    @app.action("cohort_close")
    def close(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        if admin(body, client):
            with queued_by_this_request() as queued:
                result = cohorts.close_cohort(services.db, team_of(body), body["user"]["id"])
            client.chat_postMessage(channel=body["user"]["id"], text=result.message)
            OutboxSender(services.db, client, clock=services.clock.now).send_ids(queued)

    @app.view(OPEN_COHORT_CALLBACK)
    def open_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        on_open_submit(ack, body, client, services)

    @app.action("cohort_carry_over")
    def carry_over(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        cohort_id = int(json.loads(body["actions"][0]["value"])["cohort"])
        text = cohorts.carry_over(services.db, team_of(body), body["user"]["id"], cohort_id)
        client.chat_postMessage(channel=body["user"]["id"], text=text)

    @app.action("cohort_survey_open")
    def survey_open(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        cohort_id = int(json.loads(body["actions"][0]["value"])["cohort"])
        role = cohorts.survey_role(services.db, team_of(body), body["user"]["id"], cohort_id)
        if role is None:
            client.chat_postMessage(channel=body["user"]["id"], text="That survey isn't yours.")
            return
        client.views_open(trigger_id=body["trigger_id"], view=survey_modal(cohort_id, role))

    @app.view(SURVEY_CALLBACK)
    def survey_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        values = body["view"]["state"]["values"]
        meta = json.loads(body["view"].get("private_metadata") or "{}")

        def picked(block: str) -> str | None:
            return (((values.get(block) or {}).get("value") or {}).get("selected_option") or {}).get("value")

        rating = picked("self_rating")
        form = cohorts.SurveyForm(
            would_again=picked("would_again"),
            what_changed=((values.get("what_changed") or {}).get("value") or {}).get("value") or "",
            self_rating_after=int(rating) if rating and rating.isdigit() else None,
        )
        errors = cohorts.answer_survey(services.db, team_of(body), body["user"]["id"], int(meta["cohort"]), form)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        client.chat_postMessage(channel=body["user"]["id"], text="Thank you: your answers are in.")
