"""Interaction payloads are read in one place each: button values in handlers/payload.py, submitted modals
(and their private_metadata) in handlers/forms.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handlers.forms import Submission
from handlers.payload import button_value

HANDLERS = Path(__file__).resolve().parents[2] / "handlers"


def test_button_value_reads_a_buttons_json_and_a_select_menus_chosen_option() -> None:
    assert button_value({"actions": [{"value": json.dumps({"pair": 7, "v": 2})}]}) == {"pair": 7, "v": 2}
    chosen = {"actions": [{"selected_option": {"value": json.dumps({"run": 3, "without": 9})}}]}
    assert button_value(chosen) == {"run": 3, "without": 9}
    assert button_value({"actions": [{}]}) == {}
    assert button_value({"actions": [{"value": "[1, 2]"}]}) == {}  # not an object: nothing to read


def test_a_forged_button_value_that_is_not_json_is_refused() -> None:
    with pytest.raises(json.JSONDecodeError):
        button_value({"actions": [{"value": "pair=7"}]})


def test_private_metadata_is_read_by_the_submission() -> None:
    assert Submission({"private_metadata": json.dumps({"checkin": 5})}).metadata == {"checkin": 5}
    assert Submission({}).metadata == {}


def test_no_listener_parses_json_itself() -> None:
    """Button values and private_metadata were decoded by hand in nine and five places."""
    readers = {"payload.py", "forms.py"}
    parsing = sorted(p.name for p in HANDLERS.glob("*.py") if p.name not in readers and "json.loads" in p.read_text())
    assert parsing == []
