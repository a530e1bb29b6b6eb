"""Typed errors and located diagnostics shared by every part of the suite.

Library code raises these; only the CLI turns them into ``Error: …`` and an exit status.
Problems are collected as values (with a level and a location) so that a file with five
problems reports five, each saying where it is and how to fix it.
"""

from __future__ import annotations

import errno
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
        return printable(text)


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` safe for a terminal: control characters (escape codes), lone surrogates and line
    separators stored in the data are shown as ``\\uXXXX``, never interpreted."""
    out = []
    for char in text:
        code = ord(char)
        if (char == "\n" and keep_newlines) or not (
            code < 0x20 or 0x7F <= code < 0xA0 or 0xD800 <= code < 0xE000 or code in (0x2028, 0x2029)
        ):
            out.append(char)
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out)


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


_OS_HINTS = {
    errno.ENOSPC: "the disk is full: free some space or write elsewhere; no previous output was replaced",
    errno.EDQUOT: "your disk quota is used up: free some space or write elsewhere",
    errno.EACCES: "permission denied: check the permissions of this file or folder, or choose another path",
    errno.EPERM: "operation not permitted: check the permissions of this file or folder, or choose another path",
    errno.EROFS: "the file system is read-only: choose another path",
    errno.ENAMETOOLONG: "a file name is longer than the 255 bytes file systems allow: choose a shorter name",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n) and run again",
}


def describe_os_error(error: OSError) -> str:
    """A failure of the machine (full disk, permissions, name too long) as one clear line."""
    where = error.filename if error.filename is not None else "(a file)"
    reason = error.strerror or type(error).__name__
    hint = _OS_HINTS.get(error.errno or 0)
    return printable(f"{where}: {reason}" + (f" ({hint})" if hint else ""))
