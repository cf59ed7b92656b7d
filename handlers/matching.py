"""Admin matching: `/reverse-mentor match`, the App Home button, and the proposal's controls."""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.delivery.outbox import OutboxSender
from bot.matching import rounds as match_flow
from bot.messages.matching import decided_message, progress_text, proposal_message
from bot.runtime.services import Services
from handlers.admin import admin_only
from handlers.commands import register_subcommand
from handlers.payload import button_value, team_of

log = logging.getLogger(__name__)
PROGRESS_EVERY_SECONDS = 3.0


def _where(body: dict[str, Any]) -> tuple[str, str]:
    container = body.get("container") or {}
    return container["channel_id"], container["message_ts"]


def propose_and_show(client: WebClient, services: Services, team_id: str, admin_user_id: str) -> None:
    run = match_flow.propose(services.db, team_id, admin_user_id)
    message = proposal_message(run.id, run.proposal)
    posted = client.chat_postMessage(channel=admin_user_id, **message)
    match_flow.remember_message(services.db, team_id, run.id, posted["channel"], posted["ts"])


def _match_command(ack: Ack, command: dict[str, Any], client: WebClient, services: Services) -> None:
    ack(response_type="ephemeral", text="Working out the best pairs… I'll send you the proposal in a DM.")
    propose_and_show(client, services, command["team_id"], command["user_id"])


def _approve(body: dict[str, Any], client: WebClient, services: Services) -> None:
    team_id, admin = team_of(body), body["user"]["id"]
    run_id = int(button_value(body)["run"])
    channel, ts = _where(body)
    approval = match_flow.approve(services.db, team_id, run_id, admin)
    if approval.discarded:
        client.chat_postEphemeral(channel=channel, user=admin, text="That proposal was replaced or discarded.")
        return
    if approval.already_approved:
        client.chat_postEphemeral(channel=channel, user=admin, text="Already approved; intros are on their way.")
        return
    skipped = "".join(f"\n• skipped {s}" for s in approval.skipped)
    waiting = approval.unmatched_told
    told = f" {waiting} {'person' if waiting == 1 else 'people'} without a partner told privately." if waiting else ""
    headline = f"Approved by <@{admin}>: {approval.pairs_created} pairs.{told}{skipped}"
    client.chat_update(channel=channel, ts=ts, **decided_message(run_id, f"{headline}\nSending intros…"))

    last_shown = [time.monotonic()]

    def show(done: int, total: int, failed: int = 0, final: bool = False) -> None:
        # chat.update is rate-limited like any post: refresh the count every few seconds, not per intro
        if not final and time.monotonic() - last_shown[0] < PROGRESS_EVERY_SECONDS:
            return
        last_shown[0] = time.monotonic()
        text = f"{headline}\n{progress_text(done, total, failed)}"
        client.chat_update(channel=channel, ts=ts, **decided_message(run_id, text))

    sender = OutboxSender(services.db, client, clock=services.clock.now)
    sender.drain(batch=approval.batch, on_progress=show)
    # After the intros, before the final count: those left waiting hear it once the pairs are out, and the
    # admin's "All N intros sent" means the round's messages are done (anything unsent stays queued for the
    # outbox job).
    sender.drain(batch=match_flow.unmatched_batch(run_id))
    show(*sender.progress(approval.batch), sender.failures(approval.batch), final=True)


def _update_proposal(client: WebClient, body: dict[str, Any], run: Any) -> None:
    channel, ts = _where(body)
    client.chat_update(channel=channel, ts=ts, **proposal_message(run.id, run.proposal))


def register(app: App, services: Services) -> None:
    register_subcommand("match", _match_command, admin=True)
    gate = [admin_only(services)]

    @app.action("admin_match", middleware=gate)
    def home_match(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        propose_and_show(client, services, team_of(body), body["user"]["id"])

    def acknowledge(ack: Ack) -> None:
        ack()

    def approve(body: dict[str, Any], client: WebClient) -> None:
        # A lazy listener: sending a round's intros can wait out rate limits for minutes (drain's 300 s), which
        # is no work for the listener that answers Slack's request.
        _approve(body, client, services)

    app.action("match_approve", middleware=gate)(ack=acknowledge, lazy=[approve])

    @app.action("match_drop", middleware=gate)
    def drop(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        value = button_value(body)
        run = match_flow.drop_pair(services.db, team_of(body), int(value["run"]), int(value["mentee"]))
        if run is not None and run.status == "proposed":
            _update_proposal(client, body, run)

    @app.action("match_exclude", middleware=gate)
    def exclude(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        value = button_value(body)
        run = match_flow.rerun_without(
            services.db, team_of(body), int(value["run"]), int(value["without"]), body["user"]["id"]
        )
        _update_proposal(client, body, run)
        channel, ts = _where(body)
        match_flow.remember_message(services.db, team_of(body), run.id, channel, ts)

    @app.action("match_discard", middleware=gate)
    def discard(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        run_id = int(button_value(body)["run"])
        if match_flow.discard(services.db, team_of(body), run_id):
            channel, ts = _where(body)
            client.chat_update(
                channel=channel, ts=ts, **decided_message(run_id, "Discarded. Nobody was told anything.")
            )
