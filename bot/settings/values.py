"""What an admin may set: every programme setting (`ProgrammeSettings`), the limits of each value, and what
the settings modal was opened on. Plain values, so the modal's builder (`bot.messages.settings`) can import
them without importing the settings service."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from bot.matching.rules import Weights

WEIGHT_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Weights))
DEFAULT_WEIGHTS: dict[str, float] = asdict(Weights())
WEIGHT_PREFIX = "matching_weights."

NAME_LIMIT = 120  # programmes.name is String(120)
OBJECTIVES_LIMIT = 3000
TOPIC_LIMIT = 75  # a Block Kit option's text holds 75 characters; topics become options in the join modal
MIN_TOPICS = 3
MAX_TOPICS = 100  # a multi_static_select holds 100 options

# block id -> (lowest, highest); whole numbers
WHOLE_NUMBERS: dict[str, tuple[int, int]] = {
    "cadence_days": (7, 90),  # the range a participant may choose for their own cadence
    "duration_days": (7, 1095),
    "nudge_cancel_n": (1, 10),
    "nudge_cancel_m": (1, 10),
    "reminder_delay_hours": (1, 336),
    "message_retention_days": (1, 3650),  # sent messages' stored text (docs/privacy.md, Retention)
}
# block id -> (lowest, highest); decimals allowed
DECIMALS: dict[str, tuple[float, float]] = {
    "stale_factor": (1.0, 10.0),
    **{f"weight_{name}": (0.0, 20.0) for name in WEIGHT_NAMES},
}


def weight_block(name: str) -> str:
    return f"weight_{name}"


@dataclass(frozen=True)
class ProgrammeSettings:
    """Every knob of a programme, as an admin sees and sets it (weights always complete)."""

    name: str
    objectives: str
    cadence_days: int
    duration_days: int
    digest_channel: str | None
    digest_weekday: int
    digest_hour: int
    timezone: str
    topics: tuple[str, ...]
    nudge_cancel_n: int
    nudge_cancel_m: int
    stale_factor: float
    reminder_delay_hours: int
    quiet_start_hour: int
    quiet_end_hour: int
    matching_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    admin_user_ids: tuple[str, ...] = ()
    admin_usergroup: str | None = None
    message_retention_days: int = 90

    def record(self) -> dict[str, Any]:
        """Flat, JSON-ready {field: value}: the shape change records are kept in."""
        flat: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "matching_weights":
                flat.update({WEIGHT_PREFIX + name: float(value[name]) for name in WEIGHT_NAMES})
            elif isinstance(value, tuple):
                flat[f.name] = list(value)
            else:
                flat[f.name] = value
        return flat


@dataclass(frozen=True)
class Opened:
    """What the modal was opened on: kept in its private_metadata to merge a save with others' changes."""

    programme_id: int
    seen_change_id: int
