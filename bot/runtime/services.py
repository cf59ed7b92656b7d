"""The app's long-lived parts, built once and handed to the listeners."""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_sdk import WebClient

from bot.runtime.clock import Clock, SystemClock
from bot.runtime.config import Settings
from bot.settings.admins import AdminDirectory
from storage.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    client: WebClient
    admins: AdminDirectory
    clock: Clock = field(default_factory=SystemClock)
