"""The digest and nudges end to end: run-job through the CLI, /reverse-mentor digest and export, through the
Web API stand-in."""

from __future__ import annotations

import csv
import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.digest import posting as digest_post
from bot.messages.help import NOT_ADMIN
from bot.runtime import cli
from storage.models import NudgeLog, OutboxMessage, Person
from storage.queries.programmes import current_programme
from tests.support.digest_pairs import CHANNEL, DIGEST_SETTINGS, MONDAY, TEAM, digest_pairs
from tests.support.factories import add_session, make_pair
from tests.support.flows import run_job, wait_for
from tests.support.harness import ADMIN, RunningApp


def _in_channel(app: RunningApp) -> list[dict[str, Any]]:
    return app.slack.messages(CHANNEL)


def test_the_weekly_digest_posts_figures_and_chart_once_and_names_nobody(
    running_app: RunningApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    digest_pairs(running_app)
    run_job(running_app, "digest", MONDAY, monkeypatch, tmp_path, **DIGEST_SETTINGS)
    same_week = MONDAY + timedelta(hours=1)  # nothing new
    run_job(running_app, "digest", same_week, monkeypatch, tmp_path, **DIGEST_SETTINGS)
    posts = _in_channel(running_app)
    assert len(posts) == 1
    public = json.dumps(posts[0]["blocks"])
    assert any(b.get("type") == "image" for b in posts[0]["blocks"])
    assert running_app.slack.uploads and running_app.slack.uploads[0].data.startswith(b"\x89PNG")
    with running_app.db.unit_of_work() as session:
        people = session.scalars(select(Person)).all()
    for person in people:
        assert person.slack_user_id not in public
    admin_copy = [m for m in running_app.slack.messages(ADMIN) if m.get("blocks")]
    assert admin_copy and "U0S0" in json.dumps(admin_copy[-1]["blocks"])  # admins see who is at risk


def test_digest_command_previews_privately_then_posts_once(running_app: RunningApp) -> None:
    digest_pairs(running_app)
    with running_app.db.unit_of_work() as session:
        current_programme(session, TEAM).digest_channel = CHANNEL
    assert running_app.driver.command("U0JUNIOR", "digest").json()["text"] == NOT_ADMIN
    running_app.driver.command(ADMIN, "digest")
    preview = wait_for(
        lambda: [m for m in running_app.slack.messages(ADMIN) if "digest_post_now" in json.dumps(m.get("blocks"))]
    )[0]
    assert _in_channel(running_app) == []
    value = next(
        e["value"] for b in preview["blocks"] for e in b.get("elements", []) if e.get("action_id") == "digest_post_now"
    )
    running_app.driver.click("U0JUNIOR", "digest_post_now", value)  # forged
    for _ in range(2):
        running_app.driver.click(ADMIN, "digest_post_now", value, channel_id=preview["channel"], message=preview)
    wait_for(
        lambda: (
            len(
                [
                    m
                    for m in running_app.slack.messages(ADMIN)
                    if "digest" in m.get("text", "").lower() and "osted" in m.get("text", "")
                ]
            )
            == 2
        )
    )
    assert len(_in_channel(running_app)) == 1


def test_post_now_to_a_channel_slack_refuses_says_so_instead_of_posted(running_app: RunningApp) -> None:
    digest_pairs(running_app)
    with running_app.db.unit_of_work() as session:
        current_programme(session, TEAM).digest_channel = CHANNEL
    running_app.driver.command(ADMIN, "digest")
    preview = wait_for(
        lambda: [m for m in running_app.slack.messages(ADMIN) if "digest_post_now" in json.dumps(m.get("blocks"))]
    )[0]
    value = next(
        e["value"] for b in preview["blocks"] for e in b.get("elements", []) if e.get("action_id") == "digest_post_now"
    )
    running_app.slack.fail_next("chat.postMessage", error="not_in_channel")
    running_app.driver.click(ADMIN, "digest_post_now", value, channel_id=preview["channel"], message=preview)
    told = wait_for(lambda: [m for m in running_app.slack.messages(ADMIN) if "couldn't post" in m.get("text", "")])
    assert "not_in_channel" in told[0]["text"] and "invite me" in told[0]["text"]
    assert _in_channel(running_app) == []


def test_post_now_clicked_at_once_from_several_places_queues_one_public_digest(running_app: RunningApp) -> None:
    """Clicks racing each other all pass the 'already posted?' look; the outbox's unique key lets one through.
    Before, every click said it had posted, and one whose insert met the winner's uncommitted row failed with
    an IntegrityError, leaving its admin without an answer (a CI failure)."""
    digest_pairs(running_app)
    client = WebClient(token="xoxb-test-token", base_url=running_app.slack.url)
    start = threading.Barrier(4)

    def click(_: int) -> bool:
        start.wait()
        return digest_post.post_now(running_app.db, client, TEAM, MONDAY, CHANNEL, "preview-1")

    with ThreadPoolExecutor(4) as pool:
        posted = list(pool.map(click, range(4)))
    assert posted.count(True) == 1
    with running_app.db.unit_of_work() as session:
        keys = session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like("digest-now:%")))
        assert list(keys) == ["digest-now:preview-1"]


def test_export_arrives_in_the_admins_dm_without_ids_or_text(running_app: RunningApp, tmp_path: Path) -> None:
    digest_pairs(running_app)
    running_app.driver.command(ADMIN, "export")
    upload = wait_for(lambda: [u for u in running_app.slack.uploads if u.completed])[0]
    text = upload.data.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) > 1
    assert "U0M0" not in text and "U0S0" not in text
    assert upload.channels and upload.channels[0] == running_app.slack.dm_channel_id(ADMIN)
    assert "exact" not in upload.filename.lower() and not any(row and row[0] == "pair" for row in rows)
    running_app.driver.command(ADMIN, "export exact")  # the admins' exact file says so, in its name and first row
    exact = wait_for(lambda: [u for u in running_app.slack.uploads if u.completed and u is not upload])[0]
    assert "EXACT-admins-only" in exact.filename
    assert exact.data.decode().startswith("ADMINS ONLY: exact figures")


def test_export_cli_writes_a_csv(running_app: RunningApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    digest_pairs(running_app)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", running_app.db.url)
    out = tmp_path / "export.csv"
    assert cli.main(["export", "--out", str(out), "--team", TEAM]) == 0
    assert next(iter(csv.reader(out.open())))


def test_a_senior_cancelling_twice_is_nudged_once_and_a_third_time_escalates(
    running_app: RunningApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pair_id = make_pair(running_app.db, TEAM, "U0M1", "U0S1", admins=(ADMIN,), created_at=MONDAY - timedelta(days=60))
    add_session(running_app.db, TEAM, pair_id, MONDAY - timedelta(days=25), state="held")
    add_session(running_app.db, TEAM, pair_id, MONDAY - timedelta(days=20), state="cancelled", cancelled_by="senior")
    add_session(running_app.db, TEAM, pair_id, MONDAY - timedelta(days=5), state="cancelled", cancelled_by="senior")
    run_job(running_app, "nudges", MONDAY, monkeypatch, tmp_path, **DIGEST_SETTINGS)
    run_job(running_app, "nudges", MONDAY + timedelta(hours=1), monkeypatch, tmp_path, **DIGEST_SETTINGS)
    to_senior = [m for m in running_app.slack.messages() if (m.get("requested_channel") or m["channel"]) == "U0S1"]
    assert len(to_senior) == 1
    assert not [m for m in running_app.slack.messages() if (m.get("requested_channel") or m["channel"]) == ADMIN]
    add_session(running_app.db, TEAM, pair_id, MONDAY + timedelta(days=1), state="cancelled", cancelled_by="senior")
    run_job(running_app, "nudges", MONDAY + timedelta(days=2), monkeypatch, tmp_path, **DIGEST_SETTINGS)
    run_job(running_app, "nudges", MONDAY + timedelta(days=2, hours=1), monkeypatch, tmp_path, **DIGEST_SETTINGS)
    escalations = [m for m in running_app.slack.messages() if (m.get("requested_channel") or m["channel"]) == ADMIN]
    assert len(escalations) == 1
    assert not [m for m in running_app.slack.messages() if (m.get("requested_channel") or m["channel"]) == "U0M1"]
    with running_app.db.unit_of_work() as session:
        kinds = sorted(n.kind for n in session.scalars(select(NudgeLog)))
    assert kinds == ["escalation", "senior_cancelling"]


def _closed_cohort_with_surveys(app: RunningApp, answered: int) -> None:
    from storage.models import Cohort, Participant, SurveyResponse

    digest_pairs(app, pairs=6)
    with app.db.unit_of_work() as session:
        programme = current_programme(session, TEAM)
        cohort = Cohort(
            team_id=TEAM, programme_id=programme.id, name="Spring <b>", starts_at=MONDAY - timedelta(days=90),
            ends_at=MONDAY - timedelta(days=1), status="closed",
        )  # fmt: skip
        session.add(cohort)
        session.flush()
        mentees = session.scalars(select(Participant).where(Participant.role == "mentee")).all()
        for n, participant in enumerate(mentees):
            participant.self_rating_join = 2
            done = n < answered
            session.add(
                SurveyResponse(
                    team_id=TEAM, cohort_id=cohort.id, participant_id=participant.id,
                    would_again="yes" if done else None, self_rating_after=4 if done else None,
                    sent_at=MONDAY - timedelta(days=8), answered_at=MONDAY - timedelta(days=7) if done else None,
                )
            )  # fmt: skip


def test_the_digest_summarises_the_closing_survey_when_enough_answered(
    running_app: RunningApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _closed_cohort_with_surveys(running_app, answered=5)
    run_job(running_app, "digest", MONDAY, monkeypatch, tmp_path, **DIGEST_SETTINGS)
    text = json.dumps(_in_channel(running_app)[0]["blocks"])
    # the published cells of last week: 5 answered "yes", rounded to the nearest 5 (sent this week: not yet shown)
    assert "Answered: 5 \\u00b7 would take part again: yes 100% \\u00b7 not yes 0%" in text
    admin = json.dumps([m for m in running_app.slack.messages(ADMIN) if m.get("blocks")][-1]["blocks"])
    assert "Closing survey, Spring &lt;b&gt;* (exact)" in admin  # the admins' copy stays exact, and says so
    assert "Response rate: 83%" in admin and "would take part again: 100%" in admin and "+2.0 points" in admin


def test_a_survey_answered_by_fewer_than_five_shows_no_figures(
    running_app: RunningApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _closed_cohort_with_surveys(running_app, answered=3)
    run_job(running_app, "digest", MONDAY, monkeypatch, tmp_path, **DIGEST_SETTINGS)
    text = json.dumps(_in_channel(running_app)[0]["blocks"])
    assert "would take part again: not shown: each count fewer than 5" in text and "100%" not in text
    assert "topics since joining" not in text  # a mean of few people's self-ratings is never published
