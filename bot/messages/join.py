"""The join / profile modal: building it from a prefill, and reading a submission back into a JoinForm."""

from __future__ import annotations

from typing import Any

from bot.messages.blocks import context, input_block, modal, option, plain, section
from bot.messages.escaping import escape
from bot.participants.views import CADENCES, JoinPrefill

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

CALLBACK_ID = "join_modal"
ROLE_OPTIONS = {
    "mentor": ("Mentor", "I'm the junior person: I lead and share my perspective"),
    "mentee": ("Mentee", "I'm a senior leader: I listen and learn"),
}
FORMAT_OPTIONS = {"in_person": "In person", "video": "Video call", "either": "Either"}
CONSENT = "consent"


def _radio(action_id: str, options: dict[str, Any], initial: str | None) -> dict[str, Any]:
    built = []
    for value, label in options.items():
        text, description = (label, None) if isinstance(label, str) else label
        opt = option(text, value)
        if description:
            opt["description"] = plain(description)
        built.append(opt)
    element: dict[str, Any] = {"type": "radio_buttons", "action_id": action_id, "options": built}
    chosen = [o for o in built if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return element


def _multi(action_id: str, topics: tuple[str, ...], initial: tuple[str, ...]) -> dict[str, Any]:
    options = [option(t, t) for t in topics]
    element: dict[str, Any] = {
        "type": "multi_static_select",
        "action_id": action_id,
        "placeholder": plain("Choose topics"),
        "options": options,
    }
    chosen = [o for o in options if o["value"] in initial]
    if chosen:
        element["initial_options"] = chosen
    return element


def _text(action_id: str, initial: str, multiline: bool = False, max_length: int | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": action_id, "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    if max_length:
        # One more than the limit so that an over-long paste reaches our inline error, not a silent cut.
        element["max_length"] = max_length + 1
    return element


def _days(initial: tuple[int, ...]) -> dict[str, Any]:
    options = [option(name, str(day)) for day, name in enumerate(DAY_NAMES)]
    element: dict[str, Any] = {"type": "checkboxes", "action_id": "value", "options": options}
    chosen = [o for o in options if int(o["value"]) in initial]
    if chosen:
        element["initial_options"] = chosen
    return element


CHART_BLOCK = "from_org_chart"


def org_chart_line(prefill: JoinPrefill) -> str:
    """Department, level and manager as the org chart has them: shown, never asked (the chart wins)."""
    parts = [f"Department: {escape(prefill.department) or 'not given'}"]
    parts.append(f"Level {prefill.level}" if prefill.level is not None else "Level not given")
    parts.append(f"Manager: <@{prefill.manager_user_id}>" if prefill.manager_user_id else "No manager listed")
    return f"{' · '.join(parts)} (from the org chart). Wrong? Ask a programme admin to correct the org chart."


def _org_blocks(prefill: JoinPrefill, level: dict[str, Any], manager: dict[str, Any]) -> list[dict[str, Any]]:
    """Read-only for someone in the org chart; otherwise the three questions, kept as self-reported."""
    if prefill.from_org_chart:
        block = context(org_chart_line(prefill))
        block["block_id"] = CHART_BLOCK
        return [block]
    return [
        input_block("department", "Department", _text("value", prefill.department, max_length=120)),
        input_block("level", "Job level", level, hint="A whole number; higher means more senior."),
        input_block("manager", "Your manager", manager, optional=True),
    ]


def join_modal(prefill: JoinPrefill) -> dict[str, Any]:
    level: dict[str, Any] = {
        "type": "number_input",
        "action_id": "value",
        "is_decimal_allowed": False,
        "min_value": "1",
        "max_value": "20",
    }
    if prefill.level is not None:
        level["initial_value"] = str(prefill.level)
    manager: dict[str, Any] = {
        "type": "users_select",
        "action_id": "value",
        "placeholder": plain("Your manager"),
    }
    if prefill.manager_user_id:
        manager["initial_user"] = prefill.manager_user_id
    cadence_options = {str(d): f"Every {d // 7} weeks" for d in CADENCES}
    consent_option = option("I agree", "yes")
    consent_option["description"] = plain(
        "What my partner and I say stays between us; the bot reports only counts and averages."
    )
    consent: dict[str, Any] = {"type": "checkboxes", "action_id": "value", "options": [consent_option]}
    if prefill.consent:
        consent["initial_options"] = [consent_option]
    greeting = f"Hi {escape(prefill.name)}! " if prefill.name else ""  # a Slack profile name, typed by its owner
    intro = "You're updating your profile." if prefill.already_joined else "Tell us a little about you to join."
    blocks = [
        section(f"{greeting}{intro} Reverse mentoring pairs a junior mentor with a senior leader who listens."),
        input_block("role", "I join as", _radio("value", ROLE_OPTIONS, prefill.role)),
        *_org_blocks(prefill, level, manager),
        input_block(
            "topics_offered",
            "Topics you can offer (mentors)",
            _multi("value", prefill.topics, prefill.topics_offered),
            optional=True,
        ),
        input_block(
            "topics_wanted",
            "Topics you want to learn (mentees)",
            _multi("value", prefill.topics, prefill.topics_wanted),
            optional=True,
        ),
        input_block(
            "perspectives",
            "Perspectives you bring",
            _text("value", prefill.perspectives, multiline=True, max_length=500),
            optional=True,
            hint="Self-described, in your own words; only your partner sees this.",
        ),
        input_block(
            "off_limits",
            "Topics that are off-limits for you",
            _text("value", prefill.off_limits, multiline=True, max_length=500),
            optional=True,
        ),
        input_block("format", "How would you like to meet?", _radio("value", FORMAT_OPTIONS, prefill.format)),
        input_block("cadence", "How often?", _radio("value", cadence_options, str(prefill.cadence_days))),
        input_block(
            "self_rating",
            "Mentees: how well do you understand your chosen topics today?",
            _radio("value", {str(n): str(n) for n in range(1, 6)}, str(prefill.self_rating or "")),
            optional=True,
            hint="1 = hardly at all, 5 = very well. We ask again when the cohort closes.",
        ),
        input_block(
            "working_hours",
            "Your working hours",
            _text("value", prefill.working_hours),
            optional=True,
            hint="On your own clock, in your Slack time zone, e.g. 09:00-17:00. Used to suggest session times.",
        ),
        input_block("working_days", "Your working days", _days(prefill.working_days), optional=True),
        input_block(CONSENT, "Confidentiality", consent),
    ]
    title = "Your profile" if prefill.already_joined else "Join the programme"
    return modal(CALLBACK_ID, title, blocks, submit="Save" if prefill.already_joined else "Join")
