"""The app's long-lived parts, built once and handed to the listeners."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from bot.admins import AdminDirectory
from bot.config import Settings
from storage.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    client: WebClient
    admins: AdminDirectory
