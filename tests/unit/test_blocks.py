"""Long lists in messages: split across sections without breaking a line, and said so when cut."""

from __future__ import annotations

from bot.messages.blocks import SECTION_CHARS, line_sections
from bot.messages.matching import proposal_message


def test_lines_fill_sections_in_order_and_none_is_split() -> None:
    lines = [f"• <!date^{1_700_000_000 + n}^{{date_short}}|a date>: held; your action: {'x' * 280}" for n in range(30)]
    texts = line_sections(lines)
    assert len(texts) > 1 and all(len(t) <= SECTION_CHARS for t in texts)
    assert [line for t in texts for line in t.split("\n")] == lines


def test_no_lines_make_no_sections() -> None:
    assert line_sections([]) == []


def test_a_proposal_too_long_for_one_message_says_so_and_keeps_its_controls() -> None:
    reason = "Finance <-> Legal; both: " + ", ".join(f"a rather long topic name {n}" for n in range(20))
    pairs = [
        {"mentor_user": f"U0M{n}", "mentee_user": f"U0S{n}", "mentor_id": n, "mentee_id": 1000 + n,
         "mentor_name": f"M{n}", "mentee_name": f"S{n}", "score": 9.5, "reason": reason}
        for n in range(200)
    ]  # fmt: skip
    unmatched = [{"user": "U0X", "role": "mentor", "reason": "no mentee is more senior", "participant_id": 9}]
    blocks = proposal_message(7, {"pairs": pairs, "unmatched": unmatched})["blocks"]
    assert len(blocks) <= 50
    assert any("more than one message can show" in str(b) for b in blocks)
    assert blocks[-1]["type"] == "actions" and "match_approve" in str(blocks[-1])


def test_the_reschedule_answer_says_it_is_shared_with_the_partner() -> None:
    """A rescheduled answer books the session for both, so the partner sees it: the form says so."""
    from bot.messages.checkins import RESCHEDULE_IS_SHARED, reschedule_modal

    view = reschedule_modal(7, {"channel": "D1", "ts": "1.2"})
    texts = [e["text"] for b in view["blocks"] if b["type"] == "context" for e in b["elements"]]
    assert texts == [RESCHEDULE_IS_SHARED]
    assert "your partner sees it" in RESCHEDULE_IS_SHARED
