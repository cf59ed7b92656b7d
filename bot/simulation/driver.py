"""Plays Slack's part for tests and the offline demo: real, signed requests (slash commands, view submissions,
clicks, events) POSTed into the app's HTTP server, shaped after the captures in bot/simulation/data/inbound/."""

from __future__ import annotations

import copy
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.simulation.block_rules import view_errors
from bot.simulation.signing import form_body, payload_body, signed_headers, slack_time

INBOUND = Path(__file__).parent / "data" / "inbound"


def _capture(name: str) -> dict[str, Any]:
    return json.loads((INBOUND / name).read_text())


class RefusedView(AssertionError):
    """The app answered a view submission with a view Slack would refuse (its ``[ERROR]`` lines)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("Slack would refuse the view the app answered with: " + "; ".join(errors))
        self.errors = errors


@dataclass
class Reply:
    status: int
    body: str
    seconds: float

    def json(self) -> dict[str, Any]:
        return json.loads(self.body) if self.body else {}


class SlackDriver:
    """Plays Slack's part: signs each request with the app's signing secret and POSTs it."""

    def __init__(self, app_url: str, signing_secret: str, team_id: str, trigger_source: Any) -> None:
        self.events_url = app_url.rstrip("/") + "/slack/events"
        self.secret = signing_secret
        self.team_id = team_id
        self.trigger_source = trigger_source  # the stand-in, which issues trigger_ids it will accept

    def post(self, body: str, content_type: str, headers: dict[str, str] | None = None) -> Reply:
        all_headers = signed_headers(self.secret, body, content_type=content_type)
        all_headers.update(headers or {})
        request = urllib.request.Request(self.events_url, data=body.encode(), headers=all_headers, method="POST")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Reply(response.status, response.read().decode(), time.perf_counter() - started)
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode(), time.perf_counter() - started)

    def submit_view(self, user_id: str, view: dict[str, Any], values: dict[str, Any]) -> Reply:
        """A view_submission; a view the app answers with (``response_action`` update or push) is checked as
        Slack checks it, and one Slack would refuse raises ``RefusedView`` (Slack shows the person an error)."""
        reply = self._submit_view(user_id, view, values)
        answer = reply.json() if reply.body.startswith("{") else {}
        if answer.get("response_action") in ("update", "push") and isinstance(answer.get("view"), dict):
            errors = view_errors(answer["view"], "/view")
            if errors:
                raise RefusedView(errors)
        return reply

    def command(self, user_id: str, text: str, channel_id: str = "C0PROGRAM") -> Reply:
        fields = dict(urllib.parse.parse_qsl((INBOUND / "slash_command.bolt-python-test.form.txt").read_text()))
        fields.pop("enterprise_id", None)
        fields.pop("enterprise_name", None)
        fields.update(
            team_id=self.team_id,
            user_id=user_id,
            user_name=user_id.lower(),
            channel_id=channel_id,
            command="/reverse-mentor",
            text=text,
            trigger_id=self.trigger_source.new_trigger_id(),
            response_url=self.trigger_source.response_url(f"cmd-{user_id}"),
        )
        return self.post(form_body(fields), "application/x-www-form-urlencoded")

    def _from(self, payload: dict[str, Any], user_id: str) -> None:
        """Who an interaction comes from, in this team, with a fresh trigger id (Slack issues one per click)."""
        payload["team"] = {"id": self.team_id, "domain": "example"}
        payload["user"] = {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": self.team_id}
        payload["trigger_id"] = self.trigger_source.new_trigger_id()

    def _submit_view(self, user_id: str, view: dict[str, Any], values: dict[str, Any]) -> Reply:
        payload = _capture("view_submission.plain_text_input.real-capture.heybot.json")
        self._from(payload, user_id)
        submitted = copy.deepcopy(view)
        submitted.setdefault("id", "V0SUBMIT")
        submitted["team_id"] = self.team_id
        submitted["state"] = {"values": values}
        submitted.setdefault("private_metadata", "")
        payload["view"] = submitted
        return self.post(payload_body(payload), "application/x-www-form-urlencoded")

    def click(
        self,
        user_id: str,
        action_id: str,
        value: str = "",
        *,
        channel_id: str = "D0DM",
        message: dict[str, Any] | None = None,
        block_id: str = "b",
        container_type: str = "message",
        selected: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
    ) -> Reply:
        payload = _capture("block_actions.button.DM.real-capture.heybot.json")
        self._from(payload, user_id)
        payload["response_url"] = self.trigger_source.response_url(f"act-{user_id}")
        payload["channel"] = {"id": channel_id, "name": "directmessage"}
        payload["container"] = {
            "type": container_type,
            "message_ts": "1600857119.015400",
            "channel_id": channel_id,
        }
        if container_type == "view" or view is not None:
            payload["container"] = {"type": "view", "view_id": (view or {}).get("id", "V0HOME")}
            payload.pop("message", None)
            payload.pop("channel", None)
            if view is not None:
                payload["view"] = view
        elif message is not None:
            payload["message"] = message
            payload["container"]["message_ts"] = message.get("ts", "1600857119.015400")
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id,
            "type": "button",
            "value": value,
            "action_ts": f"{slack_time():.6f}",
        }
        if selected:
            action.update(selected)
        payload["actions"] = [action]
        return self.post(payload_body(payload), "application/x-www-form-urlencoded")

    def event(self, event: dict[str, Any], event_id: str = "Ev0001") -> Reply:
        envelope = {
            "token": "verification",
            "team_id": self.team_id,
            "api_app_id": "A0APP",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(slack_time()),
        }
        return self.post(json.dumps(envelope), "application/json")

    def home_opened(self, user_id: str) -> Reply:
        event = _capture("app_home_opened.home_tab.slack-docs-event.json")["event"]
        event["user"] = user_id
        event["view"]["team_id"] = self.team_id
        return self.event(event, event_id=f"Ev{int(slack_time() * 1e6)}")
