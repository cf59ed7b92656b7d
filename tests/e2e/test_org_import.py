"""Org-chart import: the CSV rules (pure), storage on SQLite and PostgreSQL, the CLI, and the Slack modal flow."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.delivery.slack_client import make_client
from bot.messages.help import NOT_ADMIN
from bot.messages.org_import import FILE_ACTION, FILE_BLOCK, problem_list
from bot.org_import.importer import (
    LOOKUPS_BEFORE_DIRECTORY,
    FileDownloadError,
    ImportProblem,
    ImportSummary,
    LookupFailed,
    OrgImportError,
    check_org_csv,
    download_file,
    import_org,
    parse_org_csv,
    resolve_emails,
    validate_chart,
)
from bot.runtime import cli
from bot.runtime.clock import SystemClock
from bot.simulation.standin import SlackStandIn, StandInUser
from storage.db import Database
from storage.models import Person
from storage.queries.people import ensure_person
from storage.queries.programmes import ensure_workspace
from tests.support.flows import wait_for
from tests.support.harness import ADMIN, ROSTER, TEAM_ID, RunningApp

ORG = Path(__file__).parents[1] / "support" / "data" / "org"
HEADER = "slack_id,email,department,level,manager\n"
KNOWN_EMAILS = {user.email: user.id for user in ROSTER if user.email}


class Lookups:
    """An email lookup that remembers what it was asked."""

    def __init__(self, known: dict[str, str] | None = None) -> None:
        self.known = KNOWN_EMAILS if known is None else known
        self.asked: list[str] = []

    def __call__(self, email: str) -> str | None:
        self.asked.append(email)
        return self.known.get(email)


def problems_of(text: str, lookup: Callable[[str], str | None] | None = None) -> list[str]:
    _entries, problems = check_org_csv(text, lookup or Lookups())
    return [str(p) for p in problems]


# --------------------------------------------------------------------------- parsing and validation (pure)


def test_a_good_file_resolves_everyone_to_slack_ids_with_managers_listed_after_their_reports() -> None:
    lookups = Lookups()
    entries, problems = check_org_csv((ORG / "org_chart.csv").read_text(encoding="utf-8"), lookups)
    assert problems == []
    chart = {e.slack_id: (e.department, e.level, e.manager_slack_id) for e in entries}
    assert chart == {
        "U0JUNIOR": ("Customer Service", 2, "U0SENIOR"),
        "U0SENIOR": ("Finance", 7, "U0BOSS"),
        "U0BOSS": ("Executive", 9, None),
        "U0ADMIN": ("People", 6, "U0BOSS"),
    }
    # Only the row without a slack_id needs Slack; managers named by a row's email need nobody.
    assert lookups.asked == ["sam@example.com"]


def test_the_header_ignores_case_spaces_and_a_byte_order_mark() -> None:
    rows, problems = parse_org_csv("\ufeff  SLACK_ID ,Department,  Level,MANAGER \nU0BOSS,Executive,9,\n")
    assert problems == []
    assert rows[0].slack_id == "U0BOSS" and rows[0].level == 9


def test_an_unknown_column_is_named_on_line_1_with_a_suggestion() -> None:
    assert problems_of("slack_id,dept,level,manager\nU0BOSS,Executive,9,\n") == [
        "line 1: unknown column 'dept' (did you mean 'department'?); "
        "the columns are slack_id, email, department, level, manager",
        "line 1: missing column 'department'",
    ]


def test_a_file_separated_by_semicolons_gets_one_clear_problem() -> None:
    assert problems_of("slack_id;department;level;manager\nU0BOSS;Executive;9;\n") == [
        "line 1: the columns are separated by semicolons: save the file as CSV (commas)"
    ]


def test_missing_columns_are_named_on_line_1() -> None:
    assert problems_of("department,level\nExecutive,9\n") == [
        "line 1: missing column: give slack_id or email (or both) for each person",
        "line 1: missing column 'manager'",
    ]


def test_empty_required_values_are_reported_on_their_lines() -> None:
    text = HEADER + "U0BOSS,,,9,\nU0ADMIN,,People,,U0BOSS\n,,People,3,U0BOSS\n"
    assert problems_of(text) == [
        "line 2: empty department",
        "line 3: empty level",
        "line 4: empty slack_id and email: give at least one",
    ]


def test_a_level_that_is_not_a_whole_number_is_reported_with_its_value() -> None:
    text = HEADER + "U0BOSS,,Executive,9,\nU0ADMIN,,People,senior,U0BOSS\nU0SENIOR,,Finance,6.5,U0BOSS\n"
    assert problems_of(text) == [
        "line 3: level 'senior' is not a whole number",
        "line 4: level '6.5' is not a whole number",
    ]


def test_a_level_outside_the_join_forms_range_is_refused() -> None:
    assert problems_of(HEADER + "U0BOSS,,Executive,21,\n") == [
        "line 2: level 21 is outside 1 to 20 (higher = more senior)"
    ]


def test_a_manager_not_in_the_file_is_reported_whether_named_by_id_or_email() -> None:
    text = HEADER + "U0BOSS,,Executive,9,\nU0ADMIN,,People,6,U0NOBODY\nU0SENIOR,,Finance,7,gone@example.com\n"
    assert problems_of(text) == [
        "line 3: manager U0NOBODY is not in the file",
        "line 4: manager gone@example.com is not in the file",
    ]


def test_a_manager_named_by_email_is_found_when_their_row_gives_only_a_slack_id() -> None:
    lookups = Lookups()
    entries, problems = check_org_csv(HEADER + "U0JUNIOR,,Support,2,bo@example.com\nU0BOSS,,Executive,9,\n", lookups)
    assert problems == []
    assert entries[0].manager_slack_id == "U0BOSS"
    assert lookups.asked == ["bo@example.com"]


def test_a_two_person_loop_is_reported_once_on_its_first_line() -> None:
    text = HEADER + "U0BOSS,,Executive,9,\nU0ADMIN,,People,6,U0SENIOR\nU0SENIOR,,Finance,7,U0ADMIN\n"
    assert problems_of(text) == [
        "line 3: the management chain goes round in a loop (→ means reports to): "
        "U0ADMIN (line 3) → U0SENIOR (line 4) → U0ADMIN"
    ]


def test_a_three_person_loop_listed_in_any_order_is_found() -> None:
    text = HEADER + "U0JUNIOR,,Support,2,U0SENIOR\nU0BOSS,,Executive,9,U0JUNIOR\nU0SENIOR,,Finance,7,U0BOSS\n"
    assert problems_of(text) == [
        "line 2: the management chain goes round in a loop (→ means reports to): "
        "U0JUNIOR (line 2) → U0SENIOR (line 4) → U0BOSS (line 3) → U0JUNIOR"
    ]


def test_someone_who_is_their_own_manager_is_reported() -> None:
    text = HEADER + "U0BOSS,,Executive,9,U0BOSS\n,jo@example.com,Support,2,jo@example.com\n"
    assert problems_of(text) == [
        "line 2: U0BOSS is their own manager",
        "line 3: jo@example.com is their own manager",
    ]


def test_a_long_chain_feeding_into_a_loop_reports_only_the_loop() -> None:
    people = [f"U{i:06d}" for i in range(1000)]
    lines = [f"{p},,Dept,5,{people[i + 1] if i + 1 < len(people) else people[-3]}" for i, p in enumerate(people)]
    problems = problems_of(HEADER + "\n".join(lines) + "\n")
    assert len(problems) == 1
    assert problems[0].startswith("line 999: the management chain goes round in a loop")


def test_the_same_person_twice_is_a_duplicate_by_slack_id_by_email_or_by_what_the_email_resolves_to() -> None:
    text = HEADER + (
        "U0BOSS,bo@example.com,Executive,9,\n"
        "U0BOSS,,Executive,9,\n"  # same slack id
        "U0SENIOR,BO@example.com,Finance,7,U0BOSS\n"  # same email, any case
        ",ada@example.com,People,6,U0BOSS\n"
        "U0ADMIN,,People,6,U0BOSS\n"  # the Slack member line 5's email belongs to
    )
    assert problems_of(text) == [
        "line 3: U0BOSS is already on line 2",
        "line 4: bo@example.com is already on line 2",
        "line 6: U0ADMIN is the same Slack member (U0ADMIN) as line 5",
    ]


def test_an_email_slack_does_not_know_is_reported_on_its_line() -> None:
    text = HEADER + "U0BOSS,,Executive,9,\n,stranger@example.com,Finance,4,U0BOSS\n"
    assert problems_of(text) == ["line 3: email stranger@example.com does not belong to anyone in this Slack workspace"]


def test_an_invalid_slack_id_and_email_are_reported() -> None:
    text = HEADER + "u0boss,,Executive,9,\nU0ADMIN,not-an-email,People,6,the boss\n"
    assert problems_of(text) == [
        "line 2: slack_id 'u0boss' is not a Slack member id (like U012AB3CD)",
        "line 3: email 'not-an-email' is not an email address",
        "line 3: manager 'the boss' is neither a Slack member id nor an email",
    ]


def test_a_malformed_email_is_reported_once_and_never_sent_to_slack() -> None:
    lookups = Lookups()
    assert problems_of(HEADER + ",jo at example.com,Support,2,\n", lookups) == [
        "line 2: email 'jo at example.com' is not an email address"
    ]
    assert lookups.asked == []


def test_an_empty_file_and_a_header_only_file_are_clear_errors() -> None:
    assert problems_of("") == [
        "line 1: the file is empty: the first line should name the columns "
        "(slack_id, email, department, level, manager)"
    ]
    assert problems_of("\ufeff\n  \n") == problems_of("")
    assert problems_of(HEADER) == ["line 1: the file has a header but nobody in it"]


def test_line_numbers_count_rows_as_a_spreadsheet_shows_them() -> None:
    # A blank row still counts; a quoted newline stays inside its row.
    text = HEADER + 'U0BOSS,,"Executive\nOffice",9,\n\nU0ADMIN,,People,x,U0BOSS\n'
    assert problems_of(text) == ["line 4: level 'x' is not a whole number"]


def test_extra_values_beyond_the_header_are_reported_but_trailing_empty_cells_are_not() -> None:
    text = HEADER + "U0BOSS,,Executive,9,,,\nU0ADMIN,,People,6,U0BOSS,oops\n"
    assert problems_of(text) == ["line 3: 6 values but the header has 5 columns"]


def test_a_file_with_many_problems_lists_every_one_in_line_order() -> None:
    lookups = Lookups()
    problems = problems_of((ORG / "problems.csv").read_text(encoding="utf-8"), lookups)
    assert problems == [
        "line 2: level 'senior' is not a whole number",
        "line 3: empty department",
        "line 3: manager U0NOBODY is not in the file",
        "line 4: the management chain goes round in a loop (→ means reports to): "
        "U0BOSS (line 4) → U0ADMIN (line 5) → U0BOSS",
        "line 6: U0JUNIOR is already on line 2",
        "line 7: email stranger@example.com does not belong to anyone in this Slack workspace",
    ]


def test_each_email_is_looked_up_once() -> None:
    rows, _ = parse_org_csv(
        HEADER
        + ",sam@example.com,Finance,7,gone@example.com\n"
        + "U0JUNIOR,,Support,2,gone@example.com\n"
        + ",sam@example.com,Finance,7,\n"
    )
    lookups = Lookups()
    resolve_emails(rows, lookups)
    assert sorted(lookups.asked) == ["gone@example.com", "sam@example.com"]


def test_a_refused_lookup_stops_the_lookups_with_one_problem() -> None:
    def refuse(email: str) -> str | None:
        raise LookupFailed("missing_scope")

    rows, _ = parse_org_csv(HEADER + ",sam@example.com,Finance,7,\n,jo@example.com,Support,2,sam@example.com\n")
    found, problems = resolve_emails(rows, refuse)
    assert found == {}
    assert [str(p) for p in problems] == ["line 2: Slack would not look up sam@example.com: missing_scope"]


def test_validate_chart_alone_needs_no_slack() -> None:
    rows, _ = parse_org_csv(HEADER + ",a@example.com,X,3,b@example.com\n,b@example.com,X,5,a@example.com\n")
    assert [p.line for p in validate_chart(rows)] == [2]


def test_problems_and_the_summary_print_for_people() -> None:
    assert (
        str(ImportProblem(4, "level 'senior' is not a whole number")) == "line 4: level 'senior' is not a whole number"
    )
    assert str(ImportSummary(created=3, updated=9)) == "12 people: 3 new, 9 updated"
    assert str(ImportSummary(created=1, updated=0)) == "1 person: 1 new, 0 updated"
    error = OrgImportError([ImportProblem(5, "b"), ImportProblem(2, "a")])
    assert [p.line for p in error.problems] == [2, 5]


def test_a_long_problem_list_fits_a_slack_section_and_says_how_many_more() -> None:
    problems = [ImportProblem(n, f"manager U{n:08d} is not in the file <@channel>") for n in range(2, 502)]
    text = problem_list(problems)
    assert len(text) <= 3000
    shown = text.count("• line ")
    assert text.endswith(f"…and {500 - shown} more")
    assert "<@channel>" not in text and "&lt;@channel&gt;" in text


# --------------------------------------------------------------------------- storage (SQLite and PostgreSQL)


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(users=ROSTER, team_id=TEAM_ID) as standin:
        yield standin


@pytest.fixture
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(token="xoxb-test-token", base_url=slack.url)


def people(db: Database) -> dict[str, tuple[str | None, int | None, str | None, bool]]:
    with db.unit_of_work() as session:
        return {
            p.slack_user_id: (p.department, p.level, p.manager.slack_user_id if p.manager else None, p.in_org_chart)
            for p in session.scalars(select(Person).where(Person.team_id == TEAM_ID))
        }


def person_ids(session: Session) -> dict[str, int]:
    return {slack_id: person_id for slack_id, person_id in session.execute(select(Person.slack_user_id, Person.id))}


def count_people(db: Database) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Person)) or 0


def test_import_creates_people_with_their_managers(db: Database, client: WebClient) -> None:
    summary = import_org(db, TEAM_ID, (ORG / "org_chart.csv").read_text(encoding="utf-8-sig"), client)
    assert (summary.created, summary.updated) == (4, 0)
    assert people(db) == {
        "U0JUNIOR": ("Customer Service", 2, "U0SENIOR", True),
        "U0SENIOR": ("Finance", 7, "U0BOSS", True),
        "U0BOSS": ("Executive", 9, None, True),
        "U0ADMIN": ("People", 6, "U0BOSS", True),
    }
    with db.unit_of_work() as session:
        sam = session.scalars(select(Person).where(Person.slack_user_id == "U0SENIOR")).one()
        assert sam.email == "sam@example.com"


def test_reimporting_updates_people_in_place_and_moves_managers(db: Database, client: WebClient) -> None:
    import_org(db, TEAM_ID, (ORG / "org_chart.csv").read_text(encoding="utf-8-sig"), client)
    with db.unit_of_work() as session:
        ids_before = person_ids(session)
    summary = import_org(db, TEAM_ID, (ORG / "org_chart_reorg.csv").read_text(encoding="utf-8"), client)
    assert str(summary) == "4 people: 0 new, 4 updated"
    assert count_people(db) == 4
    with db.unit_of_work() as session:
        assert {
            slack_id: id_ for slack_id, id_ in session.execute(select(Person.slack_user_id, Person.id))
        } == ids_before
    assert people(db)["U0JUNIOR"] == ("Customer Service", 3, "U0ADMIN", True)
    assert people(db)["U0SENIOR"] == ("Operations", 8, "U0BOSS", True)


def test_people_who_joined_before_the_import_get_their_chart_filled_in(db: Database, client: WebClient) -> None:
    with db.unit_of_work() as session:
        ensure_workspace(session, TEAM_ID)
        joined = ensure_person(session, TEAM_ID, "U0JUNIOR")
        joined.display_name = "Jo Junior"
        joined_id = joined.id
    summary = import_org(db, TEAM_ID, (ORG / "org_chart.csv").read_text(encoding="utf-8-sig"), client)
    assert (summary.created, summary.updated) == (3, 1)
    with db.unit_of_work() as session:
        jo = session.get(Person, joined_id)
        assert jo is not None
        assert (jo.display_name, jo.department, jo.level, jo.in_org_chart) == ("Jo Junior", "Customer Service", 2, True)
        assert jo.manager is not None and jo.manager.slack_user_id == "U0SENIOR"


def test_a_bad_file_changes_nothing(db: Database, client: WebClient) -> None:
    import_org(db, TEAM_ID, (ORG / "org_chart.csv").read_text(encoding="utf-8-sig"), client)
    before = people(db)
    bad = (ORG / "org_chart_reorg.csv").read_text(encoding="utf-8") + "U0NEW,,Finance,4,U0NOBODY\n"
    with pytest.raises(OrgImportError) as raised:
        import_org(db, TEAM_ID, bad, client)
    assert [str(p) for p in raised.value.problems] == ["line 6: manager U0NOBODY is not in the file"]
    assert count_people(db) == 4
    assert people(db) == before


def test_a_rate_limited_email_lookup_waits_and_retries(db: Database, slack: SlackStandIn) -> None:
    slack.fail_next("users.lookupByEmail", error="ratelimited", retry_after=0)
    client = make_client("xoxb-test-token", slack.url)
    summary = import_org(db, TEAM_ID, (ORG / "org_chart.csv").read_text(encoding="utf-8-sig"), client)
    assert summary.created == 4
    assert [c.status for c in slack.calls_to("users.lookupByEmail")] == [429, 200]


def test_a_long_file_of_emails_reads_the_directory_instead_of_one_lookup_each(
    db: Database, slack: SlackStandIn
) -> None:
    staff = [StandInUser(f"U9{n:06d}", f"p{n}", f"Person {n}", email=f"Person.{n}@Example.com") for n in range(450)]
    staff.append(StandInUser("U9GONE", "gone", "Gone", email="gone@example.com", deleted=True))
    for user in staff:
        slack.add_user(user)
    rows = [
        f",person.{n}@example.com,Dept {n % 5},{1 + n % 7},{'person.0@example.com' if n else ''}" for n in range(450)
    ]
    rows.append(",gone@example.com,Dept 1,3,person.0@example.com")
    client = make_client("xoxb-test-token", slack.url)
    slack.fail_next("users.list", error="ratelimited", retry_after=0)  # waited out, like every call

    with pytest.raises(OrgImportError) as raised:
        import_org(db, TEAM_ID, HEADER + "\n".join(rows) + "\n", client)
    assert [str(p) for p in raised.value.problems] == [
        "line 452: email gone@example.com does not belong to anyone in this Slack workspace"
    ]
    summary = import_org(db, TEAM_ID, HEADER + "\n".join(rows[:-1]) + "\n", client)
    assert summary.created == 450
    assert people(db)["U9000123"][2] == "U9000000"  # found whatever the case of the address
    # per import: 50 single lookups, then the directory in pages of 200 (one 429 waited out on the first)
    assert len(slack.calls_to("users.lookupByEmail")) == 2 * LOOKUPS_BEFORE_DIRECTORY
    pages = slack.calls_to("users.list")
    assert [c.status for c in pages[:2]] == [429, 200] and all(c.params["limit"] == "200" for c in pages)
    assert len(pages) == 1 + 2 * -(-(len(ROSTER) + len(staff)) // 200)


def test_five_thousand_people_import_in_a_few_seconds(sqlite_db: Database, client: WebClient) -> None:
    ids = [f"U{n:07d}" for n in range(5000)]
    rows = [
        f"{slack_id},,Dept {n % 12},{1 + n % 20},{ids[(n - 1) // 10] if n else ''}" for n, slack_id in enumerate(ids)
    ]
    text = HEADER + "\n".join(rows) + "\n"
    started = time.perf_counter()
    summary = import_org(sqlite_db, TEAM_ID, text, client)
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = import_org(sqlite_db, TEAM_ID, text, client)
    second = time.perf_counter() - started
    assert (summary.created, again.updated) == (5000, 5000)
    assert first < 5 and second < 5, (first, second)
    assert people(sqlite_db)["U0000123"][2] == "U0000012"


# --------------------------------------------------------------------------- command line


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, slack: SlackStandIn) -> Path:
    for name in ("SLACK_APP_TOKEN", "ADMIN_USER_IDS", "DIGEST_CHANNEL", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "cli-secret")
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.chdir(tmp_path)  # so no .env is read
    return tmp_path


def test_the_cli_imports_a_file_and_prints_the_summary(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import-org", str(ORG / "org_chart.csv")]) == 0
    out = capsys.readouterr().out
    assert "4 people: 4 new, 0 updated" in out
    db = Database(f"sqlite:///{cli_env / 'cli.sqlite3'}", now=SystemClock().now)
    try:
        assert people(db)["U0JUNIOR"] == ("Customer Service", 2, "U0SENIOR", True)
    finally:
        db.dispose()


def test_the_cli_rejects_a_bad_file_with_numbered_problems(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import-org", str(ORG / "problems.csv")]) == 1
    err = capsys.readouterr().err
    assert "nothing changed" in err
    for expected in ("line 2: level 'senior'", "line 3: empty department", "line 4: the management chain", "line 7"):
        assert expected in err
    db = Database(f"sqlite:///{cli_env / 'cli.sqlite3'}", now=SystemClock().now)
    try:
        assert count_people(db) == 0
    finally:
        db.dispose()


# --------------------------------------------------------------------------- the stand-in's file hosting


def _get(url: str, token: str | None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_the_stand_in_serves_an_uploaded_file_only_to_a_bot_token(slack: SlackStandIn) -> None:
    file = slack.add_file("org chart.csv", b"slack_id\nU0BOSS\n", user=ADMIN)
    assert file["id"].startswith("F") and file["name"] == "org chart.csv" and file["filetype"] == "csv"
    url = file["url_private_download"]
    assert url.startswith(f"{slack.base}/files-pri/{TEAM_ID}-{file['id']}/download/")
    assert _get(url, "xoxb-test-token") == (200, b"slack_id\nU0BOSS\n")
    assert _get(url, None)[0] == 401
    assert _get(url, "xoxp-user-token")[0] == 403
    assert _get(url.replace(file["id"], "FNOPE"), "xoxb-test-token")[0] == 404
    assert [d["status"] for d in slack.file_downloads] == [200, 401, 403, 404]


def test_the_bot_token_is_only_sent_to_slack(slack: SlackStandIn) -> None:
    file = slack.add_file("org.csv", b"x")
    assert download_file(file["url_private_download"], "xoxb-test-token", slack.url) == b"x"
    with pytest.raises(FileDownloadError, match="not on Slack"):
        download_file("https://evil.example.com/files-pri/x/org.csv", "xoxb-test-token", slack.url)
    with pytest.raises(FileDownloadError, match="HTTP 403"):
        download_file(file["url_private_download"], "xoxp-not-a-bot", slack.url)
    assert [d["token"] for d in slack.file_downloads] == ["xoxb-test-token", "xoxp-not-a-bot"]


# --------------------------------------------------------------------------- in Slack


def open_import_modal(app: RunningApp, user_id: str = ADMIN) -> dict[str, Any]:
    before = len(app.slack.calls_to("views.open"))
    reply = app.driver.command(user_id, "import-org")
    assert reply.status == 200 and reply.seconds < 1.0
    call = wait_for(lambda: app.slack.calls_to("views.open")[before:])[0]
    assert call.response["ok"], call.response
    return call.response["view"]


def file_values(file: dict[str, Any]) -> dict[str, Any]:
    return {FILE_BLOCK: {FILE_ACTION: {"type": "file_input", "files": [file]}}}


def modal_updates(app: RunningApp, count: int = 1) -> list[dict[str, Any]]:
    calls = wait_for(lambda: len(app.slack.calls_to("views.update")) >= count and app.slack.calls_to("views.update"))
    return [c.params["view"] for c in calls]


def view_text(view: dict[str, Any]) -> str:
    return "\n".join(b["text"]["text"] for b in view["blocks"] if b.get("type") == "section")


def test_the_import_command_opens_a_modal_with_a_csv_file_input(running_app: RunningApp) -> None:
    view = open_import_modal(running_app)
    assert view["callback_id"] == "org_import_modal"
    block = next(b for b in view["blocks"] if b.get("block_id") == FILE_BLOCK)
    assert block["element"] == {"type": "file_input", "action_id": FILE_ACTION, "filetypes": ["csv"], "max_files": 1}
    text = view_text(view) + str(view["blocks"])
    for mentioned in ("slack_id", "email", "department", "level", "manager", "reverse-mentor import-org FILE.csv"):
        assert mentioned in text


def test_an_admin_uploads_the_org_chart_and_sees_the_summary(running_app: RunningApp) -> None:
    view = open_import_modal(running_app)
    file = running_app.slack.add_file("org.csv", (ORG / "org_chart.csv").read_bytes(), user=ADMIN)
    running_app.slack.set_delay("users.lookupByEmail", 1.5)  # slow Slack must not hold up the ack
    reply = running_app.driver.submit_view(ADMIN, view, file_values(file))
    assert reply.status == 200 and reply.seconds < 1.0
    progress = reply.json()
    assert progress["response_action"] == "update" and "Importing" in view_text(progress["view"])

    result = modal_updates(running_app)[0]
    assert "4 people: 4 new, 0 updated" in view_text(result)
    assert running_app.slack.calls_to("views.update")[0].params["view_id"] == view["id"]
    assert people(running_app.db)["U0SENIOR"] == ("Finance", 7, "U0BOSS", True)
    assert running_app.slack.file_downloads[0]["token"] == "xoxb-test-token"
    dm = wait_for(lambda: running_app.slack.messages(ADMIN))
    assert "4 people: 4 new, 0 updated" in dm[-1]["text"]


def test_a_bad_upload_lists_every_problem_by_line_and_stores_nothing(running_app: RunningApp) -> None:
    view = open_import_modal(running_app)
    file = running_app.slack.add_file("problems.csv", (ORG / "problems.csv").read_bytes(), user=ADMIN)
    reply = running_app.driver.submit_view(ADMIN, view, file_values(file))
    assert reply.json()["response_action"] == "update"
    text = view_text(modal_updates(running_app)[0])
    assert "was not imported, and nothing changed" in text
    for line in (2, 3, 4, 6, 7):
        assert f"line {line}:" in text
    assert "these 6 problems" in text
    assert count_people(running_app.db) == 0
    dm = wait_for(lambda: running_app.slack.messages(ADMIN))
    assert "line 7:" in str(dm[-1]["blocks"])


def test_a_non_admins_forged_submission_is_refused_and_nothing_is_fetched_or_stored(running_app: RunningApp) -> None:
    view = open_import_modal(running_app)  # opened by the admin; submitted below by someone else
    file = running_app.slack.add_file("org.csv", (ORG / "org_chart.csv").read_bytes(), user="U0JUNIOR")
    reply = running_app.driver.submit_view("U0JUNIOR", view, file_values(file))
    body = reply.json()
    assert body["response_action"] == "errors"
    assert body["errors"][FILE_BLOCK] == NOT_ADMIN
    time.sleep(0.2)
    assert running_app.slack.file_downloads == []
    assert running_app.slack.calls_to("views.update") == []
    assert count_people(running_app.db) == 0


def test_a_non_admin_running_the_command_gets_no_modal(running_app: RunningApp) -> None:
    reply = running_app.driver.command("U0JUNIOR", "import-org")
    assert reply.status == 200
    assert "admin" in reply.json()["text"].lower()
    assert running_app.slack.calls_to("views.open") == []


def test_an_upload_that_is_not_a_csv_is_an_inline_error(running_app: RunningApp) -> None:
    view = open_import_modal(running_app)
    file = running_app.slack.add_file("org.xlsx", b"PK\x03\x04", user=ADMIN)
    body = running_app.driver.submit_view(ADMIN, view, file_values(file)).json()
    assert body["response_action"] == "errors" and "CSV" in body["errors"][FILE_BLOCK]


def test_an_email_added_to_slack_later_imports_on_the_next_try(running_app: RunningApp) -> None:
    csv_text = HEADER + "U0BOSS,,Executive,9,\n,new@example.com,Finance,5,U0BOSS\n"
    view = open_import_modal(running_app)
    file = running_app.slack.add_file("org.csv", csv_text.encode(), user=ADMIN)
    running_app.driver.submit_view(ADMIN, view, file_values(file))
    assert "line 3: email new@example.com does not belong" in view_text(modal_updates(running_app)[0])
    running_app.slack.add_user(StandInUser(id="U0NEW", name="nu", real_name="Nu New", email="new@example.com"))
    view = open_import_modal(running_app)
    running_app.driver.submit_view(ADMIN, view, file_values(file))
    assert "2 people: 2 new, 0 updated" in view_text(modal_updates(running_app, 2)[1])
    assert people(running_app.db)["U0NEW"] == ("Finance", 5, "U0BOSS", True)


def test_an_unclosed_quote_in_a_large_file_is_reported_where_it_starts() -> None:
    rows = "".join(f"U0P{n:05d},,Finance,3,\n" for n in range(3000))
    text = HEADER + rows + 'U0BAD,,"Finance,3,\n' + "x" * 140_000 + "\n" + rows
    parsed, problems = parse_org_csv(text)
    assert parsed == [] and len(problems) == 1
    assert problems[0].line == 3002  # the header, 3,000 good rows, then the row with the stray quote
    assert "unclosed quote" in problems[0].message
