"""The matching proposal an admin reviews privately: pairs with scores and reasons, the unmatched with
reasons, and the controls to approve, drop a pair, or run again without someone."""

from __future__ import annotations

import json
from typing import Any

from bot.messages.blocks import (
    Block,
    actions,
    button,
    confirm_dialog,
    context,
    header,
    line_sections,
    option,
    plain,
    section,
)
from bot.messages.escaping import escape

SHOWN_LIMIT = 200  # lines listed in Slack; the rest are counted (a message holds 50 blocks)
MAX_OPTIONS = 100


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _pair_line(index: int, pair: dict[str, Any]) -> str:
    return (
        f"*{index}.* <@{pair['mentor_user']}> (mentor) & <@{pair['mentee_user']}> (mentee) · "
        f"score {pair['score']:g}\n      _{escape(pair['reason'])}_"
    )


def _select(action_id: str, placeholder: str, options: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": plain(placeholder),
        "options": options,
    }


def _controls(run_id: int, proposal: dict[str, Any]) -> list[Block]:
    pairs = proposal["pairs"]
    elements: list[dict[str, Any]] = []
    if pairs:
        elements.append(
            button(
                f"Approve {len(pairs)} pairs",
                "match_approve",
                json.dumps({"run": run_id}),
                style="primary",
                confirm=confirm_dialog(
                    "Introduce everyone?",
                    f"{len(pairs)} pairs will each get a group DM introducing them. This can't be undone.",
                    "Approve and introduce",
                ),
            )
        )
        drop_options = [
            option(
                f"{p['mentor_name']} & {p['mentee_name']}",
                json.dumps({"run": run_id, "mentee": p["mentee_id"]}),
            )
            for p in pairs[:MAX_OPTIONS]
        ]
        elements.append(_select("match_drop", "Drop a pair…", drop_options))
    people = [(p["mentor_id"], p["mentor_name"]) for p in pairs] + [(p["mentee_id"], p["mentee_name"]) for p in pairs]
    people += [
        (u["participant_id"], u.get("name", ""))
        for u in proposal["unmatched"]
        if u["reason"] != "left out of this round by an admin"
    ]
    if people:
        exclude_options = [
            option(name or f"participant {pid}", json.dumps({"run": run_id, "without": pid}))
            for pid, name in people[:MAX_OPTIONS]
        ]
        elements.append(_select("match_exclude", "Run again without…", exclude_options))
    elements.append(button("Discard", "match_discard", json.dumps({"run": run_id})))
    return [actions(*elements, block_id=f"match-{run_id}")]


def proposal_message(run_id: int, proposal: dict[str, Any]) -> dict[str, Any]:
    pairs, unmatched = proposal["pairs"], proposal["unmatched"]
    if not pairs and not unmatched:
        summary = (
            "*Nobody to match yet.* No mentor or mentee is waiting for a partner: ask people to "
            "`/reverse-mentor join` (or import the org chart), then run matching again."
        )
    elif not pairs:
        summary = (
            f"*No pairs possible this time; {_count(len(unmatched), 'person', 'people')} waiting.* "
            "The reasons are below: most often one side has nobody left who fits the hard rules."
        )
    else:
        summary = (
            f"*{_count(len(pairs), 'pair')} proposed, {_count(len(unmatched), 'person', 'people')} unmatched.* "
            "Nobody has been told anything: review, drop or exclude, then approve to send the intros."
        )
    blocks: list[Block] = [header(f"Matching proposal #{run_id}"), section(summary)]
    pair_lines = [_pair_line(i + 1, p) for i, p in enumerate(pairs[:SHOWN_LIMIT])]
    blocks += [section(chunk) for chunk in line_sections(pair_lines)]
    if len(pairs) > SHOWN_LIMIT:
        blocks.append(context(f"…and {len(pairs) - SHOWN_LIMIT} more pairs."))
    if unmatched:
        lines = [f"<@{u['user']}> ({u['role']}): {escape(u['reason'])}" for u in unmatched[:SHOWN_LIMIT]]
        blocks.append(section("*Unmatched*"))
        blocks += [section(chunk) for chunk in line_sections(lines)]
        if len(unmatched) > SHOWN_LIMIT:
            blocks.append(context(f"…and {len(unmatched) - SHOWN_LIMIT} more unmatched."))
    blocks += _org_chart_notes(proposal)
    if len(blocks) > 46:  # a message holds 50 blocks and the controls take the last ones
        blocks = [*blocks[:45], context("…and more than one message can show: the counts above are complete.")]
    blocks += _controls(run_id, proposal)
    return {"text": f"Matching proposal #{run_id}: {len(pairs)} pairs", "blocks": blocks}


def _self_reported_people(pairs: list[dict[str, Any]]) -> list[str]:
    """Everyone in a proposed pair whose department, level and manager are what they typed, not the chart's."""
    return [
        f"<@{p[f'{role}_user']}> ({role})"
        for p in pairs
        for role in ("mentor", "mentee")
        if p.get(f"{role}_self_reported")
    ]


def _who(user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else "none"


def mismatch_line(mismatch: dict[str, Any]) -> str:
    """'<@J> typed manager <@X> (chart: <@S>), level 1 (chart: 3)': one line per person."""
    parts = []
    if "manager" in mismatch:
        parts.append(f"manager {_who(mismatch['manager']['typed'])} (chart: {_who(mismatch['manager']['chart'])})")
    if "level" in mismatch:
        parts.append(f"level {mismatch['level']['typed']} (chart: {mismatch['level']['chart']})")
    if "department" in mismatch:
        typed, chart = (escape(mismatch["department"][k]) for k in ("typed", "chart"))
        parts.append(f"department {typed} (chart: {chart})")
    return f"<@{mismatch['user']}> typed {', '.join(parts)}"


def _org_chart_notes(proposal: dict[str, Any]) -> list[Block]:
    """Where the proposal rests on what people typed, and where that disagrees with the org chart."""
    blocks: list[Block] = []
    typed = _self_reported_people(proposal["pairs"])
    if typed:
        blocks.append(
            section(
                "*Matched on self-reported data (not in the org chart):* their department, level and manager "
                "are what they typed, so check them if a pair looks wrong."
            )
        )
        blocks += [section(chunk) for chunk in line_sections(typed[:SHOWN_LIMIT])]
    mismatches = proposal.get("chart_mismatches") or []
    if mismatches:
        blocks.append(section("*Typed before the org chart listed them; the chart differs and is used:*"))
        blocks += [section(chunk) for chunk in line_sections([mismatch_line(m) for m in mismatches[:SHOWN_LIMIT]])]
    return blocks


def unmatched_message(programme_name: str, admin_user_id: str) -> dict[str, Any]:
    """The private DM for someone a round leaves without a partner. It gives no reason: the real one can name
    who else joined (someone in their management chain), so it says only what is true for everyone."""
    text = (
        f"*No partner for you in this {escape(programme_name)} matching round.* "
        "We looked for someone who fits you, but no compatible partner was free this time. "
        "That's about who was available, not about you."
    )
    next_steps = (
        "*What happens next:* you stay in the pool, and the next matching round tries again: nothing to do. "
        "Want a break instead? `/reverse-mentor pause` takes you out of matching until `/reverse-mentor resume`. "
        f"Questions? Ask <@{admin_user_id}>, who runs matching."
    )
    return {"text": "No partner for you this round", "blocks": [section(text), section(next_steps)]}


def decided_message(run_id: int, text: str) -> dict[str, Any]:
    return {"text": text, "blocks": [header(f"Matching proposal #{run_id}"), section(text)]}


def progress_text(done: int, total: int, failed: int = 0) -> str:
    if done < total:
        return f"Sent {done} of {total} intros."
    if failed:
        return (
            f"{total - failed} of {total} intros sent; {failed} could not be delivered, so those pairs "
            "haven't been told yet (the bot's log says why)."
        )
    return f"All {total} intros sent."
