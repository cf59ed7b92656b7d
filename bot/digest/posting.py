"""Posting the digest: the public version (published weekly cells and the chart drawn from them, see
`bot.digest.disclosure`) to the programme's channel, the admins' exact version (at-risk pairs named) to each
admin privately; on each programme's weekly slot, on demand, and the CSV exports (shareable and exact).

A week's digest is posted once: its messages go through the outbox under keys naming the ISO week, and the
chart is uploaded (files_upload_v2, no channel) only when the week's post is not queued yet."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.digest.cells import close_weeks, public_view
from bot.digest.chart import render_chart
from bot.digest.disclosure import PublicView
from bot.digest.export import Export, exact_export, shareable_export
from bot.digest.figures import Digest, participant_user_ids, prepare_digest
from bot.digest.outcomes import blocks as outcome_blocks
from bot.digest.outcomes import outcomes
from bot.digest.schedule import is_due, next_slot, week_label
from bot.messages.digest import MAX_BLOCKS, admin_digest, public_digest
from storage.db import Database
from storage.queries import outbox as outbox_queries
from storage.queries import pairs as pair_queries
from storage.queries import programmes as programme_queries
from storage.queries.outbox import Call, enqueue_many
from storage.queries.outbox import exists as outbox_exists

log = logging.getLogger(__name__)
PREVIEW_EXTRA_BLOCKS = 2  # the preview's note, and its "Post to the channel" button


def deleted_users(client: WebClient, user_ids: Iterable[str]) -> set[str]:
    """Who among them has left the workspace (users.list pages of 200, rather than one users.info each)."""
    wanted = set(user_ids)
    gone: set[str] = set()
    cursor = None
    try:
        while True:
            page = client.users_list(limit=200, cursor=cursor) if cursor else client.users_list(limit=200)
            members: list[dict[str, Any]] = page.get("members", [])
            gone |= {u["id"] for u in members if u.get("deleted") and u["id"] in wanted}
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return gone
    except SlackApiError as error:
        log.warning("users.list failed (%s): retention in the workspace is not counted", error.response.get("error"))
        return gone


def build(db: Database, client: WebClient, programme_id: int, now: datetime) -> Digest:
    deleted = deleted_users(client, participant_user_ids(db, programme_id))
    return prepare_digest(db, programme_id, now, deleted_user_ids=deleted)


def upload_chart(client: WebClient, view: PublicView, now: datetime) -> str | None:
    png = render_chart(view.chart)
    try:
        response = client.files_upload_v2(
            file=png, filename=f"programme-health-{now:%Y-%m-%d}.png", title="Sessions held and cancelled per week"
        )
    except SlackApiError as error:
        log.warning("chart upload failed (%s): posting the digest without it", error.response.get("error"))
        return None
    file = response.get("file") or (response.get("files") or [{}])[0]
    return file.get("id")


def with_outcomes(db: Database, programme_id: int, message: dict, max_blocks: int = MAX_BLOCKS) -> dict:
    """Add the cohort survey and action follow-up sections before the closing note (within `max_blocks`)."""
    extra = outcome_blocks(outcomes(db, programme_id))
    if not extra:
        return message
    blocks = list(message["blocks"])
    extra = extra[: max(0, max_blocks - len(blocks))]  # the digest's own blocks (and "and N more") come first
    at = next((i for i, b in enumerate(blocks) if b.get("type") == "divider"), len(blocks) - 1)
    return {**message, "blocks": blocks[:at] + extra + blocks[at:]}


def _queue(
    db: Database,
    team_id: str,
    key: str,
    channel: str,
    admins: Iterable[str],
    digest: Digest,
    view: PublicView,
    chart: str | None,
    now: datetime,
) -> None:
    programme_id = digest.figures.programme_id
    public = public_digest(view, chart)
    private = with_outcomes(db, programme_id, admin_digest(digest.figures, digest.at_risk, chart))
    calls = [Call(f"{key}:public", "chat.postMessage", {"channel": channel, **public}, now)]
    calls += [Call(f"{key}:admin:{a}", "chat.postMessage", {"channel": a, **private}, now) for a in sorted(set(admins))]
    with db.unit_of_work() as session:
        enqueue_many(session, team_id, calls)  # a racing run's rows stand; nothing is queued twice


def _weekly_key(programme_id: int, week: str) -> str:
    """The outbox key of a week's digest messages (`:public`, `:admin:U...` follow): one digest a week."""
    return f"digest:{programme_id}:{week}"


def post_weekly(
    db: Database,
    client_for: Callable[[str], WebClient],
    now: datetime,
    default_channel: str | None,
    extra_admins: Iterable[str] = (),
    *,
    on_schedule: bool = True,
) -> str:
    """Every programme's digest for its week holding `now`, once. On the schedule a programme's digest waits
    for its own day and hour (bot/digest/schedule.py); run by hand, it goes now."""
    done = []
    with db.unit_of_work() as session:
        programmes = programme_queries.all_programmes(session)
    for programme in programmes:
        client = client_for(programme.team_id)  # each workspace's reads and chart upload with its own token
        close_weeks(db, programme.id, now)  # every check: a week's cells are fixed as soon as it has ended
        slot = (programme.digest_weekday, programme.digest_hour, programme.timezone)
        if on_schedule and not is_due(now, *slot, programme.created_at):
            continue
        channel = programme.digest_channel or default_channel
        if on_schedule and not _has_pairs(db, programme.id):  # a week of zeros in public helps nobody
            done.append(f"'{programme.name}' has no pairs yet: nothing to post")
            continue
        if not channel:
            done.append(f"'{programme.name}' has no digest channel (set one in /reverse-mentor settings)")
            continue
        week = week_label(now, programme.timezone)
        key = _weekly_key(programme.id, week)
        with db.unit_of_work() as session:
            already = outbox_exists(session, programme.team_id, f"{key}:public")
        if already:
            done.append(f"'{programme.name}' already posted for {week}")
            continue
        digest = build(db, client, programme.id, now)
        view = public_view(db, programme.id, now)
        admins = set(programme.admin_user_ids or ()) | set(extra_admins)
        _queue(db, programme.team_id, key, channel, admins, digest, view, upload_chart(client, view, now), now)
        done.append(f"'{programme.name}' queued for {channel}")
    return "; ".join(done) or ("none due" if on_schedule else "no programmes")


def _has_pairs(db: Database, programme_id: int) -> bool:
    with db.unit_of_work() as session:
        return pair_queries.any_pair(session, programme_id)


@dataclass(frozen=True)
class NextDigest:
    at: datetime
    channel: str | None  # None: no channel chosen, so nothing will be posted


def next_digest(db: Database, team_id: str, now: datetime, default_channel: str | None) -> NextDigest:
    """When and where the team's programme digest goes out next on the schedule (`default_channel`:
    DIGEST_CHANNEL, for a programme that names none, as `post_weekly` takes it)."""
    with db.unit_of_work() as session:
        p = programme_queries.current_programme(session, team_id)
        posted = outbox_exists(session, team_id, f"{_weekly_key(p.id, week_label(now, p.timezone))}:public")
        at = next_slot(now, p.digest_weekday, p.digest_hour, p.timezone, p.created_at, posted)
        return NextDigest(at, p.digest_channel or default_channel)


def preview(db: Database, client: WebClient, team_id: str, now: datetime) -> tuple[dict, str | None]:
    """The admin's private preview (with the chart), and the channel it would go to; it leaves
    PREVIEW_EXTRA_BLOCKS free for the preview's own note and button."""
    with db.unit_of_work() as session:
        programme = programme_queries.current_programme(session, team_id)
        programme_id, channel = programme.id, programme.digest_channel
    digest = build(db, client, programme_id, now)
    room = MAX_BLOCKS - PREVIEW_EXTRA_BLOCKS
    chart = upload_chart(client, public_view(db, programme_id, now), now)
    message = admin_digest(digest.figures, digest.at_risk, chart, max_blocks=room)
    return with_outcomes(db, programme_id, message, max_blocks=room), channel


def post_now(db: Database, client: WebClient, team_id: str, now: datetime, channel: str, preview_key: str) -> bool:
    """Post the public digest on an admin's say-so; the preview's key makes a double click post once."""
    with db.unit_of_work() as session:
        programme = programme_queries.current_programme(session, team_id)
        programme_id = programme.id
        if outbox_exists(session, team_id, f"digest-now:{preview_key}"):
            return False
    view = public_view(db, programme_id, now)
    public = public_digest(view, upload_chart(client, view, now))
    call = Call(f"digest-now:{preview_key}", "chat.postMessage", {"channel": channel, **public}, now)
    with db.unit_of_work() as session:
        return bool(enqueue_many(session, team_id, [call]))  # False: a racing double click queued it first


def post_now_failure(db: Database, team_id: str, preview_key: str) -> str | None:
    """Why the admin's 'Post to the channel' did not reach the channel (Slack's error), or None."""
    with db.unit_of_work() as session:
        found = outbox_queries.outcome(session, team_id, f"digest-now:{preview_key}")
    if found is None or found[0] != "failed":
        return None
    return found[1] or "unknown error"


def export_for(db: Database, team_id: str, now: datetime, *, exact: bool = False) -> Export:
    """The shareable export (published cells only), or with `exact` the admins-only exact one."""
    with db.unit_of_work() as session:
        programme_id = programme_queries.current_programme(session, team_id).id
    return exact_export(db, programme_id, now) if exact else shareable_export(db, programme_id, now)
