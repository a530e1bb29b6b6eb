"""Merge strategies: when do the annotators' votes on one unit make a merged unit?

The semantics follow INCEpTION's curation ("merge strategies"); the words are ours:

* A *position* is where annotators can disagree about one unit: the offsets of a span in one label
  set, an attribute of a merged span, the two endpoints of a relation, a document field.
* A *candidate* is one value proposed at that position (a label, an attribute value, a relation
  type with its direction, a set of document classes); its *votes* are the annotators who proposed
  it. The *voters* of a position are the annotators who proposed anything there.
* ``complete`` (the default): merged when there is a single candidate and **every annotator of
  the document** voted for it. Any annotator who left the position empty makes it a conflict.
* ``incomplete``: merged when there is a single candidate, whoever voted; annotators who left the
  position empty are not counted (INCEpTION's "incomplete agreement").
* ``threshold:VOTES:SHARE``: the best candidate is merged when it has at least ``VOTES`` votes and
  at least ``SHARE`` (0–1) of the votes cast at the position, and no other candidate has as many
  votes (a tie is a dispute, never broken arbitrarily).

Everything not merged is a conflict that keeps every annotator's version.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Set
from dataclasses import dataclass
from typing import TypeVar

from partages_ls.errors import PartagesError

STRATEGY_HELP = "complete (default), incomplete, or threshold:VOTES:SHARE (e.g. threshold:2:0.6)"

V = TypeVar("V", bound=Hashable)


@dataclass(frozen=True)
class Strategy:
    """A parsed ``--strategy``."""

    kind: str = "complete"
    votes: int = 1
    share: float = 0.0

    @classmethod
    def parse(cls, text: str) -> Strategy:
        text = text.strip()
        if text in {"complete", "incomplete"}:
            return cls(text)
        kind, _, rest = text.partition(":")
        if kind == "threshold":
            votes, _, share = rest.partition(":")
            try:
                parsed = cls("threshold", int(votes), float(share))
            except ValueError:
                parsed = None
            if parsed is not None and parsed.votes >= 1 and 0.0 <= parsed.share <= 1.0:
                return parsed
            raise PartagesError(
                f"bad strategy {text!r}: threshold needs VOTES ≥ 1 and 0 ≤ SHARE ≤ 1, e.g. threshold:2:0.6"
            )
        raise PartagesError(f"unknown strategy {text!r}: use {STRATEGY_HELP}")

    def __str__(self) -> str:
        if self.kind == "threshold":
            return f"threshold:{self.votes}:{self.share:g}"
        return self.kind

    def decide(self, candidates: Mapping[V, Set[str]], everyone: Set[str]) -> V | None:
        """The merged candidate of one position, or None (a conflict).

        ``candidates`` maps each proposed value to the annotators who proposed it; ``everyone`` is
        the set of annotators whose agreement ``complete`` requires.
        """
        proposed = {value: votes for value, votes in candidates.items() if votes}
        if not proposed:
            return None
        if self.kind in {"complete", "incomplete"}:
            if len(proposed) != 1:
                return None
            (value, votes), *_ = proposed.items()
            if self.kind == "complete" and not set(everyone) <= set(votes):
                return None
            return value
        cast = sum(len(v) for v in proposed.values())
        ranked = sorted(proposed.items(), key=lambda item: -len(item[1]))
        best, best_votes = ranked[0]
        if len(ranked) > 1 and len(ranked[1][1]) == len(best_votes):
            return None  # a tie is a dispute
        if len(best_votes) < self.votes or len(best_votes) / cast < self.share:
            return None
        return best
