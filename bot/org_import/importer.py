"""Org-chart import: a CSV from the HR system -> people with department, level and manager.

Four steps, each testable on its own:

1. `parse_org_csv(text)` reads the file (pure): columns, required values, formats.
2. `resolve_emails(rows, lookup_email)` asks Slack who an email belongs to, once per email, only for rows
   without a Slack id and for managers named by an email no row carries (`slack_email_lookup`: one lookup
   each for a short file, the member directory in pages for a long one).
3. `validate_chart(rows, slack_ids_by_email)` checks the chart as a whole (pure): the same person twice,
   managers missing from the file, loops in the management chain (O(n)).
4. `import_org(db, team_id, csv_text, client)` runs the three, and only if nobody found a problem writes
   everyone in one transaction with bulk statements. Otherwise `OrgImportError` lists every problem by
   the line number a spreadsheet shows (the header is line 1); nothing is written.

Re-importing updates people in place, matched by Slack id within the team, so people who joined before
the import get their department, level and manager filled in.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.org_import.report import ImportProblem, ImportSummary
from bot.participants.enrolment import DEPARTMENT_LIMIT, LEVELS
from storage.db import Database
from storage.queries import org_chart
from storage.queries.programmes import ensure_workspace

COLUMNS = ("slack_id", "email", "department", "level", "manager")
IDENTITY_COLUMNS = ("slack_id", "email")
REQUIRED_COLUMNS = ("department", "level", "manager")
EMAIL_LIMIT = 254
MAX_FILE_BYTES = 10 * 1024 * 1024  # Slack's own limit for a file_input upload

# Slack member ids: U... (or W... on Enterprise Grid), upper-case letters and digits; the same rule as config.
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class OrgImportError(Exception):
    """The file was rejected whole; `problems` lists every reason, in line order."""

    def __init__(self, problems: Iterable[ImportProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.line)
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the org chart file")


class LookupFailed(Exception):
    """Slack refused an email lookup for a reason other than "no such user" (scope, auth, outage)."""


@dataclass(frozen=True)
class OrgRow:
    """One person as written in the file. Emails are lower-cased; `manager` is a Slack id or an email."""

    line: int
    slack_id: str | None
    email: str | None
    department: str | None
    level: int | None
    manager: str | None

    @property
    def written_as(self) -> str:
        return self.slack_id or self.email or f"line {self.line}"


@dataclass(frozen=True)
class ChartEntry:
    """One person ready to store: everyone identified by Slack id."""

    line: int
    slack_id: str
    email: str | None
    department: str
    level: int
    manager_slack_id: str | None


# ---------------------------------------------------------------------------------------------- 1. parse


def _shown(value: str, limit: int = 60) -> str:
    """A cell as quoted in a problem, cut short so one huge cell can't swamp the report."""
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def _header(cells: list[str], line: int) -> tuple[dict[str, int], int, list[ImportProblem]]:
    """Column positions by name, the number of columns, and what is wrong with the header."""
    problems: list[ImportProblem] = []
    positions: dict[str, int] = {}
    names = [cell.strip().lstrip("\ufeff").strip().lower() for cell in cells]
    while names and not names[-1]:
        names.pop()  # a spreadsheet's trailing empty columns; a value under one is reported on its row
    if len(names) == 1 and (";" in names[0] or "\t" in names[0]):
        separator = "semicolons" if ";" in names[0] else "tabs"
        return {}, 1, [ImportProblem(line, f"the columns are separated by {separator}: save the file as CSV (commas)")]
    for index, name in enumerate(names):
        if not name:
            problems.append(ImportProblem(line, f"column {index + 1} has no name"))
            continue
        if name in positions:
            problems.append(ImportProblem(line, f"column '{name}' appears twice"))
        elif name not in COLUMNS:
            close = difflib.get_close_matches(name.replace(" ", "_"), COLUMNS, n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(
                ImportProblem(line, f"unknown column {_shown(name)}{hint}; the columns are {', '.join(COLUMNS)}")
            )
        else:
            positions[name] = index
    if not any(column in positions for column in IDENTITY_COLUMNS):
        problems.append(ImportProblem(line, "missing column: give slack_id or email (or both) for each person"))
    problems.extend(ImportProblem(line, f"missing column '{c}'") for c in REQUIRED_COLUMNS if c not in positions)
    return positions, len(names), problems


def _is_email(value: str) -> bool:
    return len(value) <= EMAIL_LIMIT and _EMAIL.match(value) is not None


def _level(raw: str, line: int, problems: list[ImportProblem]) -> int | None:
    if not re.fullmatch(r"[+-]?\d+", raw):
        problems.append(ImportProblem(line, f"level {_shown(raw)} is not a whole number"))
        return None
    level = int(raw)
    if level not in LEVELS:
        problems.append(
            ImportProblem(line, f"level {level} is outside {LEVELS.start} to {LEVELS.stop - 1} (higher = more senior)")
        )
        return None
    return level


def _row(
    cells: list[str], line: int, positions: Mapping[str, int], width: int
) -> tuple[OrgRow | None, list[ImportProblem]]:
    problems: list[ImportProblem] = []
    extra = [c for c in cells[width:] if c.strip()]
    if extra:
        problems.append(ImportProblem(line, f"{len(cells)} values but the header has {width} columns"))

    def cell(column: str) -> str:
        index = positions.get(column)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    slack_id, email, department, level_raw, manager = (cell(c) for c in COLUMNS)
    if slack_id and not _SLACK_ID.match(slack_id):
        problems.append(ImportProblem(line, f"slack_id {_shown(slack_id)} is not a Slack member id (like U012AB3CD)"))
    if email and not _is_email(email):
        problems.append(ImportProblem(line, f"email {_shown(email)} is not an email address"))
    if not slack_id and not email and any(k in positions for k in IDENTITY_COLUMNS):
        problems.append(ImportProblem(line, "empty slack_id and email: give at least one"))
    if "department" in positions and not department:
        problems.append(ImportProblem(line, "empty department"))
    elif len(department) > DEPARTMENT_LIMIT:
        problems.append(ImportProblem(line, f"department is longer than {DEPARTMENT_LIMIT} characters"))
    level = None
    if "level" in positions:
        if level_raw:
            level = _level(level_raw, line, problems)
        else:
            problems.append(ImportProblem(line, "empty level"))
    if manager and not _SLACK_ID.match(manager) and not _is_email(manager):
        problems.append(ImportProblem(line, f"manager {_shown(manager)} is neither a Slack member id nor an email"))
        manager = ""  # reported once here, not again as a manager missing from the file
    if not slack_id and not email:
        return None, problems  # nobody to attach the rest to, and nobody can name them as manager
    return (
        OrgRow(
            line=line,
            slack_id=slack_id or None,
            email=email.lower() or None,
            department=department or None,
            level=level,
            manager=(manager.lower() if "@" in manager else manager) or None,
        ),
        problems,
    )


def parse_org_csv(text: str) -> tuple[list[OrgRow], list[ImportProblem]]:
    """Read the CSV. Line numbers count records as a spreadsheet shows rows (a quoted newline stays in its row)."""
    text = text.lstrip("\ufeff")
    records: list[tuple[int, list[str]]] = []
    try:
        for line, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            records.append((line, cells))
    except csv.Error as error:  # read until here: the problem starts at the next row
        line = len(records) + 1
        hint = 'probably an unclosed quote (") that swallows the rest of the file'
        return [], [ImportProblem(line, f"the file can't be read from this row on: {hint} ({error})")]
    records = [(line, cells) for line, cells in records if any(c.strip() for c in cells)]
    if not records:
        return [], [
            ImportProblem(1, f"the file is empty: the first line should name the columns ({', '.join(COLUMNS)})")
        ]
    header_line, header_cells = records[0]
    positions, width, problems = _header(header_cells, header_line)
    if len(records) == 1:
        problems.append(ImportProblem(header_line, "the file has a header but nobody in it"))
    rows: list[OrgRow] = []
    for line, cells in records[1:]:
        row, row_problems = _row(cells, line, positions, width)
        problems.extend(row_problems)
        if row is not None:
            rows.append(row)
    return rows, problems


# ---------------------------------------------------------------------------------------------- 2. resolve


def resolve_emails(
    rows: Sequence[OrgRow], lookup_email: Callable[[str], str | None]
) -> tuple[dict[str, str], list[ImportProblem]]:
    """Slack ids for the emails that need one: rows without a slack_id, and managers named by an email that no
    row carries (their row may give only a Slack id). Each email is looked up once.

    Returns the emails Slack knows and a problem for each row whose own email it doesn't; a manager's unknown
    email is reported by `validate_chart` as a manager not in the file.
    """
    row_emails = {row.email for row in rows if row.email}
    wanted: dict[str, int | None] = {}  # email -> the line of the row it identifies (None: a manager only)
    for row in rows:
        if row.email and not row.slack_id and _is_email(row.email):  # a malformed one is already reported
            wanted.setdefault(row.email, row.line)
    for row in rows:
        if row.manager and "@" in row.manager and row.manager not in row_emails:
            wanted.setdefault(row.manager, None)
    found: dict[str, str] = {}
    problems: list[ImportProblem] = []
    for email, line in wanted.items():
        try:
            slack_id = lookup_email(email)
        except LookupFailed as error:
            where = line or next(r.line for r in rows if r.manager == email)
            # The same refusal would repeat for every email; one problem says it all.
            return found, [*problems, ImportProblem(where, f"Slack would not look up {email}: {error}")]
        if slack_id:
            found[email] = slack_id
        elif line is not None:
            problems.append(ImportProblem(line, f"email {email} does not belong to anyone in this Slack workspace"))
    return found, problems


# ---------------------------------------------------------------------------------------------- 3. validate


def _person_keys(rows: Sequence[OrgRow], slack_ids_by_email: Mapping[str, str]) -> list[str]:
    """Who each row is: its Slack id, else the one its email resolved to, else the email itself."""
    return [row.slack_id or slack_ids_by_email.get(row.email or "") or row.email or "" for row in rows]


def _find_loops(manager_of: Sequence[int | None]) -> list[list[int]]:
    """Every loop in a graph where each node has at most one outgoing edge; each node is visited once."""
    state = [0] * len(manager_of)  # 0 unvisited; otherwise the number of the walk that reached it
    loops: list[list[int]] = []
    for start in range(len(manager_of)):
        walk = start + 1
        path: list[int] = []
        node: int | None = start
        while node is not None and state[node] == 0:
            state[node] = walk
            path.append(node)
            node = manager_of[node]
        if node is not None and state[node] == walk:  # back onto this walk: the path's tail is a loop
            loops.append(path[path.index(node) :])
    return loops


def validate_chart(rows: Sequence[OrgRow], slack_ids_by_email: Mapping[str, str] | None = None) -> list[ImportProblem]:
    """The chart as a whole: nobody twice, every manager in the file, no loop in a management chain."""
    aliases = slack_ids_by_email or {}
    keys = _person_keys(rows, aliases)
    problems: list[ImportProblem] = []
    first_with_key: dict[str, int] = {}
    first_with_email: dict[str, int] = {}
    for index, (row, key) in enumerate(zip(rows, keys, strict=True)):
        if row.email and row.email in first_with_email:
            earlier = rows[first_with_email[row.email]]
            problems.append(ImportProblem(row.line, f"{row.email} is already on line {earlier.line}"))
            continue
        if row.email:
            first_with_email[row.email] = index
        if key in first_with_key:
            earlier = rows[first_with_key[key]]
            if row.slack_id and row.slack_id == earlier.slack_id:
                message = f"{row.slack_id} is already on line {earlier.line}"
            else:
                message = f"{row.written_as} is the same Slack member ({key}) as line {earlier.line}"
            problems.append(ImportProblem(row.line, message))
            continue
        first_with_key[key] = index

    manager_of: list[int | None] = [None] * len(rows)
    for index, row in enumerate(rows):
        if not row.manager or first_with_key.get(keys[index]) != index:
            continue  # duplicates are already reported; their managers would only repeat the noise
        manager_key: str | None = row.manager
        if "@" in row.manager:
            by_email = first_with_email.get(row.manager)
            manager_key = keys[by_email] if by_email is not None else aliases.get(row.manager)
        target = first_with_key.get(manager_key) if manager_key else None
        if target is None:
            problems.append(ImportProblem(row.line, f"manager {row.manager} is not in the file"))
        elif target == index:
            problems.append(ImportProblem(row.line, f"{row.written_as} is their own manager"))
        else:
            manager_of[index] = target

    for loop in _find_loops(manager_of):
        problems.append(_loop_problem(rows, loop))
    return sorted(problems, key=lambda p: p.line)


def _loop_problem(rows: Sequence[OrgRow], loop: list[int], shown: int = 6) -> ImportProblem:
    """Reported once, on the loop's first line, walking up the chain from there."""
    first = min(range(len(loop)), key=lambda i: rows[loop[i]].line)
    walk = loop[first:] + loop[:first]
    people = [f"{rows[i].written_as} (line {rows[i].line})" for i in walk[:shown]]
    if len(walk) > shown:
        people.append(f"… {len(walk) - shown} more")
    chain = " → ".join([*people, rows[walk[0]].written_as])
    return ImportProblem(rows[walk[0]].line, f"the management chain goes round in a loop (→ means reports to): {chain}")


def chart_entries(rows: Sequence[OrgRow], slack_ids_by_email: Mapping[str, str]) -> list[ChartEntry]:
    """The validated rows, everyone (and every manager) by Slack id. Only call when no problem was found."""
    keys = _person_keys(rows, slack_ids_by_email)
    by_email = {row.email: key for row, key in zip(rows, keys, strict=True) if row.email}
    entries = []
    for row, key in zip(rows, keys, strict=True):
        manager = row.manager
        if manager and "@" in manager:
            manager = by_email.get(manager) or slack_ids_by_email[manager]
        assert row.department is not None and row.level is not None
        entries.append(ChartEntry(row.line, key, row.email, row.department, row.level, manager))
    return entries


# ---------------------------------------------------------------------------------------------- 4. import


LOOKUPS_BEFORE_DIRECTORY = 50
DIRECTORY_PAGE = 200  # members per users.list call, as Slack recommends


def _slack_error(error: SlackApiError) -> LookupFailed:
    code = error.response.get("error") if error.response is not None else None
    return LookupFailed(code or str(error))


def slack_directory(client: WebClient) -> dict[str, str]:
    """Every active member's email (lower case) -> id, read page by page through users.list."""
    found: dict[str, str] = {}
    cursor = None
    while True:
        try:
            page = client.users_list(limit=DIRECTORY_PAGE, **({"cursor": cursor} if cursor else {}))
        except SlackApiError as error:
            raise _slack_error(error) from error
        members: list[dict[str, Any]] = page.get("members", [])
        for member in members:
            email = (member.get("profile") or {}).get("email")
            if email and not member.get("deleted"):
                found.setdefault(email.lower(), member["id"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return found


def slack_email_lookup(client: WebClient) -> Callable[[str], str | None]:
    """An email -> member id lookup: None for an email Slack doesn't know, or a deactivated account. The
    first LOOKUPS_BEFORE_DIRECTORY emails go through users.lookupByEmail, one call each (Tier 3, 50 a minute);
    a longer file reads the whole directory once through users.list instead (Tier 2, 200 members a call):
    a 5,000-person chart then costs about 25 calls, not 5,000 and an hour and a half of rate limits. The
    client built by `make_client` already waits out rate limits."""
    asked = 0
    directory: dict[str, str] | None = None

    def lookup(email: str) -> str | None:
        nonlocal asked, directory
        if directory is None and asked >= LOOKUPS_BEFORE_DIRECTORY:
            directory = slack_directory(client)
        if directory is not None:
            return directory.get(email.lower())
        asked += 1
        try:
            user = client.users_lookupByEmail(email=email)["user"]
        except SlackApiError as error:
            if error.response is not None and error.response.get("error") == "users_not_found":
                return None
            raise _slack_error(error) from error
        return None if user.get("deleted") else user["id"]

    return lookup


def check_org_csv(
    csv_text: str, lookup_email: Callable[[str], str | None]
) -> tuple[list[ChartEntry], list[ImportProblem]]:
    """Parse, resolve and validate without writing anything: the entries to store, or every problem."""
    rows, problems = parse_org_csv(csv_text)
    slack_ids_by_email, lookup_problems = resolve_emails(rows, lookup_email)
    problems = sorted([*problems, *lookup_problems, *validate_chart(rows, slack_ids_by_email)], key=lambda p: p.line)
    if problems:
        return [], problems
    return chart_entries(rows, slack_ids_by_email), []


def store_chart(db: Database, team_id: str, entries: Sequence[ChartEntry]) -> ImportSummary:
    """Write everyone in one transaction: new people inserted, known ones updated, then every manager set."""
    slack_ids = [entry.slack_id for entry in entries]
    with db.unit_of_work() as session:
        ensure_workspace(session, team_id)
        known = org_chart.person_ids_by_slack_id(session, team_id, slack_ids)
        new = [slack_id for slack_id in slack_ids if slack_id not in known]
        org_chart.insert_people(session, team_id, new)
        ids = {**known, **org_chart.person_ids_by_slack_id(session, team_id, new)}
        org_chart.update_people(
            session,
            [
                org_chart.ChartUpdate(
                    person_id=ids[entry.slack_id],
                    email=entry.email,
                    department=entry.department,
                    level=entry.level,
                    manager_id=ids[entry.manager_slack_id] if entry.manager_slack_id else None,
                )
                for entry in entries
            ],
        )
        typed_otherwise = org_chart.typed_otherwise(session, list(ids.values()))
    return ImportSummary(created=len(new), updated=len(known), typed_otherwise=typed_otherwise)


def import_org(db: Database, team_id: str, csv_text: str, client: WebClient) -> ImportSummary:
    """Import the whole file or nothing: raises OrgImportError listing every problem."""
    entries, problems = check_org_csv(csv_text, slack_email_lookup(client))
    if problems:
        raise OrgImportError(problems)
    return store_chart(db, team_id, entries)


# ---------------------------------------------------------------------------------------------- from Slack


class FileDownloadError(Exception):
    """The uploaded file could not be fetched from Slack; the message says why, for the admin."""


def _trusted(url: str, api_url: str) -> bool:
    """The bot token only goes to Slack's file host (or the Web API's own host, e.g. the local stand-in)."""
    target, api = urllib.parse.urlsplit(url), urllib.parse.urlsplit(api_url)
    if target.scheme == "https" and (target.hostname or "").endswith(".slack.com"):
        return True
    return (target.scheme, target.netloc) == (api.scheme, api.netloc)


def download_file(url: str, token: str, api_url: str, timeout: float = 30.0) -> bytes:
    """GET a file's `url_private_download` with the bot token (needs the `files:read` scope)."""
    if not _trusted(url, api_url):
        raise FileDownloadError("the file's address is not on Slack, so I won't send it the bot token")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content_type = response.headers.get("Content-Type", "")
            content = response.read(MAX_FILE_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise FileDownloadError(f"Slack answered HTTP {error.code} when I fetched the file") from error
    except (urllib.error.URLError, TimeoutError) as error:
        raise FileDownloadError(f"could not reach Slack to fetch the file ({error})") from error
    if content_type.startswith("text/html"):
        # Slack serves its sign-in page, not the file, when the token lacks files:read.
        raise FileDownloadError("Slack sent a web page instead of the file: does the app have the files:read scope?")
    if len(content) > MAX_FILE_BYTES:
        raise FileDownloadError("the file is larger than 10 MB")
    return content


def decode_csv(content: bytes) -> str:
    """The file as text; spreadsheets' "CSV UTF-8" adds a byte-order mark, which is dropped."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise OrgImportError(
            [ImportProblem(1, 'the file is not UTF-8 text: save it from the spreadsheet as "CSV UTF-8"')]
        ) from error


def is_csv_file(file: Mapping[str, Any]) -> bool:
    return str(file.get("filetype") or "").lower() == "csv" or str(file.get("name") or "").lower().endswith(".csv")


def import_uploaded_file(db: Database, team_id: str, file: Mapping[str, Any], client: WebClient) -> ImportSummary:
    """Fetch a file uploaded through the import modal and import it (FileDownloadError, OrgImportError)."""
    url = file.get("url_private_download") or file.get("url_private")
    if not url:
        raise FileDownloadError("Slack did not say where to fetch the file")
    content = download_file(str(url), client.token or "", client.base_url)
    return import_org(db, team_id, decode_csv(content), client)
