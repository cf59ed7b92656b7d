"""Migration 0008 on data written before it: what people outside the org chart typed moves to the self-reported
columns (their manager stops being a chart manager), the chart's people keep theirs, and a downgrade puts it back."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from storage.db import downgrade, upgrade

PEOPLE = (
    # id, slack id, department, level, manager id, in the org chart
    (1, "U0BOSS", "Executive", 9, None, True),
    (2, "U0SENIOR", "Operations", 7, 1, True),
    (3, "U0KIM", "Finance", 2, 2, False),
)


def test_typed_values_of_people_outside_the_chart_become_self_reported(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(engine, "0007")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO workspaces (team_id, created_at) VALUES ('T1', '2026-01-01')"))
        for row in PEOPLE:
            connection.execute(
                text(
                    "INSERT INTO people (id, team_id, slack_user_id, department, level, manager_id, in_org_chart,"
                    " tz_offset_seconds, updated_at) VALUES (:id, 'T1', :slack, :dept, :level, :manager, :chart,"
                    " 0, '2026-01-01')"
                ),
                dict(zip(("id", "slack", "dept", "level", "manager", "chart"), row, strict=True)),
            )
    upgrade(engine)
    query = "SELECT id, department, level, manager_id, self_department, self_level, self_manager_id FROM people"
    with engine.connect() as connection:
        rows = {r[0]: tuple(r[1:]) for r in connection.execute(text(query + " ORDER BY id"))}
    assert rows == {
        1: ("Executive", 9, None, None, None, None),
        2: ("Operations", 7, 1, None, None, None),
        3: ("Finance", 2, None, "Finance", 2, 2),  # Kim typed manager 2: kept as self-reported only
    }
    downgrade(engine, "0007")
    with engine.connect() as connection:
        back = connection.execute(text("SELECT id, manager_id FROM people ORDER BY id")).all()
    assert [tuple(r) for r in back] == [(1, None), (2, 1), (3, 2)]
    engine.dispose()
