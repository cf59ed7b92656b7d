"""Help, status and confirmation messages for the slash command (all private to the person asking)."""

from __future__ import annotations

from typing import Any

from bot.messages.blocks import Block, actions, button, confirm_dialog, context, header, section
from bot.messages.escaping import escape
from bot.participants.views import ParticipantStatus

COMMAND = "/reverse-mentor"
# The one refusal for every admin-only subcommand, click and modal (handlers/admin.py sends it).
NOT_ADMIN = "Only programme admins can do that. Ask an admin if you need it."
# When the admin user group has not been readable from Slack for over 10 minutes (bot/settings/admins.py).
ADMIN_UNVERIFIED = (
    "I can't check the programme's admin group with Slack right now, so admin actions are paused for its "
    "members. Try again in a few minutes; an admin named in Programme settings can still act."
)
PARTICIPANT_COMMANDS = (
    ("join", "join the programme (opens a short form)"),
    ("profile", "edit what you told us"),
    ("status", "your role, status and partner"),
    ("pause", "take a break from matching and nudges"),
    ("resume", "come back after a pause"),
    ("leave", "leave the programme (asks first; can erase your answers)"),
    ("schedule", "schedule a session with your partner"),
    ("log", "log a session that happened"),
    ("help", "this list"),
)
ADMIN_COMMANDS = (
    ("match", "propose pairs for your review"),
    ("pairs", "every pair at a glance"),
    ("digest", "preview and post the programme digest"),
    ("settings", "programme settings"),
    ("cohort open | close", "open the next cohort, or close this one with a survey"),
    ("import-org", "import the org chart from CSV"),
    ("export", "export aggregates as CSV"),
)


def help_blocks(is_admin: bool, unknown: str | None = None) -> list[Block]:
    blocks: list[Block] = []
    if unknown is not None:
        blocks.append(section(f"I don't know `{escape(unknown)}`. Here is what I can do:"))
    lines = "\n".join(f"`{COMMAND} {name}`: {what}" for name, what in PARTICIPANT_COMMANDS)
    blocks += [header("Reverse mentoring"), section(lines)]
    if is_admin:
        admin_lines = "\n".join(f"`{COMMAND} {name}`: {what}" for name, what in ADMIN_COMMANDS)
        blocks += [section("*For programme admins*\n" + admin_lines)]
    blocks.append(context("Only you can see this."))
    return blocks


def status_blocks(status: ParticipantStatus) -> list[Block]:
    if not status.joined:
        return [
            section(
                f"You haven't joined *{escape(status.programme_name)}* yet. "
                f"Run `{COMMAND} join` to tell us about you; it takes two minutes."
            )
        ]
    role = "mentor (you lead the sessions)" if status.role == "mentor" else "mentee (you listen and learn)"
    partner = f"<@{status.partner_user_id}>" if status.partner_user_id else "not matched yet"
    topics = status.topics_offered if status.role == "mentor" else status.topics_wanted
    return [
        section(
            f"*{escape(status.programme_name)}*\nYou're a {role}.\n"
            f"Status: *{status.status}*\nPartner: {partner}\n"
            f"Topics: {escape(', '.join(topics)) or 'none chosen'}"
        ),
        context(f"`{COMMAND} profile` to edit, `{COMMAND} pause` to take a break."),
    ]


def leave_confirm_blocks() -> list[Block]:
    return [
        section(
            "*Leave the programme?* Your partner will be told kindly that you've stepped back; "
            "nothing else about you is shared. You can also erase every check-in answer you gave."
        ),
        actions(
            button(
                "Leave",
                "leave_confirm",
                "keep",
                style="danger",
                confirm=confirm_dialog("Leave?", "You'll stop being matched and nudged.", "Leave"),
            ),
            button(
                "Leave and erase my answers",
                "leave_confirm",
                "erase",
                style="danger",
                confirm=confirm_dialog(
                    "Erase your answers?", "Your check-in answers are deleted for good.", "Leave and erase"
                ),
            ),
            button("Stay", "leave_cancel", "stay"),
            block_id="leave",
        ),
    ]


def ephemeral(blocks: list[Block], text: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": text, "blocks": blocks}
