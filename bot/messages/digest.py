"""The digest post: a public version for the programme channel and an admin version that names the pairs at
risk, each with "Nudge now" and "Open history" buttons. Each builder returns {"text", "blocks"}.

The public version is built from `DigestFigures` alone, which hold counts and averages, never a name, a
Slack id or anything anyone typed; every number passes `bot.digest.disclosure.suppress` (through `Figure.public`).
The only typed text is the programme's name, escaped. The admin version adds the at-risk pairs by mention
(`<@U...>`, rendered by Slack) and stays within Slack's 50 blocks, saying how many more there are.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.digest.disclosure import (
    SUPPRESSED,
    Activity,
    AtRiskPair,
    DigestFigures,
    Figure,
    headline,
    percent,
    suppress,
    trend,
)
from bot.messages.blocks import Block, actions, button, context, divider, fields, header, section
from bot.messages.escaping import escape

MAX_BLOCKS = 50
RULE_NOTE = (
    "Figures that describe fewer than 5 people show as “fewer than 5”, and so does the split of cancellations "
    "by side below 5 cancellations. Counts and averages only: no names, no answers."
)


def _date(figures: DigestFigures) -> str:
    return f"{figures.now.day} {figures.now:%b %Y}"


def _previous_words(figures: DigestFigures) -> str:
    return "the week before" if figures.period_days == 7 else f"the {figures.period_days} days before"


def count_text(figure: Figure) -> str:
    value = figure.public
    if value == SUPPRESSED or value is None:
        return SUPPRESSED if value == SUPPRESSED else "–"
    return f"{value:,}"


def with_trend(current: Figure, previous: Figure, before: str) -> str:
    text = count_text(current)
    change = trend(current, previous)
    if change is None:
        return text
    if change == 0:
        return f"{text} (same as {before})"
    return f"{text} ({'up' if change > 0 else 'down'} {abs(change):,} on {before})"


def split_text(senior: Figure, junior: Figure) -> str:
    value = senior.public
    if value == SUPPRESSED:
        return SUPPRESSED
    if value is None:
        return "no cancellations"
    return f"senior {percent(senior.value)} · junior {percent(junior.value)}"


def rating_text(mean: Figure, ratings: Figure) -> str:
    value = mean.public
    if value == SUPPRESSED:
        return SUPPRESSED
    if value is None:
        return "no ratings yet"
    return f"{value:.1f} / 5 ({ratings.value:,} ratings)"


def two_way_text(activity: Activity) -> str:
    """Yes, partly and no as shares of the juniors' answers: "no" (it became advice for the junior) is the
    role-reversion signal, so it is shown, not left to subtraction."""
    value = activity.two_way_yes.public
    if value == SUPPRESSED:
        return SUPPRESSED
    if value is None:
        return "no answers yet"
    shares = " · ".join(
        f"{percent(share.value)} {word}"
        for share, word in (
            (activity.two_way_yes, "yes"),
            (activity.two_way_partly, "partly"),
            (activity.two_way_no, "no"),
        )
    )
    return f"{shares} ({activity.two_way_answers.value:,} answers)"


def retention_text(still: Figure, everyone: Figure) -> str:
    value = still.public
    if value == SUPPRESSED:
        return SUPPRESSED
    if not everyone.value:
        return "no participants yet"
    assert still.value is not None  # a public figure with people behind it has a value
    return f"{percent(still.value / everyone.value)} ({still.value:,} of {everyone.value:,})"


def met_text(met: Figure, formed: Figure) -> str:
    if not met.shown or not formed.shown:
        return SUPPRESSED if SUPPRESSED in (met.public, formed.public) else "–"
    assert met.value is not None and formed.value is not None  # shown: both are numbers
    if suppress(met.value, 2 * int(formed.value - met.value)) == SUPPRESSED:
        return SUPPRESSED  # one or two pairs that never met would be known by subtraction
    return f"{met.value:,} of {formed.value:,} pairs formed"


def _figure_blocks(f: DigestFigures) -> list[Block]:
    now, before, to_date = f.this_period, f.previous_period, f.to_date
    words = _previous_words(f)
    period = "This week" if f.period_days == 7 else f"Last {f.period_days} days"
    return [
        section(f"*{period}*"),
        fields(
            ("Active pairs", count_text(f.active_pairs)),
            ("Pairs that met", count_text(now.pairs_met)),
            ("Sessions held", with_trend(now.held, before.held, words)),
            ("Sessions cancelled", with_trend(now.cancelled, before.cancelled, words)),
            ("Sessions rescheduled", with_trend(now.rescheduled, before.rescheduled, words)),
            ("Cancellations by side", split_text(now.senior_share, now.junior_share)),
            ("Pairs at risk", count_text(f.pairs_at_risk)),
            ("Mean rating", rating_text(now.mean_rating, now.ratings)),
            ("Stayed two-way", two_way_text(now)),
            ("Actions recorded", count_text(now.actions_recorded)),
        ),
        section("*Programme to date*"),
        fields(
            (f"Joined / left ({period.lower()})", f"{count_text(f.joiners)} joined · {count_text(f.leavers)} left"),
            ("Still in the programme", retention_text(f.still_in_programme, f.participants)),
            ("Still in the workspace", retention_text(f.still_in_workspace, f.participants)),
            ("Pairs that have met", met_text(to_date.pairs_met, f.pairs_formed)),
            ("Sessions held", count_text(to_date.held)),
            ("Sessions cancelled", count_text(to_date.cancelled)),
            ("Cancellations by side", split_text(to_date.senior_share, to_date.junior_share)),
            ("Mean rating", rating_text(to_date.mean_rating, to_date.ratings)),
            ("Stayed two-way", two_way_text(to_date)),
            ("Actions recorded", count_text(to_date.actions_recorded)),
        ),
    ]


def chart_block(file_id: str) -> Block:
    """The chart, once uploaded (files.uploadV2 without a channel gives the file id)."""
    return {
        "type": "image",
        "slack_file": {"id": file_id},
        "alt_text": "Sessions held and cancelled per week, cancellations stacked by side",
    }


def _public_blocks(f: DigestFigures, chart_file_id: str | None, title: str) -> list[Block]:
    blocks = [header(f"{title}: the week to {_date(f)}" if f.period_days == 7 else f"{title} to {_date(f)}")]
    blocks.append(section(f"*{headline(f)}*"))
    blocks += _figure_blocks(f)
    if chart_file_id:
        blocks.append(chart_block(chart_file_id))
    blocks.append(context(f"{escape(f.programme_name)} · {RULE_NOTE}"))
    return blocks


def public_digest(figures: DigestFigures, chart_file_id: str | None = None) -> dict[str, Any]:
    """The channel post: counts and averages only."""
    return {"text": headline(figures), "blocks": _public_blocks(figures, chart_file_id, "Programme health")}


def _pair_blocks(pair: AtRiskPair) -> list[Block]:
    value = json.dumps({"pair": pair.pair_id})
    who = f"<@{escape(pair.mentor_user_id)}> & <@{escape(pair.mentee_user_id)}>"
    return [
        section(f"{who}: {escape(pair.reason)}"),
        actions(
            button("Nudge now", "digest_nudge_now", value, style="primary"),
            button("Open history", "pair_history_open", value),
            block_id=f"digest_at_risk_{pair.pair_id}",
        ),
    ]


def admin_digest(
    figures: DigestFigures,
    at_risk: Sequence[AtRiskPair],
    chart_file_id: str | None = None,
    max_blocks: int = MAX_BLOCKS,
) -> dict[str, Any]:
    """The admins' version: the public figures, then who the pairs at risk are and why, with buttons, in at
    most `max_blocks` blocks (fewer when the caller adds its own)."""
    blocks = _public_blocks(figures, chart_file_id, "Programme health (admins)")
    if not at_risk:
        blocks += [divider(), section("*Pairs at risk*\nNone right now.")]
        return {"text": headline(figures), "blocks": blocks}
    blocks += [divider(), section(f"*Pairs at risk* ({len(at_risk):,}): only admins see who they are")]
    free = max_blocks - len(blocks)
    # two blocks a pair; when they don't all fit, one block is kept for the "and N more" note
    shown = at_risk if 2 * len(at_risk) <= free else at_risk[: (free - 1) // 2]
    for pair in shown:
        blocks += _pair_blocks(pair)
    if len(shown) < len(at_risk):
        rest = len(at_risk) - len(shown)
        blocks.append(context(f"…and {rest:,} more at-risk pairs: see `/reverse-mentor pairs`."))
    return {"text": headline(figures), "blocks": blocks}
