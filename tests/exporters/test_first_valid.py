"""``_first_valid`` picks the attribute value a span keeps: the first stored value the guide knows, every
other stored value left out (listed); it must answer what its plain definition answers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from partages_ls.exporters.labelstudio.read import _first_valid


def defined(items: list[list[str]], values: list[str]) -> tuple[str | None, list[str]]:
    """The definition: every stored value in order; the first known one kept, its first occurrence removed."""
    left = [c for item in items for c in item]
    kept = next((c for c in left if c in values), None)
    if kept is not None:
        left.remove(kept)
    return kept, left


def test_the_usual_cases() -> None:
    assert _first_valid([["Present"]], ["Present", "Absent"]) == ("Present", [])
    assert _first_valid([["x", "Absent"], ["Present"]], ["Present", "Absent"]) == ("Absent", ["x", "Present"])
    assert _first_valid([["Absent", "Absent"]], ["Absent"]) == ("Absent", ["Absent"])
    assert _first_valid([["x"], []], ["Absent"]) == (None, ["x"])
    assert _first_valid([], ["Absent"]) == (None, [])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(["a", "b", "c", "x", ""]), max_size=4), max_size=4),
    st.lists(st.sampled_from(["a", "b", "c"]), max_size=3),
)
def test_same_answer_as_the_definition(items: list[list[str]], values: list[str]) -> None:
    assert _first_valid(items, values) == defined(items, values)
