"""Matching: pools of mentors and mentees plus the programme's rules -> pairs, each with a reason.

This module owns the hard rules (no one in the other's management chain, no repeat pairs, the mentee more
senior than the mentor, both active with capacity), the weighted soft preferences, the optimal assignment
and the one-line explanation given for every match and for everyone left unmatched. It is pure: no Slack,
no SQL; callers hand it `Candidate` values and get a `MatchResult` back for an admin to review.

Scores for all pairs are built at once with numpy (no per-pair Python loop): soft preferences are computed
on small tables of distinct settings and topic sets and looked up per pair, hard rules are a broadcast
comparison plus the few cells linked by the org chart or history. The assignment is solved with
`scipy.optimize.linear_sum_assignment`, so 5,000 people per side take seconds.
"""

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import TypeVar

import numpy as np
from scipy.optimize import linear_sum_assignment

from storage.vocabulary import MeetingFormat

K = TypeVar("K", bound=Hashable)

TECHNOLOGY_TOPICS: frozenset[str] = frozenset({"Digital and social media", "Data and AI tools"})

FORMATS: tuple[str, ...] = MeetingFormat.values()
TOPIC_OVERLAP_CAP = 3
# Every feasible pair scores at least this much, whatever the weights, so that pairing two people always
# beats leaving both unmatched (a forbidden pair scores exactly 0).
MIN_FEASIBLE_SCORE = 0.01
# A match reason mentions time zones from this many hours apart: that is when finding a slot gets hard.
FAR_APART_HOURS = 5.0
# Rows of the score matrix filled at a time: temporaries stay small enough (under ~300 KB at 500 a side)
# to be reused from the heap block after block instead of mapped fresh (256 rows: 1.7x bare LSA, 64: 1.3x).
ROW_BLOCK = 64


@dataclass(frozen=True)
class Candidate:
    """One participant in a matching round, as the matcher sees them."""

    participant_id: int
    person_id: int  # org-chart person id; ancestors/former_partners use these ids
    name: str
    department: str
    level: int  # higher = more senior
    # Person ids of the management chain, nearest first, up to the top: by the org chart and by what people
    # typed, both (see `management_chain`).
    ancestors: tuple[int, ...] = ()
    topics_offered: frozenset[str] = frozenset()
    topics_wanted: frozenset[str] = frozenset()
    tz_offset_minutes: int = 0  # UTC offset
    format: str = "either"  # "in_person" | "video" | "either"
    capacity: int = 1  # open slots (a mentor may take 2 mentees)
    former_partners: frozenset[int] = frozenset()  # person ids paired with before (any cohort)
    active: bool = True


@dataclass(frozen=True)
class Weights:
    """How much each soft preference adds to a pair's score (the programme's matching weights)."""

    different_department: float = 5.0  # strongest by default
    topic_overlap: float = 2.0  # per topic the mentee wants and the mentor offers (capped at 3 topics)
    beyond_technology: float = 1.5  # at least one shared topic outside the technology topics
    timezone: float = 1.0  # penalty of weight * hours apart / 12 (12 hours is the furthest apart)
    format: float = 1.0  # bonus when formats are compatible, the same penalty for in_person vs video
    base: float = 1.0  # every feasible pair starts here, so pairing beats leaving people unmatched


@dataclass(frozen=True)
class Match:
    mentor: Candidate
    mentee: Candidate
    score: float
    reason: str


@dataclass(frozen=True)
class Unmatched:
    candidate: Candidate
    role: str  # "mentor" | "mentee"
    reason: str


@dataclass(frozen=True)
class MatchResult:
    matches: tuple[Match, ...]
    unmatched: tuple[Unmatched, ...]

    @property
    def total_score(self) -> float:
        return float(sum(m.score for m in self.matches))


# --- management chains -----------------------------------------------------------------------------------


def combined_managers(*graphs: Mapping[int, int | None]) -> dict[int, tuple[int, ...]]:
    """Person id -> every manager any graph names for them (the org chart's, the self-reported one...).

    The union is what matching keeps apart: a manager counts whether the chart or the person said so.
    """
    combined: dict[int, list[int]] = {}
    for graph in graphs:
        for person, manager in graph.items():
            if manager is not None and manager != person:
                managers = combined.setdefault(person, [])
                if manager not in managers:
                    managers.append(manager)
    return {person: tuple(managers) for person, managers in combined.items()}


def management_chain(person_id: int, managers: Mapping[int, Collection[int]]) -> tuple[int, ...]:
    """Everyone above `person_id` through any of their managers, at any depth, nearest first.

    A breadth-first walk that visits each person once: two graphs together may form a loop (the chart says
    A manages B while B typed A as their report's manager), and the walk ends there instead of going round.
    The person themself is never in their own chain, even when a loop leads back to them.
    """
    chain: list[int] = []
    seen = {person_id}
    frontier = [person_id]
    while frontier:
        above: list[int] = []
        for person in frontier:
            for manager in managers.get(person, ()):
                if manager not in seen:
                    seen.add(manager)
                    chain.append(manager)
                    above.append(manager)
        frontier = above
    return tuple(chain)


# --- hard rules ------------------------------------------------------------------------------------------


def is_available(candidate: Candidate) -> bool:
    return candidate.active and candidate.capacity > 0


def slot_mentors(mentors: Sequence[Candidate]) -> np.ndarray:
    """Mentor index of each slot, ascending: a mentor with capacity 2 owns two slots, an unavailable one none."""
    slots = [max(m.capacity, 0) if m.active else 0 for m in mentors]
    return np.repeat(np.arange(len(mentors), dtype=np.intp), slots)


def _expand_ranges(first: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """first[k], first[k] + 1, ..., first[k] + counts[k] - 1 for every k, concatenated."""
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    expanded: np.ndarray = np.repeat(first, counts) + within
    return expanded


def _links_into(
    owners: Sequence[Candidate], others: Sequence[Candidate], links: Callable[[Candidate], Collection[int]]
) -> np.ndarray:
    """(owner, other) index pairs where an owner's links name the other's person id, as a (k, 2) array.

    Reads each owner's own links once (O(sum of chain depths), not O(owners x others)) and finds the
    linked people by binary search over the others' sorted person ids.
    """
    counts = np.fromiter((len(links(c)) for c in owners), dtype=np.intp, count=len(owners))
    linked = np.fromiter(chain.from_iterable(links(c) for c in owners), dtype=np.int64, count=int(counts.sum()))
    person_ids = np.fromiter((c.person_id for c in others), dtype=np.int64, count=len(others))
    by_person = np.argsort(person_ids, kind="stable")
    first = np.searchsorted(person_ids[by_person], linked, side="left")
    matches = np.searchsorted(person_ids[by_person], linked, side="right") - first
    owner = np.repeat(np.repeat(np.arange(len(owners), dtype=np.intp), counts), matches)
    return np.column_stack((owner, by_person[_expand_ranges(first, matches)]))


def _linked_pairs(
    mentors: Sequence[Candidate], mentees: Sequence[Candidate], links: Callable[[Candidate], Collection[int]]
) -> np.ndarray:
    """(mentor, mentee) index pairs where either side links to the other's person id, as a (k, 2) array."""
    from_mentors = _links_into(mentors, mentees, links)
    from_mentees = _links_into(mentees, mentors, links)[:, ::-1]
    return np.concatenate((from_mentors, from_mentees)).reshape(-1, 2)


@dataclass(frozen=True)
class HardRules:
    """The hard rules in compact form: per-person vectors, plus the few pairs the org chart or history
    rules out. Dense matrices are made from this for a given layout (see `PairGrid.allowed`)."""

    mentor_available: np.ndarray  # (mentors,) active with capacity
    mentee_available: np.ndarray  # (mentees,)
    mentor_level: np.ndarray  # (mentors,)
    mentee_level: np.ndarray  # (mentees,)
    management_chain: np.ndarray  # (k, 2) mentor, mentee: one is in the other's chain, either direction
    former_pair: np.ndarray  # (k, 2) mentor, mentee: either lists the other as a former partner


def hard_rules(mentors: Sequence[Candidate], mentees: Sequence[Candidate]) -> HardRules:
    """Read the hard rules off the candidates, in time linear in the pools and their chains."""
    return HardRules(
        mentor_available=np.array([is_available(m) for m in mentors], dtype=bool),
        mentee_available=np.array([is_available(m) for m in mentees], dtype=bool),
        mentor_level=np.array([m.level for m in mentors], dtype=np.float64),
        mentee_level=np.array([m.level for m in mentees], dtype=np.float64),
        management_chain=_linked_pairs(mentors, mentees, lambda c: c.ancestors),
        former_pair=_linked_pairs(mentors, mentees, lambda c: c.former_partners),
    )


# --- layout ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairGrid:
    """How a pair matrix is laid out: one axis holds mentor slots (or mentors), the other the mentees.

    The solver wants the shorter side as rows; building scores and rules straight into that layout avoids
    transposing a large matrix afterwards.
    """

    mentor_at: np.ndarray  # ascending mentor index at each position of the mentor axis
    mentees: int
    mentee_rows: bool  # True: rows are mentees, columns mentor slots

    @property
    def shape(self) -> tuple[int, int]:
        if self.mentee_rows:
            return self.mentees, len(self.mentor_at)
        return len(self.mentor_at), self.mentees

    def grids(self, mentor_values: np.ndarray, mentee_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-mentor and per-mentee vectors shaped to broadcast against each other in this layout."""
        mentor = mentor_values[self.mentor_at]
        if self.mentee_rows:
            return mentor[None, :], mentee_values[:, None]
        return mentor[:, None], mentee_values[None, :]

    def lookup(
        self, table: np.ndarray, mentor_codes: np.ndarray, mentee_codes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A (mentor code x mentee code) table turned to this layout, without expanding it: cell (r, c) is
        `by_row[row_codes[r], col_codes[c]]`."""
        mentor = mentor_codes[self.mentor_at]
        if self.mentee_rows:
            return table.T, mentee_codes, mentor
        return table, mentor, mentee_codes

    def cells(self, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Matrix cells of (mentor, mentee) index pairs, one per slot the mentor owns."""
        mentor, mentee = pairs[:, 0], pairs[:, 1]
        first = np.searchsorted(self.mentor_at, mentor, side="left")
        repeats = np.searchsorted(self.mentor_at, mentor, side="right") - first
        slot = _expand_ranges(first, repeats)
        mentee = np.repeat(mentee, repeats)
        return (mentee, slot) if self.mentee_rows else (slot, mentee)

    def pairs(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mentor and mentee indices of matrix cells."""
        slot, mentee = (cols, rows) if self.mentee_rows else (rows, cols)
        return self.mentor_at[slot], mentee

    def allowed(self, rules: HardRules) -> np.ndarray:
        """Boolean matrix in this layout: does every hard rule allow this pair?"""
        # An unavailable person gets a level no one can satisfy, so one comparison applies both rules.
        mentor_level = np.where(rules.mentor_available, rules.mentor_level, np.inf)
        mentee_level = np.where(rules.mentee_available, rules.mentee_level, -np.inf)
        mentor, mentee = self.grids(mentor_level, mentee_level)
        allowed = mentee > mentor
        for pairs in (rules.management_chain, rules.former_pair):
            allowed[self.cells(pairs)] = False
        return allowed


def slot_grid(mentors: Sequence[Candidate], mentees: Sequence[Candidate]) -> PairGrid:
    """The solver's layout: mentor slots against mentees, whichever side is shorter as rows."""
    slots = slot_mentors(mentors)
    return PairGrid(slots, len(mentees), mentee_rows=len(mentees) <= len(slots))


def eligibility(mentors: Sequence[Candidate], mentees: Sequence[Candidate]) -> np.ndarray:
    """Boolean matrix, mentor slots (see `slot_mentors`) x mentees: may this slot take this mentee?"""
    grid = PairGrid(slot_mentors(mentors), len(mentees), mentee_rows=False)
    return grid.allowed(hard_rules(mentors, mentees))


# --- soft preferences ------------------------------------------------------------------------------------


def _codes(values: Iterable[K]) -> tuple[np.ndarray, list[K]]:
    """Small integer codes for hashable values, and the distinct values in code order."""
    index: dict[K, int] = {}
    codes = [index.setdefault(value, len(index)) for value in values]
    return np.array(codes, dtype=np.intp), list(index)


def hours_apart(a_minutes: np.ndarray | int, b_minutes: np.ndarray | int) -> np.ndarray | float:
    """Hours between two UTC offsets, the short way round the clock (at most 12); arrays broadcast."""
    apart = abs(a_minutes - b_minutes) % 1440
    if isinstance(apart, int):  # one pair's reason: plain ints, ten times quicker than a numpy scalar
        return min(apart, 1440 - apart) / 60.0
    hours: np.ndarray = np.minimum(apart, 1440 - apart) / 60.0
    return hours


def _formats_clash(a: str, b: str) -> bool:
    return {a, b} == {"in_person", "video"}


# Indexed by position in FORMATS: only in_person with video cannot meet the way both want.
_FORMAT_CLASH = np.array([[_formats_clash(a, b) for b in FORMATS] for a in FORMATS], dtype=bool)


def _check_formats(candidates: Iterable[Candidate]) -> None:
    for candidate in candidates:
        if candidate.format not in FORMATS:
            raise ValueError(
                f"participant {candidate.participant_id} has meeting format {candidate.format!r}; "
                f"use one of {', '.join(FORMATS)}"
            )


def _topic_table(
    offered: list[frozenset[str]], wanted: list[frozenset[str]], weights: Weights, technology: frozenset[str]
) -> np.ndarray:
    """Topic terms for every distinct offered set x distinct wanted set."""
    vocabulary = {topic: k for k, topic in enumerate(sorted(set().union(*offered, *wanted)))}

    def incidence(sets: list[frozenset[str]]) -> np.ndarray:
        matrix = np.zeros((len(sets), len(vocabulary)))
        rows = np.repeat(np.arange(len(sets)), [len(topics) for topics in sets])
        matrix[rows, [vocabulary[t] for topics in sets for t in topics]] = 1.0
        return matrix

    offers, wants = incidence(offered), incidence(wanted)
    non_tech = np.array([topic not in technology for topic in vocabulary], dtype=bool)
    # Topic counts are small integers, so float matrix products count overlaps exactly.
    shared = np.minimum(offers @ wants.T, TOPIC_OVERLAP_CAP)
    beyond = (offers[:, non_tech] @ wants[:, non_tech].T) > 0
    scores: np.ndarray = weights.topic_overlap * shared + weights.beyond_technology * beyond
    return scores


Setting = tuple[int, int, int]  # department code, UTC offset in minutes, index in FORMATS


def _setting_table(mentor_settings: list[Setting], mentee_settings: list[Setting], weights: Weights) -> np.ndarray:
    """Base, department, time-zone and format terms for every distinct mentor x mentee setting."""
    mentor = np.array(mentor_settings, dtype=np.int64).reshape(-1, 3)
    mentee = np.array(mentee_settings, dtype=np.int64).reshape(-1, 3)
    department, offset, meeting = (mentor[:, k, None] for k in range(3))
    other_department, other_offset, other_meeting = (mentee[None, :, k] for k in range(3))
    different = (department != other_department).astype(np.float64)
    table: np.ndarray = weights.base + weights.different_department * different
    table -= weights.timezone * hours_apart(offset, other_offset) / 12.0
    table += np.where(_FORMAT_CLASH[meeting, other_meeting], -weights.format, weights.format)
    return table


@dataclass(frozen=True)
class _Preferences:
    """Soft-preference terms on small tables, plus which row or column of each table every person uses.

    People share a handful of (department, UTC offset, format) settings and topic sets, so the terms are
    computed per distinct combination and looked up per pair.
    """

    topic_table: np.ndarray
    mentor_topics: np.ndarray
    mentee_topics: np.ndarray
    setting_table: np.ndarray
    mentor_settings: np.ndarray
    mentee_settings: np.ndarray


def _preferences(
    mentors: Sequence[Candidate], mentees: Sequence[Candidate], weights: Weights, technology: frozenset[str]
) -> _Preferences:
    _check_formats((*mentors, *mentees))
    departments = _codes(c.department for c in (*mentors, *mentees))[0].tolist()

    def settings(people: Sequence[Candidate], department: list[int]) -> tuple[np.ndarray, list[Setting]]:
        return _codes(
            (d, c.tz_offset_minutes, FORMATS.index(c.format)) for d, c in zip(department, people, strict=True)
        )

    mentor_settings, mentor_distinct = settings(mentors, departments[: len(mentors)])
    mentee_settings, mentee_distinct = settings(mentees, departments[len(mentors) :])
    mentor_topics, offered = _codes(c.topics_offered for c in mentors)
    mentee_topics, wanted = _codes(c.topics_wanted for c in mentees)
    return _Preferences(
        topic_table=_topic_table(offered, wanted, weights, technology),
        mentor_topics=mentor_topics,
        mentee_topics=mentee_topics,
        setting_table=_setting_table(mentor_distinct, mentee_distinct, weights),
        mentor_settings=mentor_settings,
        mentee_settings=mentee_settings,
    )


def _score_matrix(
    grid: PairGrid, preferences: _Preferences, rules: HardRules, row_order: np.ndarray | None = None
) -> np.ndarray:
    """Float64 scores in the grid's layout: feasible pairs at least MIN_FEASIBLE_SCORE, forbidden ones 0.
    With `row_order`, matrix row i holds the grid's row row_order[i]."""
    p = preferences
    topic_table, topic_rows, topic_cols = grid.lookup(p.topic_table, p.mentor_topics, p.mentee_topics)
    setting_table, setting_rows, setting_cols = grid.lookup(p.setting_table, p.mentor_settings, p.mentee_settings)
    allowed = grid.allowed(rules)
    scores = np.empty(grid.shape)
    term = np.empty((min(ROW_BLOCK, grid.shape[0]), grid.shape[1]))
    # A block of rows at a time: the two looked-up terms are summed, clamped and masked while still in
    # cache. Temporaries stay block-sized (fresh pages cost a fault each on a VM: a full-size temporary
    # took longer to touch than to fill at 500 a side).
    for start in range(0, grid.shape[0], ROW_BLOCK):
        block = scores[start : start + ROW_BLOCK]
        rows = slice(start, start + ROW_BLOCK) if row_order is None else row_order[start : start + ROW_BLOCK]
        np.take(topic_table[topic_rows[rows]], topic_cols, axis=1, out=block)
        block += np.take(setting_table[setting_rows[rows]], setting_cols, axis=1, out=term[: len(block)])
        np.maximum(block, MIN_FEASIBLE_SCORE, out=block)
        block *= allowed[rows]
    return scores


def promising_rows_first(grid: PairGrid, preferences: _Preferences) -> np.ndarray:
    """Grid rows by the best score each could reach (its best topic term plus its best setting term), highest
    first: the order the optimal solver is quickest in (see `assign_optimally`). A bound, not the rows'
    true best (the hard rules are left out), so it costs no pass over the matrix; only speed depends on it."""
    p = preferences
    bound = np.zeros(grid.shape[0])
    for table, mentor_codes, mentee_codes in (
        (p.topic_table, p.mentor_topics, p.mentee_topics),
        (p.setting_table, p.mentor_settings, p.mentee_settings),
    ):
        by_row, row_codes, col_codes = grid.lookup(table, mentor_codes, mentee_codes)
        if col_codes.size:
            bound += by_row[:, np.unique(col_codes)].max(axis=1)[row_codes]
    return np.argsort(-bound, kind="stable")


def build_scores(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    weights: Weights = Weights(),
    technology_topics: frozenset[str] = TECHNOLOGY_TOPICS,
    rules: HardRules | None = None,
) -> tuple[PairGrid, np.ndarray, np.ndarray]:
    """The optimal solver's score matrix (mentor slots against mentees, see `slot_grid`), built with its rows
    in `promising_rows_first` order: the layout, that order (grid row of each matrix row), the matrix."""
    grid = slot_grid(mentors, mentees)
    preferences = _preferences(mentors, mentees, weights, technology_topics)
    if rules is None:
        rules = hard_rules(mentors, mentees)
    order = promising_rows_first(grid, preferences)
    return grid, order, _score_matrix(grid, preferences, rules, order)


def pair_scores(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    weights: Weights = Weights(),
    technology_topics: frozenset[str] = TECHNOLOGY_TOPICS,
) -> np.ndarray:
    """Score of every (mentor, mentee) pair, mentors x mentees; pairs the hard rules forbid score 0."""
    grid = PairGrid(np.arange(len(mentors), dtype=np.intp), len(mentees), mentee_rows=False)
    preferences = _preferences(mentors, mentees, weights, technology_topics)
    return _score_matrix(grid, preferences, hard_rules(mentors, mentees))


# --- assignment ------------------------------------------------------------------------------------------


def _no_cells() -> tuple[np.ndarray, np.ndarray]:
    return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)


def assign_optimally(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of a maximum-total assignment of a non-negative score matrix, zero cells dropped.

    Leaving a row or column unassigned is worth 0, the same as a forbidden cell, so the best full
    assignment of this matrix is the maximum-weight matching of the feasible pairs; forbidden cells the
    solver had to fill in carry no weight and are dropped. (A large negative penalty instead would make
    the solver match as many people as possible first, even at a lower total score.)
    """
    if 0 in scores.shape:
        return _no_cells()
    rows_short = scores.shape[0] <= scores.shape[1]
    view = scores if rows_short else scores.T
    order = np.argsort(-view.max(axis=1), kind="stable")
    short, long = assign_rows_in_order(np.take(view, order, axis=0))
    short = order[short]
    return (short, long) if rows_short else (long, short)


def assign_rows_in_order(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`assign_optimally` for a matrix whose rows are already in a good order for the solver.

    The solver adds one row at a time along shortest augmenting paths. Rows offered best-first (the order
    a greedy matcher takes them) start it near a good matching, so paths stay short: 1.5-2x faster on the
    bench's organisations. The optimum is the same; only the order of work changes. The matrix is negated
    in place for the solver (which minimises) and restored, so no copy of it is made.
    """
    if 0 in scores.shape:
        return _no_cells()
    np.negative(scores, out=scores)
    try:
        rows, cols = linear_sum_assignment(scores)
    finally:
        np.negative(scores, out=scores)  # exact: IEEE negation only flips the sign bit
    keep = scores[rows, cols] > 0
    return rows[keep], cols[keep]


def best_first_order(scores: np.ndarray) -> np.ndarray:
    """Flat indices of the feasible cells, highest score first (ties in row-major order)."""
    flat = scores.ravel()
    feasible = np.flatnonzero(flat > 0)
    return feasible[np.argsort(-flat[feasible], kind="stable")]


def assign_greedily(scores: np.ndarray, order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Take feasible cells in `order` (flat indices; default best first) while row and column are free."""
    if order is None:
        order = best_first_order(scores)
    n_cols = scores.shape[1]
    row_taken = np.zeros(scores.shape[0], dtype=bool)
    col_taken = np.zeros(n_cols, dtype=bool)
    picked: list[tuple[int, int]] = []
    chunk = 1 << 16
    for start in range(0, order.size, chunk):
        rows, cols = np.divmod(order[start : start + chunk], n_cols)
        # Late chunks mostly touch people already matched: drop those in bulk before the Python loop.
        open_cells = ~row_taken[rows] & ~col_taken[cols]
        for r, c in zip(rows[open_cells].tolist(), cols[open_cells].tolist(), strict=True):
            if not row_taken[r] and not col_taken[c]:
                row_taken[r] = col_taken[c] = True
                picked.append((r, c))
        if row_taken.all() or col_taken.all():
            break
    cells = np.array(picked, dtype=np.intp).reshape(-1, 2)
    return cells[:, 0], cells[:, 1]


# --- reasons ---------------------------------------------------------------------------------------------


def match_reason(mentor: Candidate, mentee: Candidate) -> str:
    """One line on why this pair: departments, shared topics, and anything awkward about meeting."""
    if mentor.department == mentee.department:
        parts = [f"same department ({mentor.department})"]
    else:
        parts = [f"{mentor.department} <-> {mentee.department}"]
    shared = sorted(mentor.topics_offered & mentee.topics_wanted)
    parts.append(f"both: {', '.join(shared)}" if shared else "no shared topics")
    apart = hours_apart(mentor.tz_offset_minutes, mentee.tz_offset_minutes)
    if apart >= FAR_APART_HOURS:
        parts.append(f"time zones {apart:g}h apart")
    if _formats_clash(mentor.format, mentee.format):
        words = {"in_person": "in person", "video": "video"}
        parts.append(
            f"formats differ ({words.get(mentor.format, mentor.format)} vs {words.get(mentee.format, mentee.format)})"
        )
    return "; ".join(parts)


@dataclass(frozen=True)
class _Diagnosis:
    """For each person left waiting on one side, what their options over the other pool looked like."""

    partners_available: bool  # anyone on the other side active with capacity
    any_eligible: np.ndarray  # available and the right way round in seniority
    beyond_chain: np.ndarray  # ... and outside their management chain
    beyond_history: np.ndarray  # ... and never paired with them before
    beyond_both: np.ndarray  # ... and both: a feasible partner existed


def _flagged(pairs: np.ndarray, side: int, waiting: np.ndarray, sizes: tuple[int, int]) -> np.ndarray:
    """Waiting people x other pool: is this (waiting person, other) pair one of `pairs`?"""
    other_size = sizes[1 - side]
    row = np.full(sizes[side], -1, dtype=np.intp)
    row[waiting] = np.arange(waiting.size)
    flags = np.zeros((waiting.size, other_size), dtype=bool)
    hit = row[pairs[:, side]] >= 0
    flags[row[pairs[hit, side]], pairs[hit, 1 - side]] = True
    return flags


def _diagnose(rules: HardRules, side: int, waiting: np.ndarray) -> _Diagnosis:
    """Check each hard rule for every waiting person at once (side 0: mentors, 1: mentees)."""
    available = (rules.mentor_available, rules.mentee_available)
    level = (rules.mentor_level, rules.mentee_level)
    other = 1 - side
    mine, theirs = level[side][waiting][:, None], level[other][None, :]
    eligible = (theirs > mine if side == 0 else theirs < mine) & available[other][None, :]
    sizes = (len(rules.mentor_level), len(rules.mentee_level))
    in_chain = _flagged(rules.management_chain, side, waiting, sizes)
    paired_before = _flagged(rules.former_pair, side, waiting, sizes)
    outside_chain = eligible & ~in_chain
    return _Diagnosis(
        partners_available=bool(available[other].any()),
        any_eligible=eligible.any(axis=1),
        beyond_chain=outside_chain.any(axis=1),
        beyond_history=(eligible & ~paired_before).any(axis=1),
        beyond_both=(outside_chain & ~paired_before).any(axis=1),
    )


def _unmatched_reason(candidate: Candidate, role: str, diagnosis: _Diagnosis, k: int, pool_sizes: str) -> str:
    """Why this person got no partner: the first rule, in order, that rules out everyone left."""
    d = diagnosis
    if not candidate.active:
        return "paused or inactive"
    if candidate.capacity <= 0:
        return "no capacity left"
    if not d.partners_available:
        return f"no {'mentee' if role == 'mentor' else 'mentor'} is active with capacity"
    if not d.any_eligible[k]:
        return "no mentee is more senior than you" if role == "mentor" else "no mentor is junior to you"
    if not d.beyond_chain[k]:
        return "everyone eligible is in your management chain"
    if not d.beyond_history[k]:
        return "every eligible partner was paired with you before"
    if not d.beyond_both[k]:
        return "everyone eligible is in your management chain or was paired with you before"
    # An optimal matching with positive scores never leaves two feasible partners both unmatched.
    return f"{pool_sizes}: every eligible partner was matched to someone else"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _unmatched(
    pools: tuple[Sequence[Candidate], Sequence[Candidate]], rules: HardRules, matched: tuple[np.ndarray, np.ndarray]
) -> list[Unmatched]:
    pool_sizes = (
        f"{_plural(int(rules.mentor_available.sum()), 'mentor')} for "
        f"{_plural(int(rules.mentee_available.sum()), 'mentee')}"
    )
    left: list[Unmatched] = []
    for side, role in enumerate(("mentor", "mentee")):
        waiting = np.flatnonzero(~matched[side])
        if waiting.size == 0:
            continue
        diagnosis = _diagnose(rules, side, waiting)
        for k, p in enumerate(waiting.tolist()):
            candidate = pools[side][p]
            left.append(Unmatched(candidate, role, _unmatched_reason(candidate, role, diagnosis, k, pool_sizes)))
    return left


# --- public entry points ---------------------------------------------------------------------------------


def _result(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    rules: HardRules,
    pairs: tuple[np.ndarray, np.ndarray],
    scores: np.ndarray,
) -> MatchResult:
    mentor_index, mentee_index = pairs
    order = np.lexsort((mentee_index, mentor_index))
    matches = tuple(
        Match(mentors[i], mentees[j], float(score), match_reason(mentors[i], mentees[j]))
        for i, j, score in zip(
            mentor_index[order].tolist(), mentee_index[order].tolist(), scores[order].tolist(), strict=True
        )
    )
    matched = (np.zeros(len(mentors), dtype=bool), np.zeros(len(mentees), dtype=bool))
    matched[0][mentor_index] = True
    matched[1][mentee_index] = True
    unmatched = _unmatched((mentors, mentees), rules, matched)
    return MatchResult(matches, tuple(unmatched))


def _solve(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    weights: Weights,
    technology_topics: frozenset[str],
    optimal: bool,
) -> MatchResult:
    rules = hard_rules(mentors, mentees)
    if optimal:
        # Built with promising rows first rather than reordered afterwards: a reordered copy would cost
        # page faults at 500 a side and ~220 MB more peak memory at 5,000.
        grid, order, scores = build_scores(mentors, mentees, weights, technology_topics, rules)
        rows, cols = assign_rows_in_order(scores)
    else:
        grid = slot_grid(mentors, mentees)
        preferences = _preferences(mentors, mentees, weights, technology_topics)
        order, scores = np.arange(grid.shape[0]), _score_matrix(grid, preferences, rules)
        rows, cols = assign_greedily(scores)
    chosen = scores[rows, cols]
    del scores
    return _result(mentors, mentees, rules, grid.pairs(order[rows], cols), chosen)


def match(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    weights: Weights = Weights(),
    technology_topics: frozenset[str] = TECHNOLOGY_TOPICS,
) -> MatchResult:
    """The matching with the highest total score that breaks no hard rule, with reasons for everyone."""
    return _solve(mentors, mentees, weights, technology_topics, optimal=True)


def greedy_match(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    weights: Weights = Weights(),
    technology_topics: frozenset[str] = TECHNOLOGY_TOPICS,
) -> MatchResult:
    """Baseline for tests and the bench: repeatedly take the best-scoring pair still open."""
    return _solve(mentors, mentees, weights, technology_topics, optimal=False)


def hard_rule_violations(result: MatchResult) -> list[str]:
    """Re-check every match against the hard rules from the candidates alone, independent of the solver."""
    problems: list[str] = []
    mentor_load: dict[int, int] = {}
    mentee_seen: set[int] = set()
    for m in result.matches:
        mentor, mentee = m.mentor, m.mentee
        pair = f"{mentor.name} (mentor) / {mentee.name} (mentee)"
        if mentor.person_id in mentee.ancestors or mentee.person_id in mentor.ancestors:
            problems.append(f"{pair}: one is in the other's management chain")
        if mentor.person_id in mentee.former_partners or mentee.person_id in mentor.former_partners:
            problems.append(f"{pair}: paired before")
        if mentee.level <= mentor.level:
            problems.append(f"{pair}: mentee is not more senior than the mentor")
        for person, role in ((mentor, "mentor"), (mentee, "mentee")):
            if not is_available(person):
                problems.append(f"{pair}: {role} is inactive or has no capacity")
        mentor_load[mentor.participant_id] = mentor_load.get(mentor.participant_id, 0) + 1
        if mentor_load[mentor.participant_id] > mentor.capacity:
            problems.append(f"{pair}: mentor has more mentees than capacity {mentor.capacity}")
        if mentee.participant_id in mentee_seen:
            problems.append(f"{pair}: mentee has more than one mentor")
        mentee_seen.add(mentee.participant_id)
    return problems
