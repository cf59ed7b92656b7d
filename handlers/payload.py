"""Small readers of Slack interaction payloads shared by the listeners.

Button (and select menu) values live here rather than in handlers/forms.py: forms.py reads submitted
modals (`state.values`, and the `private_metadata` the app wrote when it opened one); a click on a message
or App Home button is not a form, and every listener that answers one reads it here.
"""

from __future__ import annotations

import json
from typing import Any


def team_of(body: dict[str, Any]) -> str:
    """The workspace an interaction came from (block_actions and view_submission carry it in two places)."""
    return (body.get("team") or {}).get("id") or body["user"]["team_id"]


def button_value(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON object the app put in the clicked button's `value` (or the chosen option's, for a select
    menu). Every button of this app carries one; a missing value reads as {}, and a value that is not JSON
    raises, as it always did (the app wrote it, so a bad one is a bug or a forged request)."""
    action = body["actions"][0]
    raw = (action.get("selected_option") or {}).get("value") or action.get("value") or "{}"
    value = json.loads(raw)
    return value if isinstance(value, dict) else {}
