"""Two sections of the admins' exact digest from the cohort tools: the last closed cohort's survey, and what
became of the actions seniors promised. Exact, for admins only: the channel's version of these sections is built
from the published cells (`bot.messages.digest.public_outcome_blocks`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages.blocks import Block, section
from bot.messages.escaping import escape
from storage.db import Database
from storage.queries import programme_outcomes as queries


@dataclass(frozen=True)
class Outcomes:
    cohort_name: str | None
    surveys_sent: int
    response_rate: float | str | None
    would_again: float | str | None
    rating_change: float | str | None
    actions: dict[str, int | str]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def outcomes(db: Database, programme_id: int) -> Outcomes:
    with db.unit_of_work() as session:
        cohort = queries.latest_closed_cohort(session, programme_id)
        sent = answered = again = 0
        change: float | None = None
        if cohort is not None:
            sent, answered, again, _rated, change = queries.survey_totals(session, cohort.id)
        follow_ups = queries.follow_up_totals(session, programme_id)
    return Outcomes(
        cohort_name=cohort.name if cohort else None,
        surveys_sent=sent,
        response_rate=_share(answered, sent),
        would_again=_share(again, answered),
        rating_change=change,
        actions={answer: n for answer, (n, _people) in follow_ups.items()},
    )


def _percent(value: float | str | None) -> str:
    if value is None:
        return "no answers yet"
    return value if isinstance(value, str) else f"{value:.0%}"


def blocks(result: Outcomes) -> list[Block]:
    out: list[Block] = []
    if result.cohort_name and result.surveys_sent:
        change = result.rating_change
        change_text = (
            change if isinstance(change, str) else "not measured yet" if change is None else f"{change:+.1f} points"
        )
        out.append(
            section(
                f"*Closing survey, {escape(result.cohort_name)}* (exact)\n"
                f"Response rate: {_percent(result.response_rate)} · "
                f"would take part again: {_percent(result.would_again)} · seniors' understanding of their "
                f"topics since joining: {change_text}"
            )
        )
    if result.actions:
        words = {"done": "done", "in_progress": "in progress", "dropped": "dropped"}
        parts = [f"{words[k]}: {result.actions.get(k, 0)}" for k in ("done", "in_progress", "dropped")]
        out.append(section("*Actions seniors promised, followed up* (exact)\n" + " · ".join(parts)))
    return out
