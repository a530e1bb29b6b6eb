"""``write_json`` writes the bytes ``json.dump(value, handle, indent=2, ensure_ascii=False)`` writes."""

from __future__ import annotations

import enum
import io
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partages_ls.json_text import write_json

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),  # every code point, lone surrogates included
)
KEYS = st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(KEYS, inner, max_size=5),
    ),
    max_leaves=40,
)


def _both(value: Any) -> tuple[str, str]:
    ours = io.StringIO()
    write_json(value, ours)
    theirs = io.StringIO()
    json.dump(value, theirs, indent=2, ensure_ascii=False)
    return ours.getvalue(), theirs.getvalue()


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_any_value_is_written_as_json_dump_writes_it(value: Any) -> None:
    ours, theirs = _both(value)
    assert ours == theirs


def test_the_corner_cases_and_a_long_list_flushed_in_chunks() -> None:
    value = {
        "empty": [{}, [], (), ""],
        1.5: [math.nan, math.inf, -math.inf, -0.0, 5e-324, 1e16, 2**70],
        True: {'a\u2028"\\\n\t\x00é😀\ud800': None},
        None: False,
        "rows": [{"document": f"D{i}", "value": i / 7, "labels": ["a", "b"]} for i in range(50_000)],
    }
    ours, theirs = _both(value)
    assert ours == theirs
    assert ours.count("\n") > 250_000


@pytest.mark.parametrize("bad", [{"a": {1, 2}}, {(1, 2): 3}, [object()]])
def test_what_json_refuses_is_refused(bad: Any) -> None:
    with pytest.raises(TypeError):
        json.dumps(bad, indent=2)
    with pytest.raises(TypeError):
        write_json(bad, io.StringIO())


def test_scalar_subclasses_take_the_general_path() -> None:
    """Plain scalars are encoded by exact type; enums and other subclasses still come out as json writes them."""

    class Level(enum.IntEnum):
        HIGH = 3

    class Kind(enum.StrEnum):
        LABEL = "label"

    value = {"level": Level.HIGH, "kind": Kind.LABEL, "both": [Level.HIGH, Kind.LABEL, True, 1, 1.0, None, "x"]}
    ours, theirs = _both(value)
    assert ours == theirs
