"""What an org-chart import reports back: each problem by line, and the summary of what was stored. Plain
values, so the message builders (`bot.messages.org_import`) can show them without importing the importer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImportProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    typed_otherwise: int = 0  # had typed a manager, level or department the chart now contradicts

    @property
    def total(self) -> int:
        return self.created + self.updated

    def __str__(self) -> str:
        noun = "person" if self.total == 1 else "people"
        text = f"{self.total} {noun}: {self.created} new, {self.updated} updated"
        if self.typed_otherwise:
            text += (
                f"; {self.typed_otherwise} had typed a manager, level or department the chart contradicts "
                "(the chart is used; the matching proposal names them)"
            )
        return text
