"""The calendar invite builder, pure: names with characters iCalendar and Slack treat specially."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from bot.messages.invites import Invite, google_link, ics_bytes, invite_comment, invite_uid, outlook_link, pair_link

START = datetime(2027, 3, 28, 0, 30, tzinfo=UTC)  # the night Europe moves its clocks: UTC does not care


def _invite(name: str, **changes: object) -> Invite:
    base = Invite(
        uid=invite_uid(12, "T0TEAM"),
        sequence=0,
        start=START,
        minutes=90,
        partner_name=name,
        pair_link=pair_link("T0TEAM", "G0PAIR"),
    )
    return Invite(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def test_a_name_with_ical_special_characters_parses_back_exactly() -> None:
    name = 'O\'Neil, Ann; "Ops" \\ Lead'
    event = next(iter(Calendar.from_ical(ics_bytes(_invite(name))).walk("VEVENT")))
    assert str(event["SUMMARY"]) == f"Reverse mentoring with {name}"
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=90)
    assert str(event["UID"]) == "session-12-t0team@reverse-mentoring.invalid"


def test_the_comment_escapes_the_name_and_links_carry_utc_times() -> None:
    invite = _invite("<!channel> Bo")
    comment = invite_comment("U0ME", invite)
    assert "<!channel>" not in comment and "&lt;!channel&gt; Bo" in comment
    assert "dates=20270328T003000Z%2F20270328T020000Z" in google_link(invite)
    assert "startdt=2027-03-28T00%3A30%3A00Z" in outlook_link(invite)
    assert "replace the old entry" not in comment
    assert "replace the old entry" in invite_comment("U0ME", _invite("Bo", sequence=1))
    cancelled = invite_comment("U0ME", _invite("Bo", sequence=2, cancelled=True))
    assert "cancelled" in cancelled and "Add to Google Calendar" not in cancelled
