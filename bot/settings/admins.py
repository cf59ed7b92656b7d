"""Who is a programme admin: ADMIN_USER_IDS, the programme's own list, or members of its Slack user group."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from enum import Enum

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery.slack_client import before_ack
from storage.db import Database
from storage.queries.programmes import current_programme

log = logging.getLogger(__name__)
GROUP_CACHE_SECONDS = 300.0  # members read this recently are used without asking Slack again
GROUP_STALE_LIMIT_SECONDS = 600.0  # when Slack can't be asked, the last members stand in for this long at most
# The group is read before slash commands and modals are acknowledged, so through `before_ack`: on a failure
# the last known members stand in, but only for GROUP_STALE_LIMIT_SECONDS after they were read; after that
# the group's members are unknown and its members' admin actions are refused (ADMIN_UNVERIFIED), so someone
# removed from the group loses admin rights within 10 minutes however long Slack keeps failing. The ages are
# infrastructure time (time.monotonic, docs/time.md), not the programme's clock.


class Membership(Enum):
    ADMIN = "admin"
    NOT_ADMIN = "not_admin"
    UNKNOWN = "unknown"  # not a configured or listed admin, and the admin group can't be read from Slack


class AdminDirectory:
    def __init__(
        self,
        db: Database,
        configured: tuple[str, ...],
        client: WebClient,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._configured = frozenset(configured)
        self._client = before_ack(client)
        self._monotonic = monotonic
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}

    def admins(self, team_id: str) -> frozenset[str]:
        """Every admin known now (a group that can't be read adds nobody)."""
        known, members = self._lookup(team_id)
        return known | (members or frozenset())

    def membership(self, team_id: str, user_id: str) -> Membership:
        known, members = self._lookup(team_id)
        if user_id in known or (members is not None and user_id in members):
            return Membership.ADMIN
        return Membership.UNKNOWN if members is None else Membership.NOT_ADMIN

    def is_admin(self, team_id: str, user_id: str) -> bool:
        return self.membership(team_id, user_id) is Membership.ADMIN

    def _lookup(self, team_id: str) -> tuple[frozenset[str], frozenset[str] | None]:
        """(the configured and listed admins, the group's members or None when they can't be known)."""
        with self._db.unit_of_work() as session:
            programme = current_programme(session, team_id)
            listed = frozenset(programme.admin_user_ids or ())
            group = programme.admin_usergroup
        return self._configured | listed, self._group_members(group) if group else frozenset()

    def _group_members(self, group_id: str) -> frozenset[str] | None:
        read_at, members = self._groups.get(group_id, (None, None))
        age = None if read_at is None else self._monotonic() - read_at
        if age is not None and age < GROUP_CACHE_SECONDS:
            return members
        try:
            users = self._client.usergroups_users_list(usergroup=group_id).get("users") or []
        except (SlackApiError, OSError) as error:  # OSError: unreachable or too slow
            reason = error.response.get("error") if isinstance(error, SlackApiError) else error
            if age is not None and age <= GROUP_STALE_LIMIT_SECONDS:
                log.warning(
                    "could not read admin user group %s (%s): using its members of %.0fs ago", group_id, reason, age
                )
                return members
            log.error("could not read admin user group %s (%s): its members are unknown", group_id, reason)
            return None
        self._groups[group_id] = (self._monotonic(), frozenset(users))
        return frozenset(users)
