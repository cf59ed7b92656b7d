"""A click sends only what its own unit of work queued (docs/delivery.md, "Who sends").

Before, several listeners ran the sender over every due row of every team inside the request, with the
clicking team's token: another workspace's messages went out with the wrong token, and a click waited for
everybody's backlog.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from storage.models import OutboxMessage
from storage.queries import outbox as queries
from tests.support.factories import make_pair
from tests.support.flows import wait_for
from tests.support.harness import ADMIN, RunningApp

TEAM = "T0TEAM"


def test_a_nudge_click_sends_its_nudges_and_leaves_other_teams_and_other_requests_rows_alone(
    running_app: RunningApp,
) -> None:
    pair_id = make_pair(running_app.db, TEAM, "U0M1", "U0S1")
    with running_app.db.unit_of_work() as session:  # due now, queued by someone else
        theirs = queries.enqueue(session, "T0OTHER", "theirs", "chat.postMessage", {"channel": "C9", "text": "x"})
        boss = {"channel": "U0BOSS", "text": "y"}
        not_this_click = queries.enqueue(session, TEAM, "not-this-click", "chat.postMessage", boss)
        untouched = {theirs.id, not_this_click.id}

    running_app.driver.click(ADMIN, "pairs_nudge_now", json.dumps({"pair": pair_id}), container_type="view")

    wait_for(lambda: [m for m in running_app.slack.messages(ADMIN) if "udged" in m.get("text", "")])
    nudges = [m for m in running_app.slack.messages() if "friendly nudge" in m.get("text", "")]
    assert sorted(m.get("requested_channel") or m["channel"] for m in nudges) == ["U0M1", "U0S1"]
    assert running_app.slack.messages("C9") == [] and running_app.slack.messages("U0BOSS") == []
    with running_app.db.unit_of_work() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(untouched))).all()
        assert {r.status for r in rows} == {"pending"}
