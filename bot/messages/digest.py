"""The digest post: a public version for the programme channel and an admin version that names the pairs at
risk, each with "Nudge now" and "Open history" buttons. Each builder returns {"text", "blocks"}.

The public version is built from a `PublicView` alone: the stored published weekly cells and arithmetic on
them (`bot.digest.disclosure`), never a live figure, a name, a Slack id or anything anyone typed. The only
typed text is the programme's name, escaped. The admin version is exact (live `DigestFigures`, no rule
applied), says so, adds the at-risk pairs by mention (`<@U...>`, rendered by Slack) and stays within Slack's
50 blocks, saying how many more there are.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.digest.disclosure import (
    CANCELLED,
    EXACT,
    FOLLOW_UPS,
    SUPPRESSED,
    Activity,
    AtRiskPair,
    Cell,
    DigestFigures,
    Figure,
    PublicView,
    PublishedWeek,
    Total,
    exact,
    headline,
    percent,
    shares,
    suppress,
    trend,
)
from bot.messages.blocks import Block, actions, button, context, divider, fields, header, section
from bot.messages.escaping import escape

MAX_BLOCKS = 50
RULE_NOTE = (
    "Counts per calendar week, fixed when the week closes. A count with fewer than 5 people behind it shows "
    "“fewer than 5”; every other count is rounded to the nearest 5. Totals add up the weekly counts, counting "
    "“fewer than 5” as 0, so they read “at least”. No names, no answers."
)
ADMIN_NOTE = (
    "Exact figures, for admins only: not rounded, nothing hidden, and they include late and changed answers. "
    "Do not share them; the channel sees only the published weekly counts."
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
    if formed.people < EXACT and suppress(met.value, 2 * int(formed.value - met.value)) == SUPPRESSED:
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


def _admin_blocks(f: DigestFigures, chart_file_id: str | None, title: str) -> list[Block]:
    blocks = [header(f"{title}: the week to {_date(f)}" if f.period_days == 7 else f"{title} to {_date(f)}")]
    blocks.append(context(ADMIN_NOTE))
    blocks.append(section(f"*{headline(f)}*"))
    blocks += _figure_blocks(f)
    if chart_file_id:
        blocks.append(chart_block(chart_file_id))
    blocks.append(context(escape(f.programme_name)))
    return blocks


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y}"


def _parts(view: PublicView, week: PublishedWeek | None, named: Sequence[tuple[Cell, str]]) -> str:
    return " · ".join(f"{word} {view.week([c], week).text()}" for c, word in named)


def _shares_text(view: PublicView, named: Sequence[tuple[Cell, str]]) -> str:
    parts = [view.to_date([c]) for c, _ in named]
    if not sum(p.value for p in parts):
        return "no counts published yet" if not any(p.at_least for p in parts) else "not shown: each count fewer than 5"
    return " · ".join(f"{word} {share}" for (_, word), share in zip(named, shares(parts), strict=True))


def _with_before(now: Total, before: Total | None) -> str:
    if before is None:
        return now.text()
    return f"{now.text()} (the week before: {before.text()})"


SIDES = ((Cell.CANCELLED_SENIOR, "senior"), (Cell.CANCELLED_JUNIOR, "junior"), (Cell.CANCELLED_NO_SIDE, "not recorded"))
BANDS = ((Cell.RATED_4_5, "4-5:"), (Cell.RATED_1_3, "1-3:"))
TWO_WAY_WORDS = ((Cell.TWO_WAY_YES, "yes"), (Cell.TWO_WAY_PARTLY, "partly"), (Cell.TWO_WAY_NO, "no"))


def public_headline(view: PublicView) -> str:
    """One line from the last closed week's published cells."""
    week = view.last
    if week is None:
        return "No full week to report yet"
    held = view.week([Cell.HELD])
    when = f"in the week of {_day(week.week_start)}"
    if held.value == 0 and not held.at_least:
        return f"No sessions held {when}"
    if held.hidden:
        return f"Fewer than 5 people held sessions {when}"
    return f"About {held.value:,} sessions held {when}"


def _public_figure_blocks(view: PublicView) -> list[Block]:
    last, before = view.last, view.before_last
    if last is None:
        return [section("No calendar week has closed yet: the first figures come after the first full week.")]
    week = [
        ("Sessions held", _with_before(view.week([Cell.HELD]), view.week([Cell.HELD], before) if before else None)),
        ("Pairs that met", view.week([Cell.PAIRS_MET]).text()),
        ("Sessions cancelled, by side", _parts(view, last, SIDES)),
        ("Sessions rescheduled", view.week([Cell.RESCHEDULED]).text()),
        ("Ratings", _parts(view, last, BANDS)),
        ("Stayed two-way (juniors)", _parts(view, last, TWO_WAY_WORDS)),
        ("Actions recorded", view.week([Cell.ACTIONS]).text()),
        ("Joined", view.week([Cell.JOINED]).text()),
    ]
    to_date = [
        ("Sessions held", view.to_date([Cell.HELD]).text()),
        ("Sessions cancelled", view.to_date(CANCELLED).text()),
        ("Cancellations by side", _shares_text(view, SIDES)),
        ("Ratings", " · ".join(f"{w} {view.to_date([c]).text()}" for c, w in BANDS)),
        ("Stayed two-way (juniors)", _shares_text(view, TWO_WAY_WORDS)),
        ("Actions recorded", view.to_date([Cell.ACTIONS]).text()),
        ("Pairs formed", view.to_date([Cell.PAIRS_FORMED]).text()),
        ("Joined", view.to_date([Cell.JOINED]).text()),
    ]
    return [
        section(f"*Week of {_day(last.week_start)}*"),
        fields(*week),
        section(f"*Programme to date* ({len(view.weeks)} week{'' if len(view.weeks) == 1 else 's'})"),
        fields(*to_date),
    ]


def public_outcome_blocks(view: PublicView) -> list[Block]:
    """Closing surveys and action follow-ups, to date, from the published cells."""
    out: list[Block] = []
    replies = view.to_date((Cell.SURVEY_AGAIN_YES, Cell.SURVEY_AGAIN_NOT_YES))
    if replies.value or replies.at_least:
        again = _shares_text(view, ((Cell.SURVEY_AGAIN_YES, "yes"), (Cell.SURVEY_AGAIN_NOT_YES, "not yes")))
        out.append(section(f"*Closing surveys*\nAnswered: {replies.text()} · would take part again: {again}"))
    answered = view.to_date(FOLLOW_UPS)
    if answered.value or answered.at_least:
        words = (
            (Cell.FOLLOW_UP_DONE, "done"),
            (Cell.FOLLOW_UP_IN_PROGRESS, "in progress"),
            (Cell.FOLLOW_UP_DROPPED, "dropped"),
        )
        parts = " · ".join(f"{w}: {view.to_date([c]).text()}" for c, w in words)
        out.append(section("*Actions seniors promised, followed up*\n" + parts))
    return out


def public_digest(view: PublicView, chart_file_id: str | None = None) -> dict[str, Any]:
    """The channel post: the published weekly cells and arithmetic on them, nothing else."""
    title = "Programme health"
    blocks: list[Block] = [header(title), section(f"*{public_headline(view)}*")]
    blocks += _public_figure_blocks(view)
    blocks += public_outcome_blocks(view)
    if chart_file_id:
        blocks.append(chart_block(chart_file_id))
    blocks.append(context(f"{escape(view.programme_name)} · {RULE_NOTE}"))
    return {"text": public_headline(view), "blocks": blocks}


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
    figures = exact(figures)
    blocks = _admin_blocks(figures, chart_file_id, "Programme health (admins, exact)")
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
