"""Signing Slack requests the way Slack does (v0 HMAC-SHA256 over `v0:timestamp:body`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
from typing import Any


def slack_time() -> float:
    """Slack's side of the wire keeps real time (docs/time.md): a request's signature timestamp must be within
    five minutes of the verifier's real clock, whatever programme time the app runs at."""
    return time.time()  # noqa: TID251 - Slack's signature timestamps are real wall time, not programme time


def signature(secret: str, timestamp: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


def signed_headers(secret: str, body: str, timestamp: int | None = None, content_type: str = "") -> dict[str, str]:
    ts = str(int(slack_time()) if timestamp is None else timestamp)
    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature(secret, ts, body)}
    if content_type:
        headers["Content-Type"] = content_type
    return headers


def form_body(fields: dict[str, str]) -> str:
    return urllib.parse.urlencode(fields)


def payload_body(payload: dict[str, Any]) -> str:
    """Interactivity requests arrive as a form with one `payload` field holding JSON."""
    return urllib.parse.urlencode({"payload": json.dumps(payload)})
