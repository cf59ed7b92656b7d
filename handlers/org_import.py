"""Org-chart import from Slack: `/reverse-mentor import-org` opens an upload modal; its submission imports.

The submission is acked at once with a progress view (downloading and looking up emails can outlast
Slack's 3 seconds), then the same modal is updated with the result, which is also sent to the admin by DM.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.messages import org_import as screens
from bot.org_import.importer import FileDownloadError, OrgImportError, import_uploaded_file, is_csv_file
from bot.runtime.services import Services
from handlers import forms
from handlers.admin import admin_only
from handlers.commands import register_subcommand
from handlers.payload import team_of

log = logging.getLogger(__name__)
NO_FILE = "Choose a CSV file to import."
NOT_CSV = "That isn't a CSV file: save the sheet as CSV (UTF-8) and upload that."


def open_upload_modal(ack: Ack, command: dict[str, Any], client: WebClient, services: Services) -> None:
    ack()  # views.open must follow within trigger_id's 3 s; the ack returns first
    client.views_open(trigger_id=command["trigger_id"], view=screens.upload_modal())


def on_upload_submission(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    team_id, user_id = team_of(body), body["user"]["id"]
    file = forms.uploaded_file(body["view"])
    if file is None or not is_csv_file(file):
        ack(response_action="errors", errors={screens.FILE_BLOCK: NO_FILE if file is None else NOT_CSV})
        return
    name = str(file.get("name") or "your file")
    ack(response_action="update", view=screens.progress_modal(name))

    try:
        summary = import_uploaded_file(services.db, team_id, file, client)
    except OrgImportError as error:
        view = screens.result_modal(name, None, error.problems)
        message = screens.result_message(name, None, error.problems)
    except FileDownloadError as error:
        view, message = screens.failure_modal(name, str(error)), screens.failure_message(name, str(error))
    except Exception:  # the transaction rolled back; say so rather than leave "Importing…" up forever
        log.exception("org import of %s for %s failed", name, team_id)
        reason = "something went wrong on my side (it's in the bot's log)"
        view, message = screens.failure_modal(name, reason), screens.failure_message(name, reason)
    else:
        log.info("org import by %s in %s: %s", user_id, team_id, summary)
        view, message = screens.result_modal(name, summary), screens.result_message(name, summary)

    try:
        client.views_update(view_id=body["view"]["id"], view=view)
    except SlackApiError as error:  # the admin may have closed the modal; the DM still tells them
        log.info("could not update the org import modal: %s", error.response.get("error"))
    client.chat_postMessage(channel=user_id, **message)


def register(app: App, services: Services) -> None:
    register_subcommand("import-org", open_upload_modal, admin=True)
    # The submission is gated too: a modal can be replayed by someone else or outlive someone's admin rights.
    gate = [admin_only(services)]

    @app.action("admin_import_org", middleware=gate)
    def home_button(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=screens.upload_modal())

    @app.view(screens.CALLBACK_ID, middleware=gate)
    def on_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        on_upload_submission(ack, body, client, services)
