"""Calendar invites for a pair's sessions: the iCalendar file (RFC 5545, through `icalendar`) and the words
and links posted beside it.

What an invite holds is deliberately little (docs/privacy.md): a senior's calendar is often read by an
assistant, so it carries a neutral title, the time, CLASS:PRIVATE and a link back to the pair in Slack, and
never ground rules, off-limits topics or anything either person typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from icalendar import Calendar, Event

from bot.messages.checkins import when_text
from bot.messages.escaping import escape

PRODID = "-//Reverse mentoring bot//Calendar invites//EN"
FILENAME = "reverse-mentoring-session.ics"
DURATIONS = (30, 45, 60, 90, 120)  # minutes offered by the schedule modal
DEFAULT_DURATION = 60


@dataclass(frozen=True)
class Invite:
    """One person's invite for one session: `partner_name` is the other person's (plain text, as typed)."""

    uid: str
    sequence: int
    start: datetime
    minutes: int
    partner_name: str
    pair_link: str
    cancelled: bool = False
    stamp: datetime | None = None  # DTSTAMP: when the invite was made (programme time)

    @property
    def end(self) -> datetime:
        return _utc(self.start) + timedelta(minutes=self.minutes)

    @property
    def title(self) -> str:
        return f"Reverse mentoring with {self.partner_name}"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def invite_uid(root_session_id: int, team_id: str) -> str:
    """Stable for a session and every reschedule of it: the id of the first session in the chain."""
    return f"session-{root_session_id}-{team_id.lower()}@reverse-mentoring.invalid"


def pair_link(team_id: str, channel_id: str | None) -> str:
    """Slack's redirect to the pair's group DM (or to the workspace while the DM's id is not known yet)."""
    query = {"team": team_id} | ({"channel": channel_id} if channel_id else {})
    return f"https://slack.com/app_redirect?{urlencode(query)}"


def ics_bytes(invite: Invite) -> bytes:
    """The .ics file: METHOD:PUBLISH (an entry to add, not a meeting request to answer), times in UTC."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", _utc(invite.stamp or invite.start))
    event.add("dtstart", _utc(invite.start))
    event.add("dtend", invite.end)
    event.add("summary", invite.title)
    event.add("class", "PRIVATE")
    event.add("status", "CANCELLED" if invite.cancelled else "CONFIRMED")
    event.add("url", invite.pair_link)
    event.add("description", f"Your pair in Slack: {invite.pair_link}")
    calendar.add_component(event)
    return calendar.to_ical()


def _stamp(moment: datetime) -> str:
    return _utc(moment).strftime("%Y%m%dT%H%M%SZ")


def google_link(invite: Invite) -> str:
    query = {
        "action": "TEMPLATE",
        "text": invite.title,
        "dates": f"{_stamp(invite.start)}/{_stamp(invite.end)}",
        "details": f"Your pair in Slack: {invite.pair_link}",
    }
    return f"https://calendar.google.com/calendar/render?{urlencode(query)}"


def outlook_link(invite: Invite) -> str:
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": invite.title,
        "startdt": _utc(invite.start).isoformat().replace("+00:00", "Z"),
        "enddt": invite.end.isoformat().replace("+00:00", "Z"),
        "body": f"Your pair in Slack: {invite.pair_link}",
    }
    return f"https://outlook.office.com/calendar/0/deeplink/compose?{urlencode(query)}"


def invite_comment(user_id: str, invite: Invite) -> str:
    """The message posted with the file (mrkdwn): whose it is, what changed, and the add links."""
    partner = escape(invite.partner_name)
    if invite.cancelled:
        return (
            f"<@{user_id}>, your session with {partner} on {when_text(invite.start)} is cancelled: this file "
            "marks it cancelled in your calendar. If your calendar app doesn't update the entry, delete it."
        )
    lead = "the new time for" if invite.sequence else "a calendar entry for"
    text = (
        f"<@{user_id}>, here is {lead} your session with {partner}, {when_text(invite.start)} "
        f"({invite.minutes} minutes). <{google_link(invite)}|Add to Google Calendar> · "
        f"<{outlook_link(invite)}|Add to Outlook>"
    )
    if invite.sequence:
        text += "\nIf your calendar app doesn't replace the old entry with this one, delete the old entry."
    return text
