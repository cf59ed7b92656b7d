"""The repository stands alone: code cites the rules it relies on in docs/, and every cited file is there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for top in ("bot", "handlers", "storage") for p in (ROOT / top).rglob("*.py")]


def test_no_code_cites_a_document_outside_the_repository() -> None:
    citing = [str(p.relative_to(ROOT)) for p in SOURCES if "PRODUCT.md" in p.read_text()]
    assert citing == []


def test_every_docs_file_the_code_cites_exists() -> None:
    cited = {m for p in SOURCES for m in re.findall(r"docs/[\w-]+\.md", p.read_text())}
    assert {"docs/programme.md", "docs/nudges.md", "docs/privacy.md"} <= cited
    assert sorted(c for c in cited if not (ROOT / c).is_file()) == []


def test_the_docs_index_lists_every_document() -> None:
    index = (ROOT / "docs" / "README.md").read_text()
    present = {p.name for p in (ROOT / "docs").glob("*.md")} - {"README.md"}
    assert sorted(name for name in present if f"]({name})" not in index) == []
