"""Pairs with a week of sessions before MONDAY, for the digest's posting and its schedule end to end: six
pairs that each held a session, two of them at risk (the senior cancelled 2 of the last 3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.factories import add_session, make_pair
from tests.support.harness import ADMIN, TEAM_ID, RunningApp

TEAM = TEAM_ID
CHANNEL = "C0PROGRAM"
MONDAY = datetime(2026, 11, 16, 10, tzinfo=UTC)  # a weekday morning: no quiet hours in UTC
DIGEST_SETTINGS = {"ADMIN_USER_IDS": ADMIN, "DIGEST_CHANNEL": CHANNEL}  # for run_job


def digest_pairs(app: RunningApp, pairs: int = 6) -> list[int]:
    ids = [make_pair(app.db, TEAM, f"U0M{i}", f"U0S{i}", created_at=MONDAY - timedelta(days=30)) for i in range(pairs)]
    for n, pair_id in enumerate(ids):
        add_session(app.db, TEAM, pair_id, MONDAY - timedelta(days=3), state="held")
        if n < 2:  # two pairs whose senior cancelled 2 of the last 3: at risk
            for days in (2, 1):
                add_session(
                    app.db, TEAM, pair_id, MONDAY - timedelta(days=days), state="cancelled", cancelled_by="senior"
                )
    return ids
