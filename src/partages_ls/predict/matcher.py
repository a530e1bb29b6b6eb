"""A string matcher that learns from what annotators marked (every guide).

Each surface an annotator labelled (with its attribute values) is remembered; the matcher then
proposes the same label and values wherever that surface appears in other reports. A surface
marked several ways is proposed the way it was marked most often (ties: most recent), with a
score equal to that share. Learning happens in memory: from the project's annotations before a
`partages-ls predict` run, and from each annotation the ML backend's webhook receives.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

from partages_ls.guides.model import Guide
from partages_ls.predict.lexicon import Case, Lexicon, Tokens
from partages_ls.predict.spans import Suggestion, from_results, resolve_overlaps

VERSION = "1.0.0"
MIN_LENGTH = 2
Key = tuple[str, tuple[tuple[str, str], ...]]


class StringMatcher:
    """Surfaces -> (label, attributes) counts; thread-safe (the ML backend learns while it serves)."""

    name = "matcher"
    version = VERSION

    def __init__(self, guide: Guide) -> None:
        self.guide = guide
        self._labels = {label.id for _, label in guide.all_labels()}
        self._seen: dict[str, Counter[Key]] = {}
        self._by_annotation: dict[str, list[tuple[str, Key]]] = {}
        self._lexicon: Lexicon | None = None
        self._lock = threading.Lock()

    @property
    def surfaces(self) -> int:
        return len(self._seen)

    def learn(self, text: str, results: Iterable[dict[str, Any]], *, key: str | None = None) -> int:
        """Remember the spans of one annotation; ``key`` (an annotation id) replaces what it taught before."""
        learned: list[tuple[str, Key]] = []
        for suggestion in from_results(results):
            if suggestion.label not in self._labels or not (0 <= suggestion.start < suggestion.end <= len(text)):
                continue
            surface = text[suggestion.start : suggestion.end].strip()
            if len(surface) < MIN_LENGTH or "\n" in surface:
                continue
            learned.append((surface, (suggestion.label, suggestion.attributes)))
        with self._lock:
            if key is not None:
                for surface, value in self._by_annotation.pop(key, []):
                    counts = self._seen.get(surface)
                    if counts is not None:
                        counts[value] -= 1
                        if counts[value] <= 0:
                            del counts[value]
                        if not counts:
                            del self._seen[surface]
                self._by_annotation[key] = learned
            for surface, value in learned:
                self._seen.setdefault(surface, Counter())[value] += 1
            self._lexicon = None
        return len(learned)

    def _build(self) -> Lexicon:
        lexicon = Lexicon()
        for surface, counts in self._seen.items():
            (label, attributes), count = counts.most_common(1)[0]
            share = count / sum(counts.values())
            # Lower-case surfaces also match capitalised (sentence start); others match as written.
            case: Case = "first" if surface[:1].islower() else "exact"
            lexicon.add(surface, label, attributes, score=round(share, 3), case=case)
        return lexicon

    def predict(self, text: str) -> list[Suggestion]:
        with self._lock:
            if self._lexicon is None:
                self._lexicon = self._build()
            lexicon = self._lexicon
        return resolve_overlaps(lexicon.suggest(Tokens.of(text), self.name))
