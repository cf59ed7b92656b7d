"""What the offline demo prints: Slack's Web API calls as a person would see them, as plain text.

Block Kit becomes indented text (headers, sections, fields, context, images as `[image: alt]`, buttons as
`[Button]`), mrkdwn loses its markup, `<@U…>` becomes `@Name`, `<!date^…|fallback>` a date, and every
entry says who or where it went: a person's name for a DM, "group DM: A & B" for a pair, "#programme"
for the digest channel, "modal → Name" for a modal, "App Home → Name" for the Home tab. No Slack id or
message timestamp is ever printed, so the same seed gives the same transcript.

Also the progress bar (to stderr: stdout stays a clean transcript).
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

WIDTH = 100
INDENT = "      "
EMOJI = {
    "white_check_mark": "✓",
    "handshake": "🤝",
    "hourglass_flowing_sand": "⏳",
    "warning": "⚠",
    "tada": "🎉",
    "wave": "👋",
    "calendar": "📅",
    "chart_with_upwards_trend": "📈",
    "x": "✗",
}

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>")
_DATE = re.compile(r"<!date\^(\d+)\^[^|>]*(?:\^[^|>]*)?\|([^>]*)>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]+))?>")
_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?![\s_])([^\n]+?)(?<![\s_])_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?!\s)([^~\n]+?)(?<!\s)~(?![\w~])")
_EMOJI = re.compile(r":([a-z0-9_+\-]+):")
_BARE_ID = re.compile(r"\b[UWCDG][A-Z0-9]{2,}\b")


def slack_date(moment: datetime) -> str:
    """How the transcript shows a moment: 'Tue 8 Jan 2030 14:00 UTC'."""
    moment = moment.astimezone(UTC)
    return f"{moment:%a} {moment.day} {moment:%b %Y %H:%M} UTC"


@dataclass
class Directory:
    """Names for the ids Slack uses: people by user id, conversations by channel id."""

    people: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)

    def person(self, user_id: str) -> str:
        return self.people.get(user_id, "someone")

    def where(self, channel_id: str) -> str:
        """'Name' for a DM, 'group DM: A & B' for a pair, '#name' for a channel."""
        if channel_id in self.people:
            return self.people[channel_id]
        return self.channels.get(channel_id, "a conversation")

    def name_group(self, channel_id: str, members: Iterable[str]) -> None:
        names = [self.person(m) for m in members]
        self.channels[channel_id] = names[0] if len(names) == 1 else "group DM: " + " & ".join(names)

    def hide_ids(self, text: str) -> str:
        """Any known Slack id still in the text (outside a mention) becomes the name it stands for."""

        def swap(match: re.Match[str]) -> str:
            raw = match.group(0)
            return self.people.get(raw) or self.channels.get(raw) or raw

        return _BARE_ID.sub(swap, text)


def render_mrkdwn(text: str, directory: Directory) -> str:
    """mrkdwn as plain text: mentions, dates, channels and links resolved; bold/italic markup dropped."""
    text = _MENTION.sub(lambda m: "@" + directory.person(m.group(1)), text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or directory.where(m.group(1)).lstrip("#")), text)
    text = _DATE.sub(lambda m: slack_date(datetime.fromtimestamp(int(m.group(1)), UTC)), text)
    text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(2) else m.group(1), text)
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    text = _STRIKE.sub(r"\1", text)
    text = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    text = text.replace("```", "")
    return directory.hide_ids(html.unescape(text))


def _text_of(obj: dict[str, Any] | None, directory: Directory) -> str:
    if not obj:
        return ""
    raw = str(obj.get("text", ""))
    return render_mrkdwn(raw, directory) if obj.get("type") == "mrkdwn" else html.unescape(raw)


def _element(element: dict[str, Any], directory: Directory) -> str:
    """One interactive or image element, inline."""
    kind = element.get("type")
    if kind == "button":
        return f"[{_text_of(element.get('text'), directory)}]"
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    if kind in ("mrkdwn", "plain_text"):
        return _text_of(element, directory)
    if kind == "static_select" or kind == "multi_static_select":
        chosen = element.get("initial_option") or {}
        label = _text_of(chosen.get("text"), directory) or _text_of(element.get("placeholder"), directory)
        return f"[{label or 'Choose'} ▾]"
    if kind in ("users_select", "multi_users_select"):
        initial = element.get("initial_user")
        return f"[@{directory.person(initial)} ▾]" if initial else "[choose a person ▾]"
    if kind == "radio_buttons" or kind == "checkboxes":
        chosen = {o.get("value") for o in element.get("initial_options", [])}
        if element.get("initial_option"):
            chosen.add(element["initial_option"].get("value"))
        marks = ("(•)", "( )") if kind == "radio_buttons" else ("[x]", "[ ]")
        return "  ".join(
            f"{marks[0] if o.get('value') in chosen else marks[1]} {_text_of(o.get('text'), directory)}"
            for o in element.get("options", [])
        )
    if kind in ("plain_text_input", "number_input", "email_text_input", "url_text_input"):
        return f"[{element.get('initial_value') or '____'}]"
    if kind == "datepicker":
        return f"[{element.get('initial_date') or 'pick a date'} ▾]"
    if kind == "datetimepicker":
        return "[pick a date and time ▾]"
    if kind == "timepicker":
        return "[pick a time ▾]"
    if kind == "file_input":
        return "[choose a file]"
    if kind == "overflow":
        return "[…]"
    return f"[{kind}]"


def _wrap(text: str, indent: str = INDENT, hang: str | None = None) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if not paragraph.strip():
            lines.append("")
            continue
        lead = len(paragraph) - len(paragraph.lstrip(" "))
        bullet = "  " if paragraph.lstrip().startswith(("•", "-")) else ""
        lines += textwrap.wrap(
            paragraph.strip(),
            width=WIDTH,
            initial_indent=indent + " " * lead,
            subsequent_indent=(hang if hang is not None else indent) + " " * lead + bullet,
            break_on_hyphens=False,
        ) or [indent]
    return lines


def render_blocks(blocks: list[dict[str, Any]], directory: Directory) -> list[str]:
    """Block Kit, one block after another, as indented lines."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = _text_of(block.get("text"), directory)
            lines += [INDENT + title, INDENT + "═" * min(len(title), WIDTH - len(INDENT))]
        elif kind == "section":
            text = _text_of(block.get("text"), directory)
            accessory = block.get("accessory")
            if accessory:
                text = f"{text}  {_element(accessory, directory)}".strip()
            if text:
                lines += _wrap(text)
            for item in block.get("fields", []):
                label, _, value = _text_of(item, directory).partition("\n")
                lines += _wrap(f"{label}: {value}" if value else label)
        elif kind == "context":
            parts = [_element(e, directory) for e in block.get("elements", [])]
            lines += _wrap(" ".join(p for p in parts if p), INDENT + "· ", INDENT + "  ")
        elif kind == "divider":
            lines.append(INDENT + "─" * 40)
        elif kind == "actions":
            lines += _wrap(" ".join(_element(e, directory) for e in block.get("elements", [])))
        elif kind == "image":
            lines.append(f"{INDENT}[image: {block.get('alt_text', '')}]")
        elif kind == "input":
            label = _text_of(block.get("label"), directory)
            optional = " (optional)" if block.get("optional") else ""
            lines += _wrap(f"{label}{optional}: {_element(block.get('element') or {}, directory)}")
        elif kind == "rich_text":
            lines += _wrap(_rich_text(block))
        else:
            lines.append(f"{INDENT}[{kind}]")
    return lines


def _rich_text(block: dict[str, Any]) -> str:
    words: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "text":
                words.append(str(node.get("text", "")))
            for child in node.get("elements", []):
                walk(child)

    walk(block)
    return "".join(words)


def render_message(params: dict[str, Any], directory: Directory) -> list[str]:
    """A message's blocks, or its text when it has none."""
    blocks = params.get("blocks")
    if blocks:
        return render_blocks(blocks, directory)
    return _wrap(render_mrkdwn(str(params.get("text") or ""), directory))


def render_view(view: dict[str, Any], directory: Directory) -> list[str]:
    """A modal or Home tab: its title (and submit button), then its blocks."""
    lines: list[str] = []
    title = _text_of(view.get("title"), directory)
    if title:
        submit = _text_of(view.get("submit"), directory)
        lines.append(f"{INDENT}{title}" + (f"   [{submit}]" if submit else ""))
    return lines + render_blocks(view.get("blocks") or [], directory)


def one_line(text: str, directory: Directory, limit: int = 150) -> str:
    """A message's text as a single line, for condensed entries."""
    flat = " ".join(render_mrkdwn(text, directory).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


class Transcript:
    """The lines printed so far, with a heading whenever the simulated day changes."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.lines: list[str] = []
        self.out = out
        self._day: str | None = None
        self._week_of: datetime | None = None
        self._weeks = 0

    def _emit(self, line: str) -> None:
        self.lines.append(line)
        if self.out is not None:
            print(line, file=self.out, flush=False)

    def start_weeks(self, first_monday: datetime, weeks: int) -> None:
        self._week_of = first_monday
        self._weeks = weeks

    def heading(self, text: str) -> None:
        self._emit("")
        self._emit(f"━━━ {text} " + "━" * max(3, WIDTH - len(text) - 5))

    def note(self, text: str) -> None:
        """The demo's own narration, marked so it can't be mistaken for something Slack showed."""
        for line in textwrap.wrap(text, width=WIDTH, initial_indent="  » ", subsequent_indent="    "):
            self._emit(line)

    def _day_heading(self, when: datetime) -> None:
        day = f"{when:%A} {when.day} {when:%B %Y}"
        if day == self._day:
            return
        self._day = day
        week = ""
        if self._week_of is not None and when >= self._week_of:
            number = (when - self._week_of).days // 7 + 1
            week = f"Week {number} · " if number <= self._weeks else f"After week {self._weeks} · "
        self._emit("")
        self._emit(f"── {week}{day} " + "─" * max(3, WIDTH - len(week) - len(day) - 4))

    def entry(self, when: datetime, where: str, body: list[str]) -> None:
        self._day_heading(when)
        self._emit(f"{when:%H:%M} {where}")
        for line in body:
            self._emit(line.rstrip())

    def line(self, when: datetime, where: str, text: str) -> None:
        self._day_heading(when)
        self._emit(f"{when:%H:%M} {where}: {text}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class ProgressBar:
    """Simulated weeks on stderr: a redrawn bar on a terminal, a line per week otherwise."""

    def __init__(self, stream: TextIO | None, total_days: int) -> None:
        self.stream = stream
        self.total = max(total_days, 1)
        self.tty = bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())
        self._last_week = -1

    def update(self, day: int, when: datetime) -> None:
        if self.stream is None:
            return
        week, weeks = day // 7 + 1, (self.total + 6) // 7
        if self.tty:
            done = int(30 * min(day, self.total) / self.total)
            label = f"week {min(week, weeks)}/{weeks} · {when:%a} {when.day} {when:%b %Y}"
            self.stream.write(f"\r[{'#' * done}{'.' * (30 - done)}] {label}   ")
            self.stream.flush()
        elif week != self._last_week and week <= weeks:
            self.stream.write(f"simulating week {week}/{weeks}\n")
            self.stream.flush()
        self._last_week = week

    def finish(self) -> None:
        if self.stream is not None and self.tty:
            self.stream.write(f"\r[{'#' * 30}] done{' ' * 30}\n")
            self.stream.flush()
