"""The offline demo: a small organisation through six simulated weeks of the real app, checked against the
SQLite file it leaves behind, and its transcript for a fixed seed against a reviewed golden file."""

from __future__ import annotations

import difflib
import os
import re
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.runtime import cli
from bot.simulation.demo import START, DemoResult, run_demo

PEOPLE, WEEKS, SEED = 16, 6, 7
GOLDEN = Path(__file__).resolve().parents[1] / "support" / "data" / "demo_transcript.seed7.txt"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    return run_demo(people=PEOPLE, weeks=WEEKS, seed=SEED, out_dir=tmp_path_factory.mktemp("demo"))


@pytest.fixture
def sql(demo: DemoResult) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(demo.db_path)
    yield connection
    connection.close()


def _stored(moment: datetime) -> str:
    """How the app's UTC timestamps sit in SQLite."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _entries(transcript: str, where: str) -> list[str]:
    """Each transcript entry addressed to `where`: its header line and the indented lines under it."""
    entries: list[list[str]] = []
    current: list[str] | None = None
    for line in transcript.splitlines():
        if re.match(r"^\d\d:\d\d ", line):
            current = [line] if line[6:].startswith(where) else None
            if current is not None:
                entries.append(current)
        elif current is not None and line.startswith("      "):
            current.append(line)
        else:
            current = None
    return ["\n".join(entry) for entry in entries]


def _figure(digest: str, label: str) -> list[str]:
    """The values of a digest field, in order (this week's first, then the programme to date)."""
    return [m.group(1).strip() for m in re.finditer(rf"^\s+{re.escape(label)}: (.+)$", digest, re.MULTILINE)]


def _count(value: str) -> int | None:
    match = re.match(r"^(\d+)", value)
    return int(match.group(1)) if match else None


def test_the_transcript_for_a_fixed_seed_is_the_reviewed_golden_file(demo: DemoResult) -> None:
    """The whole transcript of 16 people over 6 weeks, seed 7, byte for byte. A change that alters what the
    demo shows regenerates the file and commits the reviewed difference with it:

        UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/e2e/test_demo.py -k golden

    (or `reverse-mentor demo --people 16 --weeks 6 --seed 7 --out /tmp/demo` and copy
    /tmp/demo/transcript.txt over tests/support/data/demo_transcript.seed7.txt: the file holds the
    transcript only, without the lines saying where the output went)."""
    assert str(demo.transcript_path.parent) not in demo.transcript  # nothing that differs between runs
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(demo.transcript, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8")
    if demo.transcript != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            demo.transcript.splitlines(keepends=True),
            fromfile=f"golden {GOLDEN.name}",
            tofile=f"demo now (people={PEOPLE}, weeks={WEEKS}, seed={SEED})",
        )
        pytest.fail(
            "The demo transcript differs from the golden file. If the change is intended, regenerate it with\n"
            "    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/e2e/test_demo.py -k golden\n"
            "and commit the reviewed difference:\n" + "".join(diff),
            pytrace=False,
        )


def test_every_pair_in_the_database_was_introduced_in_its_group_dm(demo: DemoResult, sql: sqlite3.Connection) -> None:
    pairs = sql.execute(
        """
        SELECT mentor_person.display_name, mentee_person.display_name
        FROM pairs
        JOIN participants AS mentor ON mentor.id = pairs.mentor_id
        JOIN people AS mentor_person ON mentor_person.id = mentor.person_id
        JOIN participants AS mentee ON mentee.id = pairs.mentee_id
        JOIN people AS mentee_person ON mentee_person.id = mentee.person_id
        """
    ).fetchall()
    assert len(pairs) >= 6
    assert set(pairs) == set(demo.pairs)
    for mentor, mentee in pairs:
        intros = [e for e in _entries(demo.transcript, f"group DM: {mentor} & {mentee}") if "Meet your" in e]
        assert len(intros) == 1, (mentor, mentee)


def test_a_senior_who_kept_cancelling_was_nudged_and_then_the_admin_was_told(
    demo: DemoResult, sql: sqlite3.Connection
) -> None:
    kinds = dict(sql.execute("SELECT kind, count(*) FROM nudge_log GROUP BY kind").fetchall())
    assert kinds.get("senior_cancelling", 0) >= 1 and kinds.get("escalation", 0) >= 1
    nudged = [
        name
        for name in demo.cancellers
        if any("cancelled from your side" in e for e in _entries(demo.transcript, f"DM → {name}"))
    ]
    assert nudged, "no senior who kept cancelling got a nudge"
    admin_dms = _entries(demo.transcript, f"DM → {demo.admin}")
    escalations = [e for e in admin_dms if "Pair at risk:" in e]
    assert escalations
    assert any(f"@{name} (senior) has cancelled" in e for e in escalations for name in nudged)


def test_the_last_digest_shows_what_the_database_holds(demo: DemoResult, sql: sqlite3.Connection) -> None:
    """The channel's last digest: the last closed week's published cells, as stored, each consistent with the
    sessions in the database under the rule; its to-date totals are the sums of the stored cells."""
    assert demo.last_digest_at is not None
    end = demo.last_digest_at
    digests = _entries(demo.transcript, "#programme")
    assert len(digests) == WEEKS
    last = digests[-1]
    (week_start,) = sql.execute("SELECT max(week_start) FROM published_cells").fetchone()
    start = datetime.fromisoformat(week_start).replace(tzinfo=end.tzinfo)
    assert start < end and f"Week of {start.day} {start:%b %Y}" in last

    def published(cell: str, week: str | None = None) -> list[int | None]:
        where = "cell = ?" + (" AND week_start = ?" if week else "")
        rows = sql.execute(f"SELECT value FROM published_cells WHERE {where}", [cell] + ([week] if week else []))
        return [value for (value,) in rows]

    this_week, to_date = _figure(last, "Sessions held")
    count, pairs = sql.execute(
        "SELECT count(*), count(DISTINCT pair_id) FROM sessions WHERE state = 'held' AND scheduled_at >= ? "
        "AND scheduled_at < ?",
        [_stored(start), _stored(start + timedelta(days=7))],
    ).fetchone()
    (stored,) = published("held", week_start)
    if this_week.startswith("fewer than 5"):
        assert stored is None and 0 < 2 * pairs < 5
    else:
        assert _count(this_week) == stored and stored is not None and abs(stored - count) <= 2 and stored % 5 == 0
    cells = published("held")
    shown = sum(v for v in cells if v)
    expected = (
        "at least 1 (each count fewer than 5)"
        if not shown and None in cells
        else (f"at least {shown}" if None in cells else f"{shown}")
    )
    assert to_date == expected


def test_the_chart_and_the_database_are_left_in_the_output_folder(demo: DemoResult) -> None:
    assert demo.chart_path is not None and demo.chart_path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert demo.db_path.exists() and demo.db_url == f"sqlite:///{demo.db_path}"
    assert demo.transcript_path.read_text(encoding="utf-8") == demo.transcript


def test_the_transcript_names_people_and_never_shows_slack_ids_or_timestamps(demo: DemoResult) -> None:
    text = demo.transcript
    assert not re.search(r"\b(UDEMO\d+|[DG][A-Z2-7]{10}|C0PROGRAM)\b", text)
    assert "<@" not in text and "<!date" not in text
    assert not re.search(r"\b\d{10}\.\d{6}\b", text)
    assert f"modal → {demo.admin}" in text and "#programme" in text
    assert text.count("App Home → ") == 1
    assert "[image: Sessions held and cancelled per week" in text
    assert "[Agree ground rules]" in text


def test_every_time_the_demo_stored_is_simulated_time(demo: DemoResult, sql: sqlite3.Connection) -> None:
    """The demo's clock reaches the stamps too (no module is patched; the Database asks the same FixedClock):
    nothing in the database is stamped with the real time, years before the cohort starts."""
    start, end = _stored(START), _stored(START + timedelta(weeks=WEEKS, days=1))
    stamps = {
        "workspaces": "created_at",
        "programmes": "created_at",
        "people": "updated_at",
        "participants": "joined_at",
        "pairs": "created_at",
        "sessions": "created_at",
        "check_ins": "sent_at",
        "nudge_log": "created_at",
        "outbox": "sent_at",
    }
    for table, column in stamps.items():
        low, high, rows = sql.execute(f"SELECT min({column}), max({column}), count(*) FROM {table}").fetchone()
        assert rows and start <= low <= high <= end, (table, column, low, high)


def test_the_demo_command_prints_the_transcript_and_the_same_seed_gives_the_same_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cli"
    assert cli.main(["demo", "--people", "12", "--weeks", "5", "--seed", "11", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    again = run_demo(people=12, weeks=5, seed=11, out_dir=tmp_path / "again")
    assert printed.out.startswith(again.transcript)  # then where the files went
    assert f"{out}/" in printed.out and "reverse-mentor-demo.sqlite3" in printed.out
    assert "Meet your reverse mentoring partner" in again.transcript
    assert "simulating week 5/5" in printed.err and "demo finished in" in printed.err
    assert "Meet your" not in printed.err


def test_start_without_slack_tokens_runs_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    ran: list[Any] = []
    monkeypatch.setattr(cli, "_demo", lambda args: ran.append(args) or 0)
    assert cli.main(["start"]) == 0
    assert len(ran) == 1 and ran[0].people == 40 and ran[0].weeks == 12
    assert "offline demo" in capsys.readouterr().err


def test_too_small_an_organisation_is_refused_with_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["demo", "--people", "5"]) == cli.EXIT_CONFIG
    assert "--people must be at least 12" in capsys.readouterr().err
