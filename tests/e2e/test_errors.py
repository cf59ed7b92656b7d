"""A listener that fails after the ack tells the person privately instead of leaving them waiting."""

from __future__ import annotations

from handlers.errors import SORRY
from tests.support.flows import wait_for
from tests.support.harness import ADMIN, RunningApp


def test_a_failure_after_the_ack_is_answered_with_a_private_apology(running_app: RunningApp) -> None:
    reply = running_app.driver.click(ADMIN, "pairs_nudge_now", "not json", container_type="view")
    assert reply.status == 200  # acknowledged first; the failure comes after
    sorry = wait_for(lambda: [m for m in running_app.slack.messages(ADMIN) if m.get("text") == SORRY])
    assert len(sorry) == 1
