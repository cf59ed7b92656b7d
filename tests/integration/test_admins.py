"""Who is an admin: the configured ids, the programme's list, and its Slack user group (read before acks)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.delivery.slack_client import make_client
from bot.settings import admins
from bot.settings.admins import AdminDirectory, Membership
from bot.simulation.standin import SlackStandIn
from storage.db import Database
from storage.queries.programmes import current_programme

TEAM = "T0TEAM"


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(team_id=TEAM) as standin:
        standin.add_usergroup("S0ADMINS", ["U0GROUPIE"])
        yield standin


def _directory(db: Database, slack: SlackStandIn) -> AdminDirectory:
    with db.unit_of_work() as session:
        current_programme(session, TEAM).admin_usergroup = "S0ADMINS"
    return AdminDirectory(db, ("U0CONFIG",), make_client("xoxb-test-token", slack.url))


def test_admins_come_from_config_and_the_user_group(sqlite_db: Database, slack: SlackStandIn) -> None:
    directory = _directory(sqlite_db, slack)
    assert directory.admins(TEAM) == {"U0CONFIG", "U0GROUPIE"}
    assert not directory.is_admin(TEAM, "U0SOMEONE")


def test_a_rate_limited_group_lookup_is_not_waited_out_and_the_last_members_stand_in(
    sqlite_db: Database, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = _directory(sqlite_db, slack)
    assert directory.is_admin(TEAM, "U0GROUPIE")
    monkeypatch.setattr(admins, "GROUP_CACHE_SECONDS", 0.0)  # the cached members are stale from now on
    slack.fail_next("usergroups.users.list", retry_after=30)
    before = len(slack.calls_to("usergroups.users.list"))
    assert directory.is_admin(TEAM, "U0GROUPIE")  # answered from the last members, before any ack is late
    assert len(slack.calls_to("usergroups.users.list")) == before + 1  # one try, no retry after 30 s


class Ticks:
    """Infrastructure time for the directory's cache ages (time.monotonic in production), moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_when_the_group_cant_be_read_its_last_members_stand_in_for_ten_minutes_at_most(
    sqlite_db: Database, slack: SlackStandIn
) -> None:
    ticks = Ticks()
    with sqlite_db.unit_of_work() as session:
        current_programme(session, TEAM).admin_usergroup = "S0ADMINS"
    directory = AdminDirectory(sqlite_db, ("U0CONFIG",), make_client("xoxb-test-token", slack.url), monotonic=ticks)
    assert directory.membership(TEAM, "U0GROUPIE") is Membership.ADMIN  # read from Slack at t=0
    slack.add_usergroup("S0ADMINS", [])  # removed from the group ...
    slack.fail_next("usergroups.users.list", times=50)  # ... while Slack keeps failing
    ticks.now += 9 * 60
    assert directory.is_admin(TEAM, "U0GROUPIE")  # the members read 9 minutes ago stand in
    ticks.now += 61
    assert directory.membership(TEAM, "U0GROUPIE") is Membership.UNKNOWN  # over 10 minutes: refused
    assert not directory.is_admin(TEAM, "U0GROUPIE") and "U0GROUPIE" not in directory.admins(TEAM)
    assert directory.is_admin(TEAM, "U0CONFIG")  # configured admins don't depend on the group
    assert directory.membership(TEAM, "U0SOMEONE") is Membership.UNKNOWN
