"""The admin gate, end to end through signed requests: every admin subcommand, click and modal submission refuses
a non-admin with the same private answer and does nothing else, and lets an admin through."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pytest

from bot.messages.cohorts import OPEN_COHORT_CALLBACK, open_cohort_modal
from bot.messages.help import ADMIN_UNVERIFIED, NOT_ADMIN
from bot.messages.org_import import CALLBACK_ID as ORG_IMPORT_CALLBACK
from bot.messages.org_import import upload_modal
from bot.messages.settings import CALLBACK_ID as SETTINGS_CALLBACK
from bot.runtime.app import build_app
from bot.settings.admins import AdminDirectory
from bot.simulation.driver import Reply
from bot.simulation.standin import RecordedCall, StandInUser
from handlers.commands import ADMIN_SUBCOMMANDS
from handlers.errors import SORRY
from storage.models import Pair
from storage.queries.programmes import current_programme
from tests.support.factories import make_pair
from tests.support.flows import wait_for
from tests.support.harness import ADMIN, TEAM_ID, RunningApp

NON_ADMIN = "U0JUNIOR"
SETTLE_SECONDS = 0.3  # long enough for a listener that wrongly ran to reach the stand-in

SUBCOMMANDS = ("match", "pairs", "digest", "settings", "import-org", "export", "cohort", "cohort open", "cohort close")
# Clicks made from a message (the matching proposal) and from a view (App Home, the pairs overview).
MATCH_CLICKS = ("match_approve", "match_drop", "match_exclude", "match_discard")
PAIR_CLICKS = ("pairs_page", "pairs_nudge_now", "digest_nudge_now", "pair_history_open", "pair_end")
HOME_CLICKS = (
    "admin_match",
    "admin_settings",
    "admin_cohort_open",
    "admin_cohort_close",
    "cohort_close",
    "admin_import_org",
    "digest_post_now",
)
CLICKS = MATCH_CLICKS + PAIR_CLICKS + HOME_CLICKS
VIEWS = {
    SETTINGS_CALLBACK: None,  # opened through the real command: its modal depends on the stored settings
    ORG_IMPORT_CALLBACK: upload_modal,
    OPEN_COHORT_CALLBACK: open_cohort_modal,
}


@dataclass
class Scene:
    """What an admin click acts on: a real proposal message, a real pair, a real overview modal."""

    proposal: dict[str, Any]
    run_id: int
    pair_id: int
    overview: dict[str, Any]


def _scene(app: RunningApp) -> Scene:
    app.slack.add_channel("C0DIGEST", "programme-digest")
    pair_id = make_pair(app.db, TEAM_ID, "U0M1", "U0S1")
    app.driver.command(ADMIN, "match")
    proposal = wait_for(lambda: [m for m in app.slack.messages(ADMIN) if "Matching proposal" in m.get("text", "")])[-1]
    run_id = next(
        json.loads(e["value"])["run"]
        for b in proposal["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == "match_discard"
    )
    app.driver.command(ADMIN, "pairs")
    call = wait_for(lambda: app.slack.calls_to("views.open"))[-1]
    overview = {**call.params["view"], "id": call.response["view"]["id"]}
    return Scene(proposal, int(run_id), pair_id, overview)


def _click(app: RunningApp, scene: Scene, user_id: str, action_id: str) -> Reply:
    if action_id in MATCH_CLICKS:
        value = json.dumps({"run": scene.run_id, "mentee": 0, "without": 0})
        return app.driver.click(user_id, action_id, value, channel_id=scene.proposal["channel"], message=scene.proposal)
    if action_id in PAIR_CLICKS:
        value = "0" if action_id == "pairs_page" else json.dumps({"pair": scene.pair_id})
        return app.driver.click(user_id, action_id, value, view=scene.overview)
    value = json.dumps({"key": "k1", "channel": "C0DIGEST"}) if action_id == "digest_post_now" else "x"
    return app.driver.click(user_id, action_id, value, container_type="view")


def _calls_since(app: RunningApp, before: int) -> list[RecordedCall]:
    return list(app.slack.calls[before:])


def _said_to(app: RunningApp, user_id: str, text: str) -> list[dict[str, Any]]:
    return [m for m in app.slack.messages(user_id) if m.get("text") == text]


def test_every_admin_subcommand_is_declared_admin_only(running_app: RunningApp) -> None:
    assert {s.split()[0] for s in SUBCOMMANDS} == ADMIN_SUBCOMMANDS


def test_every_gated_listener_is_covered_here(running_app: RunningApp) -> None:
    bolt = build_app(running_app.settings, running_app.services)
    gated = [
        listener
        for listener in bolt._listeners
        if any("admin_only" in getattr(getattr(m, "func", None), "__qualname__", "") for m in listener.middleware)
    ]
    assert len(gated) == len(CLICKS) + len(VIEWS)


@pytest.mark.parametrize("subcommand", SUBCOMMANDS)
def test_a_non_admin_is_refused_every_admin_subcommand_privately(running_app: RunningApp, subcommand: str) -> None:
    before = len(running_app.slack.calls)
    body = running_app.driver.command(NON_ADMIN, subcommand).json()
    assert body["response_type"] == "ephemeral" and body["text"] == NOT_ADMIN
    time.sleep(SETTLE_SECONDS)
    assert _calls_since(running_app, before) == []


@pytest.mark.parametrize("subcommand", SUBCOMMANDS)
def test_an_admin_gets_past_the_gate_of_every_admin_subcommand(running_app: RunningApp, subcommand: str) -> None:
    reply = running_app.driver.command(ADMIN, subcommand)
    assert reply.status == 200
    assert NOT_ADMIN not in reply.body


@pytest.mark.parametrize("action_id", CLICKS)
def test_a_non_admin_is_refused_every_admin_click_and_nothing_happens(running_app: RunningApp, action_id: str) -> None:
    scene = _scene(running_app)
    before = len(running_app.slack.calls)
    assert _click(running_app, scene, NON_ADMIN, action_id).status == 200
    time.sleep(SETTLE_SECONDS)
    calls = _calls_since(running_app, before)
    assert [(c.method, c.params.get("channel"), c.params.get("text")) for c in calls] == [
        ("chat.postMessage", NON_ADMIN, NOT_ADMIN)
    ]
    with running_app.db.unit_of_work() as session:
        assert session.get(Pair, scene.pair_id).status == "active"


@pytest.mark.parametrize("action_id", CLICKS)
def test_an_admin_gets_past_the_gate_of_every_admin_click(running_app: RunningApp, action_id: str) -> None:
    scene = _scene(running_app)
    before = len(running_app.slack.calls)
    assert _click(running_app, scene, ADMIN, action_id).status == 200
    wait_for(lambda: _calls_since(running_app, before))
    time.sleep(SETTLE_SECONDS)
    assert _said_to(running_app, ADMIN, NOT_ADMIN) == []
    assert _said_to(running_app, ADMIN, SORRY) == []


def _admins_modal(app: RunningApp, callback_id: str) -> dict[str, Any]:
    build = VIEWS[callback_id]
    if build is not None:
        return build()
    app.driver.command(ADMIN, "settings")
    return wait_for(lambda: app.slack.calls_to("views.open"))[-1].params["view"]


@pytest.mark.parametrize("callback_id", VIEWS)
def test_a_non_admins_submission_of_every_admin_modal_is_refused_inline(
    running_app: RunningApp, callback_id: str
) -> None:
    view = _admins_modal(running_app, callback_id)
    before = len(running_app.slack.calls)
    body = running_app.driver.submit_view(NON_ADMIN, view, {}).json()
    first_input = next(b["block_id"] for b in view["blocks"] if b["type"] == "input")
    assert body == {"response_action": "errors", "errors": {first_input: NOT_ADMIN}}
    time.sleep(SETTLE_SECONDS)
    assert _calls_since(running_app, before) == []


@pytest.mark.parametrize("callback_id", VIEWS)
def test_an_admins_submission_of_every_admin_modal_gets_past_the_gate(
    running_app: RunningApp, callback_id: str
) -> None:
    view = _admins_modal(running_app, callback_id)
    reply = running_app.driver.submit_view(ADMIN, view, {})
    assert reply.status == 200
    assert NOT_ADMIN not in reply.body  # an empty form is answered by the modal's own checks instead
    assert reply.json().get("response_action") == "errors"


def test_a_group_admin_is_refused_clearly_once_the_group_has_been_unreadable_for_ten_minutes(
    running_app: RunningApp,
) -> None:
    app, groupie = running_app, "U0GROUPIE"
    app.slack.add_user(StandInUser(groupie, "groupie", "Group Member"))  # the strict stand-in refuses strangers
    app.slack.add_usergroup("S0ADMINS", [groupie])
    with app.db.unit_of_work() as session:
        current_programme(session, TEAM_ID).admin_usergroup = "S0ADMINS"
    ticks = [1000.0]  # the directory's infrastructure time (time.monotonic in production), moved by hand
    app.services.admins = AdminDirectory(app.db, (ADMIN,), app.services.client, monotonic=lambda: ticks[0])
    assert NOT_ADMIN not in app.driver.command(groupie, "pairs").body  # the group is read: an admin

    app.slack.add_usergroup("S0ADMINS", [])  # removed from the group, while Slack fails every lookup
    app.slack.fail_next("usergroups.users.list", times=50)
    ticks[0] += 9 * 60
    assert ADMIN_UNVERIFIED not in app.driver.command(groupie, "pairs").body  # last members, 9 minutes old
    ticks[0] += 61
    body = app.driver.command(groupie, "pairs").json()
    assert body["response_type"] == "ephemeral" and body["text"] == ADMIN_UNVERIFIED
    before = len(app.slack.calls)
    assert app.driver.click(groupie, "admin_match", "x", container_type="view").status == 200
    wait_for(lambda: _said_to(app, groupie, ADMIN_UNVERIFIED))
    time.sleep(SETTLE_SECONDS)
    assert [c.method for c in _calls_since(app, before)] == ["usergroups.users.list", "chat.postMessage"]
    assert NOT_ADMIN not in app.driver.command(ADMIN, "pairs").body  # a configured admin still acts
