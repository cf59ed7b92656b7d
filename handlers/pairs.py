"""A pair's group DM controls: agree or edit the ground rules, schedule a session."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.delivery.outbox import OutboxSender, queued_by_this_request, sending_what_it_queues
from bot.delivery.pair_posts import post_to_pair
from bot.messages.intro import EDIT_RULES_CALLBACK, edit_rules_modal, rules_agreed_message, rules_update_message
from bot.messages.sessions import LOG_CALLBACK, SCHEDULE_CALLBACK, log_modal, schedule_modal, session_scheduled_message
from bot.pairs import ground_rules
from bot.runtime.services import Services
from bot.sessions import checkins
from bot.sessions import scheduling as sessions
from handlers import forms
from handlers.commands import register_subcommand
from handlers.home import publish_home
from handlers.payload import button_value, team_of


def _tell(client: WebClient, body: dict[str, Any], text: str) -> None:
    user_id = body["user"]["id"]
    channel = (body.get("container") or {}).get("channel_id") or user_id
    client.chat_postEphemeral(channel=channel, user=user_id, text=text)


def on_agree(body: dict[str, Any], client: WebClient, services: Services) -> None:
    value, team_id, user_id = button_value(body), team_of(body), body["user"]["id"]
    outcome = ground_rules.agree(services.db, team_id, int(value["pair"]), user_id, int(value["v"]))
    _tell(client, body, outcome.message if not outcome.agreed_now else "Agreed by you both. Saved to App Home.")
    if outcome.agreed_now and outcome.pair and outcome.rules:
        message = rules_agreed_message(outcome.rules)
        post_to_pair(
            services.db, client, outcome.pair, message, f"rules-agreed:{outcome.pair.id}:{outcome.rules.version}"
        )
        for member in (outcome.pair.mentor.person.slack_user_id, outcome.pair.mentee.person.slack_user_id):
            publish_home(client, services, team_id, member)


def on_edit_open(body: dict[str, Any], client: WebClient, services: Services) -> None:
    found = ground_rules.current(services.db, team_of(body), int(button_value(body)["pair"]))
    members = {found[0].mentor.person.slack_user_id, found[0].mentee.person.slack_user_id} if found else set()
    if found is None or body["user"]["id"] not in members:
        _tell(client, body, "Only the two people in this pair can edit its ground rules.")
        return
    client.views_open(trigger_id=body["trigger_id"], view=edit_rules_modal(found[1]))


def on_edit_submit(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    values = forms.ground_rules_form(body["view"])
    errors = ground_rules.validate(values)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    meta = forms.Submission(body["view"]).metadata
    version = int(meta["v"]) if "v" in meta else None
    outcome = ground_rules.edit(services.db, team_of(body), int(meta["pair"]), body["user"]["id"], values, version)
    if not outcome.ok:
        ack(response_action="errors", errors={"topics": outcome.message})
        return
    ack()
    if outcome.message == "Saved." and outcome.pair and outcome.rules:
        message = rules_update_message(outcome.rules, body["user"]["id"])
        post_to_pair(
            services.db, client, outcome.pair, message, f"rules-edit:{outcome.pair.id}:{outcome.rules.version}"
        )


def _schedule_pairs(services: Services, body: dict[str, Any], pair_id: int) -> list[tuple[int, str, str]]:
    pairs = sessions.pairs_of_user(services.db, team_of(body), body["user"]["id"])
    return [p for p in pairs if p[0] == pair_id]


def on_schedule_open(body: dict[str, Any], client: WebClient, services: Services) -> None:
    value = button_value(body)
    pairs = _schedule_pairs(services, body, int(value["pair"]))
    if not pairs:
        _tell(client, body, "Only the two people in this pair can schedule its sessions.")
        return
    view = schedule_view(services, team_of(body), body["user"]["id"], pairs, value.get("replaces"))
    client.views_open(trigger_id=body["trigger_id"], view=view)


def schedule_view(
    services: Services, team_id: str, user_id: str, pairs: list[tuple[int, str, str]], replaces: int | None = None
) -> dict[str, Any]:
    """The schedule modal, with three suggested times when it is for one pair (with two, the pair is chosen in
    the modal, after the suggestions would have been made)."""
    found = None
    if len(pairs) == 1:
        found = sessions.suggest_times(services.db, team_id, pairs[0][0], user_id, now=services.clock.now())
    if found is None:
        return schedule_modal(pairs, replaces)
    return schedule_modal(
        pairs,
        replaces,
        suggested=found.suggestion.slots,
        overlap=found.suggestion.overlap,
        reader_zone=found.reader_zone,
        partner_zone=found.partner_zone,
    )


def on_schedule_submit(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    meta = forms.Submission(body["view"]).metadata
    form = forms.session_form(body["view"])
    when = form.when
    if when is None:
        ack(response_action="errors", errors={"when": "Pick a date and a time."})
        return
    override = form.outside_working_hours
    pair_id, user_id = form.pair_id, body["user"]["id"]
    with queued_by_this_request() as queued:  # the calendar invites, queued with the session
        result = sessions.schedule(
            services.db,
            team_of(body),
            pair_id,
            user_id,
            when,
            override_hours=override,
            replaces=meta.get("replaces"),
            minutes=form.minutes,
            now=services.clock.now(),
        )
    if not result.ok:
        ack(response_action="errors", errors={"when": result.error})
        return
    ack()
    OutboxSender(services.db, client, clock=services.clock.now).send_ids(queued)
    if result.created:
        found = ground_rules.current(services.db, team_of(body), pair_id)
        if found:
            message = session_scheduled_message(user_id, when)
            post_to_pair(services.db, client, found[0], message, f"session-scheduled:{result.session_id}")
    publish_home(client, services, team_of(body), user_id)


def on_log_submit(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    form = forms.session_form(body["view"])
    when = form.when
    if when is None:
        ack(response_action="errors", errors={"when": "Pick when it happened."})
        return
    now = services.clock.now()
    result = sessions.log_past(services.db, team_of(body), form.pair_id, body["user"]["id"], when, now=now)
    if not result.ok:
        ack(response_action="errors", errors={"when": result.error})
        return
    ack()
    if result.created and result.session_id is not None:
        with sending_what_it_queues(services.db, client, clock=services.clock.now):
            checkins.dispatch_logged(services.db, result.session_id, body["user"]["id"], now)


NO_PAIR = "You don't have an active pair yet: you'll hear from me when you're matched."


def open_for_user(
    client: WebClient, services: Services, team_id: str, user_id: str, trigger_id: str, kind: str
) -> str | None:
    """App Home's Schedule / Log buttons. Returns a message when there is no pair."""
    pairs = sessions.pairs_of_user(services.db, team_id, user_id)
    if not pairs:
        return NO_PAIR
    view = schedule_view(services, team_id, user_id, pairs) if kind == "schedule" else log_modal(pairs)
    client.views_open(trigger_id=trigger_id, view=view)
    return None


def on_cancel_session(body: dict[str, Any], client: WebClient, services: Services) -> None:
    with queued_by_this_request() as queued:
        result = sessions.cancel(
            services.db, team_of(body), int(button_value(body)["session"]), body["user"]["id"], now=services.clock.now()
        )
    if not result.ok:
        client.chat_postMessage(channel=body["user"]["id"], text=result.error)
    OutboxSender(services.db, client, clock=services.clock.now).send_ids(queued)
    publish_home(client, services, team_of(body), body["user"]["id"])


def _home_button(services: Services, kind: str) -> Any:
    """App Home's Schedule / Log buttons: the same modals as the slash command."""

    def listener(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user_id = body["user"]["id"]
        problem = open_for_user(client, services, team_of(body), user_id, body["trigger_id"], kind)
        if problem:
            client.chat_postMessage(channel=user_id, text=problem)

    return listener


def _command(kind: str) -> Any:
    def run(ack: Ack, command: dict[str, Any], client: WebClient, services: Services) -> None:
        # The answer rides on the ack: an ephemeral post can't reach a DM or a channel the bot isn't in.
        pairs = sessions.pairs_of_user(services.db, command["team_id"], command["user_id"])
        if not pairs:
            ack(response_type="ephemeral", text=NO_PAIR)
            return
        ack()
        team_id, user_id = command["team_id"], command["user_id"]
        view = schedule_view(services, team_id, user_id, pairs) if kind == "schedule" else log_modal(pairs)
        client.views_open(trigger_id=command["trigger_id"], view=view)

    return run


def register(app: App, services: Services) -> None:
    register_subcommand("schedule", _command("schedule"))
    register_subcommand("log", _command("log"))

    @app.action("rules_agree")
    def agree(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_agree(body, client, services)

    @app.action("rules_edit")
    def edit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_edit_open(body, client, services)

    @app.view(EDIT_RULES_CALLBACK)
    def edit_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        on_edit_submit(ack, body, client, services)

    @app.action("session_schedule_open")
    @app.action("session_reschedule_open")  # App Home's "Reschedule next": its value names the session replaced
    def schedule_open(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_schedule_open(body, client, services)

    @app.view(LOG_CALLBACK)
    def log_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        on_log_submit(ack, body, client, services)

    for kind in ("schedule", "log"):
        app.action(f"home_{kind}")(_home_button(services, kind))

    @app.action("home_cancel_session")
    def home_cancel(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        on_cancel_session(body, client, services)

    @app.view(SCHEDULE_CALLBACK)
    def schedule_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        on_schedule_submit(ack, body, client, services)
