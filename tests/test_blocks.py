"""Shared Block Kit helpers: long lists of lines split across sections without breaking a line."""

from __future__ import annotations

from bot.messages.blocks import SECTION_CHARS, line_sections


def test_lines_fill_sections_in_order_and_none_is_split() -> None:
    lines = [f"• <!date^{1_700_000_000 + n}^{{date_short}}|a date>: held; your action: {'x' * 280}" for n in range(30)]
    texts = line_sections(lines)
    assert len(texts) > 1 and all(len(t) <= SECTION_CHARS for t in texts)
    assert [line for t in texts for line in t.split("\n")] == lines


def test_no_lines_make_no_sections() -> None:
    assert line_sections([]) == []
