"""Support for mentors: short conversation guides for their topics and ground-rule tips.

Programme settings may replace any guide (Programme.mentor_guides: topic -> text, and "_tips")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

DEFAULT_GUIDES: dict[str, str] = {
    "Digital and social media": (
        "Show, don't tell: open the tools you use daily on your phone and walk through one real task together."
    ),
    "Data and AI tools": (
        "Pick one everyday task the leader does and try an AI or "
        "data tool on it live; talk about what surprised you both."
    ),
    "Diversity and inclusion": (
        "Start from a moment in your own week, not a statistic. Ask what the leader noticed; leave silences."
    ),
    "Lived experience": (
        "Share only what you choose to. Agree first what stays in the room; it's fine to say 'not today'."
    ),
    "Sustainability": "Bring one decision the organisation made recently and ask how it looks from the front line.",
    "Strategy and policy": "Ask the leader to explain a recent decision, then explain how it landed where you work.",
    "Workplace culture": (
        "Describe an ordinary day: the meetings, the tools, who you ask for help. Ask what surprised them."
    ),
}
DEFAULT_TIPS = (
    "You lead: bring the agenda, and steer back if the session turns into career advice for you.",
    "Meet somewhere neutral, not the senior's office.",
    "Agree what stays confidential at the start of every session.",
    "It's fine to cancel, and fine to say so when the other person keeps cancelling.",
)


def guides_for(topics: Sequence[str], overrides: Mapping[str, str] | None) -> list[tuple[str, str]]:
    overrides = overrides or {}
    return [
        (t, overrides.get(t) or DEFAULT_GUIDES.get(t, "")) for t in topics if overrides.get(t) or DEFAULT_GUIDES.get(t)
    ]


def tips(overrides: Mapping[str, str] | None) -> list[str]:
    custom = (overrides or {}).get("_tips")
    return [line.strip() for line in custom.splitlines() if line.strip()] if custom else list(DEFAULT_TIPS)
