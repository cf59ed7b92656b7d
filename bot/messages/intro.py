"""The pair's group DM: the intro, the ground rules to agree, and the modals to edit them and schedule."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.messages.blocks import (
    Block,
    actions,
    button,
    context,
    divider,
    header,
    input_block,
    modal,
    section,
)
from bot.messages.escaping import escape
from bot.pairs.views import MemberFacts, PairFacts, RulesFacts

FORMAT_WORDS = {"in_person": "prefers in person", "video": "prefers video", "either": "happy either way"}
RULE_LABELS = {
    "topics": "Topics we'll explore",
    "off_limits": "Off-limits",
    "meeting_place": "Where we meet",
    "frequency": "How often",
    "confidentiality": "Confidentiality",
}
EDIT_RULES_CALLBACK = "ground_rules_modal"


def _who(participant: MemberFacts, role_words: str) -> str:
    person = participant.person
    topics = participant.topics_offered if participant.role == "mentor" else participant.topics_wanted
    verb = "can share" if participant.role == "mentor" else "wants to learn about"
    line = f"<@{person.slack_user_id}>, {role_words}, {escape(person.department or 'no department given')}"
    if topics:
        line += f"; {verb} {escape(', '.join(topics))}"
    if participant.perspectives:
        line += f"\n> {escape(participant.perspectives)}"
    return line


def rules_sections(values: Mapping[str, str]) -> list[Block]:
    """One section per rule: five full fields (up to 1,000 characters each, longer once escaped) overflow the
    3,000 characters of a single section, which cut the last rules off."""
    return [section(f"*{label}:* {escape(values.get(name, '')) or '_(empty)_'}") for name, label in RULE_LABELS.items()]


def rules_blocks(rules: RulesFacts) -> list[Block]:
    return rules_sections({name: getattr(rules, name) for name in RULE_LABELS})


def rules_status(rules: RulesFacts) -> str:
    if rules.agreed_at is not None:
        return ":white_check_mark: Both of you agreed these ground rules."
    agreed = [
        who
        for who, v in (
            ("the mentor", rules.mentor_agreed_version),
            ("the mentee", rules.mentee_agreed_version),
        )
        if v == rules.version
    ]
    if agreed:
        return f"Agreed so far by {agreed[0]}; waiting for the other."
    return "Not agreed yet: read them together, edit anything, then both press *Agree*."


def rules_actions(pair_id: int, version: int) -> Block:
    value = json.dumps({"pair": pair_id, "v": version})
    return actions(
        button("Agree ground rules", "rules_agree", value, style="primary"),
        button("Edit ground rules", "rules_edit", value),
        button("Schedule our first session", "session_schedule_open", json.dumps({"pair": pair_id})),
        block_id=f"rules-{pair_id}",
    )


def intro_message(pair: PairFacts, mentor: MemberFacts, mentee: MemberFacts, rules: RulesFacts) -> dict[str, Any]:
    blocks: list[Block] = [
        header("Meet your reverse mentoring partner"),
        # one section each: two long perspectives and topic lists overflow one section's 3,000 characters
        section(_who(mentor, "the *mentor*")),
        section(_who(mentee, "the *mentee*")),
        section(f"*Why you two:* {escape(pair.reason)}"),
        section(
            f"In reverse mentoring the junior person leads. <@{mentor.person.slack_user_id}>, you set the agenda; "
            f"<@{mentee.person.slack_user_id}>, you listen, ask and learn. Leave career advice for another time."
        ),
        divider(),
        section("*Your ground rules (a draft to agree)*"),
        *rules_blocks(rules),
        context(rules_status(rules)),
        rules_actions(pair.id, rules.version),
    ]
    text = (
        f"Meet your reverse mentoring partner: <@{mentor.person.slack_user_id}> (mentor) and "
        f"<@{mentee.person.slack_user_id}> (mentee)."
    )
    return {"text": text, "blocks": blocks}


def rules_update_message(rules: RulesFacts, editor_user_id: str | None) -> dict[str, Any]:
    intro = f"<@{editor_user_id}> updated the ground rules." if editor_user_id else "Ground rules"
    blocks = [
        section(f"*{intro}*"),
        *rules_blocks(rules),
        context(rules_status(rules)),
        rules_actions(rules.pair_id, rules.version),
    ]
    return {"text": intro, "blocks": blocks}


def rules_agreed_message(rules: RulesFacts) -> dict[str, Any]:
    blocks = [
        section("*Ground rules agreed* :handshake: They're saved and shown on your App Home."),
        *rules_blocks(rules),
    ]
    return {"text": "Ground rules agreed.", "blocks": blocks}


def edit_rules_modal(rules: RulesFacts) -> dict[str, Any]:
    def field(name: str) -> Block:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": True,
            "max_length": 1001,
        }
        if getattr(rules, name):
            element["initial_value"] = getattr(rules, name)
        return input_block(name, RULE_LABELS[name], element, optional=name == "off_limits")

    blocks = [
        section("Edits ask both of you to agree again."),
        *[field(name) for name in RULE_LABELS],
    ]
    metadata = json.dumps({"pair": rules.pair_id, "v": rules.version})
    return modal(EDIT_RULES_CALLBACK, "Ground rules", blocks, submit="Save", private_metadata=metadata)
