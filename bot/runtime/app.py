"""build_app(settings): the Bolt app with every listener registered. Nothing else lives here."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient

from bot.delivery.slack_client import make_client
from bot.runtime.clock import Clock, SystemClock
from bot.runtime.config import Settings
from bot.runtime.services import Services
from bot.settings.admins import AdminDirectory
from handlers import register
from storage.db import Database


def build_services(
    settings: Settings,
    db: Database | None = None,
    client: WebClient | None = None,
    clock: Clock | None = None,
) -> Services:
    """The one place the services are put together. `clock` defaults to the real time; a `db` passed in must
    have been built with the same clock (`Database(url, now=clock.now)`), so its stamps agree with decisions."""
    clock = clock or SystemClock()
    db = db or Database(settings.database_url, now=clock.now)
    client = client or make_client(settings.bot_token, settings.api_url)
    admins = AdminDirectory(db, settings.admin_user_ids, client)
    return Services(settings=settings, db=db, client=client, admins=admins, clock=clock)


def build_app(settings: Settings, services: Services | None = None) -> App:
    services = services or build_services(settings)
    app = App(
        client=services.client,
        signing_secret=settings.signing_secret,
        # Socket Mode has no signatures to check; HTTP mode always checks them (401 otherwise).
        request_verification_enabled=not settings.socket_mode,
        logger=logging.getLogger("bot.runtime.app"),
    )
    register(app, services)
    return app
