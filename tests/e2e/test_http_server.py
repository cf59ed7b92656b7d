"""The production HTTP server: Slack's signature rules, health check, and acking fast."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.runtime.app import build_app
from bot.runtime.clock import SystemClock
from bot.runtime.server import BackgroundServer
from bot.simulation.signing import signature, signed_headers, slack_time
from storage.db import Database
from tests.support.harness import RunningApp

VECTOR = Path(__file__).parents[1] / "support" / "data" / "signing_test_vector.slack-docs.json"


def test_our_signing_matches_slacks_published_test_vector() -> None:
    vector = json.loads(VECTOR.read_text())
    computed = signature(vector["signing_secret"], vector["X-Slack-Request-Timestamp"], vector["body"])
    assert computed == vector["X-Slack-Signature"]


def test_a_forged_signature_gets_401_and_no_listener_runs(running_app: RunningApp) -> None:
    body = "command=%2Freverse-mentor&text=join&user_id=U0JUNIOR&team_id=T0TEAM&trigger_id=1.2.abc"
    headers = signed_headers("not-the-secret", body, content_type="application/x-www-form-urlencoded")
    reply = running_app.driver.post(body, "application/x-www-form-urlencoded", headers=headers)
    assert reply.status == 401
    time.sleep(0.2)
    assert running_app.slack.calls_to("views.open") == []


def test_a_timestamp_older_than_five_minutes_gets_401(running_app: RunningApp) -> None:
    body = "command=%2Freverse-mentor&text=help&user_id=U0JUNIOR&team_id=T0TEAM"
    stale = signed_headers(running_app.settings.signing_secret or "", body, timestamp=int(slack_time()) - 301)
    reply = running_app.driver.post(body, "application/x-www-form-urlencoded", headers=stale)
    assert reply.status == 401


def test_a_correctly_signed_request_is_accepted(running_app: RunningApp) -> None:
    reply = running_app.driver.command("U0JUNIOR", "help")
    assert reply.status == 200
    assert reply.json()["response_type"] == "ephemeral"


def test_url_verification_challenge_is_answered(running_app: RunningApp) -> None:
    body = json.dumps(
        {
            "token": "t",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    reply = running_app.driver.post(body, "application/json")
    assert reply.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in reply.body


def test_healthz_reports_the_database(running_app: RunningApp) -> None:
    with urllib.request.urlopen(running_app.server.url + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"ok": True}


def test_healthz_answers_a_generic_failure_and_logs_the_drivers_message(
    running_app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = Database("postgresql+psycopg://app:s3cret@127.0.0.1:1/mentoring", now=SystemClock().now)
    server = BackgroundServer(build_app(running_app.settings, running_app.services), unreachable).start()
    try:
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(server.url + "/healthz", timeout=10)
        assert failed.value.code == 503
        assert json.loads(failed.value.read()) == {"ok": False, "database": "unavailable"}
    finally:
        server.stop()
        unreachable.dispose()
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "bot.runtime.server")
    assert "127.0.0.1" in logged  # the driver's own words, for whoever runs the app


def test_a_slow_web_api_does_not_delay_the_ack(running_app: RunningApp) -> None:
    running_app.slack.set_delay("users.info", 2.0)
    reply = running_app.driver.command("U0JUNIOR", "join")
    assert reply.status == 200
    assert reply.seconds < 1.0
    deadline = time.monotonic() + 10  # let the slow call finish before the stand-in stops
    while not running_app.slack.calls_to("views.open") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running_app.slack.calls_to("views.open")
