"""A local stand-in for the Slack Web API, for the test suite and the offline demo.

Point slack_sdk's real client at it; nothing in slack_sdk is patched::

    with SlackStandIn(users=[StandInUser("U1", "ada", "Ada Lovelace", "ada@example.com")]) as slack:
        client = WebClient(token="xoxb-test", base_url=slack.url)
        client.chat_postMessage(channel="C1", text="hi")
        assert slack.messages("C1")[0]["text"] == "hi"

Standard library and slack_sdk's Block Kit models: a ``ThreadingHTTPServer`` on 127.0.0.1 (free port) in a
daemon thread.

Response shapes are built from Slack's documented examples copied into ``bot/simulation/data/`` (see the README
there), with fresh ids and timestamps. Behaviour modelled on Slack:

* every call is recorded (``calls``), including ones that fail;
* token: ``Authorization: Bearer ...`` header or a ``token`` parameter; none -> ``not_authed``, one the
  ``token_check`` rejects (default: must start with ``xoxb-``) -> ``invalid_auth``;
* unknown method -> HTTP 200 ``{"ok": false, "error": "unknown_method"}``;
* JSON, form-encoded and multipart bodies and query strings are merged into one ``params`` dict; fields
  Slack takes as JSON strings in forms (``blocks``, ``attachments``, ``view``, ``files``, ...) are decoded;
* ``add_file`` hosts a file as if someone uploaded it (a ``file_input`` submission carries the returned
  object); its ``url_private_download`` answers a GET only with a valid ``Authorization: Bearer`` token
  (401 without one, 403 with one ``token_check`` rejects), and each download is kept in ``file_downloads``;
* ``fail_next`` queues failures (HTTP 429 + ``Retry-After``, 5xx, or 200 ``ok: false``), ``set_delay``
  slows a method down;
* ``trigger_id`` is single use (``exchanged_trigger_id``), must look like ``123.456.abc``
  (``invalid_trigger_id``), expires after ``trigger_ttl`` seconds if it was issued by
  ``new_trigger_id()`` (``expired_trigger_id``), and a missing one gets the documented
  ``invalid_arguments`` / "invalid `trigger_id`" answer;
* what Slack refuses in blocks and views (``bot/simulation/block_rules.py``), answered as Slack does:
  ``invalid_blocks`` for chat.* and ``invalid_arguments`` for views.*, each with ``response_metadata.messages``
  in the ``[ERROR] ... [json-pointer:...]`` style Slack uses (the wording is slack_sdk's or ours, not copied
  from a capture):

  - more than 50 blocks in a message; a view without ``blocks``, a modal without a title, a view of the wrong
    ``type`` for the method;
  - every block through slack_sdk's ``Block.parse(b)`` (None: no type, or one it does not know) and
    ``.validate_json()``, and each element, text object, option and confirm dialog inside it the same way,
    recursively; the view through ``View(**view).validate_json()`` with its title, submit and close. So,
    among others: more than 25 elements in an actions block, 10 in a context block, 10 section fields, 100
    blocks in a view, 100 options in a select menu; section text over 3,000 characters, header over 150,
    button text over 75 or value over 2,000, modal title over 24, ``private_metadata`` over 3,000; a home
    view with submit or close;
  - what slack_sdk leaves unchecked: one action_id twice in a block, one block_id twice in a message or view,
    more than 10 checkboxes or radio buttons, a ``plain_text_input`` ``max_length`` outside 1-3,000, an empty
    text object, a modal holding inputs without a submit button.

Message metadata and history, modelled on Slack's documentation (docs.slack.dev, "Using message metadata", and
the conversations.history reference, whose documented example is ``conversations.history.ok.example.json``):

* ``chat.postMessage`` takes ``metadata`` (an object, or a JSON string in a form): an ``event_type`` and an
  ``event_payload`` object. Not an object, or either part missing or of the wrong type:
  ``invalid_metadata_format``. An ``event_type`` with characters other than letters, digits, ``_`` and ``-``:
  the message is posted without its metadata and the answer carries ``warning: invalid_metadata_schema``.
* ``conversations.history`` answers ``messages`` newest first, each with its ``metadata`` only when
  ``include_all_metadata`` is true; ``oldest``/``latest`` bound the ts (exclusive unless ``inclusive``),
  ``limit`` (default 100) and ``cursor`` page through, with ``has_more`` and ``response_metadata.next_cursor``
  (an unknown cursor: ``invalid_cursor``; an ``oldest`` that is no timestamp: ``invalid_ts_oldest``).
  The scope it needs follows the conversation's kind (``im:history``, ``mpim:history``, ``groups:history``,
  ``channels:history``); the app's ``scopes`` lack it -> ``missing_scope`` with ``needed`` and ``provided``.
* ``hold(method, after_store=...)`` opens a crash window for tests: the next call to ``method`` waits,
  signalling ``reached``, either before anything is stored (then it is dropped unanswered, as if it never
  arrived) or after the stand-in stored its effect but before the answer is written, until ``release()``.

Deleting and rewording, as Slack answers them: ``chat.update`` and ``chat.delete`` of a message deleted
before -> ``message_not_found`` (``message(channel, ts)`` is then None); ``files.delete`` -> ``file_deleted``
the second time, ``file_not_found`` for an id never uploaded or hosted (``file_deleted(file_id)`` tells).

By default the stand-in is lenient about things it cannot know (a channel it never heard of, a message ts
or view id taken from a fixture payload, a trigger id made up by a test): it accepts them. ``strict=True``
(what ``tests/support/harness.py`` runs the app against) answers ``channel_not_found``, ``message_not_found``,
``not_found`` and ``user_not_found`` for those instead, ``invalid_trigger_id`` for a trigger id it never
issued through ``new_trigger_id()`` (the driver's interaction payloads), and ``not_in_channel`` to a post in a
public channel added with ``bot_is_member=False`` until ``invite_bot`` (``channel_not_found`` in a private one).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import email.policy
import functools
import hashlib
import json
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.simulation.block_rules import block_errors, view_errors

__all__ = [
    "RecordedCall",
    "SlackStandIn",
    "StandInUpload",
    "StandInUser",
    "load_example",
]

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).with_name("data")

# Form fields that Slack accepts as JSON-encoded strings; decoded so params look the same either way.
_JSON_STRING_FIELDS = frozenset({"blocks", "attachments", "view", "files", "metadata", "user_auth_blocks", "outputs"})
_TRIGGER_RE = re.compile(r"^\d+\.\d+\.\w+$")
_MAX_MESSAGE_BLOCKS = 50  # a view's 100 is slack_sdk's View rule (block_rules.view_errors)
_MAX_MPIM_USERS = 8
_NO_AUTH_METHODS = frozenset({"api.test"})
_EVENT_TYPE_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_DEFAULT_HISTORY_LIMIT = 100
# The scopes an app created from manifest.yml is granted (the history ones are what the stand-in checks).
DEFAULT_SCOPES = frozenset(
    {
        "commands", "chat:write", "im:write", "mpim:write", "im:history", "channels:history", "users:read",
        "users:read.email", "usergroups:read", "files:read", "files:write",
    }
)  # fmt: skip
_DROP = -1  # _handle_api's status for a request dropped unanswered (a crash window before storing)


@functools.cache
def _load_example_cached(name: str) -> Any:
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        return json.load(fh)


def load_example(name: str) -> Any:
    """A fresh copy of a documented example from ``bot/simulation/data/`` (e.g. ``"users.info.ok.example.json"``)."""
    return copy.deepcopy(_load_example_cached(name))


@dataclass
class StandInUser:
    id: str
    name: str
    real_name: str
    email: str | None = None
    tz: str = "Europe/London"
    tz_offset: int = 0
    deleted: bool = False
    is_bot: bool = False
    display_name: str = ""
    is_admin: bool = False
    title: str = ""


@dataclass
class RecordedCall:
    """One request to ``/api/<method>``. ``headers`` names are lower-cased."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    time: float
    http_method: str = "POST"
    content_type: str = ""
    raw_body: bytes = b""
    token: str | None = None
    files: dict[str, bytes] = field(default_factory=dict)  # multipart file parts, by field name
    status: int | None = None  # filled in once answered
    response: dict[str, Any] | None = None


@dataclass
class StandInUpload:
    """A file sent through files.getUploadURLExternal -> POST upload_url -> files.completeUploadExternal."""

    file_id: str
    filename: str
    declared_length: int
    data: bytes
    title: str | None = None
    channels: list[str] = field(default_factory=list)
    initial_comment: str | None = None
    thread_ts: str | None = None
    completed: bool = False
    deleted: bool = False


class HeldCall:
    """A crash window opened by ``SlackStandIn.hold``: ``reached`` is set when the held call arrives (and, with
    ``after_store``, once its effect is stored); the call waits until ``release()`` (or ``timeout`` s)."""

    def __init__(self, method: str, *, after_store: bool, timeout: float) -> None:
        self.method = method
        self.after_store = after_store
        self.timeout = timeout
        self.reached = threading.Event()
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    def _wait(self) -> None:
        self.reached.set()
        self._released.wait(self.timeout)


@dataclass
class _Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


class _SlackError(Exception):
    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def _invalid_arguments(*messages: str) -> _SlackError:
    return _SlackError("invalid_arguments", response_metadata={"messages": list(messages)})


def _example_error(name: str) -> _SlackError:
    """The error in a documented example file, with any ``response_metadata`` it carries."""
    body = load_example(name)
    body.pop("ok", None)
    return _SlackError(**body)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)


def _b32(text: str, length: int = 10) -> str:
    digest = hashlib.sha1(text.encode("utf-8")).digest()
    return base64.b32encode(digest).decode("ascii")[:length]


def _tz_label(tz: str) -> str:
    try:
        # Slack's side: the zone's abbreviation today (GMT or BST), as Slack would answer in real time
        return datetime.now(ZoneInfo(tz)).tzname() or tz  # noqa: TID251
    except (ZoneInfoNotFoundError, ValueError):
        return tz


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


Handler = Callable[[dict[str, Any]], dict[str, Any]]


class SlackStandIn:
    """A fake Slack Web API server. See the module docstring."""

    def __init__(
        self,
        users: Iterable[StandInUser] = (),
        team_id: str = "T0001",
        bot_user_id: str = "UBOT",
        *,
        bot_id: str = "BBOT",
        app_id: str = "A0001",
        team_name: str = "Stand-in Workspace",
        team_domain: str = "standin",
        token_check: Callable[[str], bool] | None = None,
        strict: bool = False,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        trigger_ttl: float = 3.0,
        clock: Callable[[], float] = time.time,  # noqa: TID251 - Slack's own clock: message ts, trigger expiry
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.team_name = team_name
        self.team_domain = team_domain
        self.token_check: Callable[[str], bool] = token_check or (lambda t: t.startswith("xoxb-"))
        self.strict = strict
        self.scopes = frozenset(scopes)
        self.trigger_ttl = trigger_ttl
        self.clock = clock
        self._host = host
        self._port = port

        self._lock = threading.RLock()
        self._server: _StandInServer | None = None
        self._thread: threading.Thread | None = None
        self._seq = 0
        self._last_ts_micros = 0

        self._users: dict[str, StandInUser] = {}
        self._usergroups: dict[str, list[str]] = {}
        self._channels: dict[str, dict[str, Any]] = {}
        self._hosted_files: dict[str, tuple[str, bytes]] = {}  # file id -> (name, content), see add_file
        self._failures: dict[str, deque[_Failure]] = {}
        self._delays: dict[str, float] = {}
        self._holds: dict[str, deque[HeldCall]] = {}
        self._handlers: dict[str, Handler] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.delete": self._chat_delete,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "team.info": self._team_info,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "users.list": self._users_list,
            "usergroups.users.list": self._usergroups_users_list,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "files.delete": self._files_delete,
        }
        self._reset_state()
        for user in users:
            self.add_user(user)

    def _reset_state(self) -> None:
        self.calls: list[RecordedCall] = []
        self.uploads: list[StandInUpload] = []
        self.response_url_posts: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}  # view id -> latest view as returned
        self.home_tabs: dict[str, dict[str, Any]] = {}  # user id -> published home view
        self._messages: list[dict[str, Any]] = []
        self._current: dict[tuple[str, str], dict[str, Any]] = {}
        self._deleted: set[tuple[str, str]] = set()
        self._deleted_files: set[str] = set()
        self._pending_files: dict[str, dict[str, Any]] = {}
        self.file_downloads: list[dict[str, Any]] = []  # GETs of hosted files: path, token, status
        self._issued_triggers: dict[str, float] = {}
        self._used_triggers: set[str] = set()
        self._external_ids: dict[str, str] = {}
        self._last_root_view_id: str | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> SlackStandIn:
        if self._server is not None:
            raise RuntimeError("SlackStandIn already started")
        server = _StandInServer((self._host, self._port), self)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> SlackStandIn:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("SlackStandIn not started")
        host, port = self._server.server_address[:2]
        return f"http://{host if isinstance(host, str) else host.decode()}:{port}"

    @property
    def url(self) -> str:
        """The ``base_url`` for ``WebClient``: ``http://127.0.0.1:PORT/api/``."""
        return f"{self.base}/api/"

    # ------------------------------------------------------------------ configuration

    def add_user(self, user: StandInUser) -> None:
        with self._lock:
            self._users[user.id] = user

    def add_usergroup(self, usergroup_id: str, user_ids: Iterable[str]) -> None:
        with self._lock:
            self._usergroups[usergroup_id] = list(user_ids)

    def add_channel(
        self, channel_id: str, name: str | None = None, *, is_private: bool = False, bot_is_member: bool = True
    ) -> dict[str, Any]:
        """Make a public or private channel known (``conversations.info``, ``strict`` channel checks). With
        ``bot_is_member=False`` the bot was never invited: a ``strict`` stand-in answers ``not_in_channel`` to
        posts there (``invite_bot`` changes that)."""
        channel = load_example("conversations.info.ok.example.json")["channel"]
        name = name or channel_id.lower()
        now = int(self.clock())
        channel.update(
            {
                "id": channel_id,
                "name": name,
                "name_normalized": name,
                "is_private": is_private,
                "is_member": bot_is_member,
                "is_group": False,
                "is_general": False,
                "created": now,
                "updated": now * 1000,
                "context_team_id": self.team_id,
                "creator": self.bot_user_id,
                "shared_team_ids": [self.team_id],
                "topic": {"value": "", "creator": "", "last_set": 0},
                "purpose": {"value": "", "creator": "", "last_set": 0},
            }
        )
        with self._lock:
            self._channels[channel_id] = channel
        return channel

    def invite_bot(self, channel_id: str) -> None:
        """Someone ran ``/invite @bot`` in a channel added with ``bot_is_member=False``."""
        with self._lock:
            self._channels[channel_id]["is_member"] = True

    def set_handler(self, method: str, handler: Handler) -> None:
        """Answer ``method`` with ``handler(params) -> dict`` (``ok: true`` is added when missing)."""
        with self._lock:
            self._handlers[method] = handler

    def set_delay(self, method: str, seconds: float) -> None:
        """Sleep ``seconds`` before answering ``method`` (``"*"``: every method). 0 removes the delay."""
        with self._lock:
            if seconds:
                self._delays[method] = seconds
            else:
                self._delays.pop(method, None)

    def hold(self, method: str, *, after_store: bool, timeout: float = 30.0) -> HeldCall:
        """Hold the next call to ``method`` in a crash window (see the module docstring): before it is
        stored (``after_store=False``; then dropped without an answer) or after (answered on release)."""
        held = HeldCall(method, after_store=after_store, timeout=timeout)
        with self._lock:
            self._holds.setdefault(method, deque()).append(held)
        return held

    def fail_next(
        self,
        method: str,
        *,
        times: int = 1,
        error: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` (``"*"``: any method) fail.

        * ``status=429`` (implied by ``error="ratelimited"`` or a ``retry_after``): HTTP 429 with
          ``Retry-After: retry_after or 1`` and ``{"ok": false, "error": "ratelimited"}``;
        * ``status=500``/``503``/...: that status with ``{"ok": false, "error": error or "internal_error"}``;
        * otherwise HTTP 200 ``{"ok": false, "error": error or "internal_error"}``.

        ``extra`` is merged into the body (e.g. ``response_metadata``). Failures are answered before the
        token is checked and before the method runs, so nothing is changed by a failed call.
        """
        if status == 200 and (error == "ratelimited" or retry_after is not None):
            status = 429
        headers: dict[str, str] = {}
        if status == 429:
            error = error or "ratelimited"
            headers["Retry-After"] = str(retry_after if retry_after is not None else 1)
        body: dict[str, Any] = {"ok": False, "error": error or "internal_error"}
        if extra:
            body.update(extra)
        with self._lock:
            queue = self._failures.setdefault(method, deque())
            for _ in range(times):
                queue.append(_Failure(status, copy.deepcopy(body), dict(headers)))

    def new_trigger_id(self) -> str:
        """A fresh trigger_id, as Slack would put in an interaction payload; expires after ``trigger_ttl``."""
        with self._lock:
            n = self._next_seq()
            now = self.clock()
            trigger = f"{int(now * 1000)}.{1000000000 + n}.{hashlib.sha1(str(n).encode()).hexdigest()}"
            self._issued_triggers[trigger] = now
            return trigger

    def add_file(self, name: str, content: bytes, *, user: str | None = None) -> dict[str, Any]:
        """Host a file as if ``user`` had uploaded it; returns a Slack-like file object (as in a ``file_input``
        submission's ``files``) whose ``url_private_download`` the stand-in serves to bot-token holders."""
        with self._lock:
            file_id = self._new_id("F")
            self._hosted_files[file_id] = (name, bytes(content))
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        now = int(self.clock())
        prefix = f"{self.base}/files-pri/{self.team_id}-{file_id}"
        owner = user or self.bot_user_id
        return {
            "id": file_id,
            "created": now,
            "timestamp": now,
            "name": name,
            "title": name,
            "mimetype": "text/csv" if extension == "csv" else "application/octet-stream",
            "filetype": extension or "binary",
            "pretty_type": extension.upper() or "Binary",
            "user": owner,
            "user_team": self.team_id,
            "mode": "hosted",
            "editable": False,
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "size": len(content),
            "url_private": f"{prefix}/{quote(name)}",
            "url_private_download": f"{prefix}/download/{quote(name)}",
            "permalink": f"https://{self.team_domain}.slack.com/files/{owner}/{file_id}/{quote(name)}",
        }

    def _serve_file(self, path: str, authorization: str) -> tuple[int, bytes, str]:
        """GET /files-pri/<team>-<file id>/[download/]<name>: the bytes, for a valid bot token only."""
        token = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
        parts = path.split("/")  # ["", "files-pri", "<team>-<file id>", ...]
        file_id = parts[2].rsplit("-", 1)[-1] if len(parts) > 3 else ""
        with self._lock:
            hosted = self._hosted_files.get(file_id)
            if not token:
                status = 401
            elif not self.token_check(token):
                status = 403
            else:
                status = 200 if hosted is not None and unquote(parts[-1]) == hosted[0] else 404
            self.file_downloads.append({"path": path, "token": token or None, "status": status})
        if status == 200 and hosted is not None:
            return 200, hosted[1], "text/csv" if hosted[0].lower().endswith(".csv") else "application/octet-stream"
        reasons = {401: b"Unauthorized", 403: b"Forbidden", 404: b"Not Found"}
        return status, reasons[status], "text/plain; charset=utf-8"

    def response_url(self, key: str = "") -> str:
        """A ``response_url`` pointing at the stand-in; POSTs to it land in ``response_url_posts``."""
        return f"{self.base}/response_url/{key or self._next_seq()}"

    def reset(self) -> None:
        """Forget calls, messages, uploads, views, used trigger ids and queued failures; keep users,
        user groups, channels, handlers and delays."""
        with self._lock:
            self._reset_state()
            self._failures.clear()

    # ------------------------------------------------------------------ inspection

    def calls_to(self, method: str) -> list[RecordedCall]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """chat.postMessage / chat.update / chat.postEphemeral payloads, in order.

        Each is the params as sent plus ``method``, ``ts`` (the ``message_ts`` for ephemeral ones) and the
        resolved ``channel`` (a user id posted to becomes the DM id; the id sent is kept in
        ``requested_channel``). ``channel`` filters on either.
        """
        with self._lock:
            return [
                copy.deepcopy(m)
                for m in self._messages
                if channel is None or channel in (m.get("channel"), m.get("requested_channel"))
            ]

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The current state of a message posted to the stand-in (after updates); None if deleted/unknown."""
        with self._lock:
            current = self._current.get((channel, ts))
            return copy.deepcopy(current) if current is not None else None

    def dm_channel_id(self, *user_ids: str) -> str:
        """The conversation id conversations.open gives for this set of users (stable)."""
        members = sorted({u for u in user_ids if u != self.bot_user_id})
        if len(members) == 1:
            return "D" + _b32(f"{self.team_id}:im:{members[0]}")
        return "G" + _b32(f"{self.team_id}:mpim:{','.join(members)}")

    # ------------------------------------------------------------------ request handling

    def _next_seq(self) -> int:
        with self._lock:
            self._seq += 1
            return self._seq

    def _new_id(self, prefix: str) -> str:
        n = self._next_seq()
        return prefix + _b32(f"{self.team_id}:{prefix}:{n}:{id(self)}")

    def _new_ts(self) -> str:
        with self._lock:
            micros = max(int(self.clock() * 1_000_000), self._last_ts_micros + 1)
            self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _handle_api(self, method: str, call: RecordedCall) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            self.calls.append(call)
            delay = self._delays.get(method, self._delays.get("*", 0.0))
        if delay:
            time.sleep(delay)
        with self._lock:
            holds = self._holds.get(method)
            held = holds.popleft() if holds else None
        if held is not None and not held.after_store:
            held._wait()
            return _DROP, {}, {}
        with self._lock:
            failure = None
            for key in (method, "*"):
                queue = self._failures.get(key)
                if queue:
                    failure = queue.popleft()
                    break
            handler = self._handlers.get(method)
        if failure is not None:
            return failure.status, failure.body, failure.headers
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        if method not in _NO_AUTH_METHODS:
            if not call.token:
                return 200, {"ok": False, "error": "not_authed"}, {}
            if not self.token_check(call.token):
                return 200, {"ok": False, "error": "invalid_auth"}, {}
        try:
            with self._lock:
                body = handler(call.params)
        except _SlackError as err:
            return 200, {"ok": False, "error": err.error, **err.extra}, {}
        except Exception:  # a bug in a handler: answer like Slack's catastrophic error, log it
            log.exception("slack stand-in handler for %s failed", method)
            return 200, {"ok": False, "error": "fatal_error"}, {}
        if "ok" not in body:
            body = {"ok": True, **body}
        if held is not None:
            held._wait()
        return 200, body, {}

    def _handle_upload(self, file_id: str, data: bytes) -> tuple[int, str]:
        with self._lock:
            pending = self._pending_files.pop(file_id, None)
            if pending is None:
                return 404, "Not Found"
            self.uploads.append(
                StandInUpload(
                    file_id=file_id,
                    filename=pending["filename"],
                    declared_length=pending["length"],
                    data=data,
                )
            )
        return 200, f"OK - {len(data)}"

    # ------------------------------------------------------------------ helpers for handlers

    def _require(self, p: Mapping[str, Any], name: str) -> Any:
        value = p.get(name)
        if value is None or value == "":
            raise _invalid_arguments(f"[ERROR] missing required field: {name}")
        return value

    def _known_channel(self, channel: str) -> bool:
        return channel in self._channels or channel in self._users or any(key[0] == channel for key in self._current)

    def _resolve_channel(self, channel: Any) -> str:
        if not channel:
            raise _SlackError("channel_not_found")
        channel = str(channel)
        if channel in self._users:  # posting to a user id posts to the app's DM with them
            dm = self.dm_channel_id(channel)
            self._ensure_conversation(dm, [channel])
            return dm
        if self.strict and not self._known_channel(channel):
            raise _SlackError("channel_not_found")
        return channel

    def _require_membership(self, channel: str) -> None:
        """Posting (chat:write, no chat:write.public) needs the bot in the channel: strict mode only. A private
        channel the bot is not in is one Slack does not show it at all."""
        known = self._channels.get(channel, {})
        if self.strict and known.get("is_member") is False:
            raise _SlackError("channel_not_found" if known.get("is_private") else "not_in_channel")

    def _user(self, user_id: str) -> StandInUser:
        user = self._users.get(user_id)
        if user is None:
            raise _SlackError("user_not_found")
        return user

    def _user_json(self, user: StandInUser) -> dict[str, Any]:
        out = load_example("users.info.ok.example.json")["user"]
        display = user.display_name or user.name
        out.update(
            {
                "id": user.id,
                "team_id": self.team_id,
                "name": user.name,
                "deleted": user.deleted,
                "real_name": user.real_name,
                "tz": user.tz,
                "tz_label": _tz_label(user.tz),
                "tz_offset": user.tz_offset,
                "is_admin": user.is_admin,
                "is_owner": False,
                "is_bot": user.is_bot,
                "is_app_user": False,
                "updated": int(self.clock()),
            }
        )
        profile = out["profile"]
        profile.update(
            {
                "avatar_hash": _b32(user.id, 12).lower(),
                "status_text": "",
                "status_emoji": "",
                "real_name": user.real_name,
                "real_name_normalized": user.real_name,
                "display_name": display,
                "display_name_normalized": display,
                "title": user.title,
                "team": self.team_id,
            }
        )
        if user.email is None:
            profile.pop("email", None)
        else:
            profile["email"] = user.email
        return out

    def _check_message_blocks(self, p: Mapping[str, Any]) -> None:
        blocks = p.get("blocks")
        if blocks is None:
            return
        if not isinstance(blocks, list):
            raise _SlackError("invalid_blocks_format")
        errors = []
        if len(blocks) > _MAX_MESSAGE_BLOCKS:
            errors.append(f"[ERROR] no more than {_MAX_MESSAGE_BLOCKS} items allowed [json-pointer:/blocks]")
        errors += block_errors(blocks, "/blocks")
        if errors:
            raise _SlackError("invalid_blocks", response_metadata={"messages": errors})

    def _message_json(self, p: Mapping[str, Any], ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "user": self.bot_user_id,
            "type": "message",
            "ts": ts,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "text": p.get("text") or "",
            "team": self.team_id,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if p.get(key) is not None:
                message[key] = copy.deepcopy(p[key])
        return message

    def _record_message(self, method: str, p: Mapping[str, Any], channel: str, ts: str) -> None:
        entry = copy.deepcopy(dict(p))
        entry.update({"method": method, "ts": ts, "channel": channel})
        if p.get("channel") != channel:
            entry["requested_channel"] = p.get("channel")
        self._messages.append(entry)

    def _ensure_conversation(self, channel_id: str, members: list[str]) -> tuple[dict[str, Any], bool]:
        existing = self._channels.get(channel_id)
        if existing is not None:
            return existing, False
        now = int(self.clock())
        if channel_id.startswith("D"):
            channel = load_example("conversations.open.ok_already_open.example.json")["channel"]
            channel.update({"id": channel_id, "created": now, "user": members[0]})
        else:
            names = [self._users[m].name if m in self._users else m.lower() for m in members]
            name = "mpdm-" + "--".join(names) + "-1"
            channel = {
                "id": channel_id,
                "name": name,
                "name_normalized": name,
                "created": now,
                "is_channel": False,
                "is_group": False,
                "is_im": False,
                "is_mpim": True,
                "is_private": True,
                "is_archived": False,
                "is_open": True,
                "is_org_shared": False,
                "context_team_id": self.team_id,
                "members": [self.bot_user_id, *members],
                "last_read": "0000000000.000000",
                "latest": None,
                "unread_count": 0,
                "unread_count_display": 0,
                "priority": 0,
            }
        self._channels[channel_id] = channel
        return channel, True

    # trigger ids and views

    def _use_trigger(self, p: Mapping[str, Any]) -> None:
        trigger = p.get("trigger_id") or p.get("interactivity_pointer")
        if not trigger:
            # The documented views.open error example ("before getting to any possible validation").
            raise _example_error("views.open.error.example.json")
        trigger = str(trigger)
        if not _TRIGGER_RE.match(trigger):
            raise _SlackError("invalid_trigger_id")
        if trigger in self._used_triggers:
            raise _SlackError("exchanged_trigger_id")
        issued = self._issued_triggers.get(trigger)
        if issued is None and self.strict:  # Slack never handed this one out in an interaction payload
            raise _SlackError("invalid_trigger_id")
        if issued is not None and self.clock() - issued > self.trigger_ttl:
            raise _SlackError("expired_trigger_id")
        self._used_triggers.add(trigger)

    def _check_view(self, view: Any, *, home: bool) -> dict[str, Any]:
        if not isinstance(view, dict):
            raise _invalid_arguments("[ERROR] missing required field: view")
        errors = []
        view_type = view.get("type")
        if home and view_type != "home":
            errors.append("[ERROR] must be 'home' [json-pointer:/view/type]")
        if not home and view_type not in {"modal", "workflow_step"}:
            errors.append("[ERROR] must be 'modal' [json-pointer:/view/type]")
        if view_type == "modal" and not (isinstance(view.get("title"), dict) and view["title"].get("text")):
            errors.append("[ERROR] missing required field: title [json-pointer:/view/title]")
        if not isinstance(view.get("blocks"), list):
            errors.append("[ERROR] missing required field: blocks [json-pointer:/view/blocks]")
        errors += view_errors(view, "/view")
        if errors:
            raise _invalid_arguments(*errors)
        return view

    def _render_view(
        self,
        view: Mapping[str, Any],
        *,
        template: str,
        view_id: str,
        root_view_id: str,
        previous_view_id: str | None,
    ) -> dict[str, Any]:
        out = load_example(template)["view"]
        # Keep the documented key order and defaults, drop the example's content, echo what was sent.
        out.update(
            {
                "submit": None,
                "close": None,
                "blocks": [],
                "private_metadata": "",
                "callback_id": "",
                "external_id": "",
                "clear_on_close": False,
                "notify_on_close": False,
            }
        )
        if "title" in out:
            out["title"] = None
        if view.get("type") == "home" and "title" not in view:
            out.pop("title", None)
        out.update(copy.deepcopy(dict(view)))
        out.update(
            {
                "id": view_id,
                "team_id": self.team_id,
                "state": {"values": {}},
                "hash": f"{int(self.clock())}.{_b32(view_id + str(self._next_seq()), 8).lower()}",
                "root_view_id": root_view_id,
                "previous_view_id": previous_view_id,
                "app_id": self.app_id,
                "bot_id": self.bot_id,
            }
        )
        self.views[view_id] = out
        external_id = out.get("external_id")
        if external_id:
            self._external_ids[external_id] = view_id
        return out

    def _claim_external_id(self, view: Mapping[str, Any]) -> None:
        external_id = view.get("external_id")
        if external_id and external_id in self._external_ids:
            raise _SlackError("duplicate_external_id")

    # ------------------------------------------------------------------ methods

    def _api_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "args": {k: v for k, v in p.items() if k != "token"}}

    def _auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        out = load_example("auth.test.ok.example.json")
        out.update(
            {
                "url": f"https://{self.team_domain}.slack.com/",
                "team": self.team_name,
                "user": "bot",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
                "is_enterprise_install": False,
            }
        )
        return out

    def _chat_post_message(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(p.get("channel"))
        self._require_membership(channel)
        if not (p.get("text") or p.get("blocks") or p.get("attachments") or p.get("markdown_text")):
            raise _SlackError("no_text")
        self._check_message_blocks(p)
        warning = self._check_metadata(p)
        if warning:
            p = {k: v for k, v in p.items() if k != "metadata"}
        ts = self._new_ts()
        message = self._message_json(p, ts)
        self._record_message("chat.postMessage", p, channel, ts)
        self._current[(channel, ts)] = message
        out = load_example("chat.postMessage.ok.example.json")
        out.update({"channel": channel, "ts": ts, "message": message})
        if warning:
            out.update({"warning": warning, "response_metadata": {"warnings": [warning]}})
        return out

    @staticmethod
    def _check_metadata(p: Mapping[str, Any]) -> str | None:
        """Refuse metadata of the wrong shape; the warning for an event_type Slack ignores (None: fine)."""
        metadata = p.get("metadata")
        if metadata is None:
            return None
        if (
            not isinstance(metadata, dict)
            or not isinstance(metadata.get("event_type"), str)
            or not isinstance(metadata.get("event_payload"), dict)
        ):
            raise _SlackError("invalid_metadata_format")
        if not _EVENT_TYPE_RE.match(metadata["event_type"]):
            return "invalid_metadata_schema"
        return None

    def _history_scope(self, channel_id: str) -> str:
        channel = self._channels.get(channel_id) or {}
        if channel_id.startswith("D") or channel.get("is_im"):
            return "im:history"
        if channel.get("is_mpim"):
            return "mpim:history"
        return "groups:history" if channel.get("is_private") else "channels:history"

    def _conversations_history(self, p: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(self._require(p, "channel"))
        if self.strict and channel_id not in self._channels:
            raise _SlackError("channel_not_found")
        needed = self._history_scope(channel_id)
        if needed not in self.scopes:
            raise _SlackError("missing_scope", needed=needed, provided=",".join(sorted(self.scopes)))
        inclusive = _truthy(p.get("inclusive"))
        try:
            oldest = float(p.get("oldest") or 0)
        except ValueError as error:
            raise _SlackError("invalid_ts_oldest") from error
        try:
            latest = float(p["latest"]) if p.get("latest") else None
        except ValueError as error:
            raise _SlackError("invalid_ts_latest") from error
        with_metadata = _truthy(p.get("include_all_metadata"))

        def within(ts: str) -> bool:
            value = float(ts)
            after = value >= oldest if inclusive else value > oldest
            before = latest is None or (value <= latest if inclusive else value < latest)
            return after and before

        found = sorted(
            (m for (c, ts), m in self._current.items() if c == channel_id and within(ts)),
            key=lambda m: float(m["ts"]),
            reverse=True,  # newest first, as Slack answers
        )
        start = self._history_start(found, p.get("cursor"))
        limit = int(p.get("limit") or _DEFAULT_HISTORY_LIMIT)
        page = found[start : start + limit]
        more = start + limit < len(found)
        messages = []
        for message in page:
            shown = copy.deepcopy(message)
            if not with_metadata:
                shown.pop("metadata", None)
            messages.append(shown)
        next_cursor = base64.b64encode(f"next_ts:{found[start + limit]['ts']}".encode()).decode() if more else ""
        out = load_example("conversations.history.ok.example.json")
        out.update({"messages": messages, "has_more": more, "response_metadata": {"next_cursor": next_cursor}})
        # Required in the documented output schema, though the example leaves them out.
        out.update({"channel_actions_ts": None, "channel_actions_count": 0})
        return out

    @staticmethod
    def _history_start(found: list[dict[str, Any]], cursor: Any) -> int:
        """Where a page starts: a cursor names (base64 ``next_ts:<ts>``) the newest message of its page."""
        if not cursor:
            return 0
        try:
            ts = base64.b64decode(str(cursor)).decode().removeprefix("next_ts:")
        except ValueError as error:
            raise _SlackError("invalid_cursor") from error
        for index, message in enumerate(found):
            if message["ts"] == ts:
                return index
        raise _SlackError("invalid_cursor")

    def _chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(p.get("channel"))
        self._require_membership(channel)
        ts = str(self._require(p, "ts"))
        key = (channel, ts)
        if key in self._deleted or (self.strict and key not in self._current):
            raise _SlackError("message_not_found")
        if not (p.get("text") or p.get("blocks") or p.get("attachments") or p.get("markdown_text")):
            raise _SlackError("no_text")
        self._check_message_blocks(p)
        message = self._current.get(key) or self._message_json({}, ts)
        message = {k: v for k, v in message.items() if k not in {"blocks", "attachments"}}
        message.update(self._message_json(p, ts))
        message["edited"] = {"user": self.bot_user_id, "ts": self._new_ts()}
        self._current[key] = message
        self._record_message("chat.update", p, channel, ts)
        out = load_example("chat.update.ok.example.json")
        out.update({"channel": channel, "ts": ts, "text": message["text"], "message": message})
        return out

    def _chat_post_ephemeral(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(p.get("channel"))
        self._require_membership(channel)
        user = str(self._require(p, "user"))
        if self.strict:
            self._user(user)
        if not (p.get("text") or p.get("blocks") or p.get("attachments") or p.get("markdown_text")):
            raise _SlackError("no_text")
        self._check_message_blocks(p)
        ts = self._new_ts()
        self._record_message("chat.postEphemeral", p, channel, ts)
        out = load_example("chat.postEphemeral.ok.example.json")
        out["message_ts"] = ts
        return out

    def _chat_delete(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(p.get("channel"))
        ts = str(self._require(p, "ts"))
        key = (channel, ts)
        if key in self._deleted or (self.strict and key not in self._current):
            raise _SlackError("message_not_found")
        self._current.pop(key, None)
        self._deleted.add(key)
        out = load_example("chat.delete.ok.example.json")
        out.update({"channel": channel, "ts": ts})
        return out

    def _conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        return_im = _truthy(p.get("return_im"))
        if p.get("channel") and not p.get("users"):
            channel_id = str(p["channel"])
            channel = self._channels.get(channel_id)
            if channel is None:
                if self.strict:
                    raise _SlackError("channel_not_found")
                return {"ok": True, "channel": {"id": channel_id}}
            return {
                "ok": True,
                "no_op": True,
                "already_open": True,
                "channel": copy.deepcopy(channel) if return_im else {"id": channel_id},
            }
        requested = _as_list(p.get("users"))
        if not requested:
            raise _SlackError("users_list_not_supplied")
        members = list(dict.fromkeys(u for u in requested if u != self.bot_user_id))
        if not members:
            raise _SlackError("not_enough_users")
        if len(members) > _MAX_MPIM_USERS:
            raise _SlackError("too_many_users")
        for user_id in members:
            user = self._users.get(user_id)
            if user is None and self.strict:
                raise _SlackError("user_not_found")
            if user is not None and user.deleted:
                raise _SlackError("user_disabled")
        channel_id = self.dm_channel_id(*members)
        channel, created = self._ensure_conversation(channel_id, members)
        out: dict[str, Any] = {"ok": True}
        if not created:
            out.update({"no_op": True, "already_open": True})
        out["channel"] = copy.deepcopy(channel) if return_im else {"id": channel_id}
        return out

    def _conversations_info(self, p: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(self._require(p, "channel"))
        channel = self._channels.get(channel_id)
        if channel is None:
            if self.strict or channel_id in self._users:
                raise _SlackError("channel_not_found")
            channel = self.add_channel(channel_id)
        channel = copy.deepcopy(channel)
        if _truthy(p.get("include_num_members")):
            channel["num_members"] = len(channel.get("members", [])) or (2 if channel.get("is_im") else 1)
        return {"ok": True, "channel": channel}

    def _team_info(self, p: dict[str, Any]) -> dict[str, Any]:
        out = load_example("team.info.ok.example.json")
        team = out["team"]
        team.pop("enterprise_id", None)
        team.pop("enterprise_name", None)
        team.update(
            {
                "id": self.team_id,
                "name": self.team_name,
                "domain": self.team_domain,
                "email_domain": "",
            }
        )
        return out

    def _users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user_id = p.get("user")
        if not user_id:
            raise _SlackError("user_not_found")
        return {"ok": True, "user": self._user_json(self._user(str(user_id)))}

    def _users_lookup_by_email(self, p: dict[str, Any]) -> dict[str, Any]:
        email_addr = str(p.get("email") or "").strip().lower()
        for user in self._users.values():
            if email_addr and user.email and user.email.lower() == email_addr:
                return {"ok": True, "user": self._user_json(user)}
        raise _SlackError(load_example("users.lookupByEmail.error.example.json")["error"])

    @staticmethod
    def _cursor_for(user_id: str) -> str:
        # Same encoding as the documented example: "dXNlcjpVMEc5V0ZYTlo=" is base64("user:U0G9WFXNZ").
        return base64.b64encode(f"user:{user_id}".encode()).decode("ascii")

    def _users_list(self, p: dict[str, Any]) -> dict[str, Any]:
        users = list(self._users.values())
        start = 0
        cursor = p.get("cursor")
        if cursor:
            try:
                decoded = base64.b64decode(str(cursor), validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                decoded = ""
            ids = [u.id for u in users]
            if not decoded.startswith("user:") or decoded[5:] not in ids:
                raise _SlackError(load_example("users.list.error.example.json")["error"])
            start = ids.index(decoded[5:])
        try:
            limit = int(p.get("limit") or 0)
        except ValueError:
            raise _invalid_arguments("[ERROR] invalid value for limit") from None
        page = users[start : start + limit] if limit > 0 else users[start:]
        end = start + len(page)
        out = load_example("users.list.ok.example.json")
        out.update(
            {
                "members": [self._user_json(u) for u in page],
                "cache_ts": int(self.clock()),
                "response_metadata": {"next_cursor": self._cursor_for(users[end].id) if end < len(users) else ""},
            }
        )
        return out

    def _usergroups_users_list(self, p: dict[str, Any]) -> dict[str, Any]:
        group = str(self._require(p, "usergroup"))
        if group not in self._usergroups:
            raise _SlackError("no_such_subteam")
        out = load_example("usergroups.users.list.ok.example.json")
        out["users"] = list(self._usergroups[group])
        return out

    def _views_open(self, p: dict[str, Any]) -> dict[str, Any]:
        self._use_trigger(p)
        view = self._check_view(p.get("view"), home=False)
        self._claim_external_id(view)
        view_id = self._new_id("V")
        rendered = self._render_view(
            view,
            template="views.open.ok.example.json",
            view_id=view_id,
            root_view_id=view_id,
            previous_view_id=None,
        )
        self._last_root_view_id = view_id
        return {"ok": True, "view": copy.deepcopy(rendered)}

    def _views_push(self, p: dict[str, Any]) -> dict[str, Any]:
        self._use_trigger(p)
        view = self._check_view(p.get("view"), home=False)
        self._claim_external_id(view)
        view_id = self._new_id("V")
        root = self._last_root_view_id or view_id
        rendered = self._render_view(
            view,
            template="views.push.ok.example.json",
            view_id=view_id,
            root_view_id=root,
            previous_view_id=root if root != view_id else None,
        )
        return {"ok": True, "view": copy.deepcopy(rendered)}

    def _views_update(self, p: dict[str, Any]) -> dict[str, Any]:
        view = self._check_view(p.get("view"), home=isinstance(p.get("view"), dict) and p["view"].get("type") == "home")
        view_id = p.get("view_id")
        external_id = p.get("external_id")
        if not view_id and not external_id:
            raise _invalid_arguments("[ERROR] missing required field: view_id")
        if not view_id:
            view_id = self._external_ids.get(str(external_id))
        existing = self.views.get(str(view_id)) if view_id else None
        if existing is None:
            if self.strict or not view_id:
                raise _SlackError(load_example("views.update.error.example.json")["error"])
            existing = {"id": str(view_id), "root_view_id": str(view_id)}
        if p.get("hash") and existing.get("hash") and p["hash"] != existing["hash"]:
            raise _SlackError("hash_conflict")
        if external_id and "external_id" not in view:
            view = {**view, "external_id": external_id}
        rendered = self._render_view(
            view,
            template="views.update.ok.example.json",
            view_id=existing["id"],
            root_view_id=existing.get("root_view_id") or existing["id"],
            previous_view_id=existing.get("previous_view_id"),
        )
        return {"ok": True, "view": copy.deepcopy(rendered)}

    def _views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        user_id = p.get("user_id")
        if not user_id:
            raise _example_error("views.publish.error.example.json")
        user_id = str(user_id)
        if self.strict:
            self._user(user_id)
        view = self._check_view(p.get("view"), home=True)
        existing = self.home_tabs.get(user_id)
        if existing and p.get("hash") and p["hash"] != existing["hash"]:
            raise _SlackError("hash_conflict")
        view_id = existing["id"] if existing else self._new_id("V")
        rendered = self._render_view(
            view,
            template="views.publish.ok.example.json",
            view_id=view_id,
            root_view_id=view_id,
            previous_view_id=None,
        )
        self.home_tabs[user_id] = rendered
        return {"ok": True, "view": copy.deepcopy(rendered)}

    def _files_get_upload_url_external(self, p: dict[str, Any]) -> dict[str, Any]:
        filename = str(self._require(p, "filename"))
        try:
            length = int(self._require(p, "length"))
        except ValueError:
            raise _invalid_arguments("[ERROR] invalid value for length") from None
        file_id = self._new_id("F")
        self._pending_files[file_id] = {"filename": filename, "length": length}
        out = load_example("files.getUploadURLExternal.ok.example.json")
        out.update({"upload_url": f"{self.base}/upload/v1/{file_id}", "file_id": file_id})
        return out

    def _files_complete_upload_external(self, p: dict[str, Any]) -> dict[str, Any]:
        files = self._require(p, "files")
        if not isinstance(files, list) or not all(isinstance(f, dict) and f.get("id") for f in files):
            raise _invalid_arguments("[ERROR] invalid value for files")
        channels = _as_list(p.get("channels")) or _as_list(p.get("channel_id"))
        channels = [self._resolve_channel(c) for c in channels]
        by_id = {u.file_id: u for u in self.uploads if not u.completed}
        if any(f["id"] not in by_id for f in files):
            raise _SlackError("file_not_found")
        out = load_example("files.completeUploadExternal.ok.example.json")
        out["files"] = []
        now = int(self.clock())
        for f in files:
            upload = by_id[f["id"]]
            upload.title = f.get("title") or upload.filename
            upload.channels = channels
            upload.initial_comment = p.get("initial_comment")
            upload.thread_ts = p.get("thread_ts")
            upload.completed = True
            out["files"].append(
                {
                    "id": upload.file_id,
                    "title": upload.title,
                    "name": upload.filename,
                    "size": len(upload.data),
                    "created": now,
                    "user": self.bot_user_id,
                }
            )
        return out

    def _files_delete(self, p: dict[str, Any]) -> dict[str, Any]:
        """Slack's answers: ok once; `file_deleted` for a file already deleted; `file_not_found` for an id
        never uploaded (through the upload flow, or hosted with `add_file`)."""
        file_id = str(self._require(p, "file"))
        if file_id in self._deleted_files:
            raise _SlackError("file_deleted")
        uploads = [u for u in self.uploads if u.file_id == file_id and u.completed]
        if not uploads and file_id not in self._hosted_files:
            raise _SlackError("file_not_found")
        for upload in uploads:
            upload.deleted = True
        self._hosted_files.pop(file_id, None)
        self._deleted_files.add(file_id)
        return {"ok": True}

    def file_deleted(self, file_id: str) -> bool:
        with self._lock:
            return file_id in self._deleted_files


class _StandInServer(ThreadingHTTPServer):
    """The HTTP server, holding the stand-in whose state its request handlers read and change."""

    def __init__(self, address: tuple[str, int], standin: SlackStandIn) -> None:
        super().__init__(address, _RequestHandler)
        self.standin = standin


class _RequestHandler(BaseHTTPRequestHandler):
    server_version = "SlackStandIn/1.0"
    server: _StandInServer

    @property
    def standin(self) -> SlackStandIn:
        return self.server.standin

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("slack stand-in: " + format, *args)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        # No Content-Length (slack_sdk POSTs parameterless calls without a body): nothing to read.
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, body: bytes, content_type: str, headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> None:
        self._send(status, json.dumps(body).encode("utf-8"), "application/json; charset=utf-8", headers)

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        path = split.path
        body = self._read_body()
        if path.startswith("/api/"):
            self._api(path[len("/api/") :], split.query, body)
        elif path.startswith("/upload/v1/") and self.command == "POST":
            status, text = self.standin._handle_upload(path[len("/upload/v1/") :], body)
            self._send(status, text.encode("utf-8"), "text/plain; charset=utf-8")
        elif path.startswith("/files-pri/") and self.command == "GET":
            status, content, content_type = self.standin._serve_file(path, self.headers.get("Authorization", ""))
            self._send(status, content, content_type)
        elif path.startswith("/response_url/") and self.command == "POST":
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                payload = {"_raw": body.decode("utf-8", "replace")}
            with self.standin._lock:
                self.standin.response_url_posts.append({"url": path, "payload": payload})
            self._send(200, b"ok", "text/plain; charset=utf-8")
        else:
            self._send(404, b"Not Found", "text/plain; charset=utf-8")

    def _api(self, method: str, query: str, body: bytes) -> None:
        standin = self.standin
        headers = {k.lower(): v for k, v in self.headers.items()}
        content_type = headers.get("content-type", "")
        params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
        files: dict[str, bytes] = {}
        parse_error: str | None = None
        if body:
            mime = content_type.split(";")[0].strip().lower()
            try:
                if mime == "application/json":
                    decoded = json.loads(body.decode("utf-8"))
                    if not isinstance(decoded, dict):
                        parse_error = "json_not_object"
                    else:
                        params.update(decoded)
                elif mime in ("application/x-www-form-urlencoded", "text/plain", ""):
                    params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
                elif mime == "multipart/form-data":
                    fields, files = _parse_multipart(content_type, body)
                    params.update(fields)
                else:
                    parse_error = "invalid_post_type"
            except (ValueError, UnicodeDecodeError):
                parse_error = "invalid_json" if mime == "application/json" else "invalid_form_data"
        for key in _JSON_STRING_FIELDS & params.keys():
            value = params[key]
            if isinstance(value, str) and value[:1] in ("[", "{"):
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(value)
        token = None
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip() or None
        if "token" in params:
            token = token or str(params["token"]) or None
            params.pop("token")
        call = RecordedCall(
            method=method,
            params=params,
            headers=headers,
            time=standin.clock(),
            http_method=self.command,
            content_type=content_type,
            raw_body=body,
            token=token,
            files=files,
        )
        extra_headers: dict[str, str]
        if parse_error is not None:
            with standin._lock:
                standin.calls.append(call)
            status, response, extra_headers = 200, {"ok": False, "error": parse_error}, {}
        else:
            status, response, extra_headers = standin._handle_api(method, call)
        if status == _DROP:  # the crash window before storing: the request is lost, nobody answers
            self.close_connection = True
            return
        call.status, call.response = status, copy.deepcopy(response)
        try:
            self._send_json(status, response, extra_headers)
        except (BrokenPipeError, ConnectionResetError):  # the caller died in a crash window: nobody to answer
            log.debug("slack stand-in: %s answered to a closed connection", method)


def _parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    message = BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise ValueError("not multipart")
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        decoded = part.get_payload(decode=True)  # bytes for a non-multipart part (None when empty)
        payload = decoded if isinstance(decoded, bytes) else b""
        if part.get_filename() is not None:
            files[str(name)] = payload
        else:
            fields[str(name)] = payload.decode(part.get_content_charset() or "utf-8")
    return fields, files
