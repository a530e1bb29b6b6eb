"""Cue words around a span: negation and hypothesis (CU6), negative results (CU5a), roles (CU1).

Cues are matched on the folded text (lower case, no accents) with word boundaries, inside the
clause that holds the span: from the previous « . ; » or line break (or a clause break word such
as « mais ») to the next one, at most ``window`` characters away.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from partages_ls.predict.lexicon import fold

_BREAK = re.compile(r"[.;\n]|\?(?=\s)")


def _alternation(words: Iterable[str]) -> str:
    parts = sorted({re.escape(fold(w.strip())) for w in words if w.strip()}, key=len, reverse=True)
    return "|".join(parts)


def cue_regex(words: Iterable[str]) -> re.Pattern[str] | None:
    """One regular expression finding any of ``words`` as whole words (folded)."""
    body = _alternation(words)
    if not body:
        return None
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


class CueGroups:
    """Several named cue lists in one regular expression; ``closest`` names the group whose cue ends
    last in a window (the cue nearest to what follows it)."""

    def __init__(self, groups: dict[str, list[str]]) -> None:
        self._names: dict[str, str] = {}
        parts = []
        for index, (name, words) in enumerate(groups.items()):
            body = _alternation(words)
            if body:
                self._names[f"g{index}"] = name
                parts.append(f"(?P<g{index}>{body})")
        self.regex = re.compile(rf"(?<!\w)(?:{'|'.join(parts)})(?!\w)") if parts else None

    def closest(self, window: str) -> str | None:
        if self.regex is None:
            return None
        last = None
        for match in self.regex.finditer(window):
            last = match
        return self._names[last.lastgroup] if last is not None and last.lastgroup else None

    def all(self, folded: str) -> list[tuple[str, re.Match[str]]]:
        if self.regex is None:
            return []
        return [(self._names[m.lastgroup or ""], m) for m in self.regex.finditer(folded)]


class Clauses:
    """Clause limits of one folded report, with optional clause-break words."""

    def __init__(self, folded: str, breaks: Iterable[str] = ()) -> None:
        self.folded = folded
        extra = _alternation(breaks)
        pattern = _BREAK.pattern + (rf"|(?<!\w)(?:{extra})(?!\w)" if extra else "")
        self.marks = [(m.start(), m.end()) for m in re.finditer(pattern, folded)]
        self._starts = [s for s, _ in self.marks]

    def before(self, start: int, window: int = 80) -> str:
        """The folded clause text before ``start``."""
        from bisect import bisect_left

        i = bisect_left(self._starts, start) - 1
        begin = self.marks[i][1] if i >= 0 else 0
        return self.folded[max(begin, start - window) : start]

    def after(self, end: int, window: int = 60) -> str:
        from bisect import bisect_left

        i = bisect_left(self._starts, end)
        stop = self.marks[i][0] if i < len(self.marks) else len(self.folded)
        # a question mark ends the clause but is itself a cue: keep it
        if i < len(self.marks) and self.folded[stop : stop + 1] == "?":
            stop += 1
        return self.folded[end : min(stop, end + window)]


def line_before(text: str, start: int, window: int = 60) -> str:
    """The text before ``start`` on the same line (at most ``window`` characters)."""
    begin = text.rfind("\n", 0, start) + 1
    return text[max(begin, start - window) : start]
