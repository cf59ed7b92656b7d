"""The admin gate: a listener or subcommand says once that it is admin-only, and everyone else gets one answer.

Subcommands declare it with `register_subcommand(name, run, admin=True)` (handlers/commands.py asks
`refusal` before running them). Clicks and modal submissions declare it on the listener:
`app.action("pair_end", middleware=[gate])`, where `gate = admin_only(services)`. The gate runs before the
listener, so a forged click, a replayed modal or a button outliving someone's admin rights changes nothing.

The refusal is `NOT_ADMIN`, or `ADMIN_UNVERIFIED` when the admin user group can't be read from Slack and its
last known members are too old to trust (bot/settings/admins.py), and always private: the ephemeral reply to a
slash command, an inline error on a modal (which stays open), a DM from the app for a click (App Home clicks
have no channel to answer in).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery.slack_client import before_ack
from bot.messages.help import ADMIN_UNVERIFIED, NOT_ADMIN
from bot.runtime.services import Services
from bot.settings.admins import Membership
from handlers.payload import team_of

log = logging.getLogger(__name__)
Gate = Callable[..., BoltResponse | None]


def refusal(services: Services, team_id: str, user_id: str) -> str | None:
    """The private answer (logged) when this person can't act as an admin of this workspace, else None."""
    membership = services.admins.membership(team_id, user_id)
    if membership is Membership.ADMIN:
        return None
    if membership is Membership.UNKNOWN:
        log.warning("%s was refused: the admin user group of %s can't be read", user_id, team_id)
        return ADMIN_UNVERIFIED
    log.warning("%s, who is not an admin of %s, was refused", user_id, team_id)
    return NOT_ADMIN


def _first_input_block(view: dict[str, Any]) -> str | None:
    """Where a modal can show the refusal: Slack accepts `errors` only on the view's input blocks."""
    for block in view.get("blocks") or ():
        if block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return next(iter((view.get("state") or {}).get("values") or {}), None)


def _tell_privately(client: WebClient, user_id: str, text: str) -> None:
    # Sent before the gate's ack goes back to Slack, so one quick try: a refusal is not worth missing 3 s for.
    try:
        before_ack(client).chat_postMessage(channel=user_id, text=text)
    except (SlackApiError, OSError) as error:
        log.warning("could not tell %s they are not an admin: %s", user_id, error)


def admin_only(services: Services) -> Gate:
    """Bolt listener middleware for admin-only clicks and modal submissions."""

    def gate(ack: Ack, body: dict[str, Any], client: WebClient, next_: Callable[[], None]) -> BoltResponse | None:
        user_id = body["user"]["id"]
        text = refusal(services, team_of(body), user_id)
        if text is None:
            next_()
            return None
        if body.get("type") == "view_submission":
            block = _first_input_block(body.get("view") or {})
            if block is not None:
                return ack(response_action="errors", errors={block: text})
        answer = ack()  # not calling next(): the listener never runs, and this ack is Slack's answer
        _tell_privately(client, user_id, text)
        return answer

    return gate
