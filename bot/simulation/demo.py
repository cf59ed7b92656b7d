"""`reverse-mentor demo`: a whole cohort in simulated time, without a Slack workspace.

The real app runs in-process, exactly as in production: Bolt's listeners behind uvicorn, answering signed
HTTP requests (`bot/simulation/driver.py` plays Slack's part), the same services, the same periodic jobs
(`bot/runtime/jobs.py`) and the same SQLite code, calling the Web API through slack_sdk's `WebClient` pointed at
the local stand-in (`bot/simulation/standin.py`). The demo then acts as everyone in a sample organisation
(`bot/simulation/sample_org.py`): the admin imports the org chart and opens a cohort, people join through the modal,
the admin matches and approves, pairs agree their ground rules and schedule sessions, and for twelve weeks
the jobs run on the hour while people answer their check-ins; a few seniors keep cancelling, so nudges and
an escalation follow; every Monday the digest goes to #programme. What each person and channel received is
printed as a transcript (`bot/simulation/transcript.py`).

Simulated time. The cohort starts on Monday 7 January 2030 at 09:00 UTC (fixed, so the same seed gives the
same transcript, and in the future, so "that time has passed" checks pass). The app asks one clock for
every decision (docs/time.md): the demo hands its services and its database a `FixedClock` and moves it
forward step by step, exactly as `run-job --now` or a test would; no module is patched. Slack's side (the
stand-in, the request signing) and the app's infrastructure (leases, sleeps) keep real time, as in production.

Random choices (who cancels, ratings, who answers late) come from `random.Random` seeded with `--seed`.
"""

from __future__ import annotations

import contextlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import func, select

from bot.runtime.app import build_app, build_services
from bot.runtime.clock import FixedClock
from bot.runtime.config import Settings
from bot.runtime.jobs import JOBS
from bot.runtime.server import BackgroundServer
from bot.simulation.driver import Reply, SlackDriver
from bot.simulation.sample_org import ACTIONS, TEAM_ID, Member, SampleOrg, build_org
from bot.simulation.standin import RecordedCall, SlackStandIn, StandInUser
from bot.simulation.transcript import Directory, ProgressBar, Transcript, one_line, render_message, render_view
from storage.db import Database
from storage.models import CheckIn, MentoringSession, NudgeLog, Pair, Participant, Person

START = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)  # a Monday
# When the periodic jobs run in simulated time (hours UTC). Production runs them every few minutes; the demo
# runs each only when it can find something, to stay quick. Sessions are booked between 13:00 and 15:30 UTC
# (working hours in London, Berlin and New York), so check-ins go out at 13:00 or 17:00 and the day-before
# reminders at the same hours; nudges twice a day (one deferred to 08:00 in New York goes at 13:00: every job
# sends whatever is due from the outbox); follow-ups daily; the digest on Mondays at 09:00 (the programme's
# default slot). Weekends have no sessions: only the morning run.
JOB_HOURS = {
    "digest": (9,),
    "checkins": (13, 17),
    "reminders": (13, 17),
    "nudges": (9, 17),
    "followups": (9,),
}
TICKS = (9, 13, 17)
WEEKEND_TICKS = (9,)
PROGRAMME_CHANNEL = "C0PROGRAM"
SIGNING_SECRET = "demo-signing-secret"
DB_NAME = "reverse-mentor-demo.sqlite3"
CHART_NAME = "digest-chart.png"
TRANSCRIPT_NAME = "transcript.txt"
WAIT_SECONDS = 20.0
ROUTINE_DMS = {  # sent in batches; the first is shown in full, later batches as one line naming who got them
    "checkin": "check-in DMs",
    "reminder": "session reminders (with the ground rules)",
    "follow_up": "follow-ups of seniors' actions",
}
MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral"})
VIEW_METHODS = frozenset({"views.open", "views.push", "views.update", "views.publish"})


class DemoError(RuntimeError):
    """The app did something the demo did not expect (an error, or nothing at all). `transcript` holds
    what was printed up to then."""

    transcript = ""


@dataclass(frozen=True)
class DemoResult:
    transcript: str
    db_url: str
    db_path: Path
    chart_path: Path | None
    transcript_path: Path
    last_digest_at: datetime | None
    admin: str  # the programme admin's name
    pairs: tuple[tuple[str, str], ...]  # (mentor name, mentee name), as matched
    cancellers: tuple[str, ...]  # the seniors who kept cancelling
    seconds: float


# --------------------------------------------------------------------------- the demo


@dataclass
class DemoPair:
    pair_id: int
    mentor: Member
    mentee: Member
    channel: str
    cadence_days: int
    weekday: int  # days after the start: Tuesday..Friday of the first or second week
    hour: int
    minute: int
    canceller: bool = False  # the senior keeps cancelling
    quiet: bool = False  # stops scheduling after two sessions, until nudged
    sessions_scheduled: int = 0
    intro: RecordedCall | None = None  # the chat.postMessage that introduced them


class _Demo:
    def __init__(self, people: int, weeks: int, seed: int, out_dir: Path, progress: TextIO | None) -> None:
        if weeks < 1:
            raise ValueError("the demo needs at least one week")
        self.weeks = weeks
        self.seed = seed
        self.out_dir = out_dir
        self.db_path = out_dir / DB_NAME
        self.org: SampleOrg = build_org(people, random.Random(seed))
        self.people = self.org.by_id()
        self.admin = self.org.admin
        self.clock = FixedClock(START)  # the app's programme time; only the demo moves it
        self.end = START + timedelta(weeks=weeks)  # the last digest, then the demo stops
        self.transcript = Transcript()
        self.progress = ProgressBar(progress, weeks * 7)
        self.directory = Directory(people={m.user_id: m.name for m in self.org.members})
        self.pairs: list[DemoPair] = []
        self.pairs_by_id: dict[int, DemoPair] = {}
        self._cursor = 0
        self._actor = self.admin.user_id
        self._shown_in_full: set[str] = set()
        self._outcomes: dict[int, str] = {}
        self._last_digest_at: datetime | None = None
        self._answered: set[int] = set()  # check-in ids answered
        self._rendered_in_full: set[int] = set()  # ids of the calls printed in full
        self._acks: list[tuple[int, str, list[str]]] = []  # (position among the calls, where, lines)

    # ----------------------------------------------------------------- wiring

    def start(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):  # a fresh database each run: the same seed, the same story
            Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)
        users = [
            StandInUser(
                id=m.user_id,
                name=m.email.split("@")[0],
                real_name=m.name,
                email=m.email,
                tz=m.tz,
                tz_offset=m.tz_offset,
                title=m.title,
            )
            for m in self.org.members
        ]
        # Slack's trigger ids last 3 s; on a busy machine the demo allows longer rather than stop halfway.
        self.slack = SlackStandIn(users=users, team_id=TEAM_ID, trigger_ttl=30.0).start()
        self.slack.add_channel(PROGRAMME_CHANNEL, "programme")
        self.directory.channels[PROGRAMME_CHANNEL] = "#programme"
        for member in self.org.members:
            self.directory.channels[self.slack.dm_channel_id(member.user_id)] = f"DM → {member.name}"
        self.db = Database(f"sqlite:///{self.db_path}", now=self.clock.now)
        self.db.upgrade()
        settings = Settings(
            bot_token="xoxb-demo-token",
            signing_secret=SIGNING_SECRET,
            api_url=self.slack.url,
            database_url=self.db.url,
            admin_user_ids=(self.admin.user_id,),
            digest_channel=PROGRAMME_CHANNEL,
        )
        self.services = build_services(settings, db=self.db, clock=self.clock)
        self.server = BackgroundServer(build_app(settings, self.services), self.db).start()
        self.driver = SlackDriver(self.server.url, SIGNING_SECRET, TEAM_ID, self.slack)

    def stop(self) -> None:
        for part in ("server", "slack"):
            with contextlib.suppress(Exception):
                getattr(self, part).stop()
        with contextlib.suppress(Exception):
            self.db.dispose()

    # ----------------------------------------------------------------- waiting and showing

    def _new_calls(self) -> list[RecordedCall]:
        return list(self.slack.calls[self._cursor :])

    def _await(self, predicate: Callable[[RecordedCall], bool], what: str) -> RecordedCall:
        """The first finished Web API call since the last `_show` that matches: the app's listeners run
        after the ack, so each step waits for its last effect before the next begins."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            for call in self._new_calls():
                if call.response is not None and predicate(call):
                    return call
            if time.monotonic() > deadline:
                raise DemoError(f"waited {WAIT_SECONDS:g} s for {what}, but the app never did it")
            time.sleep(0.002)

    def _await_count(self, predicate: Callable[[RecordedCall], bool], count: int, what: str) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while sum(1 for c in self._new_calls() if c.response is not None and predicate(c)) < count:
            if time.monotonic() > deadline:
                raise DemoError(f"waited {WAIT_SECONDS:g} s for {what}, but the app never did it")
            time.sleep(0.002)

    def _first(self, kind: str) -> bool:
        """True the first time a kind of message is shown: it is shown in full, later ones condensed."""
        if kind in self._shown_in_full:
            return False
        self._shown_in_full.add(kind)
        return True

    def _condensed(
        self, kind: str, as_lines: frozenset[str] = frozenset({"chat.postMessage"})
    ) -> Callable[[RecordedCall], str]:
        """The first of a kind in full; later ones as one line (methods in `as_lines`) or not at all.
        App Home refreshes are left out: the Home tab is shown once, at the end."""
        first = self._first(kind)

        def style(call: RecordedCall) -> str:
            if call.method == "views.publish":
                return "skip"
            if first:
                return "full"
            return "line" if call.method in as_lines else "skip"

        return style

    def _show(self, style: Callable[[RecordedCall], str] | None = None) -> list[RecordedCall]:
        """Print what Slack received since the last call, each as 'full', 'line' or 'skip'; returns them."""
        start = self._cursor
        calls = self._new_calls()
        self._cursor += len(calls)
        acks, self._acks = self._acks, []
        style = style or (lambda call: "full")
        # Only the last edit of a message in one step is what anybody saw.
        last_edit: dict[tuple[str, str], int] = {}
        for index, call in enumerate(calls):
            if call.method == "conversations.open" and call.response and call.response.get("ok"):
                members = [u for u in str(call.params.get("users", "")).split(",") if u]
                self.directory.name_group(call.response["channel"]["id"], members)
            if call.method == "chat.update" and call.response and call.response.get("ok"):
                last_edit[(call.response["channel"], call.response["ts"])] = index
        for index, call in enumerate(calls):
            while acks and acks[0][0] <= start + index:
                self.transcript.entry(self.clock.now(), acks[0][1], acks.pop(0)[2])
            response = call.response or {}
            if call.method not in MESSAGE_METHODS | VIEW_METHODS or not response.get("ok"):
                continue
            if call.method == "chat.update" and last_edit.get((response["channel"], response["ts"])) != index:
                continue
            mode = style(call)
            if mode != "skip":
                self._render(call, mode)
            if mode == "full":
                self._rendered_in_full.add(id(call))
        for _position, where, lines in acks:
            self.transcript.entry(self.clock.now(), where, lines)
        return calls

    def _where(self, call: RecordedCall) -> str:
        params, response = call.params, call.response or {}
        if call.method == "chat.postMessage":
            return self.directory.where(response.get("channel") or params.get("channel", ""))
        if call.method == "chat.update":
            return self.directory.where(response.get("channel") or params.get("channel", "")) + " (updated)"
        if call.method == "chat.postEphemeral":
            where = self.directory.where(params.get("channel", ""))
            return f"{where}, only visible to {self.directory.person(params.get('user', ''))}"
        if call.method == "views.publish":
            return f"App Home → {self.directory.person(params.get('user_id', ''))}"
        suffix = " (updated)" if call.method == "views.update" else ""
        return f"modal → {self.directory.person(self._actor)}{suffix}"

    def _render(self, call: RecordedCall, mode: str) -> None:
        where, params = self._where(call), call.params
        if call.method in VIEW_METHODS:
            view = params.get("view") or {}
            if mode == "line":
                title = ((view.get("title") or {}).get("text")) or "App Home"
                self.transcript.line(self.clock.now(), where, title)
            else:
                self.transcript.entry(self.clock.now(), where, render_view(view, self.directory))
            return
        if mode == "admin_digest":
            self.transcript.entry(self.clock.now(), where, self._admin_digest_lines(params))
            return
        if mode == "line":
            text = params.get("text") or ""
            if not text and params.get("blocks"):
                text = " ".join(render_message(params, self.directory))
            self.transcript.line(self.clock.now(), where, one_line(text, self.directory))
        else:
            self.transcript.entry(self.clock.now(), where, render_message(params, self.directory))

    def _admin_digest_lines(self, params: dict[str, Any]) -> list[str]:
        """The admins' digest repeats the channel's figures: show its title, then only who is at risk."""
        blocks = params.get("blocks") or []
        dividers = [i for i, b in enumerate(blocks) if b.get("type") == "divider"]
        tail = blocks[dividers[-1] + 1 :] if dividers else []
        lines = render_message({"blocks": blocks[:1]}, self.directory)
        lines.append("      (the same figures as in #programme, then:)")
        return lines + render_message({"blocks": tail}, self.directory)

    def _check(self, reply: Reply, what: str) -> dict[str, Any]:
        if reply.status != 200:
            raise DemoError(f"{what}: HTTP {reply.status} {reply.body[:300]}")
        body = reply.json() if reply.body.strip().startswith("{") else {}
        if body.get("response_action") == "errors":
            raise DemoError(f"{what}: the app refused the form: {body.get('errors')}")
        return body

    def _acked(self, user: str, body: dict[str, Any], position: int) -> None:
        """What the ack itself showed (a private reply to a command, or a modal replaced in place), shown
        before whatever the listener went on to do after acking: `position` is the number of Web API calls
        made before the request was sent."""
        name = self.directory.person(user)
        if body.get("text"):
            self._acks.append(
                (position, f"only visible to {name}", [f"      {one_line(body['text'], self.directory)}"])
            )
        if body.get("response_action") == "update" and body.get("view"):
            self._acks.append((position, f"modal → {name} (updated)", render_view(body["view"], self.directory)))

    def _at(self, moment: datetime) -> None:
        self.clock.set(moment)

    # ----------------------------------------------------------------- acting as people

    def _command(self, user: str, text: str) -> dict[str, Any]:
        self._actor = user
        position = len(self.slack.calls)
        body = self._check(self.driver.command(user, text), f"/reverse-mentor {text} by {self.directory.person(user)}")
        self._acked(user, body, position)
        return body

    def _modal_opened(self, user: str) -> dict[str, Any]:
        call = self._await(lambda c: c.method == "views.open", f"a modal for {self.directory.person(user)}")
        return (call.response or {})["view"]

    def _submit(self, user: str, view: dict[str, Any], values: dict[str, Any], what: str) -> None:
        self._actor = user
        position = len(self.slack.calls)
        self._acked(user, self._check(self.driver.submit_view(user, view, values), what), position)

    def _click(self, user: str, message_call: RecordedCall, action_id: str) -> None:
        """Press a button on a message the app posted, as `user`."""
        response = message_call.response or {}
        message = dict(response.get("message") or {})
        message.setdefault("blocks", message_call.params.get("blocks") or [])
        message["ts"] = response["ts"]
        value = _button_value(message["blocks"], action_id)
        self._actor = user
        reply = self.driver.click(user, action_id, value, channel_id=response["channel"], message=message)
        self._check(reply, f"{action_id} clicked by {self.directory.person(user)}")

    def _message_update(self, message_call: RecordedCall) -> Callable[[RecordedCall], bool]:
        response = message_call.response or {}
        channel, ts = response["channel"], response["ts"]
        return lambda c: (
            c.method == "chat.update"
            and (c.response or {}).get("channel") == channel
            and (c.response or {}).get("ts") == ts
        )

    # ----------------------------------------------------------------- the story

    def run(self) -> None:
        self.transcript.start_weeks(START, self.weeks)
        self.transcript.heading("Reverse Mentor: an offline demo")
        self.transcript.note(
            f"{len(self.org.members)} people in 5 departments; {self.admin.name} ({self.admin.title}) runs the "
            f"programme. Simulated time starts {START:%A} {START.day} {START:%B %Y, %H:%M} UTC; seed {self.seed}."
        )
        self.transcript.note(
            "Lines marked » are the demo's narration; everything else is what Slack delivered, the first message "
            "of each kind in full and repeats on one line."
        )
        self._import_org()
        self._open_cohort()
        self._joins()
        self._match_and_approve()
        self._choose_cancellers_and_a_quiet_pair()
        self._agree_rules_and_schedule()
        self._simulate_weeks()
        self._final_home()
        self._summary()

    def _import_org(self) -> None:
        admin = self.admin.user_id
        self._at(START)
        self.transcript.note(f"{self.admin.name} uploads the org chart from HR ({len(self.org.members)} rows).")
        self._command(admin, "import-org")
        view = self._modal_opened(admin)
        file = self.slack.add_file("org-chart.csv", self.org.to_csv().encode(), user=admin)
        values = {"org_file": {"file": {"type": "file_input", "files": [file]}}}
        self._submit(admin, view, values, "the org chart upload")
        self._await(lambda c: c.method == "chat.postMessage" and c.params.get("channel") == admin, "the import result")
        self._show()

    def _open_cohort(self) -> None:
        admin = self.admin.user_id
        self._at(START + timedelta(minutes=5))
        ends = START + timedelta(weeks=max(self.weeks, 24))
        self._command(admin, "cohort open")
        view = self._modal_opened(admin)
        values = {
            "name": {"value": {"type": "plain_text_input", "value": f"Winter {START.year}"}},
            "starts": {"value": {"type": "datepicker", "selected_date": START.date().isoformat()}},
            "ends": {"value": {"type": "datepicker", "selected_date": ends.date().isoformat()}},
            "audience": {"value": {"type": "radio_buttons", "selected_option": {"value": "everyone"}}},
        }
        self._submit(admin, view, values, "opening the cohort")
        self._await(lambda c: c.method == "chat.postMessage" and c.params.get("channel") == admin, "the cohort DM")
        self._show()

    def _joins(self) -> None:
        joiners = list(self.org.participants)
        random.Random(f"{self.seed}:join-order").shuffle(joiners)
        self.transcript.note(f"{len(joiners)} people join with /reverse-mentor join; the modal is prefilled from HR.")
        spacing = max(1, 270 // len(joiners))
        for i, member in enumerate(joiners):
            self._at(START + timedelta(minutes=15 + i * spacing))
            user = member.user_id
            self._command(user, "join")
            view = self._modal_opened(user)
            self._submit(user, view, _join_values(member, view), f"{member.name}'s join form")

            def home_published(c: RecordedCall, user: str = user) -> bool:
                return c.method == "views.publish" and c.params.get("user_id") == user

            self._await(home_published, "Home")
            self._show(self._condensed("join"))

    def _match_and_approve(self) -> None:
        admin = self.admin.user_id
        self._at(START.replace(hour=14))
        self.transcript.note(f"{self.admin.name} runs matching; nobody else hears anything until approval.")
        self._command(admin, "match")
        proposal = self._await(
            lambda c: c.method == "chat.postMessage" and "Matching proposal" in str(c.params.get("text")),
            "the matching proposal",
        )
        self._show()
        self._at(START.replace(hour=14, minute=10))
        self._click(admin, proposal, "match_approve")
        self._await(
            lambda c: c.method == "chat.update" and "intros sent" in str(c.params.get("text")), "all intros sent"
        )

        def intro_style(call: RecordedCall) -> str:
            if call.method == "chat.postMessage" and "Meet your" in str(call.params.get("text")):
                return "full" if self._first("intro") else "line"
            return "full"

        calls = self._show(intro_style)
        intros = {
            c.response["channel"]: c
            for c in calls
            if c.method == "chat.postMessage" and c.response and "Meet your" in str(c.params.get("text"))
        }
        with self.db.unit_of_work() as session:
            rows = session.execute(
                select(Pair.id, Pair.channel_id, Participant.cadence_days, Person.slack_user_id, Participant.role)
                .join(Participant, (Participant.id == Pair.mentor_id) | (Participant.id == Pair.mentee_id))
                .join(Person, Person.id == Participant.person_id)
                .where(Pair.status == "active")
                .order_by(Pair.id)
            ).all()
        found: dict[int, dict[str, Any]] = {}
        for pair_id, channel, cadence, user, role in rows:
            entry = found.setdefault(pair_id, {"channel": channel, "cadence": 0})
            entry[role] = user
            entry["cadence"] = max(entry["cadence"], cadence)
        for pair_id, entry in found.items():
            slot = random.Random(f"{self.seed}:slot:{entry['mentor']}")
            pair = DemoPair(
                pair_id=pair_id,
                mentor=self.people[entry["mentor"]],
                mentee=self.people[entry["mentee"]],
                channel=entry["channel"],
                cadence_days=entry["cadence"],
                weekday=slot.choice((1, 2, 3, 4, 8, 9, 10, 11)),
                hour=slot.choice((13, 14, 15)),
                minute=slot.choice((0, 30)),
            )
            intro = intros.get(entry["channel"])
            if intro is None:
                raise DemoError(f"no intro reached pair {pair.mentor.name} & {pair.mentee.name}")
            pair.intro = intro
            self.pairs.append(pair)
            self.pairs_by_id[pair_id] = pair

    def _choose_cancellers_and_a_quiet_pair(self) -> None:
        rng = random.Random(f"{self.seed}:roles")
        fortnightly = [p for p in self.pairs if p.cadence_days == 14] or list(self.pairs)
        count = 3 if len(self.pairs) >= 15 else 2 if len(self.pairs) >= 4 else 1
        for pair in rng.sample(fortnightly, min(count, len(fortnightly))):
            pair.canceller = True
        calm = [p for p in fortnightly if not p.canceller]
        if calm:
            rng.choice(calm).quiet = True
        for pair in self.pairs:
            if (pair.canceller or pair.quiet) and pair.weekday > 7:
                pair.weekday -= 7  # they start in the first week, so even a six-week run shows what follows

    def _agree_rules_and_schedule(self) -> None:
        self._at(START.replace(hour=14, minute=30))
        self.transcript.note(
            "Each pair reads the draft ground rules, both agree, and the mentor books a first session."
        )
        spacing = max(1, 180 // max(len(self.pairs), 1))
        for i, pair in enumerate(self.pairs):
            self._at(START.replace(hour=14, minute=30) + timedelta(minutes=i * spacing))
            intro = pair.intro
            assert intro is not None
            self._click(pair.mentor.user_id, intro, "rules_agree")
            self._await(lambda c: c.method == "chat.postEphemeral", "the mentor's agreement")
            self._show(self._condensed("rules_mentor", frozenset()))
            self._click(pair.mentee.user_id, intro, "rules_agree")
            self._await_count(lambda c: c.method == "views.publish", 2, "both Home tabs after agreement")
            self._show(self._condensed("rules"))
            when = self._first_session_time(pair)
            self._schedule(pair, when, intro, "session_schedule_open")

    def _first_session_time(self, pair: DemoPair) -> datetime:
        day = START.date() + timedelta(days=pair.weekday)
        return datetime.combine(day, clock_time(pair.hour, pair.minute), UTC)

    def _schedule(self, pair: DemoPair, when: datetime, message: RecordedCall | None, action_id: str) -> None:
        """The mentor books a session: from a message's button, else with /reverse-mentor schedule."""
        mentor = pair.mentor.user_id
        if message is not None:
            self._click(mentor, message, action_id)
        else:
            self._command(mentor, "schedule")
        view = self._modal_opened(mentor)
        values = {"when": {"value": {"type": "datetimepicker", "selected_date_time": int(when.timestamp())}}}
        self._submit(mentor, view, values, f"{pair.mentor.name} scheduling a session")
        self._await(
            lambda c: c.method == "views.publish" and c.params.get("user_id") == mentor, "Home after scheduling"
        )
        self._show(self._condensed("schedule"))
        pair.sessions_scheduled += 1

    # ----------------------------------------------------------------- twelve weeks

    def _simulate_weeks(self) -> None:
        setup_done = self.clock.now()
        days = self.weeks * 7
        for day in range(days + 1):
            on = START.date() + timedelta(days=day)
            for hour in WEEKEND_TICKS if on.weekday() >= 5 else TICKS:
                moment = datetime.combine(on, clock_time(hour), UTC)
                if moment <= setup_done or moment > self.end:
                    continue
                self.progress.update(day, moment)
                self._tick(moment)
        self.progress.finish()

    def _job(self, name: str) -> list[RecordedCall]:
        """Run one periodic job now; show what it sent (routine DMs as one line naming who got them)."""
        JOBS[name](self.services, False)
        calls = self._show(self._job_style)
        posted = [c for c in calls if c.method == "chat.postMessage" and (c.response or {}).get("ok")]
        for kind, label in ROUTINE_DMS.items():
            names = [
                self.directory.person(str(c.params.get("channel")))
                for c in posted
                if _kind_of(c, self.admin.user_id) == kind and id(c) not in self._rendered_in_full
            ]
            if names:
                self.transcript.line(self.clock.now(), label, ", ".join(names))
        return posted

    def _tick(self, moment: datetime) -> None:
        self._at(moment)
        received = []
        if moment.weekday() == 0 and moment.hour in JOB_HOURS["digest"]:
            received += self._job("digest")
            self._save_chart()
            self._last_digest_at = moment
        if moment >= self.end:
            return  # the last digest is the end of the story: the database stays as it reported
        dispatched = []
        if moment.hour in JOB_HOURS["checkins"]:
            received += self._job("checkins")
            dispatched = self._sessions_asked_at(moment)
        for name in ("reminders", "nudges", "followups"):
            if moment.hour in JOB_HOURS[name]:
                received += self._job(name)
        for pair_id, scheduled_at in dispatched:
            self._book_next(self.pairs_by_id[pair_id], scheduled_at)
        self._react(received)

    def _job_style(self, call: RecordedCall) -> str:
        if call.method != "chat.postMessage":
            return "full"
        kind = _kind_of(call, self.admin.user_id)
        if kind in ("checkin", "reminder", "follow_up"):
            return "full" if self._first(kind) else "skip"
        if kind == "checkin_reminder":
            return "full" if self._first(kind) else "line"
        if kind == "admin_digest":
            return "admin_digest"
        return "full"

    def _react(self, received: list[RecordedCall]) -> None:
        """People act on what just reached them: answer check-ins, follow-ups, and a stale-pair nudge."""
        for call in received:
            kind = _kind_of(call, self.admin.user_id)
            user = str(call.params.get("channel"))
            if (kind == "checkin" and self._answers_promptly(call)) or kind == "checkin_reminder":
                self._answer_checkin(user, call)
            elif kind == "follow_up":
                self._answer_follow_up(user, call)
            elif kind == "stale_pair":
                pair = self._pair_of_member(user)
                if pair is not None and pair.quiet and user == pair.mentor.user_id:
                    self._resume_quiet_pair(pair, call)

    def _sessions_asked_at(self, moment: datetime) -> list[tuple[int, datetime]]:
        with self.db.unit_of_work() as session:
            rows = session.execute(
                select(MentoringSession.pair_id, MentoringSession.scheduled_at)
                .where(MentoringSession.checkins_sent_at == moment)
                .order_by(MentoringSession.id)
            ).all()
        return [(pair_id, scheduled_at) for pair_id, scheduled_at in rows]

    def _book_next(self, pair: DemoPair, last: datetime) -> None:
        if pair.quiet and pair.sessions_scheduled >= 2:
            return  # this pair goes quiet until the stale-pair nudge
        when = last + timedelta(days=pair.cadence_days)
        if when >= self.end + timedelta(days=7):
            return
        self._schedule(pair, when, None, "")

    def _resume_quiet_pair(self, pair: DemoPair, nudge: RecordedCall) -> None:
        pair.quiet = False
        days = 2 if self.clock.now().weekday() < 3 else 7 - self.clock.now().weekday() + 1
        day = self.clock.now().date() + timedelta(days=days)
        when = datetime.combine(day, clock_time(pair.hour, pair.minute), UTC)
        self.transcript.note(f"{pair.mentor.name} takes the hint and books the next session from the nudge.")
        self._schedule(pair, when, nudge, "session_schedule_open")

    def _pair_of_member(self, user: str) -> DemoPair | None:
        return next((p for p in self.pairs if user in (p.mentor.user_id, p.mentee.user_id)), None)

    # ----------------------------------------------------------------- check-ins

    def _checkin_facts(self, check_in_id: int) -> tuple[int, int, str]:
        with self.db.unit_of_work() as session:
            row = session.execute(
                select(CheckIn.session_id, MentoringSession.pair_id, CheckIn.side)
                .join(MentoringSession, MentoringSession.id == CheckIn.session_id)
                .where(CheckIn.id == check_in_id)
            ).one()
            return row[0], row[1], row[2]

    def _outcome(self, session_id: int, pair: DemoPair) -> str:
        """'held', 'senior' or 'junior' (who cancelled): decided once per session, from the seed."""
        if session_id not in self._outcomes:
            with self.db.unit_of_work() as session:
                number = (
                    session.scalar(
                        select(func.count())
                        .select_from(MentoringSession)
                        .where(MentoringSession.pair_id == pair.pair_id, MentoringSession.id <= session_id)
                    )
                    or 0
                )
            rng = random.Random(f"{self.seed}:outcome:{pair.mentor.user_id}:{number}")
            if pair.canceller:
                outcome = "senior" if number <= 3 or rng.random() < 0.5 else "held"
            else:
                draw = rng.random()
                outcome = "senior" if draw < 0.06 else "junior" if draw < 0.12 else "held"
            self._outcomes[session_id] = outcome
        return self._outcomes[session_id]

    def _answers_promptly(self, call: RecordedCall) -> bool:
        check_in_id = _check_in_id(call)
        _session_id, pair_id, side = self._checkin_facts(check_in_id)
        pair = self.pairs_by_id[pair_id]
        chance = 0.5 if pair.canceller and side == "senior" else 0.88
        return random.Random(f"{self.seed}:prompt:{check_in_id}").random() < chance

    def _answer_checkin(self, user: str, call: RecordedCall) -> None:
        check_in_id = _check_in_id(call)
        if check_in_id in self._answered:
            return
        self._answered.add(check_in_id)
        session_id, pair_id, side = self._checkin_facts(check_in_id)
        pair = self.pairs_by_id[pair_id]
        outcome = self._outcome(session_id, pair)
        rng = random.Random(f"{self.seed}:answer:{check_in_id}")
        if outcome == "held":
            self._click(user, call, "checkin_held")
            view = self._modal_opened(user)
            values: dict[str, Any] = {"rating": {"value": {"selected_option": {"value": str(_rating(rng))}}}}
            if side == "senior":
                values["action"] = {"value": {"type": "plain_text_input", "value": rng.choice(ACTIONS)}}
            else:
                two_way = rng.choices(("yes", "partly", "no"), weights=(0.75, 0.2, 0.05))[0]
                values["two_way"] = {"value": {"selected_option": {"value": two_way}}}
            self._submit(user, view, values, f"{self.directory.person(user)}'s check-in")
        else:
            mine = (outcome == "senior") == (side == "senior")
            self._click(user, call, "checkin_i_cancelled" if mine else "checkin_they_cancelled")
        self._await(self._message_update(call), "the check-in's answer")
        self._show(self._condensed("checkin_answer", frozenset({"chat.update"})))

    def _answer_follow_up(self, user: str, call: RecordedCall) -> None:
        follow_up_id = json.loads(_button_value(call.params.get("blocks") or [], "follow_up_done"))["follow_up"]
        draw = random.Random(f"{self.seed}:follow-up:{follow_up_id}").random()
        action = "follow_up_done" if draw < 0.45 else "follow_up_in_progress" if draw < 0.9 else "follow_up_dropped"
        self._click(user, call, action)
        self._await(self._message_update(call), "the follow-up's answer")
        self._show(self._condensed("follow_up_answer", frozenset()))

    # ----------------------------------------------------------------- the end

    def _save_chart(self) -> None:
        if self.slack.uploads:
            (self.out_dir / CHART_NAME).write_bytes(self.slack.uploads[-1].data)

    def _final_home(self) -> None:
        pair = next((p for p in self.pairs if p.canceller), self.pairs[0] if self.pairs else None)
        if pair is None:
            return
        user = pair.mentor.user_id
        self.transcript.note(f"At the end, {pair.mentor.name} opens the bot's App Home.")
        self._actor = user
        self._check(self.driver.home_opened(user), "opening App Home")
        self._await(lambda c: c.method == "views.publish" and c.params.get("user_id") == user, "the App Home")
        self._show()

    def _summary(self) -> None:
        with self.db.unit_of_work() as session:
            states = dict(
                session.execute(select(MentoringSession.state, func.count()).group_by(MentoringSession.state)).all()
            )
            by_senior = session.scalar(
                select(func.count()).select_from(MentoringSession).where(MentoringSession.cancelled_by == "senior")
            )
            nudges = dict(session.execute(select(NudgeLog.kind, func.count()).group_by(NudgeLog.kind)).all())
        self.transcript.heading("Summary")
        self.transcript.note(
            f"{len(self.pairs)} pairs; sessions: {states.get('held', 0)} held, {states.get('cancelled', 0)} "
            f"cancelled ({by_senior} by the senior), {states.get('scheduled', 0)} still scheduled."
        )
        self.transcript.note(
            "Nudges: " + ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in sorted(nudges.items())) + "."
        )
        cancellers = ", ".join(p.mentee.name for p in self.pairs if p.canceller)
        self.transcript.note(f"The seniors who kept cancelling: {cancellers}.")


# --------------------------------------------------------------------------- helpers


def _button_value(blocks: list[dict[str, Any]], action_id: str) -> str:
    for block in blocks:
        elements = list(block.get("elements", []))
        if block.get("accessory"):
            elements.append(block["accessory"])
        for element in elements:
            if element.get("action_id") == action_id:
                return str(element.get("value", ""))
    raise DemoError(f"no {action_id} button in the message")


def _check_in_id(call: RecordedCall) -> int:
    return int(json.loads(_button_value(call.params.get("blocks") or [], "checkin_held"))["checkin"])


def _rating(rng: random.Random) -> int:
    return rng.choices((2, 3, 4, 5), weights=(0.05, 0.2, 0.45, 0.3))[0]


def _kind_of(call: RecordedCall, admin_user_id: str) -> str:
    """What a bot DM is about, from its text."""
    text = str(call.params.get("text") or "")
    if call.params.get("channel") == PROGRAMME_CHANNEL:
        return "digest"
    if text.startswith("How did your session"):
        return "checkin"
    if text.startswith("A reminder: how did your session"):
        return "checkin_reminder"
    if text.startswith("Reminder: your reverse mentoring session"):
        return "reminder"
    if "days ago you planned to" in text:
        return "follow_up"
    if text.startswith("A quick note about your reverse mentoring"):
        return "senior_cancelling"
    if text.startswith("Pair at risk"):
        return "escalation"
    if "haven't had your first" in text or text.startswith("It's been a while"):
        return "stale_pair"
    blocks = json.dumps(call.params.get("blocks") or [])
    if call.params.get("channel") == admin_user_id and "Programme health (admins)" in blocks:
        return "admin_digest"
    return "other"


def _initial(view: dict[str, Any], block_id: str, key: str) -> Any:
    for block in view.get("blocks", []):
        if block.get("block_id") == block_id:
            return (block.get("element") or {}).get(key)
    return None


def _join_values(member: Member, view: dict[str, Any]) -> dict[str, Any]:
    """The join modal's state as the person leaves it: the HR prefill kept, their own answers added."""

    def options(values: tuple[str, ...]) -> list[dict[str, Any]]:
        return [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values]

    mentor = member.role == "mentor"
    department = _initial(view, "department", "initial_value") or member.department
    level = _initial(view, "level", "initial_value") or str(member.level)
    manager = _initial(view, "manager", "initial_user") or member.manager_id
    return {
        "role": {"value": {"type": "radio_buttons", "selected_option": {"value": member.role}}},
        "department": {"value": {"type": "plain_text_input", "value": department}},
        "level": {"value": {"type": "number_input", "value": level}},
        "manager": {"value": {"type": "users_select", "selected_user": manager}},
        "topics_offered": {
            "value": {"type": "multi_static_select", "selected_options": options(member.topics if mentor else ())}
        },
        "topics_wanted": {
            "value": {"type": "multi_static_select", "selected_options": options(() if mentor else member.topics)}
        },
        "perspectives": {"value": {"type": "plain_text_input", "value": member.perspectives or None}},
        "off_limits": {"value": {"type": "plain_text_input", "value": member.off_limits or None}},
        "format": {"value": {"type": "radio_buttons", "selected_option": {"value": member.meeting_format}}},
        "cadence": {"value": {"type": "radio_buttons", "selected_option": {"value": str(member.cadence_days)}}},
        "consent": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}},
        "self_rating": {
            "value": {
                "type": "radio_buttons",
                "selected_option": {"value": str(member.self_rating)} if member.self_rating else None,
            }
        },
    }


# --------------------------------------------------------------------------- entry points


def run_demo(
    people: int = 40,
    weeks: int = 12,
    seed: int = 7,
    out_dir: Path | str = "demo-output",
    progress: TextIO | None = None,
) -> DemoResult:
    """Run the whole cohort; the transcript is returned (and written to `out_dir`), never printed here."""
    started = time.perf_counter()
    out = Path(out_dir)
    demo = _Demo(people, weeks, seed, out, progress)
    try:
        demo.start()
        demo.run()
    except DemoError as error:
        error.transcript = demo.transcript.text()
        raise
    finally:
        demo.stop()
    text = demo.transcript.text()
    transcript_path = out / TRANSCRIPT_NAME
    transcript_path.write_text(text, encoding="utf-8")
    chart = out / CHART_NAME
    return DemoResult(
        transcript=text,
        db_url=f"sqlite:///{demo.db_path}",
        db_path=demo.db_path,
        chart_path=chart if chart.exists() else None,
        transcript_path=transcript_path,
        last_digest_at=demo._last_digest_at,
        admin=demo.admin.name,
        pairs=tuple((p.mentor.name, p.mentee.name) for p in demo.pairs),
        cancellers=tuple(p.mentee.name for p in demo.pairs if p.canceller),
        seconds=time.perf_counter() - started,
    )


def main(people: int, weeks: int, seed: int, out_dir: str, stdout: TextIO, stderr: TextIO) -> int:
    """`reverse-mentor demo`: the transcript on stdout, the progress bar and where things went on stderr."""
    try:
        result = run_demo(people=people, weeks=weeks, seed=seed, out_dir=out_dir, progress=stderr)
    except DemoError as error:
        stdout.write(error.transcript)
        stderr.write(f"\nThe demo stopped: {error}\n")
        return 1
    stdout.write(result.transcript)
    stdout.write(
        "\nWritten to "
        f"{Path(out_dir)}/:\n"
        f"  {result.transcript_path.name:<32} this transcript\n"
        f"  {result.db_path.name:<32} the demo's SQLite database (sqlite3 {result.db_path})\n"
        + (f"  {result.chart_path.name:<32} the last digest's chart\n" if result.chart_path else "")
    )
    stdout.flush()
    stderr.write(f"demo finished in {result.seconds:.1f} s\n")
    return 0
