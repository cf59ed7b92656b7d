"""The ground-rules edit form's rules."""

from __future__ import annotations

from bot.ground_rules import FIELD_LIMIT, validate

FILLED = {
    "topics": "AI tools",
    "off_limits": "",
    "meeting_place": "Café",
    "frequency": "Every 3 weeks",
    "confidentiality": "Stays between us",
}


def test_a_complete_draft_with_no_off_limits_is_valid() -> None:
    assert validate(FILLED) == {}


def test_empty_required_fields_and_over_long_text_are_inline_errors() -> None:
    errors = validate({**FILLED, "topics": "  ", "meeting_place": "x" * (FIELD_LIMIT + 1)})
    assert set(errors) == {"topics", "meeting_place"}
    assert str(FIELD_LIMIT) in errors["meeting_place"]
