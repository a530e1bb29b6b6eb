"""What a suggestion model is: a name, a version, and text -> suggestions."""

from __future__ import annotations

from typing import Protocol

from partages_ls.predict.spans import Suggestion


class Model(Protocol):
    """A suggestion model for one guide. ``version`` changes whenever its output may change."""

    name: str
    version: str

    def predict(self, text: str) -> list[Suggestion]: ...


def plural_variants(term: str) -> list[str]:
    """``term`` and its plural (every word of 4+ letters gets an « s » unless it ends in s/x/z)."""
    words = term.split(" ")
    changed = [w + "s" if len(w) >= 4 and w.isalpha() and w[-1].lower() not in "sxz" else w for w in words]
    plural = " ".join(changed)
    return [term] if plural == term else [term, plural]
