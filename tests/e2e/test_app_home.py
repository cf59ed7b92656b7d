"""App Home through signed requests and the strict Web API stand-in: what the app publishes, Slack accepts."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.matching import rounds as match_flow
from bot.sessions import scheduling as sessions
from bot.simulation.standin import StandInUser
from storage.models import Pair
from tests.support.flows import join, wait_for
from tests.support.harness import ADMIN, RunningApp

MENTOR, MENTEE = "U0JUNIOR", "U0LEE"


def _paired_with_a_next_session(app: RunningApp) -> int:
    app.slack.add_user(StandInUser(id=MENTEE, name="lee", real_name="Lee Senior", tz="America/New_York"))
    join(app, MENTEE, role="mentee", level="7", department="Marketing", offered=(), wanted=("Workplace culture",))
    join(app, MENTOR, role="mentor", level="2", department="Finance", offered=("Workplace culture",))
    run = match_flow.propose(app.db, app.driver.team_id, ADMIN)
    match_flow.approve(app.db, app.driver.team_id, run.id, ADMIN)
    with app.db.unit_of_work() as session:
        pair_id = session.scalars(select(Pair.id)).one()
    now = app.services.clock.now()
    scheduled = sessions.schedule(
        app.db, app.driver.team_id, pair_id, MENTOR, now + timedelta(days=3), override_hours=True, now=now
    )
    assert scheduled.ok and scheduled.session_id
    return scheduled.session_id


def _published_home(app: RunningApp, user: str) -> Any:
    """The answer to the views.publish that follows this moment's app_home_opened for `user`."""
    before = len(app.slack.calls_to("views.publish"))
    app.driver.home_opened(user)
    calls = wait_for(
        lambda: [
            c
            for c in app.slack.calls_to("views.publish")[before:]
            if c.params["user_id"] == user and c.response is not None
        ]
    )
    return calls[-1].response


def test_app_home_of_a_paired_person_with_a_next_session_publishes(running_app: RunningApp) -> None:
    """Before: "Schedule a session" and "Reschedule next" shared one action_id in one actions block, and Slack
    (so the strict stand-in) refused the whole view: App Home stopped updating for everyone with a session."""
    next_session = _paired_with_a_next_session(running_app)
    for user in (MENTOR, MENTEE):
        answer = _published_home(running_app, user)
        assert answer["ok"], answer
        home = running_app.slack.home_tabs[user]
        assert "Reschedule next" in json.dumps(home)

    reschedule = next(
        element
        for block in running_app.slack.home_tabs[MENTOR]["blocks"]
        for element in block.get("elements", [])
        if element.get("text", {}).get("text") == "Reschedule next"
    )
    before = len(running_app.slack.calls_to("views.open"))
    running_app.driver.click(MENTOR, reschedule["action_id"], reschedule["value"], container_type="view")
    opened = wait_for(lambda: [c for c in running_app.slack.calls_to("views.open")[before:] if c.response])[0]
    assert opened.response["ok"], opened.response
    assert json.loads(opened.params["view"]["private_metadata"])["replaces"] == next_session
