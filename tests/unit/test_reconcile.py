"""The pure check-in reconciliation (bot/sessions/reconcile.py): what a session counts as, from both answers."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.sessions.reconcile import OUTCOMES, Answer, Verdict, reconcile

MONDAY = datetime(2030, 1, 7, 14, tzinfo=UTC)
THURSDAY = datetime(2030, 1, 10, 14, tzinfo=UTC)


def test_no_answer_yet_leaves_the_session_scheduled() -> None:
    assert reconcile([]) == Verdict("scheduled")


def test_one_held_answer_is_enough_for_held() -> None:
    assert reconcile([Answer("junior", "held")]) == Verdict("held")


def test_a_cancellation_outranks_held_and_goes_to_the_side_that_owned_it() -> None:
    answers = [Answer("junior", "held"), Answer("senior", "i_cancelled")]
    assert reconcile(answers) == Verdict("cancelled", cancelled_by="senior")


def test_they_cancelled_names_the_other_side() -> None:
    assert reconcile([Answer("junior", "they_cancelled")]) == Verdict("cancelled", cancelled_by="senior")
    assert reconcile([Answer("senior", "they_cancelled")]) == Verdict("cancelled", cancelled_by="junior")


def test_the_cancellers_own_word_wins_over_the_partners() -> None:
    answers = [Answer("senior", "they_cancelled"), Answer("junior", "i_cancelled")]
    assert reconcile(answers) == Verdict("cancelled", cancelled_by="junior")


def test_a_reschedule_moves_to_the_earliest_new_time_either_gave() -> None:
    answers = [Answer("junior", "rescheduled", THURSDAY), Answer("senior", "rescheduled", MONDAY)]
    assert reconcile(answers) == Verdict("rescheduled", rescheduled_to=MONDAY)


sides = st.sampled_from(["junior", "senior"])
outcomes = st.sampled_from([*OUTCOMES, None])


@given(st.lists(st.tuples(sides, outcomes), max_size=2))
def test_the_verdict_never_depends_on_who_answered_first(pairs: list[tuple[str, str | None]]) -> None:
    answers = [Answer(side, outcome, MONDAY if outcome == "rescheduled" else None) for side, outcome in pairs]
    verdict = reconcile(answers)
    assert verdict.state in {"scheduled", "held", "cancelled", "rescheduled"}
    if len({a.side for a in answers}) == len(answers):  # one answer per side, as the app allows
        assert reconcile(list(reversed(answers))) == verdict
    if verdict.state == "cancelled":
        assert verdict.cancelled_by in {"junior", "senior"}


def test_both_owning_or_both_blaming_counts_against_the_senior_whoever_answered_first() -> None:
    for first, second in (("junior", "senior"), ("senior", "junior")):
        owned = [Answer(first, "i_cancelled"), Answer(second, "i_cancelled")]
        blamed = [Answer(first, "they_cancelled"), Answer(second, "they_cancelled")]
        assert reconcile(owned) == Verdict("cancelled", cancelled_by="senior")
        assert reconcile(blamed) == Verdict("cancelled", cancelled_by="senior")
