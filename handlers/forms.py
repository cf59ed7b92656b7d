"""Modal submissions read in one place: a view's `state.values` (and `private_metadata`) -> typed values.

Every input block in this app holds one element, so a block is read by its block id whatever the element's
action id. Anything missing or malformed reads as empty (None, "", ()) and the feature's own validation turns
that into an inline error; nothing here raises on a hand-crafted payload except a missing `private_metadata`
key that the app itself wrote when it opened the modal.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.cohorts.lifecycle import SurveyForm
from bot.messages.join import CONSENT
from bot.messages.org_import import FILE_BLOCK
from bot.participants.enrolment import JoinForm
from bot.participants.views import DEFAULT_WORKING_HOURS, WEEKDAYS


class Submission:
    """One submitted view, read block by block."""

    def __init__(self, view: Mapping[str, Any]) -> None:
        self._values: Mapping[str, Any] = (view.get("state") or {}).get("values") or {}
        self.metadata: dict[str, Any] = json.loads(view.get("private_metadata") or "{}")

    def blocks(self) -> list[str]:
        return list(self._values)

    def element(self, block_id: str) -> Mapping[str, Any]:
        """The state of the block's one element ({} when the block is absent)."""
        elements = self._values.get(block_id) or {}
        found = next(iter(elements.values()), None) if isinstance(elements, Mapping) else None
        return found if isinstance(found, Mapping) else {}

    def text(self, block_id: str) -> str:
        return self.element(block_id).get("value") or ""

    def choice(self, block_id: str) -> str | None:
        """A static select's or radio group's chosen value."""
        return (self.element(block_id).get("selected_option") or {}).get("value")

    def choices(self, block_id: str) -> tuple[str, ...]:
        """Checkboxes' or a multi-select's chosen values."""
        return tuple(o["value"] for o in self.element(block_id).get("selected_options") or [] if "value" in o)

    def digits(self, block_id: str) -> int | None:
        """A chosen option that is a whole number (ratings, cadences), or None."""
        raw = self.choice(block_id)
        return int(raw) if raw and raw.isdigit() else None

    def user(self, block_id: str) -> str | None:
        return self.element(block_id).get("selected_user")

    def date(self, block_id: str) -> datetime | None:
        """A datepicker's day, as midnight UTC."""
        raw = self.element(block_id).get("selected_date")
        return datetime.fromisoformat(raw).replace(tzinfo=UTC) if raw else None

    def date_time(self, block_id: str) -> datetime | None:
        """A datetimepicker's moment (Slack sends Unix seconds)."""
        unix = self.element(block_id).get("selected_date_time")
        return datetime.fromtimestamp(int(unix), tz=UTC) if unix else None

    def raw(self, block_id: str) -> Any:
        """Whatever the element holds, by kind: a list of user ids, a conversation id, an option's value or text."""
        value = self.element(block_id)
        if "selected_users" in value:
            return [u for u in value.get("selected_users") or [] if isinstance(u, str)]
        if "selected_conversation" in value or "selected_channel" in value:
            return value.get("selected_conversation") or value.get("selected_channel")
        if "selected_option" in value:
            return (value.get("selected_option") or {}).get("value")
        return value.get("value")


def _whole_number(raw: str) -> int | None:
    try:
        return int(raw)
    except ValueError:
        return None


# ------------------------------------------------------------------ one reader per modal


def join_form(view: Mapping[str, Any]) -> JoinForm:
    form = Submission(view)
    level_raw = form.text("level").strip()
    cadence_raw = form.choice("cadence") or "21"  # the modal's default when nothing is chosen
    return JoinForm(
        role=form.choice("role"),
        department=form.text("department"),
        level=_whole_number(level_raw),
        level_raw=level_raw,
        manager_user_id=form.user("manager"),
        topics_offered=form.choices("topics_offered"),
        topics_wanted=form.choices("topics_wanted"),
        perspectives=form.text("perspectives"),
        off_limits=form.text("off_limits"),
        format=form.choice("format"),
        cadence_days=int(cadence_raw) if cadence_raw.isdigit() else 0,  # 0 fails validation
        consent=bool(form.choices(CONSENT)),
        self_rating=form.digits("self_rating"),
        # Left empty: the defaults (09:00-17:00, weekdays), as the modal starts from.
        working_hours=form.text("working_hours").strip() or DEFAULT_WORKING_HOURS,
        working_days=tuple(sorted(int(d) for d in form.choices("working_days") if d.isdigit())) or WEEKDAYS,
    )


def settings_form(view: Mapping[str, Any]) -> dict[str, Any]:
    """{block id: raw value}: strings (or None) and, for admins, a list of user ids; bot/settings checks them."""
    form = Submission(view)
    return {block_id: form.raw(block_id) for block_id in form.blocks()}


@dataclass(frozen=True)
class OpenCohortForm:
    name: str
    starts: datetime | None
    ends: datetime | None
    audience: str


def open_cohort_form(view: Mapping[str, Any]) -> OpenCohortForm:
    form = Submission(view)
    return OpenCohortForm(form.text("name"), form.date("starts"), form.date("ends"), form.choice("audience") or "")


def survey_form(view: Mapping[str, Any]) -> tuple[int, SurveyForm]:
    """The cohort the survey is about, and the answers."""
    form = Submission(view)
    answers = SurveyForm(
        would_again=form.choice("would_again"),
        what_changed=form.text("what_changed"),
        self_rating_after=form.digits("self_rating"),
    )
    return int(form.metadata["cohort"]), answers


@dataclass(frozen=True)
class CheckInDetails:
    rating: int | None
    action: str
    two_way: str | None


def check_in_details(view: Mapping[str, Any]) -> CheckInDetails:
    form = Submission(view)
    return CheckInDetails(form.digits("rating"), form.text("action"), form.choice("two_way"))


def ground_rules_form(view: Mapping[str, Any]) -> dict[str, str]:
    form = Submission(view)
    return {block_id: form.text(block_id) for block_id in form.blocks()}


@dataclass(frozen=True)
class SessionForm:
    pair_id: int
    when: datetime | None
    outside_working_hours: bool
    minutes: int = 60  # the schedule modal's length select; the log modal has none


def session_form(view: Mapping[str, Any]) -> SessionForm:
    """The schedule and log modals: the pair chosen (or the one the modal was opened for), when (typed, else a
    suggested time picked), and the 'outside working hours is fine' box."""
    form = Submission(view)
    pair = form.choice("pair") or form.metadata["pair"]
    length = form.choice("length")
    minutes = int(length) if length and length.isdigit() else 60
    when = form.date_time("when") or _suggested(form)
    return SessionForm(int(pair), when, bool(form.choices("override")), minutes)


def _suggested(form: Submission) -> datetime | None:
    """A suggested time picked in the schedule modal (its value is Unix seconds); a typed time wins over it."""
    raw = form.choice("suggested")
    return datetime.fromtimestamp(int(raw), tz=UTC) if raw and raw.isdigit() else None


def uploaded_file(view: Mapping[str, Any]) -> dict[str, Any] | None:
    """The org-chart upload's file, or None."""
    files = Submission(view).element(FILE_BLOCK).get("files") or []
    return files[0] if files and isinstance(files[0], dict) else None
