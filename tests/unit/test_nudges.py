"""The pure nudge rules: who is nudged, about what, when (no database, no Slack)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.nudges.rules import (
    CHECKIN_REMINDER,
    ESCALATION,
    HELD,
    JUNIOR_CANCELLED,
    RESCHEDULED,
    SENIOR_CANCELLED,
    SENIOR_CANCELLING,
    STALE_PAIR,
    Member,
    Nudge,
    OpenCheckIn,
    PairHistory,
    PastSession,
    PreviousNudge,
    Thresholds,
    cancellation_nudges,
    checkin_reminders,
    decide_for_pair,
    outcome_of,
    sessions_subject,
    stale_nudges,
    without_repeats,
    working_time,
    zone_for,
)

T = Thresholds()
# Wednesday 10 January 2024, 12:00 UTC: a working hour for everyone in UTC.
NOW = datetime(2024, 1, 10, 12, 0, tzinfo=UTC)
SENIOR = Member("USENIOR", "UTC")
JUNIOR = Member("UJUNIOR", "UTC")
ADMINS = [Member("UADMIN1", "UTC"), Member("UADMIN2", "UTC")]


def history(*outcomes: str, last_session_at: datetime | None = None, **fields: object) -> PairHistory:
    """A pair whose sessions, a week apart and ending a day ago, had these outcomes (oldest first)."""
    recent = tuple(
        PastSession(100 + i, NOW - timedelta(days=1 + 7 * (len(outcomes) - 1 - i)), outcome)
        for i, outcome in enumerate(outcomes)
    )
    values: dict[str, object] = {
        "pair_id": 7,
        "senior": SENIOR,
        "junior": JUNIOR,
        "created_at": NOW - timedelta(days=90),
        "cadence_days": 21,
        "recent": recent,
        "last_session_at": last_session_at or NOW - timedelta(days=1),
    }
    values.update(fields)
    return PairHistory(**values)  # type: ignore[arg-type]


def logged(nudge: Nudge, created_at: datetime | None = None) -> PreviousNudge:
    return PreviousNudge(
        nudge.kind, nudge.recipient_user_id, nudge.pair_id, nudge.subject_key, nudge.due_at, created_at or nudge.due_at
    )


# --- senior cancelling ------------------------------------------------------------------------------------


def test_senior_cancelling_two_of_three_nudges_the_senior_only() -> None:
    nudges = cancellation_nudges(history(SENIOR_CANCELLED, HELD, SENIOR_CANCELLED), [], ADMINS, T, NOW)
    assert [(n.kind, n.recipient_user_id) for n in nudges] == [(SENIOR_CANCELLING, "USENIOR")]
    assert nudges[0].due_at == NOW
    assert nudges[0].subject_key == "pair:7:sessions:100,102"
    assert "2 of the last 3" in nudges[0].reason


def test_exactly_n_of_m_is_enough_and_n_minus_one_is_not() -> None:
    assert cancellation_nudges(history(HELD, SENIOR_CANCELLED, SENIOR_CANCELLED), [], ADMINS, T, NOW)
    assert not cancellation_nudges(history(HELD, HELD, SENIOR_CANCELLED), [], ADMINS, T, NOW)


def test_only_the_last_m_sessions_count() -> None:
    old_pattern = history(SENIOR_CANCELLED, SENIOR_CANCELLED, HELD, HELD, SENIOR_CANCELLED)
    assert not cancellation_nudges(old_pattern, [], ADMINS, T, NOW)


def test_junior_cancellations_and_reschedules_do_not_count_against_the_senior() -> None:
    assert not cancellation_nudges(history(JUNIOR_CANCELLED, RESCHEDULED, JUNIOR_CANCELLED), [], ADMINS, T, NOW)
    assert not cancellation_nudges(history(JUNIOR_CANCELLED, SENIOR_CANCELLED, RESCHEDULED), [], ADMINS, T, NOW)


def test_fewer_than_m_sessions_count_as_they_are() -> None:
    assert cancellation_nudges(history(SENIOR_CANCELLED, SENIOR_CANCELLED), [], ADMINS, T, NOW)
    assert not cancellation_nudges(history(SENIOR_CANCELLED), [], ADMINS, T, NOW)


def test_thresholds_come_from_the_programme() -> None:
    strict = Thresholds(cancel_n=1, cancel_m=1)
    assert cancellation_nudges(history(HELD, SENIOR_CANCELLED), [], ADMINS, strict, NOW)
    lenient = Thresholds(cancel_n=3, cancel_m=4)
    assert not cancellation_nudges(history(SENIOR_CANCELLED, HELD, SENIOR_CANCELLED), [], ADMINS, lenient, NOW)


def test_a_paused_senior_is_not_nudged() -> None:
    paused = history(SENIOR_CANCELLED, SENIOR_CANCELLED, senior=Member("USENIOR", "UTC", active=False))
    assert not cancellation_nudges(paused, [], ADMINS, T, NOW)


def test_the_same_cancellations_are_not_nudged_about_twice() -> None:
    pair = history(SENIOR_CANCELLED, HELD, SENIOR_CANCELLED)
    first = cancellation_nudges(pair, [], ADMINS, T, NOW)
    later = NOW + timedelta(days=30)
    assert not cancellation_nudges(pair, [logged(n) for n in first], ADMINS, T, later)


def _after_nudge(*more: str) -> tuple[PairHistory, list[PreviousNudge]]:
    """The senior was nudged about sessions 100 and 102; then `more` sessions happened."""
    nudge = cancellation_nudges(history(SENIOR_CANCELLED, HELD, SENIOR_CANCELLED), [], ADMINS, T, NOW)[0]
    outcomes = (SENIOR_CANCELLED, HELD, SENIOR_CANCELLED, *more)
    return history(*outcomes), [logged(nudge, created_at=NOW - timedelta(days=30))]


def test_one_more_senior_cancellation_after_the_nudge_escalates_to_every_admin() -> None:
    pair, previous = _after_nudge(SENIOR_CANCELLED)
    nudges = cancellation_nudges(pair, previous, ADMINS, T, NOW)
    assert [(n.kind, n.recipient_user_id) for n in nudges] == [(ESCALATION, "UADMIN1"), (ESCALATION, "UADMIN2")]
    assert {n.subject_key for n in nudges} == {"pair:7:sessions:103"}
    assert "again after a nudge" in nudges[0].reason


def test_escalation_never_tells_the_junior_or_the_senior_even_if_they_are_admins() -> None:
    pair, previous = _after_nudge(SENIOR_CANCELLED)
    nudges = cancellation_nudges(pair, previous, [JUNIOR, SENIOR, ADMINS[0]], T, NOW)
    assert [n.recipient_user_id for n in nudges] == ["UADMIN1"]


def test_a_held_session_after_the_nudge_escalates_nothing() -> None:
    pair, previous = _after_nudge(HELD)
    assert not cancellation_nudges(pair, previous, ADMINS, T, NOW)


def test_no_escalation_once_the_pattern_has_faded() -> None:
    # two sessions held since the nudge: one cancellation now is 1 of the last 3, not a pattern
    pair, previous = _after_nudge(HELD, HELD, SENIOR_CANCELLED)
    assert not cancellation_nudges(pair, previous, ADMINS, T, NOW)


def test_no_escalation_before_the_senior_has_had_the_nudge() -> None:
    pair, previous = _after_nudge(SENIOR_CANCELLED)
    deferred = [replace(p, due_at=NOW + timedelta(hours=3)) for p in previous]  # held back by quiet hours
    assert not cancellation_nudges(pair, deferred, ADMINS, T, NOW)


def test_after_an_escalation_the_count_starts_again() -> None:
    pair, previous = _after_nudge(SENIOR_CANCELLED)
    previous += [logged(n, created_at=NOW) for n in cancellation_nudges(pair, previous, ADMINS, T, NOW)]
    assert not cancellation_nudges(pair, previous, ADMINS, T, NOW)  # that cancellation is escalated already
    later = NOW + timedelta(days=1)
    one_more = history(SENIOR_CANCELLED, HELD, SENIOR_CANCELLED, SENIOR_CANCELLED, SENIOR_CANCELLED)
    assert not cancellation_nudges(one_more, previous, ADMINS, T, later)  # one new one is not N new ones
    two_more = history(SENIOR_CANCELLED, HELD, SENIOR_CANCELLED, SENIOR_CANCELLED, SENIOR_CANCELLED, SENIOR_CANCELLED)
    renewed = cancellation_nudges(two_more, previous, ADMINS, T, later)
    assert [(n.kind, n.recipient_user_id, n.subject_key) for n in renewed] == [
        (SENIOR_CANCELLING, "USENIOR", "pair:7:sessions:104,105")
    ]


def test_a_late_recorded_cancellation_of_an_earlier_session_also_counts_once() -> None:
    # the nudge was about 100 and 102; session 101 (held before) is now recorded as a senior cancellation
    nudge = cancellation_nudges(history(SENIOR_CANCELLED, HELD, SENIOR_CANCELLED), [], ADMINS, T, NOW)[0]
    changed = history(SENIOR_CANCELLED, SENIOR_CANCELLED, SENIOR_CANCELLED)
    nudges = cancellation_nudges(changed, [logged(nudge, NOW - timedelta(days=1))], ADMINS, T, NOW)
    assert {(n.kind, n.subject_key) for n in nudges} == {(ESCALATION, "pair:7:sessions:101")}


def test_subject_keys_fit_the_column() -> None:
    subject = sessions_subject(123456, range(10_000_000, 10_000_020))
    assert len(subject) <= 120
    assert subject.endswith("10000019")


def test_outcome_of_stored_states() -> None:
    assert outcome_of("cancelled", "senior") == SENIOR_CANCELLED
    assert outcome_of("cancelled", "junior") == JUNIOR_CANCELLED
    assert outcome_of("held", None) == HELD
    assert outcome_of("rescheduled", None) == RESCHEDULED
    assert outcome_of("scheduled", None) is None


# --- stale pairs ------------------------------------------------------------------------------------------


def test_a_pair_idle_for_one_and_a_half_cadences_nudges_both() -> None:
    pair = history(HELD, last_session_at=NOW - timedelta(days=31, hours=12))  # exactly 1.5 x 21 days
    nudges = stale_nudges(pair, [], T, NOW)
    assert [(n.kind, n.recipient_user_id) for n in nudges] == [(STALE_PAIR, "UJUNIOR"), (STALE_PAIR, "USENIOR")]


def test_a_minute_short_of_the_stale_period_is_not_stale() -> None:
    pair = history(HELD, last_session_at=NOW - timedelta(days=31, hours=11, minutes=59))
    assert not stale_nudges(pair, [], T, NOW)


def test_a_session_scheduled_ahead_keeps_the_pair_fresh() -> None:
    assert not stale_nudges(history(last_session_at=NOW + timedelta(days=3)), [], T, NOW)


def test_a_pair_that_never_met_counts_from_its_creation() -> None:
    never = PairHistory(7, SENIOR, JUNIOR, created_at=NOW - timedelta(days=32), cadence_days=21)
    assert len(stale_nudges(never, [], T, NOW)) == 2
    fresh = PairHistory(7, SENIOR, JUNIOR, created_at=NOW - timedelta(days=30), cadence_days=21)
    assert not stale_nudges(fresh, [], T, NOW)


def test_a_pair_with_a_paused_member_is_not_stale() -> None:
    paused = history(last_session_at=NOW - timedelta(days=60), junior=Member("UJUNIOR", active=False))
    assert not stale_nudges(paused, [], T, NOW)


def test_another_stale_nudge_after_each_further_stale_period_of_silence() -> None:
    pair = history(last_session_at=NOW - timedelta(days=40))
    first = stale_nudges(pair, [], T, NOW)
    previous = [logged(n) for n in first]
    assert not stale_nudges(pair, previous, T, NOW + timedelta(days=31))  # 31 days after the nudge: not yet
    again = stale_nudges(pair, previous, T, NOW + timedelta(days=31, hours=12))
    assert [n.recipient_user_id for n in again] == ["UJUNIOR", "USENIOR"]
    assert {n.subject_key for n in again}.isdisjoint(n.subject_key for n in first)


def test_a_new_idle_stretch_is_nudged_even_soon_after_the_last_nudge() -> None:
    # nudged 40 days ago; then a session 32 days ago; idle again for a full period since that session
    earlier = [
        PreviousNudge(STALE_PAIR, user, 7, "pair:7:old", NOW - timedelta(days=40), NOW - timedelta(days=40))
        for user in ("UJUNIOR", "USENIOR")
    ]
    pair = history(last_session_at=NOW - timedelta(days=32))
    assert len(stale_nudges(pair, earlier, T, NOW)) == 2


def test_only_the_member_not_yet_nudged_gets_the_stale_nudge() -> None:
    pair = history(last_session_at=NOW - timedelta(days=40))
    earlier = [PreviousNudge(STALE_PAIR, "UJUNIOR", 7, "pair:7:x", NOW - timedelta(days=2), NOW - timedelta(days=2))]
    assert [n.recipient_user_id for n in stale_nudges(pair, earlier, T, NOW)] == ["USENIOR"]


# --- check-in reminders -----------------------------------------------------------------------------------


def open_check_in(check_in_id: int, age: timedelta, member: Member = JUNIOR) -> OpenCheckIn:
    return OpenCheckIn(check_in_id, 7, member, NOW - age)


def test_a_check_in_unanswered_for_two_days_gets_one_reminder() -> None:
    nudges = checkin_reminders([open_check_in(5, timedelta(hours=48))], T, NOW)
    assert [(n.kind, n.recipient_user_id, n.subject_key) for n in nudges] == [
        (CHECKIN_REMINDER, "UJUNIOR", "checkin:5")
    ]
    assert not checkin_reminders([open_check_in(5, timedelta(hours=47, minutes=59))], T, NOW)


def test_a_check_in_reminder_is_given_once_ever() -> None:
    first = checkin_reminders([open_check_in(5, timedelta(hours=50))], T, NOW)
    previous = [logged(replace(n, due_at=NOW - timedelta(days=8))) for n in first]  # outside the 7-day window
    later = checkin_reminders([open_check_in(5, timedelta(days=4))], T, NOW)
    assert later and not without_repeats(later, previous, T.repeat_window)


def test_a_check_in_too_old_to_ask_about_is_left_alone() -> None:
    assert not checkin_reminders([open_check_in(5, T.reminder_delay + T.reminder_window + timedelta(hours=1))], T, NOW)


def test_two_open_check_ins_in_a_week_get_one_reminder_about_the_latest() -> None:
    candidates = checkin_reminders([open_check_in(5, timedelta(days=5)), open_check_in(6, timedelta(days=3))], T, NOW)
    assert [n.subject_key for n in without_repeats(candidates, [], T.repeat_window)] == ["checkin:6"]


# --- repeats ----------------------------------------------------------------------------------------------


def test_never_the_same_kind_to_the_same_person_about_a_pair_within_seven_days() -> None:
    candidates = [
        Nudge(CHECKIN_REMINDER, "UJUNIOR", 7, "checkin:2", NOW),
        Nudge(CHECKIN_REMINDER, "USENIOR", 7, "checkin:3", NOW),
    ]
    almost_a_week = NOW - timedelta(days=6, hours=23, minutes=59)
    earlier = PreviousNudge(CHECKIN_REMINDER, "UJUNIOR", 7, "checkin:1", almost_a_week, almost_a_week)
    assert [n.recipient_user_id for n in without_repeats(candidates, [earlier], T.repeat_window)] == ["USENIOR"]
    a_week = replace(earlier, due_at=NOW - timedelta(days=7))
    assert len(without_repeats(candidates, [a_week], T.repeat_window)) == 2


def test_other_kinds_and_other_pairs_are_not_held_back() -> None:
    stale = stale_nudges(history(last_session_at=NOW - timedelta(days=40)), [], T, NOW)
    yesterday = NOW - timedelta(days=1)
    previous = [
        PreviousNudge(CHECKIN_REMINDER, "UJUNIOR", 7, "checkin:1", yesterday, yesterday),
        PreviousNudge(STALE_PAIR, "UJUNIOR", 8, "pair:8:idle", yesterday, yesterday),
    ]
    assert len(without_repeats(stale, previous, T.repeat_window)) == 2


def test_decide_for_pair_combines_the_rules() -> None:
    pair = history(SENIOR_CANCELLED, SENIOR_CANCELLED, last_session_at=NOW - timedelta(days=40))
    check_ins = [open_check_in(9, timedelta(days=3), SENIOR)]
    nudges = decide_for_pair(pair, [], ADMINS, check_ins, T, NOW)
    assert sorted((n.kind, n.recipient_user_id) for n in nudges) == [
        (CHECKIN_REMINDER, "USENIOR"),
        (SENIOR_CANCELLING, "USENIOR"),
        (STALE_PAIR, "UJUNIOR"),
        (STALE_PAIR, "USENIOR"),
    ]


# --- quiet hours ------------------------------------------------------------------------------------------


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (utc(2024, 1, 10, 19, 59), utc(2024, 1, 10, 19, 59)),  # Wednesday 19:59: sent now
        (utc(2024, 1, 10, 20, 0), utc(2024, 1, 11, 8, 0)),  # Wednesday 20:00: Thursday morning
        (utc(2024, 1, 10, 7, 59), utc(2024, 1, 10, 8, 0)),  # before 08:00: that morning
        (utc(2024, 1, 10, 8, 0), utc(2024, 1, 10, 8, 0)),
        (utc(2024, 1, 12, 20, 30), utc(2024, 1, 15, 8, 0)),  # Friday evening: Monday
        (utc(2024, 1, 13, 12, 0), utc(2024, 1, 15, 8, 0)),  # Saturday noon: Monday
        (utc(2024, 1, 14, 23, 0), utc(2024, 1, 15, 8, 0)),  # Sunday night: Monday
    ],
)
def test_quiet_hours_and_weekends_move_to_the_next_weekday_morning(moment: datetime, expected: datetime) -> None:
    assert working_time(moment, UTC, T) == expected


def test_quiet_hours_are_the_recipients_own() -> None:
    tokyo = zone_for("Asia/Tokyo")
    # Wednesday 12:00 UTC is 21:00 in Tokyo: Thursday 08:00 Tokyo is 23:00 UTC on Wednesday
    assert working_time(NOW, tokyo, T) == utc(2024, 1, 10, 23, 0)
    nudge = checkin_reminders([open_check_in(5, timedelta(days=3), Member("UTOKYO", "Asia/Tokyo"))], T, NOW)[0]
    assert nudge.due_at == utc(2024, 1, 10, 23, 0)


def test_deferral_keeps_eight_in_the_morning_across_a_dst_change() -> None:
    london = zone_for("Europe/London")
    # Friday 29 March 2024, 21:00 GMT; clocks go forward on Sunday 31 March: Monday 08:00 BST is 07:00 UTC
    assert working_time(utc(2024, 3, 29, 21, 0), london, T) == utc(2024, 4, 1, 7, 0)
    # and back on Sunday 27 October: Monday 08:00 GMT is 08:00 UTC
    assert working_time(utc(2024, 10, 25, 20, 0), london, T) == utc(2024, 10, 28, 8, 0)
    new_york = zone_for("America/New_York")
    # Saturday 9 March 2024; DST starts Sunday 10 March: Monday 08:00 EDT is 12:00 UTC (not 13:00 as in EST)
    assert working_time(utc(2024, 3, 9, 15, 0), new_york, T) == utc(2024, 3, 11, 12, 0)


def test_an_unknown_zone_falls_back_to_the_offset() -> None:
    zone = zone_for("Mars/Olympus_Mons", 3600)
    assert working_time(utc(2024, 1, 10, 19, 30), zone, T) == utc(2024, 1, 11, 7, 0)  # 20:30 at UTC+1
    assert zone_for(None, 0) is UTC


def test_quiet_hours_follow_the_programme_settings() -> None:
    late = Thresholds(quiet_start_hour=22, quiet_end_hour=7)
    assert working_time(utc(2024, 1, 10, 21, 0), UTC, late) == utc(2024, 1, 10, 21, 0)
    assert working_time(utc(2024, 1, 10, 6, 0), UTC, late) == utc(2024, 1, 10, 7, 0)
