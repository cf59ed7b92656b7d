"""`/reverse-mentor digest` (a private preview, then post on the admin's say-so) and `/reverse-mentor export`."""

from __future__ import annotations

import json
import uuid
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.delivery.outbox import sending_what_it_queues
from bot.digest import posting as digest_post
from bot.messages.blocks import actions, button, confirm_dialog, context
from bot.runtime.services import Services
from handlers.admin import admin_only
from handlers.commands import register_subcommand
from handlers.payload import button_value, team_of


def _digest(ack: Ack, command: dict[str, Any], client: WebClient, services: Services) -> None:
    ack(response_type="ephemeral", text="Preparing a private preview of the digest… I'll DM it to you.")
    team_id, admin = command["team_id"], command["user_id"]
    message, channel = digest_post.preview(services.db, client, team_id, services.clock.now())
    channel = channel or services.settings.digest_channel
    blocks = list(message["blocks"])
    if channel:
        value = json.dumps({"key": uuid.uuid4().hex, "channel": channel})
        confirm = confirm_dialog("Post the digest?", f"The public version goes to <#{channel}>.", "Post it")
        blocks = [
            *blocks,
            context(
                f"This is the admins' exact preview. The public post shows only the published weekly counts "
                f"(rounded to 5, “fewer than 5” below 5 people) and no names; it goes to <#{channel}>."
            ),
            actions(button("Post to the channel", "digest_post_now", value, style="primary", confirm=confirm)),
        ]
    else:
        blocks = [*blocks, context("No digest channel yet: choose one in `/reverse-mentor settings`.")]
    client.chat_postMessage(channel=admin, text=message["text"], blocks=blocks)


def _export(ack: Ack, command: dict[str, Any], client: WebClient, services: Services) -> None:
    ack(response_type="ephemeral", text="Preparing the export… it will arrive in your DM with me.")
    now = services.clock.now()
    exact = "exact" in (command.get("text") or "").split()[1:]  # `/reverse-mentor export exact`
    export = digest_post.export_for(services.db, command["team_id"], now, exact=exact)
    dm = client.conversations_open(users=command["user_id"])["channel"]["id"]
    if exact:
        title = "EXACT programme figures: admins only, do not share"
        comment = "Exact weekly counts and per-pair rows (pseudonyms drawn afresh for this export). Admins only."
    else:
        title = "Published programme figures (shareable)"
        comment = (
            "The weekly counts as published in the digest: shareable. For exact figures (admins only): "
            "`/reverse-mentor export exact`."
        )
    client.files_upload_v2(
        channel=dm, content=export.text, filename=export.filename, title=title, initial_comment=comment
    )


def register(app: App, services: Services) -> None:
    register_subcommand("digest", _digest, admin=True)
    register_subcommand("export", _export, admin=True)

    @app.action("digest_post_now", middleware=[admin_only(services)])
    def post_now(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id = team_of(body)
        user_id = body["user"]["id"]
        value = button_value(body)
        with sending_what_it_queues(services.db, client, clock=services.clock.now):
            posted = digest_post.post_now(
                services.db, client, team_id, services.clock.now(), value["channel"], value["key"]
            )
        failure = digest_post.post_now_failure(services.db, team_id, value["key"])
        if failure:
            text = (
                f"I couldn't post the digest in <#{value['channel']}> ({failure}). If I'm not in that channel, "
                "invite me there, then preview again with `/reverse-mentor digest`."
            )
        else:
            text = f"Posted the digest to <#{value['channel']}>." if posted else "That digest was already posted."
        client.chat_postMessage(channel=user_id, text=text)
