"""Who is a programme admin: ADMIN_USER_IDS, the programme's own list, or members of its Slack user group."""

from __future__ import annotations

import logging
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery.slack_client import before_ack
from storage.db import Database
from storage.queries.programmes import current_programme

log = logging.getLogger(__name__)
GROUP_CACHE_SECONDS = 300.0
# The group is read before slash commands and modals are acknowledged, so through `before_ack`: on any
# failure the last known members stand in until the next try.


class AdminDirectory:
    def __init__(self, db: Database, configured: tuple[str, ...], client: WebClient) -> None:
        self._db = db
        self._configured = frozenset(configured)
        self._client = before_ack(client)
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}

    def admins(self, team_id: str) -> frozenset[str]:
        with self._db.unit_of_work() as session:
            programme = current_programme(session, team_id)
            listed = frozenset(programme.admin_user_ids or ())
            group = programme.admin_usergroup
        members = self._group_members(group) if group else frozenset()
        return self._configured | listed | members

    def is_admin(self, team_id: str, user_id: str) -> bool:
        return user_id in self.admins(team_id)

    def _group_members(self, group_id: str) -> frozenset[str]:
        cached = self._groups.get(group_id)
        if cached and time.monotonic() - cached[0] < GROUP_CACHE_SECONDS:
            return cached[1]
        try:
            users = self._client.usergroups_users_list(usergroup=group_id).get("users") or []
        except (SlackApiError, OSError) as error:  # OSError: unreachable or too slow
            reason = error.response.get("error") if isinstance(error, SlackApiError) else error
            log.warning("could not read admin user group %s: %s", group_id, reason)
            return cached[1] if cached else frozenset()
        members = frozenset(users)
        self._groups[group_id] = (time.monotonic(), members)
        return members
