"""Check-in reconciliation: what a session counts as, from both parties' private answers. Pure, no I/O;
`bot.sessions.checkins` stores the answers and applies the verdict.

Rules (docs/programme.md, Check-ins): a session counts as held when at least one party says held and neither says
cancelled; a cancellation is attributed to the side the canceller's own answer names ("I cancelled"), or
else the side the other party's answer names ("they cancelled"); when both answers point the same kind of
way at different sides (both "I cancelled", or both "they cancelled"), it counts against the senior side,
whose cancelling the programme watches, so the verdict never depends on who answered first; a reschedule
moves the session to the earliest new time either party gave.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

OUTCOMES = ("held", "i_cancelled", "they_cancelled", "rescheduled")
OTHER_SIDE = {"senior": "junior", "junior": "senior"}


@dataclass(frozen=True)
class Answer:
    side: str  # "senior" | "junior": who answered
    outcome: str | None
    rescheduled_to: datetime | None = None


@dataclass(frozen=True)
class Verdict:
    state: str  # scheduled | held | cancelled | rescheduled
    cancelled_by: str | None = None
    rescheduled_to: datetime | None = None


def reconcile(answers: Sequence[Answer]) -> Verdict:
    """Both accounts are kept; this decides what the session counts as."""
    own = [a.side for a in answers if a.outcome == "i_cancelled"]
    named = [OTHER_SIDE[a.side] for a in answers if a.outcome == "they_cancelled"]
    if own or named:
        return Verdict("cancelled", cancelled_by=_one_side(own or named))
    if any(a.outcome == "held" for a in answers):
        return Verdict("held")
    moved = [a.rescheduled_to for a in answers if a.outcome == "rescheduled" and a.rescheduled_to]
    if moved:
        return Verdict("rescheduled", rescheduled_to=min(moved))
    return Verdict("scheduled")


def _one_side(sides: list[str]) -> str:
    return "senior" if "senior" in sides else sides[0]
