"""The parquet and brat writers' span and relation sort keys read features, attributes and previous
ids lazily (only when the rest of a key ties); these properties hold them to the eager definitions:
the same order."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from partages_ls.exporters.brat.write import _span_key
from partages_ls.exporters.corpus import Span, natural_key
from partages_ls.exporters.parhaf.schema import nullable_key
from partages_ls.exporters.parhaf.write import FEATURES, _Tail
from partages_ls.exporters.sort_keys import LazyTail

# Few distinct values, so that keys tie often; ids whose natural order differs from their text order.
IDS = st.sampled_from(["T1", "T01", "T2", "T10", "t1", "a2b", "a10b", "", "0", "00", "x"])
FEATURE = st.sampled_from([None, "", "NEG", "POS"])
SPAN = st.tuples(
    st.integers(0, 2),
    st.integers(1, 3),
    st.sampled_from(["a", "b"]),
    st.sampled_from(["L1", "L2"]),
    st.lists(FEATURE, min_size=2, max_size=2),
    IDS,
)


@given(st.lists(SPAN, max_size=12))
def test_span_keys_order_as_the_eager_definition(spans: list[tuple[Any, ...]]) -> None:
    eager = [(b, e, t, lab, nullable_key(f), natural_key(i)) for b, e, t, lab, f, i in spans]
    lazy = [(b, e, t, lab, _Tail([None] * FEATURES + f, i)) for b, e, t, lab, f, i in spans]
    positions = range(len(spans))
    assert sorted(positions, key=lambda n: lazy[n]) == sorted(positions, key=lambda n: eager[n])


@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2), st.sampled_from(["r", "s"]), IDS), max_size=12))
def test_relation_keys_order_as_the_eager_definition(relations: list[tuple[int, int, str, str]]) -> None:
    eager = [(s, t, k, natural_key(i)) for s, t, k, i in relations]
    lazy = [(s, t, k, LazyTail(i)) for s, t, k, i in relations]
    positions = range(len(relations))
    assert sorted(positions, key=lambda n: lazy[n]) == sorted(positions, key=lambda n: eager[n])


def test_a_tie_on_the_natural_id_keeps_the_stored_order() -> None:
    # "T01" and "T1" read as the same number: neither sorts before the other, the sort is stable.
    keys = [(0, 1, "a", "L", _Tail([None] * FEATURES + [None], name)) for name in ("T1", "T01", "T1")]
    assert sorted(range(3), key=lambda n: keys[n]) == [0, 1, 2]
    assert not keys[0][4] < keys[1][4] and not keys[1][4] < keys[0][4]


@given(st.lists(SPAN, max_size=12))
def test_brat_span_keys_order_as_the_eager_definition(spans: list[tuple[Any, ...]]) -> None:
    items = [
        Span(i, t, lab, b, e, {name: v for name, v in zip(("negation", "certitude"), f, strict=True) if v is not None})
        for b, e, t, lab, f, i in spans
    ]
    eager = [(s.begin, s.end, s.label_set, s.label, sorted(s.attributes.items()), natural_key(s.id)) for s in items]
    positions = range(len(items))
    assert sorted(positions, key=lambda n: _span_key(items[n])) == sorted(positions, key=lambda n: eager[n])
