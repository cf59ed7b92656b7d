"""Flows the end-to-end tests share: waiting for the app's asynchronous work (or for nothing more to happen),
joining through the modal, running a job through the CLI, finding a button, reading the stored pairs."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.matching import rounds as match_flow
from bot.runtime import cli
from bot.simulation.standin import StandInUser
from storage.models import Pair
from tests.support.harness import ADMIN, RunningApp


def wait_for(predicate: Any, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def holds_for(predicate: Any, seconds: float) -> None:
    """`predicate` stays true for `seconds`: for 'nothing more happens' after an asynchronous request. A slow
    machine can only make this pass wrongly, never fail wrongly."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert predicate(), "condition stopped holding"
        time.sleep(0.02)


def run_job(
    app: RunningApp, name: str, now: datetime, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str
) -> None:
    """`reverse-mentor run-job NAME --now NOW` as an operator runs it, against this app's database and stand-in;
    `env` adds settings (e.g. ADMIN_USER_IDS, DIGEST_CHANNEL)."""
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    settings = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": "x",
        "SLACK_API_URL": app.slack.url,
        "DATABASE_URL": app.db.url,
        **env,
    }
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    assert cli.main(["run-job", name, "--now", now.isoformat()]) == 0


def pairs_of(app: RunningApp, status: str | None = None) -> set[tuple[str, str]]:
    """(mentor, mentee) Slack ids of the stored pairs, of one status or all."""
    query = select(Pair) if status is None else select(Pair).where(Pair.status == status)
    with app.db.unit_of_work() as session:
        return {(p.mentor.person.slack_user_id, p.mentee.person.slack_user_id) for p in session.scalars(query)}


def button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    """The button (or other element) with `action_id` in a message's or view's blocks."""
    for block in message["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no {action_id} in the blocks")


def join_values(
    role: str = "mentor",
    department: str = "Customer Service",
    level: str = "2",
    manager: str | None = None,
    offered: tuple[str, ...] = ("Data and AI tools", "Workplace culture"),
    wanted: tuple[str, ...] = (),
    consent: bool = True,
    perspectives: str = "",
    working_hours: str | None = None,
    working_days: tuple[int, ...] = (),
) -> dict[str, Any]:
    def opts(values: tuple[str, ...]) -> list[dict[str, Any]]:
        return [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values]

    return {
        "role": {"value": {"type": "radio_buttons", "selected_option": {"value": role}}},
        "department": {"value": {"type": "plain_text_input", "value": department}},
        "level": {"value": {"type": "number_input", "value": level}},
        "manager": {"value": {"type": "users_select", "selected_user": manager}},
        "topics_offered": {"value": {"type": "multi_static_select", "selected_options": opts(offered)}},
        "topics_wanted": {"value": {"type": "multi_static_select", "selected_options": opts(wanted)}},
        "perspectives": {"value": {"type": "plain_text_input", "value": perspectives}},
        "off_limits": {"value": {"type": "plain_text_input", "value": None}},
        "format": {"value": {"type": "radio_buttons", "selected_option": {"value": "video"}}},
        "cadence": {"value": {"type": "radio_buttons", "selected_option": {"value": "21"}}},
        "consent": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}] if consent else []}},
        "working_hours": {"value": {"type": "plain_text_input", "value": working_hours}},
        "working_days": {
            "value": {"type": "checkboxes", "selected_options": [{"value": str(d)} for d in working_days]}
        },
        "self_rating": {
            "value": {"type": "radio_buttons", "selected_option": {"value": "2"} if role == "mentee" else None}
        },
    }


def open_join_modal(app: RunningApp, user_id: str) -> dict[str, Any]:
    before = len(app.slack.calls_to("views.open"))
    reply = app.driver.command(user_id, "join")
    assert reply.status == 200
    calls = wait_for(lambda: app.slack.calls_to("views.open")[before:])
    return calls[0].params["view"]


def join(app: RunningApp, user_id: str, **values: Any) -> Any:
    view = open_join_modal(app, user_id)
    return app.driver.submit_view(user_id, view, join_values(**values))


def join_and_match(app: RunningApp, mentor: str, mentee: str) -> None:
    """A London mentor and a New York mentee join through the modal and an admin matches and approves them."""
    app.slack.add_user(
        StandInUser(id=mentee, name="lee", real_name="Lee Senior", tz="America/New_York", tz_offset=-18000)
    )
    join(app, mentee, role="mentee", level="7", department="Marketing", offered=(), wanted=("Workplace culture",))
    join(app, mentor, role="mentor", level="2", department="Finance", offered=("Workplace culture",))
    run = match_flow.propose(app.db, app.driver.team_id, ADMIN)
    match_flow.approve(app.db, app.driver.team_id, run.id, ADMIN)
