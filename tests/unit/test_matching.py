"""Tests for bot.matching.rules: hard rules, soft preferences, optimality, and the reasons people are given."""

from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from itertools import permutations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.matching.rules import (
    MIN_FEASIBLE_SCORE,
    TECHNOLOGY_TOPICS,
    Candidate,
    Match,
    MatchResult,
    Weights,
    assign_optimally,
    combined_managers,
    eligibility,
    greedy_match,
    hard_rule_violations,
    management_chain,
    match,
    match_reason,
    pair_scores,
    slot_mentors,
)

DATA = "Data and AI tools"
SOCIAL = "Digital and social media"
CULTURE = "Workplace culture"
INCLUSION = "Diversity and inclusion"
POLICY = "Strategy and policy"
TOPICS = (DATA, SOCIAL, CULTURE, INCLUSION, POLICY)


def person(
    person_id: int,
    level: int,
    department: str = "Finance",
    *,
    ancestors: Sequence[int] = (),
    offers: Sequence[str] = (),
    wants: Sequence[str] = (),
    tz: int = 0,
    meeting: str = "either",
    capacity: int = 1,
    former: Sequence[int] = (),
    active: bool = True,
) -> Candidate:
    return Candidate(
        participant_id=1000 + person_id,
        person_id=person_id,
        name=f"person-{person_id}",
        department=department,
        level=level,
        ancestors=tuple(ancestors),
        topics_offered=frozenset(offers),
        topics_wanted=frozenset(wants),
        tz_offset_minutes=tz,
        format=meeting,
        capacity=capacity,
        former_partners=frozenset(former),
        active=active,
    )


def pairs_of(result: MatchResult) -> set[tuple[int, int]]:
    return {(m.mentor.person_id, m.mentee.person_id) for m in result.matches}


def reason_for(result: MatchResult, person_id: int) -> str:
    (reason,) = [u.reason for u in result.unmatched if u.candidate.person_id == person_id]
    return reason


# --- hard rules ------------------------------------------------------------------------------------------


def test_never_pairs_a_direct_report_with_their_manager() -> None:
    manager = person(1, level=5)
    report = person(2, level=2, ancestors=[1])
    result = match([report], [manager])
    assert result.matches == ()
    assert reason_for(result, 2) == "everyone eligible is in your management chain"
    assert reason_for(result, 1) == "everyone eligible is in your management chain"


def test_never_pairs_across_a_skip_level() -> None:
    director = person(1, level=6)
    junior = person(3, level=1, ancestors=[2, 1])  # reports to 2, who reports to the director
    assert match([junior], [director]).matches == ()


def test_management_chain_rule_holds_in_either_direction() -> None:
    # Odd data (the senior person reports to the junior one) must still be refused.
    junior_boss = person(1, level=2)
    senior_report = person(2, level=5, ancestors=[1])
    assert match([junior_boss], [senior_report]).matches == ()


def test_chain_conflict_takes_the_next_best_partner() -> None:
    manager = person(1, level=5, department="Finance", wants=[CULTURE])
    report = person(2, level=2, department="Sales", ancestors=[1], offers=[CULTURE])
    other = person(3, level=2, department="Finance")
    assert pairs_of(match([report, other], [manager])) == {(3, 1)}


@pytest.mark.parametrize("recorded_by", ["mentor", "mentee"])
def test_never_re_pairs_a_former_pair(recorded_by: str) -> None:
    mentor = person(1, level=2, former=[2] if recorded_by == "mentor" else [])
    mentee = person(2, level=5, former=[1] if recorded_by == "mentee" else [])
    result = match([mentor], [mentee])
    assert result.matches == ()
    assert reason_for(result, 1) == "every eligible partner was paired with you before"


def test_mentee_must_be_more_senior_than_the_mentor() -> None:
    mentor = person(1, level=4)
    peer = person(2, level=4)
    result = match([mentor], [peer])
    assert result.matches == ()
    assert reason_for(result, 1) == "no mentee is more senior than you"
    assert reason_for(result, 2) == "no mentor is junior to you"


def test_paused_people_are_not_matched_and_told_why() -> None:
    mentor = person(1, level=1)
    paused = person(2, level=5, active=False)
    result = match([mentor], [paused])
    assert result.matches == ()
    assert reason_for(result, 2) == "paused or inactive"
    assert reason_for(result, 1) == "no mentee is active with capacity"


def test_mentor_without_capacity_is_not_matched() -> None:
    full = person(1, level=1, capacity=0)
    result = match([full], [person(2, level=5)])
    assert result.matches == ()
    assert reason_for(result, 1) == "no capacity left"
    assert reason_for(result, 2) == "no mentor is active with capacity"


def test_mentor_with_capacity_two_takes_two_mentees() -> None:
    mentor = person(1, level=1, capacity=2)
    mentees = [person(2, level=5), person(3, level=6), person(4, level=7)]
    result = match([mentor], mentees)
    assert len(result.matches) == 2
    (left,) = result.unmatched
    assert left.reason == "1 mentor for 3 mentees: every eligible partner was matched to someone else"


def test_a_mentee_gets_at_most_one_mentor() -> None:
    result = match([person(1, level=1), person(2, level=2)], [person(3, level=5)])
    assert len(result.matches) == 1
    assert reason_for(result, 2 if result.matches[0].mentor.person_id == 1 else 1).startswith("2 mentors for 1 mentee")


def test_unbalanced_pools_never_fall_back_on_a_forbidden_pair() -> None:
    # Ten mentors, one mentee: only mentor 10 is allowed (the rest manage her or were paired with her).
    mentee = person(100, level=6, ancestors=[1, 2, 3], former=[4, 5])
    mentors = [person(i, level=2, former=[100] if i in (6, 7, 8, 9) else []) for i in range(1, 11)]
    assert pairs_of(match(mentors, [mentee])) == {(10, 100)}
    # And the other way round: one mentor, many mentees she may not take but one.
    mentor = person(200, level=1, ancestors=[201, 202])
    mentees = [person(i, level=5, former=[200] if i == 203 else []) for i in (201, 202, 203, 204)]
    assert pairs_of(match([mentor], mentees)) == {(200, 204)}


def test_people_who_could_only_take_someone_already_matched_hear_the_pool_sizes() -> None:
    mentors = [person(i, level=1) for i in range(1, 13)]
    mentees = [person(100 + i, level=5) for i in range(9)]
    result = match(mentors, mentees)
    assert len(result.matches) == 9
    assert {u.reason for u in result.unmatched} == {
        "12 mentors for 9 mentees: every eligible partner was matched to someone else"
    }


def test_mixed_chain_and_history_blocks_are_reported_together() -> None:
    mentee = person(1, level=6)
    boss_of = person(2, level=2, ancestors=[1])
    former = person(3, level=2, former=[1])
    result = match([boss_of, former], [mentee])
    assert reason_for(result, 1) == "everyone eligible is in your management chain or was paired with you before"


def test_eligibility_has_one_row_per_mentor_slot() -> None:
    mentors = [person(1, level=1, capacity=2), person(2, level=1, capacity=0), person(3, level=3)]
    mentees = [person(4, level=2), person(5, level=5, ancestors=[3])]
    assert slot_mentors(mentors).tolist() == [0, 0, 2]
    assert eligibility(mentors, mentees).tolist() == [[True, True], [True, True], [False, False]]


# --- soft preferences ------------------------------------------------------------------------------------


def test_cross_department_pair_is_preferred() -> None:
    mentee = person(10, level=5, department="Finance")
    same = person(1, level=1, department="Finance")
    other = person(2, level=1, department="Customer Service")
    assert pairs_of(match([same, other], [mentee])) == {(2, 10)}


def test_shared_topics_beyond_technology_are_preferred() -> None:
    mentee = person(10, level=5, wants=[DATA, CULTURE])
    tech_only = person(1, level=1, offers=[DATA])
    beyond = person(2, level=1, offers=[CULTURE])
    assert pairs_of(match([tech_only, beyond], [mentee])) == {(2, 10)}


def test_topic_overlap_counts_up_to_three_topics() -> None:
    weights = Weights(different_department=0, beyond_technology=0, timezone=0, format=0, base=1)
    mentee = person(10, level=5, wants=TOPICS)
    mentors = [person(i, level=1, offers=TOPICS[:i]) for i in range(1, 6)]
    scores = pair_scores(mentors, [mentee], weights)[:, 0]
    assert scores.tolist() == [3.0, 5.0, 7.0, 7.0, 7.0]


def test_nearby_time_zone_is_preferred() -> None:
    mentee = person(10, level=5, tz=60)
    far = person(1, level=1, tz=-480)
    near = person(2, level=1, tz=0)
    assert pairs_of(match([far, near], [mentee])) == {(2, 10)}


def test_time_zones_are_compared_the_short_way_round() -> None:
    weights = Weights(different_department=0, format=0, base=1)
    mentee = person(10, level=5, tz=-600)  # UTC-10 and UTC+12 are 2 hours apart, not 22
    scores = pair_scores([person(1, level=1, tz=720)], [mentee], weights)
    assert scores[0, 0] == pytest.approx(1 - 2 / 12)


def test_clashing_meeting_formats_are_penalised() -> None:
    mentee = person(10, level=5, department="Legal", meeting="in_person")
    video = person(1, level=1, meeting="video")
    either = person(2, level=1, meeting="either")
    scores = pair_scores([video, either], [mentee])[:, 0]
    assert scores[1] - scores[0] == pytest.approx(2 * Weights().format)
    assert pairs_of(match([video, either], [mentee])) == {(2, 10)}


def test_every_allowed_pair_scores_above_zero_even_with_harsh_weights() -> None:
    weights = Weights(different_department=0, topic_overlap=0, beyond_technology=0, timezone=5, format=5, base=0)
    mentee = person(10, level=5, tz=720, meeting="in_person")
    mentor = person(1, level=1, tz=0, meeting="video")
    assert pair_scores([mentor], [mentee], weights)[0, 0] == MIN_FEASIBLE_SCORE
    assert pairs_of(match([mentor], [mentee], weights)) == {(1, 10)}


def test_optimal_matching_beats_taking_the_best_pair_first() -> None:
    # Greedy gives Ann the mentee everyone wants and strands Bob; the optimum pairs both.
    ann = person(1, level=1, department="Finance")
    bob = person(2, level=1, department="Finance", former=[4])
    popular = person(3, level=5, department="Customer Service")
    colleague = person(4, level=5, department="Finance")
    best, greedy = match([ann, bob], [popular, colleague]), greedy_match([ann, bob], [popular, colleague])
    assert pairs_of(best) == {(1, 4), (2, 3)}
    assert pairs_of(greedy) == {(1, 3)}
    assert best.total_score > greedy.total_score


# --- reasons and API -------------------------------------------------------------------------------------


def test_reason_names_departments_then_shared_topics() -> None:
    mentor = person(1, level=1, department="Finance", offers=[DATA, CULTURE, POLICY])
    mentee = person(2, level=5, department="Customer Service", wants=[CULTURE, DATA, SOCIAL])
    (pair,) = match([mentor], [mentee]).matches
    assert pair.reason == "Finance <-> Customer Service; both: Data and AI tools, Workplace culture"


def test_reason_mentions_same_department_far_time_zones_and_format_clash() -> None:
    mentor = person(1, level=1, department="Legal", tz=-300, meeting="video")
    mentee = person(2, level=5, department="Legal", tz=330, meeting="in_person")
    assert match_reason(mentor, mentee) == (
        "same department (Legal); no shared topics; time zones 10.5h apart; formats differ (video vs in person)"
    )


def test_match_score_is_reported_per_pair_and_summed() -> None:
    mentors = [person(1, level=1, department="A"), person(2, level=1, department="B")]
    mentees = [person(3, level=5, department="B"), person(4, level=5, department="A")]
    result = match(mentors, mentees)
    assert [m.score for m in result.matches] == [7.0, 7.0]  # base 1 + other department 5 + formats fit 1
    assert result.total_score == 14.0


def test_empty_pools_match_nobody() -> None:
    assert match([], []) == MatchResult((), ())
    result = match([person(1, level=1)], [])
    assert result.matches == () and reason_for(result, 1) == "no mentee is active with capacity"


def test_unknown_meeting_format_is_refused_with_the_fix() -> None:
    with pytest.raises(ValueError, match="use one of in_person, video, either"):
        match([person(1, level=1, meeting="phone")], [person(2, level=5)])


def test_hard_rule_violations_reports_each_broken_rule() -> None:
    boss = person(1, level=1, former=[2])
    report = person(2, level=1, ancestors=[1], active=False)
    bad = MatchResult((Match(boss, report, 1.0, ""), Match(boss, report, 1.0, "")), ())
    problems = hard_rule_violations(bad)
    for fragment in (
        "management chain",
        "paired before",
        "not more senior",
        "mentee is inactive",
        "more mentees than capacity",
        "more than one mentor",
    ):
        assert any(fragment in p for p in problems), fragment


# --- properties on random organisations ------------------------------------------------------------------


def reference_allowed(mentor: Candidate, mentee: Candidate) -> bool:
    """The hard rules, pair by pair, straight from the brief."""
    return (
        mentor.active
        and mentee.active
        and mentor.capacity > 0
        and mentee.capacity > 0
        and mentee.level > mentor.level
        and mentor.person_id not in mentee.ancestors
        and mentee.person_id not in mentor.ancestors
        and mentor.person_id not in mentee.former_partners
        and mentee.person_id not in mentor.former_partners
    )


def reference_score(mentor: Candidate, mentee: Candidate, w: Weights) -> float:
    """The soft preferences, pair by pair, straight from the brief."""
    if not reference_allowed(mentor, mentee):
        return 0.0
    shared = mentor.topics_offered & mentee.topics_wanted
    apart = abs(mentor.tz_offset_minutes - mentee.tz_offset_minutes) % 1440
    hours = min(apart, 1440 - apart) / 60
    clash = {mentor.format, mentee.format} == {"in_person", "video"}
    score = (
        w.base
        + w.different_department * (mentor.department != mentee.department)
        + w.topic_overlap * min(len(shared), 3)
        + w.beyond_technology * bool(shared - TECHNOLOGY_TOPICS)
        - w.timezone * hours / 12
        + (-w.format if clash else w.format)
    )
    return max(score, MIN_FEASIBLE_SCORE)


def brute_force_best(mentors: Sequence[Candidate], mentees: Sequence[Candidate], w: Weights) -> float:
    """Best total over every way to give each mentee one mentor or none, within capacities."""
    scores = [[reference_score(m, e, w) for e in mentees] for m in mentors]

    @cache
    def best(j: int, capacity: tuple[int, ...]) -> float:
        if j == len(mentees):
            return 0.0
        total = best(j + 1, capacity)
        for i, left in enumerate(capacity):
            if left > 0 and scores[i][j] > 0:
                taken = (*capacity[:i], left - 1, *capacity[i + 1 :])
                total = max(total, scores[i][j] + best(j + 1, taken))
        return total

    return best(0, tuple(max(m.capacity, 0) for m in mentors))


# Strategies built once: building them inside every draw costs more than the matching under test.
MENTOR_LEVELS, MENTEE_LEVELS = st.integers(1, 4), st.integers(3, 7)
DEPARTMENTS = st.sampled_from(["Finance", "Legal", "Sales"])
TOPIC_SETS = st.sets(st.sampled_from(TOPICS), max_size=4)
OFFSETS = st.sampled_from([-600, -300, 0, 330, 720])
MEETINGS = st.sampled_from(["in_person", "video", "either"])
MENTOR_CAPACITY, MENTEE_CAPACITY = st.sampled_from([1, 1, 2, 2, 1, 0]), st.sampled_from([1, 1, 1, 1, 1, 0])
ACTIVE = st.sampled_from([True] * 9 + [False])


@cache
def manager_of(k: int) -> st.SearchStrategy[int | None]:
    # A forest: some people head their own branch, so not everyone shares one management chain.
    return st.none() | st.integers(0, k - 1)


@st.composite
def organisations(draw: st.DrawFn, max_side: int = 6) -> tuple[list[Candidate], list[Candidate]]:
    """A random org chart; mentors (mostly junior) and mentees (mostly senior) drawn from it; some history."""
    size = draw(st.integers(2, 2 * max_side + 2))
    managers = [None] + [draw(manager_of(k)) for k in range(1, size)]
    roles = draw(st.permutations(["mentor", "mentee", "mentor", "mentee", None] * size))[:size]

    def chain_of(k: int) -> tuple[int, ...]:
        up: list[int] = []
        while (boss := managers[k]) is not None:
            up.append(boss)
            k = boss
        return tuple(up)

    def member(k: int, role: str) -> Candidate:
        mentor = role == "mentor"
        return person(
            k,
            level=draw(MENTOR_LEVELS if mentor else MENTEE_LEVELS),
            department=draw(DEPARTMENTS),
            ancestors=chain_of(k),
            offers=draw(TOPIC_SETS),
            wants=draw(TOPIC_SETS),
            tz=draw(OFFSETS),
            meeting=draw(MEETINGS),
            capacity=draw(MENTOR_CAPACITY if mentor else MENTEE_CAPACITY),
            active=draw(ACTIVE),
        )

    mentors = [member(k, r) for k, r in enumerate(roles) if r == "mentor"][:max_side]
    mentees = [member(k, r) for k, r in enumerate(roles) if r == "mentee"][:max_side]
    if mentors and mentees:
        # Former pairs, recorded by one side only, as happens across cohorts.
        pair = st.tuples(st.integers(0, len(mentors) - 1), st.integers(0, len(mentees) - 1), st.booleans())
        for i, j, by_mentor in draw(st.lists(pair, max_size=len(mentors) * len(mentees) // 2)):
            mentor, mentee = mentors[i], mentees[j]
            if by_mentor:
                mentors[i] = replace(mentor, former_partners=mentor.former_partners | {mentee.person_id})
            else:
                mentees[j] = replace(mentee, former_partners=mentee.former_partners | {mentor.person_id})
    return mentors, mentees


weight_sets = st.one_of(
    st.just(Weights()),
    st.builds(
        Weights,
        **{
            name: st.floats(0, 6, allow_nan=False)
            for name in ("different_department", "topic_overlap", "beyond_technology", "timezone", "format", "base")
        },
    ),
)
quick = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@quick
@given(organisations(), weight_sets)
def test_random_orgs_keep_every_hard_rule_and_beat_greedy(
    pools: tuple[list[Candidate], list[Candidate]], weights: Weights
) -> None:
    mentors, mentees = pools
    result = match(mentors, mentees, weights)
    assert hard_rule_violations(result) == []
    mentee_ids = [m.mentee.participant_id for m in result.matches]
    assert len(mentee_ids) == len(set(mentee_ids))
    for mentor in mentors:
        assert sum(m.mentor is mentor for m in result.matches) <= max(mentor.capacity, 0)
    assert result.total_score >= greedy_match(mentors, mentees, weights).total_score - 1e-6


@quick
@given(organisations(), weight_sets)
def test_random_orgs_reach_the_brute_force_optimum(
    pools: tuple[list[Candidate], list[Candidate]], weights: Weights
) -> None:
    mentors, mentees = pools
    result = match(mentors, mentees, weights)
    assert result.total_score == pytest.approx(brute_force_best(mentors, mentees, weights), abs=1e-6)
    for m in result.matches:
        assert m.score == pytest.approx(reference_score(m.mentor, m.mentee, weights))


@quick
@given(organisations(), weight_sets)
def test_random_orgs_score_and_rule_every_pair_like_the_brief(
    pools: tuple[list[Candidate], list[Candidate]], weights: Weights
) -> None:
    mentors, mentees = pools
    expected = np.array([[reference_score(m, e, weights) for e in mentees] for m in mentors]).reshape(
        len(mentors), len(mentees)
    )
    np.testing.assert_allclose(pair_scores(mentors, mentees, weights), expected, atol=1e-9)
    allowed = np.array([[reference_allowed(m, e) for e in mentees] for m in mentors], dtype=bool)
    allowed = allowed.reshape(len(mentors), len(mentees))
    np.testing.assert_array_equal(eligibility(mentors, mentees), allowed[slot_mentors(mentors)])


@quick
@given(organisations())
def test_random_orgs_explain_everyone_left_unmatched(pools: tuple[list[Candidate], list[Candidate]]) -> None:
    mentors, mentees = pools
    result = match(mentors, mentees)
    matched_mentees = {m.mentee.participant_id for m in result.matches}
    load = {m.participant_id: sum(x.mentor is m for x in result.matches) for m in mentors}
    left = {u.candidate.participant_id: u for u in result.unmatched}
    assert set(left) == {e.participant_id for e in mentees if e.participant_id not in matched_mentees} | {
        m.participant_id for m in mentors if load[m.participant_id] == 0
    }
    for u in result.unmatched:
        assert u.reason
        if "matched to someone else" in u.reason:
            # Someone allowed existed, and every one of them was taken (a mentor up to capacity).
            if u.role == "mentee":
                partners = [m for m in mentors if reference_allowed(m, u.candidate)]
                assert partners and all(load[m.participant_id] == m.capacity for m in partners)
            else:
                partners = [e for e in mentees if reference_allowed(u.candidate, e)]
                assert partners and all(e.participant_id in matched_mentees for e in partners)


@quick
@given(st.integers(1, 5), st.integers(1, 5), st.data())
def test_solver_finds_the_best_assignment_of_any_small_matrix(rows: int, cols: int, data: st.DataObject) -> None:
    cells = st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.5]), min_size=rows * cols, max_size=rows * cols)
    scores = np.array(data.draw(cells)).reshape(rows, cols)
    chosen_rows, chosen_cols = assign_optimally(scores)
    assert len(set(chosen_rows.tolist())) == chosen_rows.size
    assert len(set(chosen_cols.tolist())) == chosen_cols.size
    assert (scores[chosen_rows, chosen_cols] > 0).all()
    # Every way to give each row of the shorter side its own column of the longer side.
    short = scores if rows <= cols else scores.T
    best = max(sum(short[i, j] for i, j in enumerate(p)) for p in permutations(range(short.shape[1]), short.shape[0]))
    assert scores[chosen_rows, chosen_cols].sum() == pytest.approx(best)


# --- management chains: the org chart's and the self-reported, together ------------------------------------


def test_the_chain_is_the_union_of_both_graphs_at_any_depth_and_a_loop_between_them_ends() -> None:
    # Chart: 1 reports to 2, 2 to 3. Typed: 3 says 1 is their manager (a loop across the two graphs),
    # 4 says 1 is theirs, 1 says 5 is theirs (the chart says 2).
    chart = {1: 2, 2: 3, 3: None, 4: None, 5: None}
    typed = {3: 1, 4: 1, 1: 5}
    managers = combined_managers(chart, typed)
    assert management_chain(4, managers) == (1, 2, 5, 3)  # nearest first, through either graph
    assert management_chain(1, managers) == (2, 5, 3)  # round the loop and back: never themself
    assert management_chain(3, managers) == (1, 2, 5)
    # 4 (typed under 1) may be paired with neither 3 (above 1 in the chart) nor 5 (above 1 as typed)
    mentor = person(4, level=1, ancestors=management_chain(4, managers))
    mentees = [person(3, level=9, ancestors=management_chain(3, managers)), person(5, level=8)]
    assert match([mentor], mentees).matches == ()


def test_a_self_reported_manager_counts_in_either_direction() -> None:
    managers = combined_managers({10: None, 20: None}, {10: 20})  # 10 typed 20 as their manager
    junior = person(10, level=1, ancestors=management_chain(10, managers))
    senior = person(20, level=5, ancestors=management_chain(20, managers))
    assert match([junior], [senior]).matches == ()
    junior_mentee = person(10, level=9, ancestors=management_chain(10, managers))  # levels aside: still apart
    assert match([replace(senior, level=1)], [junior_mentee]).matches == ()


def _reachable(start: int, graphs: Sequence[dict[int, int | None]]) -> set[int]:
    """Everyone above `start` by a plain fixed point over both graphs: the reference for `management_chain`."""
    above = {m for g in graphs if (m := g.get(start)) is not None}
    while True:
        more = above | {m for g in graphs for p in above if (m := g.get(p)) is not None}
        if more == above:
            return above - {start}
        above = more


manager_graphs = st.integers(1, 9).flatmap(
    lambda n: st.tuples(
        st.dictionaries(st.integers(0, n - 1), st.none() | st.integers(0, n - 1), max_size=n),
        st.dictionaries(st.integers(0, n - 1), st.none() | st.integers(0, n - 1), max_size=n),
    )
)


@quick
@given(manager_graphs)
def test_any_two_graphs_give_every_reachable_manager_once_loops_or_not(
    graphs: tuple[dict[int, int | None], dict[int, int | None]],
) -> None:
    managers = combined_managers(*graphs)
    for start in range(10):
        chain = management_chain(start, managers)
        assert len(chain) == len(set(chain))
        assert set(chain) == _reachable(start, graphs)


@quick
@given(manager_graphs, st.data())
def test_nobody_is_paired_across_either_graph_in_either_direction(
    graphs: tuple[dict[int, int | None], dict[int, int | None]], data: st.DataObject
) -> None:
    managers = combined_managers(*graphs)
    ids = list(range(10))
    roles = data.draw(st.lists(st.booleans(), min_size=10, max_size=10))
    mentors = [person(k, level=1, ancestors=management_chain(k, managers)) for k in ids if roles[k]]
    mentees = [person(k, level=5, ancestors=management_chain(k, managers)) for k in ids if not roles[k]]
    for m in match(mentors, mentees).matches:
        a, b = m.mentor.person_id, m.mentee.person_id
        assert a not in _reachable(b, graphs) and b not in _reachable(a, graphs)
