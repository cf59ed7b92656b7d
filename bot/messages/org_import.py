"""The org-chart import modal (upload, progress, result) and the DM with the result."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.messages.blocks import Block, context, input_block, modal, section
from bot.messages.escaping import escape
from bot.org_import.report import ImportProblem, ImportSummary

CALLBACK_ID = "org_import_modal"
FILE_BLOCK = "org_file"
FILE_ACTION = "file"
TITLE = "Import org chart"
SECTION_LIMIT = 3000  # Slack's limit for a section's text

EXAMPLE = (
    "slack_id,email,department,level,manager\n"
    "U012AB3CD,,Executive,9,\n"
    ",sam@example.com,Finance,7,U012AB3CD\n"
    ",jo@example.com,Customer Service,2,sam@example.com"
)
COLUMNS_HELP = (
    "Upload a CSV export from your HR system, one person per row, with these columns "
    "(in any order; the header's case doesn't matter):\n"
    "• *slack_id* and/or *email*: who the person is (at least one per row)\n"
    "• *department*\n"
    "• *level*: a whole number from 1 to 20, higher = more senior\n"
    "• *manager*: the manager's Slack id or email, blank at the top; the manager needs a row too\n"
    "Importing again updates everyone in place. A file with any problem is not imported at all, and "
    "I'll list every problem by line number."
)


def upload_modal() -> dict[str, Any]:
    file_input = {"type": "file_input", "action_id": FILE_ACTION, "filetypes": ["csv"], "max_files": 1}
    blocks: list[Block] = [
        section(COLUMNS_HELP),
        section(f"*Example*\n```{EXAMPLE}```"),
        input_block(FILE_BLOCK, "Org chart (CSV)", file_input),
        context("Thousands of people? The command line is quicker: `reverse-mentor import-org FILE.csv`"),
    ]
    return modal(CALLBACK_ID, TITLE, blocks, submit="Import")


def progress_modal(file_name: str) -> dict[str, Any]:
    return modal(
        CALLBACK_ID,
        TITLE,
        [
            section(
                f":hourglass_flowing_sand: Importing *{escape(file_name)}*… I'll show the result here and DM it to you."
            )
        ],
        submit=None,
    )


def summary_text(file_name: str, summary: ImportSummary) -> str:
    return f":white_check_mark: Imported *{escape(file_name)}*: {summary}."


def problem_list(problems: Sequence[ImportProblem], limit: int = SECTION_LIMIT) -> str:
    """Every problem that fits in one section, then "…and N more"."""
    budget = limit - len("\n…and 999999 more")
    lines: list[str] = []
    used = 0
    for index, problem in enumerate(problems):
        line = f"• {escape(str(problem))}"
        if used + len(line) + 1 > budget:
            lines.append(f"…and {len(problems) - index} more")
            break
        lines.append(line)
        used += len(line) + 1
    return "\n".join(lines)


def problems_heading(file_name: str, problems: Sequence[ImportProblem]) -> str:
    count = len(problems)
    noun = "problem" if count == 1 else "problems"
    return (
        f":warning: *{escape(file_name)}* was not imported, and nothing changed. "
        f"Fix {'this' if count == 1 else f'these {count}'} {noun} and upload it again:"
    )


def result_blocks(file_name: str, summary: ImportSummary | None, problems: Sequence[ImportProblem]) -> list[Block]:
    if summary is not None:
        return [section(summary_text(file_name, summary))]
    return [section(problems_heading(file_name, problems)), section(problem_list(problems))]


def result_modal(
    file_name: str, summary: ImportSummary | None, problems: Sequence[ImportProblem] = ()
) -> dict[str, Any]:
    return modal(CALLBACK_ID, TITLE, result_blocks(file_name, summary, problems), submit=None)


def failure_text(file_name: str, reason: str) -> str:
    return f":warning: *{escape(file_name)}* was not imported, and nothing changed: {escape(reason)}."


def failure_modal(file_name: str, reason: str) -> dict[str, Any]:
    return modal(CALLBACK_ID, TITLE, [section(failure_text(file_name, reason))], submit=None)


def result_message(
    file_name: str, summary: ImportSummary | None, problems: Sequence[ImportProblem] = ()
) -> dict[str, Any]:
    """chat.postMessage arguments for the admin's DM."""
    if summary is not None:
        return {
            "text": f"Imported {escape(file_name)}: {summary}.",
            "blocks": result_blocks(file_name, summary, problems),
        }
    return {
        "text": f"{escape(file_name)} was not imported: {len(problems)} problem(s).",
        "blocks": result_blocks(file_name, summary, problems),
    }


def failure_message(file_name: str, reason: str) -> dict[str, Any]:
    text = f"{escape(file_name)} was not imported: {escape(reason)}."
    return {"text": text, "blocks": [section(failure_text(file_name, reason))]}
