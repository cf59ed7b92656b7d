"""Slack listeners only: each module parses a payload, acks, and calls one `bot/` service."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime.services import Services
from handlers import (
    actions,
    checkins,
    cohorts,
    commands,
    digest,
    errors,
    events,
    follow_ups,
    matching,
    org_import,
    pairs,
    pairs_overview,
    settings,
    views,
)


def register(app: App, services: Services) -> None:
    errors.register(app)
    commands.register(app, services)
    views.register(app, services)
    actions.register(app, services)
    events.register(app, services)
    org_import.register(app, services)
    matching.register(app, services)
    pairs.register(app, services)
    checkins.register(app, services)
    cohorts.register(app, services)
    follow_ups.register(app, services)
    pairs_overview.register(app, services)
    settings.register(app, services)
    digest.register(app, services)
