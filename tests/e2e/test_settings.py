"""Programme settings: reading and checking the form (pure), saving with a record of what changed (both
databases), and the whole flow through signed requests: command or App Home button -> modal -> submission."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.messages.help import NOT_ADMIN
from bot.messages.settings import CALLBACK_ID, opened_from, settings_modal, summary_message
from bot.runtime.clock import SystemClock
from bot.settings import programme as ps
from handlers.forms import settings_form
from storage.db import Database
from storage.models import Programme, SettingsChange
from storage.queries.programmes import current_programme
from tests.support.flows import wait_for
from tests.support.harness import ADMIN, TEAM_ID, RunningApp

DEFAULTS = ps.ProgrammeSettings(
    name="Reverse mentoring",
    objectives="",
    cadence_days=21,
    duration_days=182,
    digest_channel=None,
    digest_weekday=0,
    digest_hour=9,
    timezone="UTC",
    topics=("Digital and social media", "Data and AI tools", "Lived experience"),
    nudge_cancel_n=2,
    nudge_cancel_m=3,
    stale_factor=1.5,
    reminder_delay_hours=48,
    quiet_start_hour=20,
    quiet_end_hour=8,
    admin_user_ids=(ADMIN,),
)
OPENED = ps.Opened(programme_id=1, seen_change_id=0)


# ------------------------------------------------------------------ what Slack sends back for a modal


def state_of(view: dict[str, Any], **changed: Any) -> dict[str, Any]:
    """view.state.values as Slack would send them for this modal: every input as prefilled, except `changed`
    (block id -> what the person typed or chose: a string, a list of user ids, or None to clear it)."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element, block_id = block["element"], block["block_id"]
        kind = element["type"]
        if kind in ("plain_text_input", "number_input"):
            state = {"value": changed.get(block_id, element.get("initial_value"))}
        elif kind == "static_select":
            chosen = element.get("initial_option")
            if block_id in changed:
                chosen = next((o for o in element["options"] if o["value"] == changed[block_id]), None)
                chosen = chosen or {"value": changed[block_id]}  # a forged value no option has
            state = {"selected_option": chosen}
        elif kind == "conversations_select":
            state = {"selected_conversation": changed.get(block_id, element.get("initial_conversation"))}
        elif kind == "multi_users_select":
            state = {"selected_users": changed.get(block_id, element.get("initial_users", []))}
        else:
            raise AssertionError(f"unexpected element {kind}")
        values[block_id] = {"value": {"type": kind, **state}}
    unknown = set(changed) - set(values)
    assert not unknown, f"no such input: {unknown}"
    return values


def checked(view: dict[str, Any], configured: tuple[str, ...] = (), **changed: Any) -> Any:
    return ps.validate(settings_form({"state": {"values": state_of(view, **changed)}}), configured_admins=configured)


MODAL = settings_modal(DEFAULTS, OPENED)


# ------------------------------------------------------------------ pure: the form


def test_the_modal_is_prefilled_and_reads_back_unchanged() -> None:
    values, errors = checked(MODAL)
    assert errors == {}
    assert values == DEFAULTS
    assert ps.diff(DEFAULTS.record(), values.record()) == {}


def test_the_modal_holds_every_setting_in_well_under_a_hundred_blocks() -> None:
    inputs = [b["block_id"] for b in MODAL["blocks"] if b["type"] == "input"]
    assert len(MODAL["blocks"]) <= 50 and len(inputs) == len(set(inputs))
    settings = {f.name for f in fields(ps.ProgrammeSettings)} - {"matching_weights"}
    assert settings <= set(inputs)
    assert {f"weight_{w}" for w in ps.WEIGHT_NAMES} <= set(inputs)
    assert MODAL["callback_id"] == CALLBACK_ID and len(MODAL["title"]["text"]) <= 24
    assert opened_from(MODAL["private_metadata"]) == OPENED


@pytest.mark.parametrize(
    ("changed", "block_id", "says"),
    [
        ({"name": "   "}, "name", "name"),
        ({"name": "x" * 121}, "name", "120"),
        ({"cadence_days": "14.5"}, "cadence_days", "whole number"),
        ({"cadence_days": "400"}, "cadence_days", "between 7 and 90"),
        ({"duration_days": "six months"}, "duration_days", "whole number"),
        ({"duration_days": None}, "duration_days", "whole number"),
        ({"reminder_delay_hours": "0"}, "reminder_delay_hours", "between 1 and 336"),
        ({"nudge_cancel_n": "3", "nudge_cancel_m": "2"}, "nudge_cancel_n", "more than M"),
        ({"stale_factor": "0.5"}, "stale_factor", "between 1 and 10"),
        ({"stale_factor": "1,5"}, "stale_factor", "decimals"),
        ({"weight_topic_overlap": "21"}, "weight_topic_overlap", "between 0 and 20"),
        ({"weight_base": "-1"}, "weight_base", "between 0 and 20"),
        ({"topics": "One\n\nTwo\n"}, "topics", "at least 3"),
        ({"topics": "One\nTwo\n" + "x" * 76}, "topics", "75 characters"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "time zone"),
        ({"timezone": "Europe"}, "timezone", "time zone"),
        ({"quiet_start_hour": "8", "quiet_end_hour": "8"}, "quiet_end_hour", "different hour"),
        ({"digest_weekday": "7"}, "digest_weekday", "day"),
        ({"digest_hour": "24"}, "digest_hour", "hour"),
        ({"admin_usergroup": "@programme-admins"}, "admin_usergroup", "starts with S"),
        ({"digest_channel": "#general"}, "digest_channel", "channel"),
        ({"admin_user_ids": ["not a user"]}, "admin_user_ids", "people"),
        ({"admin_user_ids": [], "admin_usergroup": ""}, "admin_user_ids", "at least one admin"),
    ],
)
def test_each_invalid_value_is_an_inline_error_on_its_own_block(
    changed: dict[str, Any], block_id: str, says: str
) -> None:
    values, errors = checked(MODAL, **changed)
    assert values is None
    assert list(errors) == [block_id]
    assert says.lower() in errors[block_id].lower()


def test_every_error_is_keyed_by_an_input_block_of_the_modal() -> None:
    everything_wrong = {b["block_id"]: "?" for b in MODAL["blocks"] if b["type"] == "input"}
    everything_wrong.update(admin_user_ids=["?"], digest_channel="?", objectives="x" * 3001)
    _values, errors = checked(MODAL, **everything_wrong)
    inputs = {b["block_id"] for b in MODAL["blocks"] if b["type"] == "input"}
    assert set(errors) <= inputs and len(errors) >= 20


def test_topics_are_one_per_line_tidied_and_without_repeats() -> None:
    topics, problem = ps.parse_topics(
        "  Lived experience \n\n- Data  and AI tools\n• Sustainability\nlived EXPERIENCE\n"
    )
    assert problem is None
    assert topics == ("Lived experience", "Data and AI tools", "Sustainability")


def test_time_zones_are_iana_names_and_the_case_is_corrected() -> None:
    assert ps.parse_timezone("America/New_York") == ("America/New_York", None)
    assert ps.parse_timezone(" europe/london ") == ("Europe/London", None)
    assert ps.parse_timezone("")[0] is None and ps.parse_timezone("GMT+25")[0] is None


def test_whole_numbers_and_decimals_are_told_apart() -> None:
    assert ps.parse_whole("14", 7, 90) == (14, None)
    assert "no decimals" in (ps.parse_whole("14.0", 7, 90)[1] or "")
    assert ps.parse_decimal("2.25", 0, 20) == (2.25, None)
    assert ps.parse_decimal(".5", 0, 20) == (0.5, None)
    assert ps.parse_decimal("nan", 0, 20)[0] is None and ps.parse_decimal("1e3", 0, 20)[0] is None


def test_admins_may_be_only_those_configured_or_only_a_user_group() -> None:
    assert checked(MODAL, configured=("U0ENV",), admin_user_ids=[])[1] == {}
    values, errors = checked(MODAL, admin_user_ids=[], admin_usergroup="s0614tzr7")
    assert errors == {} and values.admin_usergroup == "S0614TZR7"


def test_a_field_someone_else_changed_meanwhile_keeps_their_value_unless_this_admin_changed_it_too() -> None:
    current = {"cadence_days": 14, "duration_days": 182, "name": "Theirs"}
    submitted = {"cadence_days": 21, "duration_days": 90, "name": "Mine"}
    seen = {"cadence_days": 21, "name": "Original"}  # what the modal showed before the other admin saved
    assert ps.diff(current, submitted, seen) == {"duration_days": [182, 90], "name": ["Theirs", "Mine"]}


def test_the_summary_lists_old_and_new_and_escapes_what_people_typed() -> None:
    message = summary_message(
        {
            "name": ["Reverse mentoring", "<!channel> RM"],
            "cadence_days": [21, 14],
            "digest_channel": [None, "C0DIGEST"],
            "topics": [["A", "B", "C"], ["A", "B", "<b>"]],
            "matching_weights.topic_overlap": [2.0, 3.5],
            "admin_user_ids": [[ADMIN], [ADMIN, "U0BOSS"]],
        }
    )
    text = message["blocks"][0]["text"]["text"]
    assert "<!channel>" not in text and "&lt;!channel&gt; RM" in text
    assert "21 → 14" in text and "_none_ → <#C0DIGEST>" in text and "2 → 3.5" in text
    assert "added &lt;b&gt;; removed C" in text and "<@U0BOSS>" in text
    assert summary_message({})["text"] == "Nothing changed."


# ------------------------------------------------------------------ saving, on SQLite and PostgreSQL


def _programme(db: Database) -> Programme:
    with db.unit_of_work() as session:
        return current_programme(session, TEAM_ID)


def _changes(db: Database) -> list[SettingsChange]:
    with db.unit_of_work() as session:
        return list(session.scalars(select(SettingsChange).order_by(SettingsChange.id)))


def test_save_records_only_what_changed_and_keeps_another_admins_change_made_meanwhile(db: Database) -> None:
    mine, opened = ps.open_settings(db, TEAM_ID)
    theirs, _ = ps.open_settings(db, TEAM_ID)
    weights = dict(theirs.matching_weights, different_department=8.0)
    first = ps.save(
        db,
        TEAM_ID,
        "U0OTHER",
        ps.ProgrammeSettings(**{**vars(theirs), "cadence_days": 14, "matching_weights": weights}),
    )
    assert first.changes == {"cadence_days": [21, 14], "matching_weights.different_department": [5.0, 8.0]}

    second = ps.save(db, TEAM_ID, ADMIN, ps.ProgrammeSettings(**{**vars(mine), "name": "RM 2027"}), opened=opened)
    assert second.changes == {"name": ["Reverse mentoring", "RM 2027"]}
    programme = _programme(db)
    assert (programme.name, programme.cadence_days) == ("RM 2027", 14)
    assert programme.matching_weights["different_department"] == 8.0 and len(programme.matching_weights) == 6

    again = ps.save(db, TEAM_ID, ADMIN, ps.ProgrammeSettings(**{**vars(mine), "name": "RM 2027"}), opened=opened)
    assert again.saved and again.changes == {} and again.change_id is None
    rows = _changes(db)
    assert [(r.changed_by, sorted(r.changes)) for r in rows] == [
        ("U0OTHER", ["cadence_days", "matching_weights.different_department"]),
        (ADMIN, ["name"]),
    ]
    history = ps.settings_history(db, TEAM_ID, limit=1)
    assert [(h.changed_by, h.changes) for h in history] == [(ADMIN, {"name": ["Reverse mentoring", "RM 2027"]})]
    assert history[0].changed_at.tzinfo is not None


def test_a_merge_that_would_break_n_of_m_is_refused(db: Database) -> None:
    mine, opened = ps.open_settings(db, TEAM_ID)
    ps.save(db, TEAM_ID, "U0OTHER", ps.ProgrammeSettings(**{**vars(mine), "nudge_cancel_n": 1, "nudge_cancel_m": 1}))
    result = ps.save(db, TEAM_ID, ADMIN, ps.ProgrammeSettings(**{**vars(mine), "nudge_cancel_n": 3}), opened=opened)
    assert not result.saved and "nudge_cancel_n" in result.errors
    assert _programme(db).nudge_cancel_n == 1 and len(_changes(db)) == 1


# ------------------------------------------------------------------ through Slack


def _opened_modal(app: RunningApp, before: int) -> dict[str, Any]:
    calls = wait_for(lambda: app.slack.calls_to("views.open")[before:])
    return calls[0].params["view"]


def open_settings(app: RunningApp, user_id: str = ADMIN) -> dict[str, Any]:
    before = len(app.slack.calls_to("views.open"))
    reply = app.driver.command(user_id, "settings")
    assert reply.status == 200 and reply.body == ""
    return _opened_modal(app, before)


def _dms(app: RunningApp, user_id: str) -> list[str]:
    return [
        m["blocks"][0]["text"]["text"] if m.get("blocks") else m["text"]
        for m in app.slack.messages()
        if m.get("requested_channel", m["channel"]) == user_id
    ]


def test_an_admin_changes_settings_which_are_stored_recorded_and_summarised_by_dm(running_app: RunningApp) -> None:
    app = running_app
    view = open_settings(app)
    assert view["callback_id"] == CALLBACK_ID
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["name"]["element"]["initial_value"] == "Reverse mentoring"
    assert blocks["cadence_days"]["element"]["initial_value"] == "21"
    assert blocks["duration_days"]["element"]["initial_value"] == "182"
    assert blocks["weight_different_department"]["element"]["initial_value"] == "5"
    assert blocks["quiet_start_hour"]["element"]["initial_option"]["value"] == "20"
    assert "Workplace culture" in blocks["topics"]["element"]["initial_value"]

    topics = blocks["topics"]["element"]["initial_value"] + "\nClimate & <b>us</b>"
    changed = {
        "cadence_days": "14",
        "topics": topics,
        "weight_topic_overlap": "3.5",
        "digest_channel": "C0DIGEST",
        "digest_weekday": "4",
        "timezone": "europe/london",
        "admin_user_ids": ["U0BOSS"],
    }
    reply = app.driver.submit_view(ADMIN, view, state_of(view, **changed))
    assert reply.status == 200 and reply.body == ""

    with app.db.unit_of_work() as session:
        programme = current_programme(session, TEAM_ID)
        assert (programme.cadence_days, programme.digest_weekday, programme.timezone) == (14, 4, "Europe/London")
        assert programme.topics[-1] == "Climate & <b>us</b>" and programme.digest_channel == "C0DIGEST"
        assert programme.matching_weights["topic_overlap"] == 3.5 and programme.admin_user_ids == ["U0BOSS"]
        assert programme.duration_days == 182  # untouched
        row = session.scalars(select(SettingsChange)).one()
    assert row.changed_by == ADMIN and row.changed_at.tzinfo is not None
    assert row.changes["cadence_days"] == [21, 14] and row.changes["digest_weekday"] == [0, 4]
    assert row.changes["admin_user_ids"] == [[], ["U0BOSS"]]
    assert set(row.changes) == {
        "cadence_days",
        "topics",
        "matching_weights.topic_overlap",
        "digest_channel",
        "digest_weekday",
        "timezone",
        "admin_user_ids",
    }
    summary = wait_for(lambda: _dms(app, ADMIN))[-1]
    assert "21 → 14" in summary and "Monday → Friday" in summary and "<#C0DIGEST>" in summary
    assert "Climate &amp; &lt;b&gt;us&lt;/b&gt;" in summary
    # the digest moved: the DM says when it goes next, the coming Friday 09:00 in London, shown in the reader's zone
    dm = [m for m in app.slack.messages() if m.get("requested_channel", m["channel"]) == ADMIN][-1]
    footer = dm["blocks"][-1]["elements"][0]["text"]
    epoch = int(re.search(r"<!date\^(\d+)\^", footer).group(1))  # type: ignore[union-attr]
    when = datetime.fromtimestamp(epoch, UTC)
    local = when.astimezone(ZoneInfo("Europe/London"))
    assert footer.startswith("The next digest goes out") and (local.weekday(), local.hour) == (4, 9)
    assert timedelta(0) <= when - SystemClock().now() <= timedelta(days=7)

    # the newly named admin may now open it; the same submission again changes nothing and says so
    assert open_settings(app, "U0BOSS")["callback_id"] == CALLBACK_ID
    app.driver.submit_view(ADMIN, view, state_of(view, **changed))
    assert wait_for(lambda: _dms(app, ADMIN)[1:])[-1].endswith("Nothing changed.")
    with app.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(SettingsChange)) == 1


def test_invalid_values_are_inline_errors_and_nothing_is_stored(running_app: RunningApp) -> None:
    app = running_app
    view = open_settings(app)
    cases = [
        ({"name": ""}, "name"),
        ({"cadence_days": "2.5"}, "cadence_days"),
        ({"nudge_cancel_n": "3", "nudge_cancel_m": "2"}, "nudge_cancel_n"),
        ({"topics": "Only\nTwo"}, "topics"),
        ({"timezone": "Narnia/Cair_Paravel"}, "timezone"),
        ({"quiet_start_hour": "22", "quiet_end_hour": "22"}, "quiet_end_hour"),
        ({"weight_base": "25"}, "weight_base"),
        ({"admin_usergroup": "admins"}, "admin_usergroup"),
        ({"admin_usergroup": "S0NOSUCH"}, "admin_usergroup"),  # well-formed, but Slack knows no such group
    ]
    for changed, block_id in cases:
        reply = app.driver.submit_view(ADMIN, view, state_of(view, **changed, duration_days="90"))
        body = reply.json()
        assert body["response_action"] == "errors", changed
        assert list(body["errors"]) == [block_id], changed
    with app.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(SettingsChange)) == 0
        assert current_programme(session, TEAM_ID).duration_days == 182
    assert _dms(app, ADMIN) == []


def test_a_user_group_slack_knows_is_saved_and_its_members_become_admins(running_app: RunningApp) -> None:
    app = running_app
    app.slack.add_usergroup("S0ADMINS", ["U0SENIOR"])
    view = open_settings(app)
    reply = app.driver.submit_view(ADMIN, view, state_of(view, admin_usergroup="S0ADMINS"))
    assert reply.body == ""
    assert open_settings(app, "U0SENIOR")["callback_id"] == CALLBACK_ID


def test_non_admins_are_refused_privately_and_their_forged_submission_changes_nothing(
    running_app: RunningApp,
) -> None:
    app = running_app
    body = app.driver.command("U0JUNIOR", "settings").json()
    assert body["response_type"] == "ephemeral" and body["text"] == NOT_ADMIN

    view = open_settings(app)  # an admin's modal, replayed by someone else
    reply = app.driver.submit_view("U0JUNIOR", view, state_of(view, cadence_days="7", admin_user_ids=["U0JUNIOR"]))
    assert reply.json()["response_action"] == "errors"
    assert reply.json()["errors"]["name"] == NOT_ADMIN
    with app.db.unit_of_work() as session:
        programme = current_programme(session, TEAM_ID)
        assert (programme.cadence_days, programme.admin_user_ids) == (21, [])
        assert session.scalar(select(func.count()).select_from(SettingsChange)) == 0
    assert len(app.slack.calls_to("views.open")) == 1


def test_the_app_home_button_opens_the_modal_for_admins_only(running_app: RunningApp) -> None:
    app = running_app
    app.driver.home_opened(ADMIN)
    home = wait_for(lambda: app.slack.calls_to("views.publish"))[-1].params["view"]
    assert "admin_settings" in str(home["blocks"])

    app.driver.click(ADMIN, "admin_settings", container_type="view")
    view = _opened_modal(app, 0)
    assert view["callback_id"] == CALLBACK_ID
    assert opened_from(view["private_metadata"]) is not None

    app.driver.click("U0JUNIOR", "admin_settings", container_type="view")
    refusal = wait_for(lambda: _dms(app, "U0JUNIOR"))
    assert refusal[0] == NOT_ADMIN
    assert len(app.slack.calls_to("views.open")) == 1


def test_a_digest_channel_the_bot_is_not_in_is_an_inline_error_and_a_new_one_is_told(running_app: RunningApp) -> None:
    app = running_app
    view = open_settings(app)
    app.slack.add_channel("C0ELSEWHERE", "elsewhere", bot_is_member=False)  # Slack answers not_in_channel
    refused = app.driver.submit_view(ADMIN, view, state_of(view, digest_channel="C0ELSEWHERE"))
    assert "Invite me first" in refused.json()["errors"]["digest_channel"]
    with app.db.unit_of_work() as session:
        assert current_programme(session, TEAM_ID).digest_channel is None  # nothing saved
    assert app.driver.submit_view(ADMIN, view, state_of(view, digest_channel="C0DIGEST")).body == ""
    announced = [m["text"] for m in app.slack.messages("C0DIGEST")]
    assert len(announced) == 1 and "weekly health digest" in announced[0]
