"""Token-based term matching: lexicons of multi-word terms found in one pass over a report.

A report is split once into word and punctuation tokens; each term is a token sequence indexed by
its first token, so a report costs one dictionary look-up per token whatever the lexicon's size
(a regular expression alternation of hundreds of terms would cost far more on 30 million
characters). Spacing between tokens is free: « E. coli » also matches « E.coli ».
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from partages_ls.predict.spans import Suggestion

TOKEN_RE = re.compile(r"\w+|[^\w\s]")
Case = Literal["exact", "insensitive", "first"]


def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFD", char)[0]
    folded = base.lower()
    return folded if len(folded) == 1 else char.lower()[:1] or char


_FOLD: dict[int, str] = {}


def fold(text: str) -> str:
    """Lower case without accents, one character for one (offsets are kept)."""
    missing = {c for c in set(text) if ord(c) not in _FOLD}
    for char in missing:
        _FOLD[ord(char)] = _fold_char(char) if len(char.lower()) == 1 else char
    return text.translate(_FOLD)


@dataclass(frozen=True)
class Tokens:
    """A report's tokens: offsets, folded forms and surfaces."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    folded: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Tokens:
        """The tokens of ``text``; the last few reports' are cached (models of one guide share them)."""
        return _tokens_of(text)

    def surface(self, index: int) -> str:
        return self.text[self.starts[index] : self.ends[index]]


@lru_cache(maxsize=8)
def _tokens_of(text: str) -> Tokens:
    # Folding keeps offsets and word characters, so the folded text can be split directly.
    found = list(TOKEN_RE.finditer(fold(text)))
    return Tokens(
        text,
        tuple(m.start() for m in found),
        tuple(m.end() for m in found),
        tuple(m.group() for m in found),
    )


def tokenize(term: str) -> tuple[str, ...]:
    return tuple(m.group() for m in TOKEN_RE.finditer(term))


@dataclass(frozen=True)
class Entry:
    """One term: its token sequence, how case is compared, and what a match suggests."""

    folded: tuple[str, ...]
    surface: tuple[str, ...]
    case: Case
    label: str
    attributes: tuple[tuple[str, str], ...] = ()
    score: float = 1.0

    def accepts(self, tokens: Tokens, at: int) -> bool:
        if self.case == "insensitive":
            return True
        for offset, expected in enumerate(self.surface):
            seen = tokens.surface(at + offset)
            if self.case == "first" and offset == 0:
                if seen[:1].lower() != expected[:1].lower() or seen[1:] != expected[1:]:
                    return False
            elif seen != expected:
                return False
        return True


def default_case(term: str) -> Case:
    """Acronyms (« RE », « MET », « SAMS ») match their exact case; other terms any case."""
    letters = [c for c in term if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) >= max(2, len(letters) // 2) and len(letters) <= 6:
        return "exact"
    return "insensitive"


class Lexicon:
    """Terms indexed by their first folded token; longest match wins, scanning left to right."""

    def __init__(self) -> None:
        self._index: dict[str, list[Entry]] = {}
        self.size = 0

    def add(
        self,
        term: str,
        label: str,
        attributes: Iterable[tuple[str, str]] = (),
        *,
        score: float = 1.0,
        case: Case | None = None,
    ) -> None:
        surface = tokenize(term)
        if not surface:
            return
        entry = Entry(
            tuple(fold(t) for t in surface),
            surface,
            case or default_case(term),
            label,
            tuple(sorted(attributes)),
            score,
        )
        bucket = self._index.setdefault(entry.folded[0], [])
        if entry in bucket:
            return
        bucket.append(entry)
        bucket.sort(key=lambda e: -len(e.folded))
        self.size += 1

    def matches(self, tokens: Tokens) -> list[tuple[int, int, Entry]]:
        """Non-overlapping matches as (first token, token after the last, entry)."""
        found: list[tuple[int, int, Entry]] = []
        folded = tokens.folded
        count = len(folded)
        index = self._index
        i = 0
        while i < count:
            bucket = index.get(folded[i])
            if bucket is not None:
                for entry in bucket:
                    n = len(entry.folded)
                    if i + n <= count and folded[i : i + n] == entry.folded and entry.accepts(tokens, i):
                        found.append((i, i + n, entry))
                        i += n - 1
                        break
            i += 1
        return found

    def suggest(self, tokens: Tokens, source: str = "") -> list[Suggestion]:
        return [
            Suggestion(tokens.starts[a], tokens.ends[b - 1], e.label, e.attributes, e.score, source)
            for a, b, e in self.matches(tokens)
        ]
