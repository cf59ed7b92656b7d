"""Small readers of Slack interaction payloads shared by the listeners."""

from __future__ import annotations

from typing import Any


def team_of(body: dict[str, Any]) -> str:
    """The workspace an interaction came from (block_actions and view_submission carry it in two places)."""
    return (body.get("team") or {}).get("id") or body["user"]["team_id"]
