"""Migrations are outside ruff's reach (they are generated and frozen), so the time contract is checked here:
no server-side clock in the schema, or rows would be stamped with the database's time instead of the
programme's (docs/time.md)."""

from __future__ import annotations

import re
from pathlib import Path

VERSIONS = Path(__file__).resolve().parents[2] / "storage" / "migrations" / "versions"
SERVER_CLOCK = re.compile(r"now\(\)|CURRENT_TIMESTAMP|current_timestamp|localtimestamp|datetime\('now'\)", re.I)


def test_no_migration_gives_a_column_the_databases_clock() -> None:
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(VERSIONS.glob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if SERVER_CLOCK.search(line)
    ]
    assert found == []


def test_the_check_reads_the_migrations() -> None:
    assert len(list(VERSIONS.glob("0*.py"))) >= 7  # a moved folder would make the check above pass vacuously
