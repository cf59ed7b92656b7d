"""The repository stands alone: code cites the rules it relies on in docs/, and every cited file is there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for top in ("bot", "handlers", "storage") for p in (ROOT / top).rglob("*.py")]


def test_no_code_cites_a_document_outside_the_repository() -> None:
    citing = [str(p.relative_to(ROOT)) for p in SOURCES if "PRODUCT.md" in p.read_text()]
    assert citing == []


def _indexed() -> set[str]:
    return set(re.findall(r"\]\(([\w-]+\.md)\)", (ROOT / "docs" / "README.md").read_text()))


def test_every_docs_file_the_code_cites_is_in_the_index() -> None:
    cited = {m for p in SOURCES for m in re.findall(r"docs/([\w-]+\.md)", p.read_text())}
    assert {"programme.md", "nudges.md", "privacy.md"} <= cited
    assert sorted(cited - _indexed()) == []


def test_the_docs_index_lists_every_document_and_the_rules_docs_exist() -> None:
    present = {p.name for p in (ROOT / "docs").glob("*.md")} - {"README.md"}
    assert sorted(present - _indexed()) == []
    assert {"programme.md", "nudges.md", "privacy.md"} <= present
