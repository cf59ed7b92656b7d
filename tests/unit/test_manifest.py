"""manifest.yml creates the app in one step: valid against Slack's schema, and in step with the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(__file__).parents[1] / "support" / "data" / "manifest.schema.1.0.0.json").read_text())


def _manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_validates_against_slacks_published_schema() -> None:
    jsonschema.validate(_manifest(), SCHEMA)


def test_schema_rejects_a_manifest_with_an_unknown_setting() -> None:
    broken = _manifest()
    broken["settings"]["not_a_setting"] = True
    try:
        jsonschema.validate(broken, SCHEMA)
    except jsonschema.ValidationError as error:
        assert "not_a_setting" in error.message
    else:
        raise AssertionError("schema accepted an unknown setting")


def test_manifest_declares_the_command_events_and_interactivity_the_handlers_listen_for() -> None:
    manifest = _manifest()
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    handler_source = (ROOT / "handlers" / "commands.py").read_text()
    assert commands == set(re.findall(r'@app\.command\("([^"]+)"\)', handler_source))
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    listened = set()
    for path in (ROOT / "handlers").glob("*.py"):
        listened |= set(re.findall(r'@app\.event\("([^"]+)"\)', path.read_text()))
    assert events == listened
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_manifest_asks_only_for_scopes_the_code_uses() -> None:
    """Each bot scope maps to a Web API method the code calls; an unused scope fails this test."""
    needs = {
        "commands": [r"@app\.command"],
        "chat:write": [r"chat_postMessage|chat\.postMessage"],
        "im:write": [r"conversations_open|conversations\.open"],
        "mpim:write": [r"conversations_open|conversations\.open"],
        "im:history": [r"conversations_history"],
        "channels:history": [r"conversations_history"],
        "users:read": [r"users_info"],
        "users:read.email": [r"users_lookupByEmail"],
        "usergroups:read": [r"usergroups_users_list"],
        "files:read": [r"url_private"],
        "files:write": [r"files_upload_v2"],
    }
    sources = [p for d in ("bot", "handlers") for p in (ROOT / d).rglob("*.py") if "simulation" not in p.parts]
    code = "\n".join(p.read_text() for p in sources)
    scopes = _manifest()["oauth_config"]["scopes"]["bot"]
    assert set(scopes) <= set(needs), f"unexplained scopes: {set(scopes) - set(needs)}"
    unused = [s for s in scopes if not any(re.search(p, code) for p in needs[s])]
    assert unused == [], f"scopes the code does not use: {unused}"


def test_the_outbox_never_asks_to_read_a_group_dm_or_a_private_channel() -> None:
    """Reading a pair's group DM means reading their private conversation; a private channel, its members'.
    The outbox accepts one possible duplicate there after a crash instead (docs/delivery.md)."""
    scopes = set(_manifest()["oauth_config"]["scopes"]["bot"])
    assert {"mpim:history", "groups:history"} & scopes == set()
    assert {"im:history", "channels:history"} <= scopes
