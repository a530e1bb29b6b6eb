"""Typed errors and located diagnostics shared by every part of the suite.

Library code raises these; only the CLI turns them into ``Error: …`` and an exit status.
Problems are collected as values (with a level and a location) so that a file with five
problems reports five, each saying where it is and how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    """Severity of a diagnostic: errors block, warnings inform (``--strict`` promotes them)."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, with where it is (file, line, path or task/annotation/result ids) and a fix."""

    location: str
    message: str
    level: Level = Level.ERROR
    hint: str = ""
    code: str = ""

    def render(self) -> str:
        text = f"{self.location}: {self.level.value}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class PartagesError(Exception):
    """Base of every error the suite raises on purpose; the CLI prints it without a traceback."""

    exit_code: int = 1  # the CLI's exit status for this error (a subclass may document another)


class DiagnosticError(PartagesError):
    """Raised when a set of diagnostics contains errors; carries all of them, not just the first."""

    def __init__(self, summary: str, diagnostics: Iterable[Diagnostic]) -> None:
        self.summary = summary
        self.diagnostics = tuple(diagnostics)
        super().__init__(self.render())

    def render(self) -> str:
        lines = [self.summary]
        lines.extend(f"  {d.render()}" for d in self.diagnostics)
        return "\n".join(lines)


def errors_in(diagnostics: Iterable[Diagnostic], *, strict: bool = False) -> list[Diagnostic]:
    """Diagnostics that block: errors, plus warnings when ``strict``."""
    return [d for d in diagnostics if d.level is Level.ERROR or strict]
