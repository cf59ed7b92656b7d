"""The app's long-lived parts, built once (`bot.runtime.app.build_services`) and handed to the listeners, the
periodic jobs and the CLI: settings, database, Slack clients, admins, and the programme's clock."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from bot.runtime.clock import Clock
from bot.runtime.config import Settings
from bot.settings.admins import AdminDirectory
from storage.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database  # built with `now=clock.now`, so the rows it stamps agree with the decisions
    client: WebClient
    admins: AdminDirectory
    clock: Clock  # every programme decision asks this (docs/time.md)

    def client_for(self, team_id: str) -> WebClient:
        """The Web API client for one workspace. One bot token today, so always the same client; with one
        installation per workspace this is where each team's token is looked up."""
        return self.client
