"""The one escaping function every user-typed string passes before it is posted to Slack.

Slack's mrkdwn treats `<...>` as links and mentions (`<!channel>`, `<https://evil|Your bank>`), so `&`, `<`
and `>` are replaced by their entities (Slack's own rule), which shows the text as typed and spoofs nothing.
"""

from __future__ import annotations


def escape(text: str | None) -> str:
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
