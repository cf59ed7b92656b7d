"""The ground-rules edit form's rules."""

from __future__ import annotations

from sqlalchemy import select

from bot.messages.intro import RULE_LABELS, intro_message, rules_blocks
from bot.pairs.ground_rules import CLOSED, FIELD_LIMIT, agree, draft, edit, validate
from storage.db import Database
from storage.models import GroundRules, Pair, Participant, Person, Programme
from tests.support.factories import make_pair

FILLED = {
    "topics": "AI tools",
    "off_limits": "",
    "meeting_place": "Café",
    "frequency": "Every 3 weeks",
    "confidentiality": "Stays between us",
}


def test_a_complete_draft_with_no_off_limits_is_valid() -> None:
    assert validate(FILLED) == {}


def test_empty_required_fields_and_over_long_text_are_inline_errors() -> None:
    errors = validate({**FILLED, "topics": "  ", "meeting_place": "x" * (FIELD_LIMIT + 1)})
    assert set(errors) == {"topics", "meeting_place"}
    assert str(FIELD_LIMIT) in errors["meeting_place"]


def _pair_with_rules(db: Database) -> int:
    pair_id = make_pair(db, "T0TEAM", "U0M1", "U0S1")
    with db.unit_of_work() as session:
        session.add(GroundRules(team_id="T0TEAM", pair_id=pair_id, topics="Culture", meeting_place="Cafe"))
    return pair_id


def _values(topics: str) -> dict[str, str]:
    return {"topics": topics, "off_limits": "", "meeting_place": "Cafe", "frequency": "3w", "confidentiality": "Ok"}


def test_an_edit_of_an_older_version_is_refused_instead_of_undoing_the_partners(sqlite_db: Database) -> None:
    pair_id = _pair_with_rules(sqlite_db)
    assert edit(sqlite_db, "T0TEAM", pair_id, "U0M1", _values("Data"), version=1).message == "Saved."
    stale = edit(sqlite_db, "T0TEAM", pair_id, "U0S1", _values("Strategy"), version=1)
    assert not stale.ok and "reopen" in stale.message
    with sqlite_db.unit_of_work() as session:
        assert session.scalars(select(GroundRules.topics)).one() == "Data"


def test_a_closed_pairs_rules_can_no_longer_be_edited_or_agreed(sqlite_db: Database) -> None:
    pair_id = _pair_with_rules(sqlite_db)
    with sqlite_db.unit_of_work() as session:
        session.get(Pair, pair_id).status = "ended"
    assert edit(sqlite_db, "T0TEAM", pair_id, "U0M1", _values("Data")).message == CLOSED
    assert agree(sqlite_db, "T0TEAM", pair_id, "U0M1", 1).message == CLOSED


def test_full_length_rules_are_shown_whole_one_section_per_rule() -> None:
    values = {name: name[0] * FIELD_LIMIT for name in RULE_LABELS}
    rules = GroundRules(team_id="T0TEAM", pair_id=1, version=1, **values)
    blocks = rules_blocks(rules)
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks)
    text = "\n".join(b["text"]["text"] for b in blocks)
    assert all(f"*{label}:* {values[name]}" in text for name, label in RULE_LABELS.items())


def test_a_draft_from_two_full_profiles_fits_the_edit_form() -> None:
    def person(role: str, off_limits: str, topics: list[str]) -> Participant:
        return Participant(role=role, off_limits=off_limits, topics_offered=topics, topics_wanted=topics,
                           cadence_days=21, format="either")  # fmt: skip

    many = [f"Topic number {n} about something" for n in range(60)]
    rules = draft(person("mentor", "x" * 500, many), person("mentee", "y" * 500, many), Programme())
    assert all(len(text) <= FIELD_LIMIT for text in rules.values())
    assert validate(rules) == {}  # saved as drafted, without the pair having to trim what they never typed


def test_an_intro_between_two_full_profiles_keeps_both_people_and_the_reason() -> None:
    many = [f"Topic number {n} about something" for n in range(60)]

    def member(user: str, role: str) -> Participant:
        person = Person(slack_user_id=user, department="D" * 120)
        return Participant(person=person, role=role, topics_offered=many, topics_wanted=many,
                           perspectives="<&>" * 166)  # fmt: skip

    rules = GroundRules(version=1, **{name: "ok" for name in RULE_LABELS})
    message = intro_message(Pair(id=1, reason="Finance <-> Legal; both: culture"), member("U0M", "mentor"),
                            member("U0S", "mentee"), rules)  # fmt: skip
    texts = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    assert all(len(t) <= 3000 for t in texts)
    assert any("<@U0M>" in t for t in texts) and any("<@U0S>" in t for t in texts)
    assert any("*Why you two:* Finance &lt;-&gt; Legal" in t for t in texts)
