"""The app under test, wired for real: signed HTTP into uvicorn, WebClient out to the Web API stand-in."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.runtime.app import build_app, build_services
from bot.runtime.clock import FixedClock
from bot.runtime.config import Settings
from bot.runtime.server import BackgroundServer
from bot.runtime.services import Services
from bot.simulation.driver import SlackDriver
from bot.simulation.standin import SlackStandIn, StandInUser
from storage.db import Database

TEAM_ID = "T0TEAM"
SIGNING_SECRET = "test-signing-secret"
ADMIN = "U0ADMIN"

ROSTER = (
    StandInUser(id=ADMIN, name="admin", real_name="Ada Admin", email="ada@example.com"),
    StandInUser(id="U0JUNIOR", name="jo", real_name="Jo Junior", email="jo@example.com", tz="Europe/London"),
    StandInUser(
        id="U0SENIOR",
        name="sam",
        real_name="Sam Senior",
        email="sam@example.com",
        tz="America/New_York",
        tz_offset=-18000,
    ),
    StandInUser(id="U0BOSS", name="bo", real_name="Bo Boss", email="bo@example.com"),
)

# The people tests/support/factories.make_pair (and digest_pairs) put in the database: in Slack they are
# members of the workspace too, or the strict stand-in answers channel_not_found to every DM to them. No email,
# so the org-chart import's directory (users.list) matches nobody new.
FACTORY_PEOPLE = tuple(
    StandInUser(id=f"U0{side}{i}", name=f"{side.lower()}{i}", real_name=f"{name} {i}")
    for i in range(10)
    for side, name in (("M", "Mentor"), ("S", "Senior"))
)
# The channels the harness's workspace has, with the bot invited: where commands are typed, the digest's.
CHANNELS = (("C0PROGRAM", "reverse-mentoring"), ("C0DIGEST", "programme-digest"))


@dataclass
class RunningApp:
    slack: SlackStandIn
    driver: SlackDriver
    services: Services
    server: BackgroundServer
    settings: Settings

    @property
    def db(self) -> Database:
        return self.services.db

    def stop(self) -> None:
        self.server.stop()
        self.slack.stop()


@contextmanager
def services_at(app: RunningApp, now: datetime, **settings: Any) -> Iterator[Services]:
    """The app's services as `run-job --now` builds them: a FixedClock at `now` for decisions and for the
    stamps of a Database of its own on the app's database (`settings` overrides some settings)."""
    clock = FixedClock(now)
    db = Database(app.db.url, now=clock.now)
    try:
        yield build_services(replace(app.settings, **settings), db=db, client=app.services.client, clock=clock)
    finally:
        db.dispose()


def start_app(db: Database, users: Iterable[StandInUser] = ROSTER, admins: tuple[str, ...] = (ADMIN,)) -> RunningApp:
    # Strict: refuses what Slack would (unknown channels and users, never-issued trigger ids, not_in_channel)
    slack = SlackStandIn(users=(*users, *FACTORY_PEOPLE), team_id=TEAM_ID, strict=True).start()
    for channel_id, name in CHANNELS:
        slack.add_channel(channel_id, name)
    settings = Settings(
        bot_token="xoxb-test-token",
        signing_secret=SIGNING_SECRET,
        api_url=slack.url,
        database_url=db.url,
        admin_user_ids=admins,
    )
    services = build_services(settings, db=db)
    bolt = build_app(settings, services)
    server = BackgroundServer(bolt, db).start()
    driver = SlackDriver(server.url, SIGNING_SECRET, TEAM_ID, slack)
    return RunningApp(slack=slack, driver=driver, services=services, server=server, settings=settings)
