"""The Slack Web API stand-in, driven through slack_sdk's real WebClient."""

from __future__ import annotations

import base64
import threading
import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.simulation.standin import SlackStandIn, StandInUser, load_example

ADA = StandInUser("U1ADA", "ada", "Ada Lovelace", "Ada@Example.com", tz="Europe/London", tz_offset=0)
BOB = StandInUser("U2BOB", "bob", "Bob Okafor", "bob@example.com", tz="America/New_York", tz_offset=-18000)
CY = StandInUser("U3CY", "cy", "Cy Young", "cy@example.com")
GONE = StandInUser("U4GONE", "gone", "Former Person", "gone@example.com", deleted=True)

MODAL = {
    "type": "modal",
    "callback_id": "join",
    "title": {"type": "plain_text", "text": "Join the programme"},
    "submit": {"type": "plain_text", "text": "Join"},
    "private_metadata": "cohort-1",
    "blocks": [
        {
            "type": "input",
            "block_id": "role",
            "label": {"type": "plain_text", "text": "Role"},
            "element": {"type": "plain_text_input", "action_id": "role"},
        }
    ],
}


@pytest.fixture
def slack():
    with SlackStandIn(users=[ADA, BOB, CY, GONE]) as standin:
        yield standin


@pytest.fixture
def client(slack):
    return WebClient(token="xoxb-test-token", base_url=slack.url)


def api_error(excinfo) -> str:
    return excinfo.value.response["error"]


# --------------------------------------------------------------------------- basics


def test_url_is_a_local_api_base_url_ending_in_slash(slack):
    assert slack.url.startswith("http://127.0.0.1:")
    assert slack.url.endswith("/api/")


def test_auth_test_reports_the_configured_bot_identity(client, slack):
    identity = client.auth_test()
    assert identity["team_id"] == "T0001"
    assert identity["user_id"] == "UBOT"
    assert identity["bot_id"] == slack.bot_id
    assert identity["url"].startswith("https://")


def test_missing_token_is_not_authed_and_a_non_bot_token_is_invalid_auth(slack):
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=slack.url).auth_test()
    with pytest.raises(SlackApiError) as wrong:
        WebClient(token="xoxp-user-token", base_url=slack.url).auth_test()
    assert api_error(missing) == "not_authed"
    assert wrong.value.response.data == load_example("auth.test.error.example.json")
    assert [c.method for c in slack.calls] == ["auth.test", "auth.test"]


def test_unknown_method_answers_unknown_method(client):
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call("reverse.mentor")
    assert excinfo.value.response.status_code == 200
    assert api_error(excinfo) == "unknown_method"


# --------------------------------------------------------------------------- chat


def test_post_message_returns_ok_and_increasing_ts_and_is_recorded(client, slack):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Welcome*"}}]
    first = client.chat_postMessage(channel="C0DIGEST", text="Welcome", blocks=blocks)
    second = client.chat_postMessage(channel="C0DIGEST", text="Again")

    assert first["ok"] and first["channel"] == "C0DIGEST"
    assert first["message"]["blocks"] == blocks
    assert first["message"]["bot_id"] == slack.bot_id
    assert float(second["ts"]) > float(first["ts"])
    call = slack.calls_to("chat.postMessage")[0]
    assert call.params["blocks"] == blocks
    assert call.token == "xoxb-test-token"
    assert call.headers["authorization"] == "Bearer xoxb-test-token"
    assert [m["text"] for m in slack.messages("C0DIGEST")] == ["Welcome", "Again"]
    assert slack.messages("C0DIGEST")[0]["ts"] == first["ts"]


def test_post_message_to_a_user_id_lands_in_that_users_dm(client, slack):
    posted = client.chat_postMessage(channel=ADA.id, text="Your check-in")
    dm = client.conversations_open(users=ADA.id)["channel"]["id"]

    assert posted["channel"] == dm
    assert dm.startswith("D")
    assert slack.messages(ADA.id) == slack.messages(dm)
    assert slack.messages(dm)[0]["requested_channel"] == ADA.id


def test_post_message_without_any_text_or_blocks_is_no_text(client):
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call("chat.postMessage", json={"channel": "C1"})
    assert api_error(excinfo) == "no_text"


def test_more_than_fifty_blocks_are_invalid_blocks(client):
    blocks = [{"type": "divider"}] * 51
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="too long", blocks=blocks)
    assert api_error(excinfo) == "invalid_blocks"
    assert "/blocks" in excinfo.value.response["response_metadata"]["messages"][0]


def test_update_changes_the_message_and_delete_removes_it(client, slack):
    ts = client.chat_postMessage(channel="C1", text="Match proposed")["ts"]
    updated = client.chat_update(channel="C1", ts=ts, text="Match approved")
    client.chat_delete(channel="C1", ts=ts)

    assert updated["ts"] == ts and updated["text"] == "Match approved"
    assert [(m["method"], m["text"]) for m in slack.messages("C1")] == [
        ("chat.postMessage", "Match proposed"),
        ("chat.update", "Match approved"),
    ]
    assert slack.message("C1", ts) is None
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_update(channel="C1", ts=ts, text="too late")
    assert api_error(excinfo) == "message_not_found"


def test_post_ephemeral_returns_message_ts_and_is_recorded(client, slack):
    response = client.chat_postEphemeral(channel="C1", user=BOB.id, text="Only you can see this")
    assert response["message_ts"]
    [entry] = slack.messages("C1")
    assert entry["method"] == "chat.postEphemeral"
    assert entry["user"] == BOB.id
    assert entry["ts"] == response["message_ts"]


def test_strict_mode_rejects_channels_and_messages_it_never_saw():
    with SlackStandIn(strict=True) as strict:
        client = WebClient(token="xoxb-t", base_url=strict.url)
        with pytest.raises(SlackApiError) as channel:
            client.chat_postMessage(channel="C404", text="hi")
        strict.add_channel("C0PROG", "reverse-mentoring")
        ts = client.chat_postMessage(channel="C0PROG", text="hi")["ts"]
        with pytest.raises(SlackApiError) as message:
            client.chat_update(channel="C0PROG", ts="1.000001", text="x")
    assert api_error(channel) == "channel_not_found"
    assert api_error(message) == "message_not_found"
    assert ts


# --------------------------------------------------------------------------- users


def test_users_info_returns_profile_time_zone_and_email(client):
    user = client.users_info(user=BOB.id)["user"]
    assert user["id"] == BOB.id
    assert user["real_name"] == "Bob Okafor"
    assert user["tz"] == "America/New_York"
    assert user["tz_offset"] == -18000
    assert user["profile"]["email"] == "bob@example.com"
    assert user["deleted"] is False
    # the rest of the documented shape is kept
    assert set(load_example("users.info.ok.example.json")["user"]) <= set(user)


def test_users_info_shows_a_deactivated_user_as_deleted(client):
    assert client.users_info(user=GONE.id)["user"]["deleted"] is True


def test_users_info_for_an_unknown_user_raises_user_not_found(client):
    with pytest.raises(SlackApiError) as excinfo:
        client.users_info(user="U404")
    assert excinfo.value.response.data == load_example("users.info.error.example.json")


def test_lookup_by_email_ignores_case_and_unknown_email_is_users_not_found(client):
    assert client.users_lookupByEmail(email="ada@example.COM")["user"]["id"] == ADA.id
    with pytest.raises(SlackApiError) as excinfo:
        client.users_lookupByEmail(email="nobody@example.com")
    assert api_error(excinfo) == "users_not_found"


def test_users_list_paginates_with_cursor_until_next_cursor_is_empty(client):
    # SlackResponse iterates by replacing its own .data, so keep each page's data, not the response
    pages = [page.data for page in client.users_list(limit=3)]

    assert [[m["id"] for m in page["members"]] for page in pages] == [
        [ADA.id, BOB.id, CY.id],
        [GONE.id],
    ]
    # cursor encoded like the documented example ("user:<id>", base64)
    assert base64.b64decode(pages[0]["response_metadata"]["next_cursor"]) == f"user:{GONE.id}".encode()
    assert pages[-1]["response_metadata"]["next_cursor"] == ""


def test_users_list_rejects_a_made_up_cursor(client):
    with pytest.raises(SlackApiError) as excinfo:
        client.users_list(cursor="bm90LWEtY3Vyc29y")
    assert excinfo.value.response.data == load_example("users.list.error.example.json")


def test_usergroup_members_are_configurable(client, slack):
    slack.add_usergroup("S0ADMINS", [ADA.id, CY.id])
    assert client.usergroups_users_list(usergroup="S0ADMINS")["users"] == [ADA.id, CY.id]
    with pytest.raises(SlackApiError) as excinfo:
        client.usergroups_users_list(usergroup="S404")
    assert api_error(excinfo) == "no_such_subteam"


# --------------------------------------------------------------------------- conversations


def test_conversations_open_gives_one_stable_group_dm_per_user_set(client, slack):
    first = client.conversations_open(users=[ADA.id, BOB.id])
    again = client.conversations_open(users=f"{BOB.id},{ADA.id}")
    other = client.conversations_open(users=[ADA.id, CY.id])

    assert first["channel"]["id"] == again["channel"]["id"] == slack.dm_channel_id(ADA.id, BOB.id)
    assert first["channel"]["id"][0] in "GC"
    assert other["channel"]["id"] != first["channel"]["id"]
    assert "already_open" not in first.data
    assert again["already_open"] is True
    info = client.conversations_info(channel=first["channel"]["id"])["channel"]
    assert info["is_mpim"] is True
    assert set(info["members"]) == {ADA.id, BOB.id, slack.bot_user_id}


def test_conversations_open_for_one_user_gives_a_stable_im_and_return_im_expands_it(client):
    dm = client.conversations_open(users=ADA.id)["channel"]["id"]
    expanded = client.conversations_open(users=ADA.id, return_im=True)["channel"]

    assert dm.startswith("D")
    assert expanded["id"] == dm
    assert expanded["is_im"] is True and expanded["user"] == ADA.id


def test_conversations_open_refuses_a_deactivated_user(client):
    with pytest.raises(SlackApiError) as excinfo:
        client.conversations_open(users=[ADA.id, GONE.id])
    assert api_error(excinfo) == "user_disabled"


# --------------------------------------------------------------------------- views


def test_views_open_echoes_the_view_with_a_fresh_id(client, slack):
    view = client.views_open(trigger_id="12345.98765.abcd2358fdea", view=MODAL)["view"]

    assert view["id"].startswith("V")
    assert view["root_view_id"] == view["id"]
    assert view["callback_id"] == "join"
    assert view["private_metadata"] == "cohort-1"
    assert view["blocks"] == MODAL["blocks"]
    assert view["state"] == {"values": {}}
    assert view["team_id"] == slack.team_id
    assert slack.views[view["id"]] == view


@pytest.mark.parametrize(
    ("trigger_id", "error"),
    [
        (None, "invalid_arguments"),
        ("not-a-trigger", "invalid_trigger_id"),
    ],
)
def test_views_open_rejects_a_missing_or_malformed_trigger_id(client, trigger_id, error):
    with pytest.raises(SlackApiError) as excinfo:
        client.views_open(trigger_id=trigger_id, view=MODAL)
    assert api_error(excinfo) == error


def test_views_open_rejects_a_reused_trigger_id(client):
    client.views_open(trigger_id="111.222.xxx", view=MODAL)
    with pytest.raises(SlackApiError) as excinfo:
        client.views_open(trigger_id="111.222.xxx", view=MODAL)
    assert api_error(excinfo) == "exchanged_trigger_id"


def test_views_open_rejects_a_trigger_id_older_than_three_seconds():
    now = [1_700_000_000.0]
    with SlackStandIn(clock=lambda: now[0]) as slack:
        client = WebClient(token="xoxb-t", base_url=slack.url)
        fresh, stale = slack.new_trigger_id(), slack.new_trigger_id()
        client.views_open(trigger_id=fresh, view=MODAL)
        now[0] += 3.5
        with pytest.raises(SlackApiError) as excinfo:
            client.views_open(trigger_id=stale, view=MODAL)
    assert api_error(excinfo) == "expired_trigger_id"


def test_views_open_rejects_a_modal_title_over_24_characters(client):
    view = {**MODAL, "title": {"type": "plain_text", "text": "A title that is far too long"}}
    with pytest.raises(SlackApiError) as excinfo:
        client.views_open(trigger_id="1.2.a", view=view)
    assert api_error(excinfo) == "invalid_arguments"
    assert "/view/title/text" in excinfo.value.response["response_metadata"]["messages"][0]


def test_views_open_rejects_a_text_input_longer_than_3000_characters(client):
    field = {"type": "plain_text_input", "action_id": "value", "max_length": 3001}
    view = {**MODAL, "blocks": [{"type": "input", "block_id": "b", "label": {"type": "plain_text", "text": "L"},
                                 "element": field}]}  # fmt: skip
    with pytest.raises(SlackApiError) as excinfo:
        client.views_open(trigger_id="1.2.a", view=view)
    assert api_error(excinfo) == "invalid_arguments"
    assert "/view/blocks/0/element/max_length" in excinfo.value.response["response_metadata"]["messages"][0]
    client.views_open(
        trigger_id="1.2.b", view={**view, "blocks": [{**view["blocks"][0], "element": {**field, "max_length": 3000}}]}
    )


def test_views_update_keeps_the_view_id_and_rejects_a_stale_hash(client):
    opened = client.views_open(trigger_id="1.2.a", view=MODAL)["view"]
    updated = client.views_update(
        view_id=opened["id"], hash=opened["hash"], view={**MODAL, "private_metadata": "step-2"}
    )["view"]

    assert updated["id"] == opened["id"]
    assert updated["private_metadata"] == "step-2"
    assert updated["hash"] != opened["hash"]
    with pytest.raises(SlackApiError) as excinfo:
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)
    assert api_error(excinfo) == "hash_conflict"


def test_views_publish_stores_the_home_tab_per_user(client, slack):
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Your pair"}}]}
    first = client.views_publish(user_id=ADA.id, view=home)["view"]
    second = client.views_publish(user_id=ADA.id, view=home)["view"]

    assert first["type"] == "home"
    assert second["id"] == first["id"]
    assert slack.home_tabs[ADA.id]["blocks"] == home["blocks"]


# --------------------------------------------------------------------------- files


def test_files_upload_v2_delivers_the_bytes_end_to_end(client, slack, tmp_path):
    chart = tmp_path / "digest.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\nfake chart")

    from_path = client.files_upload_v2(channel="C0DIGEST", file=str(chart), title="Programme health")
    from_bytes = client.files_upload_v2(channel="C0DIGEST", file=b"a,b\n1,2\n", filename="export.csv")

    assert from_path["file"]["title"] == "Programme health"
    assert from_bytes["file"]["title"] == "export.csv"  # slack_sdk defaults the title to the filename
    assert [(u.filename, u.data) for u in slack.uploads] == [
        ("digest.png", b"\x89PNG\r\n\x1a\nfake chart"),
        ("export.csv", b"a,b\n1,2\n"),
    ]
    assert all(u.completed and u.channels == ["C0DIGEST"] for u in slack.uploads)
    assert slack.uploads[0].declared_length == len(chart.read_bytes())
    assert [c.method for c in slack.calls][:2] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]


def test_complete_upload_for_a_file_never_uploaded_is_file_not_found(client):
    with pytest.raises(SlackApiError) as excinfo:
        client.files_completeUploadExternal(files=[{"id": "F404", "title": "x"}])
    assert api_error(excinfo) == "file_not_found"


# --------------------------------------------------------------------------- failures and delays


def test_rate_limit_handler_retries_a_queued_429_and_succeeds(slack):
    client = WebClient(token="xoxb-t", base_url=slack.url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    slack.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=1)

    response = client.chat_postMessage(channel="C1", text="eventually")

    assert response["ok"]
    calls = slack.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].time - calls[0].time >= 1
    assert [m["text"] for m in slack.messages("C1")] == ["eventually"]


def test_429_without_a_retry_handler_raises_with_status_and_retry_after(client, slack):
    slack.fail_next("users.info", status=429, retry_after=1)
    with pytest.raises(SlackApiError) as excinfo:
        client.users_info(user=ADA.id)
    response = excinfo.value.response
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response["error"] == "ratelimited"
    # the queue is used up: the next call goes through
    assert client.users_info(user=ADA.id)["user"]["id"] == ADA.id


def test_a_queued_5xx_raises_with_that_status(client, slack):
    slack.fail_next("conversations.open", status=503)
    with pytest.raises(SlackApiError) as excinfo:
        client.conversations_open(users=ADA.id)
    assert excinfo.value.response.status_code == 503
    assert len(slack.calls_to("conversations.open")) == 1


def test_a_queued_method_error_answers_200_ok_false_for_that_many_calls(client, slack):
    slack.fail_next("chat.postMessage", error="channel_not_found", times=2)
    errors = []
    for _ in range(2):
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel="C1", text="x")
        errors.append((excinfo.value.response.status_code, api_error(excinfo)))
    assert errors == [(200, "channel_not_found")] * 2
    assert client.chat_postMessage(channel="C1", text="x")["ok"]
    assert len(slack.messages()) == 1  # failed calls changed nothing


def test_set_delay_slows_only_that_method(client, slack):
    slack.set_delay("users.info", 0.3)
    started = time.monotonic()
    client.users_info(user=ADA.id)
    slow = time.monotonic() - started
    started = time.monotonic()
    client.auth_test()
    fast = time.monotonic() - started
    assert slow >= 0.3
    assert fast < 0.3


# --------------------------------------------------------------------------- encoding


def test_form_encoded_json_string_fields_are_decoded_like_json_bodies(client, slack):
    client.api_call(
        "chat.postMessage",
        data={"channel": "C1", "text": "form", "blocks": '[{"type": "divider"}]'},
    )
    call = slack.calls_to("chat.postMessage")[0]
    assert call.content_type == "application/x-www-form-urlencoded"
    assert call.params["blocks"] == [{"type": "divider"}]
    assert slack.messages("C1")[0]["blocks"] == [{"type": "divider"}]


def test_get_style_methods_arrive_as_form_posts_with_booleans_as_1_and_0(client, slack):
    client.conversations_open(users=ADA.id, return_im=True)
    call = slack.calls_to("conversations.open")[0]
    assert call.http_method == "POST"
    assert call.content_type == "application/x-www-form-urlencoded"
    assert call.params == {"users": ADA.id, "return_im": "1"}


def test_reset_forgets_calls_and_used_trigger_ids_but_keeps_users(client, slack):
    client.views_open(trigger_id="111.222.xxx", view=MODAL)
    slack.reset()
    assert slack.calls == []
    assert client.views_open(trigger_id="111.222.xxx", view=MODAL)["ok"]
    assert client.users_info(user=ADA.id)["ok"]


# ---------------------------------------------------------------- message metadata and history


def test_post_message_keeps_valid_metadata_and_history_shows_it_only_when_asked(client, slack):
    metadata = {"event_type": "outbox_row", "event_payload": {"id": 7, "key": "intro:7"}}
    posted = client.chat_postMessage(channel="C1", text="hello", metadata=metadata)

    assert posted["message"]["metadata"] == metadata
    plain = client.conversations_history(channel="C1")
    assert [m["ts"] for m in plain["messages"]] == [posted["ts"]]
    assert "metadata" not in plain["messages"][0]
    full = client.conversations_history(channel="C1", include_all_metadata=True)
    assert full["messages"][0]["metadata"] == metadata
    assert (full["has_more"], full["response_metadata"]["next_cursor"]) == (False, "")


def test_post_message_refuses_metadata_of_the_wrong_shape(client, slack):
    for broken in ({"event_type": "x"}, {"event_payload": {}}, {"event_type": "x", "event_payload": "y"}, ["x"]):
        with pytest.raises(SlackApiError) as refused:
            client.chat_postMessage(channel="C1", text="hello", metadata=broken)
        assert refused.value.response["error"] == "invalid_metadata_format"
    assert slack.messages("C1") == []


def test_an_event_type_slack_ignores_posts_the_message_without_metadata_and_warns(client, slack):
    posted = client.chat_postMessage(channel="C1", text="hi", metadata={"event_type": "a.b", "event_payload": {}})

    assert posted["warning"] == "invalid_metadata_schema"
    (message,) = client.conversations_history(channel="C1", include_all_metadata=True)["messages"]
    assert "metadata" not in message


def test_history_is_newest_first_bounded_by_oldest_and_paged(client, slack):
    ts = [client.chat_postMessage(channel="C1", text=f"m{i}")["ts"] for i in range(5)]

    after = client.conversations_history(channel="C1", oldest=ts[1])
    assert [m["text"] for m in after["messages"]] == ["m4", "m3", "m2"]  # oldest is exclusive by default
    inclusive = client.conversations_history(channel="C1", oldest=ts[1], inclusive=True)
    assert [m["text"] for m in inclusive["messages"]] == ["m4", "m3", "m2", "m1"]
    first = client.conversations_history(channel="C1", limit=2)
    assert ([m["text"] for m in first["messages"]], first["has_more"]) == (["m4", "m3"], True)
    cursor = first["response_metadata"]["next_cursor"]
    second = client.conversations_history(channel="C1", limit=2, cursor=cursor)
    assert [m["text"] for m in second["messages"]] == ["m2", "m1"]


def test_history_of_a_group_dm_needs_mpim_history_which_the_app_is_not_granted(client, slack):
    group = client.conversations_open(users=f"{ADA.id},{BOB.id}")["channel"]["id"]
    client.chat_postMessage(channel=group, text="private to the pair")
    dm = client.conversations_open(users=ADA.id)["channel"]["id"]
    client.chat_postMessage(channel=dm, text="to Ada")

    with pytest.raises(SlackApiError) as refused:
        client.conversations_history(channel=group)
    assert refused.value.response["error"] == "missing_scope"
    assert refused.value.response["needed"] == "mpim:history"
    assert [m["text"] for m in client.conversations_history(channel=dm)["messages"]] == ["to Ada"]
    private = slack.add_channel("CPRIVATE", is_private=True)["id"]
    with pytest.raises(SlackApiError) as no_groups:
        client.conversations_history(channel=private)
    assert no_groups.value.response["needed"] == "groups:history"


def test_an_app_granted_mpim_history_may_read_a_group_dm():
    with SlackStandIn(users=[ADA, BOB], scopes={"mpim:history", "mpim:write", "chat:write"}) as slack:
        client = WebClient(token="xoxb-test", base_url=slack.url)
        group = client.conversations_open(users=f"{ADA.id},{BOB.id}")["channel"]["id"]
        client.chat_postMessage(channel=group, text="hi")
        assert [m["text"] for m in client.conversations_history(channel=group)["messages"]] == ["hi"]


def test_a_call_held_before_it_is_stored_is_dropped_unanswered(slack):
    held = slack.hold("chat.postMessage", after_store=False, timeout=5)
    client = WebClient(token="xoxb-test", base_url=slack.url, timeout=5, retry_handlers=[])
    errors = []

    def post():
        try:
            client.chat_postMessage(channel="C1", text="lost")
        except Exception as error:  # the connection closes without an answer
            errors.append(error)

    thread = threading.Thread(target=post)
    thread.start()
    assert held.reached.wait(5)
    held.release()
    thread.join(10)

    assert len(errors) == 1
    assert slack.messages("C1") == []


def test_a_call_held_after_it_is_stored_is_answered_only_on_release(slack):
    held = slack.hold("chat.postMessage", after_store=True, timeout=5)
    client = WebClient(token="xoxb-test", base_url=slack.url, timeout=5)
    answers = []

    thread = threading.Thread(target=lambda: answers.append(client.chat_postMessage(channel="C1", text="kept")))
    thread.start()
    assert held.reached.wait(5)
    assert [m["text"] for m in slack.messages("C1")] == ["kept"]  # stored ...
    assert answers == []  # ... not yet answered
    held.release()
    thread.join(10)
    assert answers[0]["ts"] == slack.messages("C1")[0]["ts"]


def test_history_answers_in_the_documented_shape_and_refuses_a_bad_cursor(client, slack):
    documented = load_example("conversations.history.ok.example.json")
    client.chat_postMessage(channel="C1", text="hi")

    answer = client.conversations_history(channel="C1").data
    assert set(documented) <= set(answer)
    assert set(documented["messages"][0]) <= set(answer["messages"][0])
    with pytest.raises(SlackApiError) as refused:
        client.conversations_history(channel="C1", cursor="bm9wZQ==")
    assert refused.value.response["error"] == "invalid_cursor"


# --------------------------------------------------------------------------- what Slack refuses in blocks


def _button(action_id: str, text: str = "Go", value: str = "v") -> dict:
    return {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": text}, "value": value}


def _option(n: int) -> dict:
    return {"text": {"type": "plain_text", "text": f"Option {n}"}, "value": str(n)}


def _select(options: int) -> dict:
    return {"type": "static_select", "action_id": "pick", "options": [_option(n) for n in range(options)]}


def _mrkdwn(n: int) -> dict:
    return {"type": "mrkdwn", "text": f"line {n}"}


# (what, a block at Slack's limit, the same block one over it, where the complaint points)
LIMITS = [
    ("25 elements in an actions block",
     lambda n: {"type": "actions", "elements": [_button(f"a{i}") for i in range(n)]}, 25, "/blocks/0/elements"),
    ("10 elements in a context block",
     lambda n: {"type": "context", "elements": [_mrkdwn(i) for i in range(n)]}, 10, "/blocks/0/elements"),
    ("10 section fields",
     lambda n: {"type": "section", "fields": [_mrkdwn(i) for i in range(n)]}, 10, "/blocks/0/fields"),
    ("150 characters of header",
     lambda n: {"type": "header", "text": {"type": "plain_text", "text": "h" * n}}, 150, "/blocks/0/text/text"),
    ("75 characters of button text",
     lambda n: {"type": "actions", "elements": [_button("b", text="t" * n)]}, 75, "/blocks/0/elements/0/text/text"),
    ("2,000 characters of button value",
     lambda n: {"type": "actions", "elements": [_button("b", value="v" * n)]}, 2000, "/blocks/0/elements/0/value"),
    ("100 options in a select menu",
     lambda n: {"type": "actions", "elements": [_select(n)]}, 100, "/blocks/0/elements/0/options"),
    ("10 checkboxes",
     lambda n: {"type": "actions", "elements": [{"type": "checkboxes", "action_id": "c",
                                                 "options": [_option(i) for i in range(n)]}]},
     10, "/blocks/0/elements/0/options"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "block", "limit", "pointer"), LIMITS, ids=[limit[0] for limit in LIMITS])
def test_a_block_one_over_slacks_limit_is_invalid_blocks_and_at_the_limit_posts(client, what, block, limit, pointer):
    assert client.chat_postMessage(channel="C1", text="t", blocks=[block(limit)])["ok"]
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="t", blocks=[block(limit + 1)])
    assert api_error(excinfo) == "invalid_blocks"
    messages = excinfo.value.response["response_metadata"]["messages"]
    assert any(m.startswith("[ERROR] ") and m.endswith(f"[json-pointer:{pointer}]") for m in messages), messages


def test_one_action_id_twice_in_a_block_is_refused_but_twice_in_a_message_is_fine(client):
    twice = {"type": "actions", "elements": [_button("open"), _button("open")]}
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="t", blocks=[twice])
    assert api_error(excinfo) == "invalid_blocks"
    assert excinfo.value.response["response_metadata"]["messages"] == [
        "[ERROR] duplicate action_id `open` in one block [json-pointer:/blocks/0/elements/1/action_id]"
    ]
    apart = [{"type": "actions", "elements": [_button("open")]}, {"type": "actions", "elements": [_button("open")]}]
    assert client.chat_postMessage(channel="C1", text="t", blocks=apart)["ok"]


def test_one_block_id_twice_is_refused_in_a_message_and_in_a_view(client, slack):
    blocks = [{"type": "divider", "block_id": "same"}, {"type": "section", "block_id": "same", "text": _mrkdwn(1)}]
    with pytest.raises(SlackApiError) as message:
        client.chat_postMessage(channel="C1", text="t", blocks=blocks)
    with pytest.raises(SlackApiError) as view:
        client.views_publish(user_id=ADA.id, view={"type": "home", "blocks": blocks})
    assert api_error(message) == "invalid_blocks"
    assert api_error(view) == "invalid_arguments"
    assert "[json-pointer:/view/blocks/1/block_id]" in view.value.response["response_metadata"]["messages"][0]
    assert ADA.id not in slack.home_tabs


@pytest.mark.parametrize(
    ("block", "pointer"),
    [
        ({"type": "carousel_of_dreams"}, "/blocks/0"),
        ({"text": _mrkdwn(1)}, "/blocks/0"),  # no type at all
        ({"type": "actions", "elements": [{"type": "telepathy", "action_id": "t"}]}, "/blocks/0/elements/0"),
        ({"type": "section", "text": _mrkdwn(1), "accessory": {"type": "telepathy"}}, "/blocks/0/accessory"),
        ({"type": "section", "text": {"type": "mrkdwn", "text": ""}}, "/blocks/0/text/text"),
        ({"type": "actions"}, "/blocks/0"),  # elements missing
    ],
    ids=["unknown block", "no type", "unknown element", "unknown accessory", "empty text", "missing field"],
)
def test_a_block_or_element_slack_sdk_cannot_parse_is_invalid_blocks(client, block, pointer):
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="t", blocks=[block])
    assert api_error(excinfo) == "invalid_blocks"
    assert any(m.endswith(f"[json-pointer:{pointer}]") for m in excinfo.value.response["response_metadata"]["messages"])


def test_objects_nested_inside_an_element_are_validated_too(client):
    confirm = {
        "title": {"type": "plain_text", "text": "t" * 101},  # a confirm dialog's title: 100 characters at most
        "text": {"type": "plain_text", "text": "Sure?"},
        "confirm": {"type": "plain_text", "text": "Yes"},
        "deny": {"type": "plain_text", "text": "No"},
    }
    block = {"type": "actions", "elements": [{**_button("b"), "confirm": confirm}]}
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="t", blocks=[block])
    assert "/blocks/0/elements/0/confirm" in excinfo.value.response["response_metadata"]["messages"][0]


def test_a_modal_with_inputs_and_no_submit_is_invalid_arguments(client, slack):
    no_submit = {k: v for k, v in MODAL.items() if k != "submit"}
    with pytest.raises(SlackApiError) as excinfo:
        client.views_open(trigger_id=slack.new_trigger_id(), view=no_submit)
    assert api_error(excinfo) == "invalid_arguments"
    assert excinfo.value.response["response_metadata"]["messages"][0].endswith("[json-pointer:/view/submit]")
    without_inputs = {**no_submit, "blocks": [{"type": "section", "text": _mrkdwn(1)}]}
    assert client.views_open(trigger_id=slack.new_trigger_id(), view=without_inputs)["ok"]


def test_a_view_is_checked_by_slack_sdks_view_model(client):
    home = {"type": "home", "submit": {"type": "plain_text", "text": "Save"}, "blocks": [{"type": "divider"}]}
    with pytest.raises(SlackApiError) as excinfo:
        client.views_publish(user_id=ADA.id, view=home)
    assert api_error(excinfo) == "invalid_arguments"
    assert "home view cannot have submit and close" in excinfo.value.response["response_metadata"]["messages"][0]


def test_strict_mode_refuses_a_trigger_id_slack_never_issued():
    with SlackStandIn(strict=True) as strict:
        client = WebClient(token="xoxb-t", base_url=strict.url)
        with pytest.raises(SlackApiError) as excinfo:
            client.views_open(trigger_id="12345.98765.abcd2358fdea", view=MODAL)
        assert client.views_open(trigger_id=strict.new_trigger_id(), view=MODAL)["ok"]
    assert api_error(excinfo) == "invalid_trigger_id"


def test_strict_mode_refuses_posting_in_a_channel_the_bot_was_never_invited_to():
    with SlackStandIn(strict=True) as strict:
        client = WebClient(token="xoxb-t", base_url=strict.url)
        strict.add_channel("C0DIGEST", "programme-digest", bot_is_member=False)
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel="C0DIGEST", text="hi")
        assert client.conversations_info(channel="C0DIGEST")["channel"]["is_member"] is False
        strict.invite_bot("C0DIGEST")
        assert client.chat_postMessage(channel="C0DIGEST", text="hi")["ok"]
    assert api_error(excinfo) == "not_in_channel"
    assert strict.messages("C0DIGEST")[0]["text"] == "hi"


def test_strict_mode_hides_a_private_channel_the_bot_is_not_in():
    with SlackStandIn(strict=True) as strict:
        client = WebClient(token="xoxb-t", base_url=strict.url)
        strict.add_channel("C0SECRET", "secret", is_private=True, bot_is_member=False)
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel="C0SECRET", text="hi")
    assert api_error(excinfo) == "channel_not_found"
