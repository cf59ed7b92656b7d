"""Reading people's Slack profiles (name, time zone, email) through users.info."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.participants.enrolment import SlackProfile

log = logging.getLogger(__name__)


def fetch_profile(client: WebClient, user_id: str) -> SlackProfile:
    """The person's profile, or an empty one when Slack won't say (the modal still opens)."""
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except SlackApiError as error:
        log.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
        return SlackProfile()
    profile = user.get("profile") or {}
    return SlackProfile(
        name=user.get("real_name") or profile.get("real_name") or profile.get("display_name") or user.get("name"),
        tz=user.get("tz"),
        tz_offset_seconds=int(user.get("tz_offset") or 0),
        email=profile.get("email"),
    )
