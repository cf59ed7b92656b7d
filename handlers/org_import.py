"""Org-chart import from Slack: `/reverse-mentor import-org` and its modal (filled in by the org import work)."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services


def register(app: App, services: Services) -> None:
    return None
