"""The signed-request driver: a view the app answers a submission with is checked as Slack checks it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.simulation.driver import RefusedView, SlackDriver
from bot.simulation.standin import SlackStandIn

PLAIN = {"type": "plain_text", "text": "Import"}
INPUT = {"type": "input", "label": PLAIN, "element": {"type": "plain_text_input", "action_id": "a"}}


@contextmanager
def _app_answering(answer: dict[str, Any]) -> Iterator[str]:
    class Ack(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ack)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


def _submit(url: str, slack: SlackStandIn) -> Any:
    driver = SlackDriver(url, "secret", "T0TEAM", slack)
    return driver.submit_view("U0ADMIN", {"type": "modal", "callback_id": "c"}, {})


@pytest.mark.parametrize("action", ["update", "push"])
def test_a_view_slack_would_refuse_in_a_submission_answer_raises(slack: SlackStandIn, action: str) -> None:
    no_submit = {"type": "modal", "title": PLAIN, "blocks": [INPUT]}  # inputs and no submit button
    with _app_answering({"response_action": action, "view": no_submit}) as url, pytest.raises(RefusedView) as refused:
        _submit(url, slack)
    assert refused.value.errors == [
        "[ERROR] missing required field: submit (a modal with inputs needs one) [json-pointer:/view/submit]"
    ]


def test_a_valid_view_in_a_submission_answer_is_returned(slack: SlackStandIn) -> None:
    valid = {"type": "modal", "title": PLAIN, "submit": PLAIN, "blocks": [INPUT]}
    with _app_answering({"response_action": "update", "view": valid}) as url:
        assert _submit(url, slack).json()["view"] == valid
