"""The vocabularies in storage/vocabulary.py are what the migrated database enforces: a word added to one of
them without a migration fails here, not in production."""

from __future__ import annotations

import pytest
from sqlalchemy import CheckConstraint, text

from storage.db import Database
from storage.models import Base
from storage.vocabulary import CheckInOutcome, MeetingFormat, Role, SessionState, Side, Vocabulary


def _vocabulary_checks() -> list[tuple[str, str]]:
    """(table, CHECK text) for every constraint that lists a closed vocabulary."""
    return [
        (table.name, str(constraint.sqltext))
        for table in Base.metadata.sorted_tables
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint) and " IN ('" in str(constraint.sqltext)
    ]


def test_every_vocabulary_check_in_the_models_is_what_the_migrations_created(sqlite_db: Database) -> None:
    checks = _vocabulary_checks()
    assert len(checks) >= 15
    with sqlite_db.engine.connect() as connection:
        created = dict(connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())
    missing = [(table, check) for table, check in checks if f"CHECK ({check})" not in created[table]]
    assert missing == []


@pytest.mark.parametrize(
    ("vocabulary", "column"),
    [(Role, "role"), (MeetingFormat, "format"), (SessionState, "state"), (Side, "side"), (CheckInOutcome, "outcome")],
)
def test_the_check_text_lists_the_vocabulary_in_order(vocabulary: type[Vocabulary], column: str) -> None:
    quoted = ", ".join(f"'{word}'" for word in vocabulary.values())
    assert any(check.endswith(f"{column} IN ({quoted})") for _table, check in _vocabulary_checks())


def test_a_member_is_its_stored_word_and_strangers_are_not_members() -> None:
    assert CheckInOutcome.THEY_CANCELLED == "they_cancelled"
    assert CheckInOutcome.has("held") and not CheckInOutcome.has("cancelled")
    assert not Side.has(None)
