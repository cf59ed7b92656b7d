"""App Home: publish the tab when it is opened or when something on it changed."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk import WebClient

from bot.digest import posting as digest_post
from bot.messages.home import home_view
from bot.participants import enrolment as participants
from bot.runtime.services import Services


def publish_home(client: WebClient, services: Services, team_id: str, user_id: str) -> None:
    status = participants.status_of(services.db, team_id, user_id)
    is_admin = services.admins.is_admin(team_id, user_id)
    now = datetime.now(UTC)
    digest = None
    if is_admin:
        upcoming = digest_post.next_digest(services.db, team_id, now, services.settings.digest_channel)
        digest = (upcoming.at, upcoming.channel)
    client.views_publish(user_id=user_id, view=home_view(status, is_admin, now, digest))
