"""A pair's ground rules: the suggested draft, edits by either party, and agreement by both.

Agreement is to a version: an edit after someone agreed asks both to agree again, and a click on an old
message's button can't agree to text the person hasn't seen.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages.intro import FORMAT_WORDS
from storage.db import Database
from storage.models import GroundRules, Pair, Participant, Programme
from storage.queries import pairs as pair_queries

FIELDS = ("topics", "off_limits", "meeting_place", "frequency", "confidentiality")
FIELD_LIMIT = 1000
CONFIDENTIALITY = (
    "What we say stays between the two of us unless we both agree to share it. The bot only ever reports "
    "counts and averages, never what either of us said."
)


CLOSED = "This pair has closed, so its ground rules can no longer change."


def _meeting_place(mentor: Participant, mentee: Participant) -> str:
    formats = {mentor.format, mentee.format} - {"either"}
    if formats == {"video"}:
        return "A video call, cameras on, from somewhere you can talk freely."
    neutral = "a neutral place such as a café or a quiet meeting room, not the senior's office"
    if formats == {"in_person"}:
        return f"In person, in {neutral}."
    return f"In person in {neutral}, or a video call when that is easier ({FORMAT_WORDS.get(mentor.format, '')})."


def _fit(text: str) -> str:
    return text if len(text) <= FIELD_LIMIT else text[: FIELD_LIMIT - 1].rstrip() + "…"


def draft(mentor: Participant, mentee: Participant, programme: Programme) -> dict[str, str]:
    """A starting point both can edit: shared topics first, each person's off-limit topics, a neutral place."""
    shared = [t for t in mentee.topics_wanted if t in mentor.topics_offered]
    topics = shared or list(mentee.topics_wanted) or list(mentor.topics_offered)
    off_limits = "; ".join(t for t in (mentor.off_limits, mentee.off_limits) if t) or "Nothing named yet."
    # the slower of the two preferences, so neither is asked to meet more often than they chose
    weeks = max(round(max(mentor.cadence_days, mentee.cadence_days) / 7), 1)
    # the edit form takes FIELD_LIMIT characters a field: a draft longer than that could never be saved as is
    return {
        "topics": _fit(", ".join(topics)),
        "off_limits": _fit(off_limits),
        "meeting_place": _meeting_place(mentor, mentee),
        "frequency": f"Every {weeks} weeks, about 45 minutes; the mentor leads and sets the agenda.",
        "confidentiality": CONFIDENTIALITY,
    }


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    agreed_now: bool = False
    rules: GroundRules | None = None
    pair: Pair | None = None


def _side(pair: Pair, user_id: str) -> str | None:
    if pair.mentor.person.slack_user_id == user_id:
        return "mentor"
    if pair.mentee.person.slack_user_id == user_id:
        return "mentee"
    return None


def validate(values: dict[str, str]) -> dict[str, str]:
    """Inline errors for the edit modal, keyed by field: every field but off-limits is needed, none too long."""
    errors = {
        name: f"Keep this under {FIELD_LIMIT} characters." for name, text in values.items() if len(text) > FIELD_LIMIT
    }
    for name in FIELDS:
        if name != "off_limits" and not values.get(name, "").strip():
            errors.setdefault(name, "Please fill this in.")
    return errors


def edit(
    db: Database, team_id: str, pair_id: int, user_id: str, values: dict[str, str], version: int | None = None
) -> Outcome:
    """Save an edit made to `version` of the rules (None: whatever is current). The rules row is locked, so
    of two edits at once the second sees the first, and an edit of an older version is refused rather than
    silently undoing the partner's."""
    with db.unit_of_work() as session:
        pair = pair_queries.pair_with_people(session, team_id, pair_id)
        if pair is None or _side(pair, user_id) is None:
            return Outcome(False, "Only the two people in this pair can edit its ground rules.")
        if pair.status != "active":
            return Outcome(False, CLOSED)
        rules = pair_queries.ground_rules_for(session, pair.id, for_update=True)
        assert rules is not None
        if version is not None and version != rules.version:
            return Outcome(False, "Your partner changed the ground rules while you were editing: reopen them first.")
        changed = False
        for name in FIELDS:
            new = values.get(name, "").strip()
            if new != getattr(rules, name):
                setattr(rules, name, new)
                changed = True
        if changed:
            rules.version += 1
            rules.edited_by = user_id
            rules.mentor_agreed_version = rules.mentee_agreed_version = None
            rules.agreed_at = None
        return Outcome(True, "Saved." if changed else "Nothing changed.", rules=rules, pair=pair)


def agree(db: Database, team_id: str, pair_id: int, user_id: str, version: int) -> Outcome:
    with db.unit_of_work() as session:
        pair = pair_queries.pair_with_people(session, team_id, pair_id)
        side = _side(pair, user_id) if pair else None
        if pair is None or side is None:
            return Outcome(False, "Only the two people in this pair can agree its ground rules.")
        if pair.status != "active":
            return Outcome(False, CLOSED)
        # Locked: when both click Agree at once, the second sees the first's agreement and completes it.
        rules = pair_queries.ground_rules_for(session, pair.id, for_update=True)
        assert rules is not None
        if version != rules.version:
            return Outcome(False, "The ground rules changed since that message: review the latest version first.")
        already = (rules.mentor_agreed_version if side == "mentor" else rules.mentee_agreed_version) == version
        if side == "mentor":
            rules.mentor_agreed_version = version
        else:
            rules.mentee_agreed_version = version
        both = rules.mentor_agreed_version == rules.mentee_agreed_version == version
        agreed_now = both and rules.agreed_at is None
        if agreed_now:
            rules.agreed_at = db.now()
        if already:
            return Outcome(True, "You already agreed to these ground rules.", rules=rules, pair=pair)
        return Outcome(True, "Agreed.", agreed_now=agreed_now, rules=rules, pair=pair)


def current(db: Database, team_id: str, pair_id: int) -> tuple[Pair, GroundRules] | None:
    with db.unit_of_work() as session:
        pair = pair_queries.pair_with_people(session, team_id, pair_id)
        if pair is None:
            return None
        rules = pair_queries.ground_rules_for(session, pair.id)
        return (pair, rules) if rules else None
