"""The one way to build a WebClient: pointed at SLACK_API_URL, and waiting out 429s instead of failing."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)


def make_client(token: str | None, api_url: str, timeout: int = 30) -> WebClient:
    # slack_sdk retries only connection errors unless told; Slack asks us to honour Retry-After on 429.
    handlers = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=5),
        ServerErrorRetryHandler(max_retry_count=2),
    ]
    return WebClient(token=token, base_url=api_url, timeout=timeout, retry_handlers=handlers)


def before_ack(client: WebClient, timeout: int = 1) -> WebClient:
    """The same workspace for a call made before Slack is answered (3 s): one quick try, no waiting out a
    429's Retry-After. Callers treat a failure (SlackApiError, or OSError when slow or unreachable) as
    'no word from Slack' and go on."""
    return WebClient(token=client.token, base_url=client.base_url, timeout=timeout, retry_handlers=[])
