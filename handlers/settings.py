"""Programme settings: `/reverse-mentor settings`, the App Home button, and the modal's submission."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.digest import posting as digest_post
from bot.messages import settings as screens
from bot.runtime.services import Services
from bot.settings import programme as programme_settings
from handlers import forms
from handlers.admin import admin_only
from handlers.commands import register_subcommand
from handlers.payload import team_of

log = logging.getLogger(__name__)


def open_settings_modal(client: WebClient, services: Services, team_id: str, trigger_id: str) -> None:
    settings, opened = programme_settings.open_settings(services.db, team_id)
    client.views_open(trigger_id=trigger_id, view=screens.settings_modal(settings, opened))


def _settings_command(ack: Ack, command: dict[str, Any], client: WebClient, services: Services) -> None:
    ack()  # the router has refused non-admins already; views.open must follow within trigger_id's 3 s
    open_settings_modal(client, services, command["team_id"], command["trigger_id"])


def on_settings_submission(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    team_id, user_id = team_of(body), body["user"]["id"]
    form = forms.settings_form(body["view"])
    values, errors = programme_settings.validate(form, configured_admins=services.settings.admin_user_ids)
    if values is not None:
        problem = programme_settings.usergroup_problem(client, values.admin_usergroup)
        if problem:
            errors = {programme_settings.USERGROUP: problem}
        elif problem := programme_settings.digest_channel_problem(services.db, client, team_id, values.digest_channel):
            errors = {programme_settings.DIGEST_CHANNEL: problem}
    if values is None or errors:
        ack(response_action="errors", errors=errors)
        return
    opened = screens.opened_from(body["view"].get("private_metadata"))
    # Saved before the ack: if the database fails, the modal stays open instead of losing the answers.
    result = programme_settings.save(services.db, team_id, user_id, values, opened=opened)
    if not result.saved:
        ack(response_action="errors", errors=result.errors)
        return
    ack()
    log.info("programme settings of %s changed by %s: %s", team_id, user_id, sorted(result.changes))
    schedule_changed = bool(set(result.changes) & programme_settings.DIGEST_SCHEDULE)
    next_digest = None
    if schedule_changed:
        now = services.clock.now()
        next_digest = digest_post.next_digest(services.db, team_id, now, services.settings.digest_channel).at
    client.chat_postMessage(channel=user_id, **screens.summary_message(result.changes, next_digest))


def register(app: App, services: Services) -> None:
    register_subcommand("settings", _settings_command, admin=True)
    # The submission is gated too: a modal can be replayed by someone else or outlive someone's admin rights.
    gate = [admin_only(services)]

    @app.action("admin_settings", middleware=gate)
    def home_settings(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        open_settings_modal(client, services, team_of(body), body["trigger_id"])

    @app.view(screens.CALLBACK_ID, middleware=gate)
    def on_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        on_settings_submission(ack, body, client, services)
