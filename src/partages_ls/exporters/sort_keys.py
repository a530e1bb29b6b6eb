"""Sort keys whose last part is computed only when the parts before it tie.

The writers put rows in a canonical order whose last tie-breaker is an item's previous id in natural
order (:func:`~partages_ls.exporters.corpus.natural_key`: a regular-expression split and a tuple per
digit run). Computing it for every span cost more than the rest of the key, yet it is compared only
when begin, end, type and label all tie, which few spans do. :class:`LazyTail` stands at the end of a
key tuple and computes its value on the first comparison that reaches it: the order is exactly the
order of the eager key (``tests/exporters/test_sort_keys.py``).
"""

from __future__ import annotations

from typing import Any

from partages_ls.exporters.corpus import natural_key


class LazyTail:
    """The end of a sort key: an id in natural order, computed when a comparison reaches it.

    Subclasses put more before the id by overriding :meth:`compute` (what the eager key held from
    this position on, as one tuple). Equality is equality of the computed values, so two ids that
    read as the same number ("T01", "T1") tie, and a stable sort keeps their stored order.
    """

    __slots__ = ("identifier", "value")

    def __init__(self, identifier: str) -> None:
        self.identifier = identifier
        self.value: Any = None

    def compute(self) -> Any:
        return natural_key(self.identifier)

    def computed(self) -> Any:
        if self.value is None:
            self.value = self.compute()
        return self.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LazyTail) and self.computed() == other.computed()

    def __lt__(self, other: LazyTail) -> bool:
        return bool(self.computed() < other.computed())

    __hash__ = None  # type: ignore[assignment]
