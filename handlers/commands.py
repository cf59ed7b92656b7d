"""`/reverse-mentor <subcommand>`: one router, answering privately."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.messages import help as help_messages
from bot.messages.join import join_modal
from bot.participants import enrolment as participants
from bot.participants.profiles import fetch_profile
from bot.runtime.services import Services
from handlers.admin import refusal

log = logging.getLogger(__name__)
Subcommand = Callable[[Ack, dict[str, Any], WebClient, Services], None]


def _say(ack: Ack, text: str) -> None:
    ack(response_type="ephemeral", text=text)


def open_join_modal(client: WebClient, services: Services, team_id: str, user_id: str, trigger_id: str) -> None:
    profile = fetch_profile(client, user_id)
    prefill = participants.prefill_for(services.db, team_id, user_id, profile)
    client.views_open(trigger_id=trigger_id, view=join_modal(prefill))


def _join(ack: Ack, command: dict[str, Any], client: WebClient, services: Services) -> None:
    ack()  # views.open must follow within trigger_id's 3 s; the ack returns first
    open_join_modal(client, services, command["team_id"], command["user_id"], command["trigger_id"])


def _status(ack: Ack, command: dict[str, Any], client: WebClient, services: Services) -> None:
    status = participants.status_of(services.db, command["team_id"], command["user_id"], services.clock.now())
    ack(**help_messages.ephemeral(help_messages.status_blocks(status), "Your reverse mentoring status"))


def _set_status(new_status: str, done: str, already: str) -> Subcommand:
    def run(ack: Ack, command: dict[str, Any], client: WebClient, services: Services) -> None:
        previous = participants.set_status(services.db, command["team_id"], command["user_id"], new_status)
        if previous is None:
            _say(ack, "You haven't joined yet: `/reverse-mentor join` to take part.")
        elif previous == "left":
            _say(ack, "You've left the programme. `/reverse-mentor join` to come back.")
        else:
            _say(ack, already if previous == new_status else done)

    return run


def _leave(ack: Ack, command: dict[str, Any], client: WebClient, services: Services) -> None:
    status = participants.status_of(services.db, command["team_id"], command["user_id"], services.clock.now())
    if not status.joined or status.status == "left":
        _say(ack, "You're not in the programme, so there is nothing to leave.")
        return
    ack(**help_messages.ephemeral(help_messages.leave_confirm_blocks(), "Leave the programme?"))


def _help(ack: Ack, command: dict[str, Any], client: WebClient, services: Services, unknown: str | None = None) -> None:
    is_admin = services.admins.is_admin(command["team_id"], command["user_id"])
    ack(**help_messages.ephemeral(help_messages.help_blocks(is_admin, unknown), "Reverse mentoring help"))


SUBCOMMANDS: dict[str, Subcommand] = {
    "help": _help,
    "join": _join,
    "profile": _join,
    "status": _status,
    "pause": _set_status(
        "paused",
        "Paused. You won't be matched or nudged until you `/reverse-mentor resume`.",
        "You're already paused.",
    ),
    "resume": _set_status("active", "Welcome back! You're active again.", "You're already active."),
    "leave": _leave,
}


ADMIN_SUBCOMMANDS: set[str] = set()


def register_subcommand(name: str, run: Subcommand, *, admin: bool = False) -> None:
    """Features plug their subcommands in here; `admin=True` is the only admin check an admin subcommand needs."""
    SUBCOMMANDS[name] = run
    if admin:
        ADMIN_SUBCOMMANDS.add(name)


def route(ack: Ack, command: dict[str, Any], client: WebClient, services: Services) -> None:
    words = (command.get("text") or "").strip().split()
    name = words[0].lower() if words else "help"
    refused = refusal(services, command["team_id"], command["user_id"]) if name in ADMIN_SUBCOMMANDS else None
    if refused is not None:
        _say(ack, refused)
        return
    run = SUBCOMMANDS.get(name)
    if run is None:
        _help(ack, command, client, services, unknown=name)
        return
    run(ack, command, client, services)


def register(app: App, services: Services) -> None:
    @app.command("/reverse-mentor")
    def on_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        route(ack, command, client, services)
