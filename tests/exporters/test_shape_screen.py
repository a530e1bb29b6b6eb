"""``screen_results`` checks a whole result list for unwritable strings at once (``all_encodable``) and
walks item by item only when that check fails: both paths must set aside the same items, same words."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from partages_ls.exporters import shape
from partages_ls.exporters.shape import all_encodable, bad_strings, screen_results

from .mutations import JSON_VALUES, SAMPLES


def _sample_results() -> list[dict[str, Any]]:
    """A real result list (the largest of the bundled samples: regions, attributes, relations, fields)."""
    found: list[list[dict[str, Any]]] = []
    for path in sorted(SAMPLES.glob("*/annotations/*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found += [item["result"] for item in data]
    return max(found, key=len)


def walked(results: object, text_name: str | None = None) -> Any:
    """What ``screen_results`` gives when the one-pass check is not trusted (every item walked)."""
    with mock.patch.object(shape, "all_encodable", return_value=False):
        return screen_results(results, text_name)


def test_all_encodable_refuses_any_lone_surrogate() -> None:
    assert all_encodable([{"id": "a", "value": {"labels": ["x"], "n": 2**70, "f": float("nan")}}])
    assert all_encodable(["é", "\U0001f600"])
    assert not all_encodable(["\ud83d\ude00"])  # two surrogates in a Python string stay unwritable
    for bad in (["\ud800"], [{"k": "a\udfffb"}], [{"\udc00": 1}], [[[{"v": ["ok", "\ud83d"]}]]]):
        assert not all_encodable(bad)
        assert bad_strings(bad)


def test_a_real_result_list_takes_the_fast_path_and_keeps_every_item() -> None:
    results = _sample_results()
    assert results and all_encodable(results)
    assert screen_results(results, "text") == walked(results, "text")


def test_a_lone_surrogate_sets_aside_its_item_only() -> None:
    results = _sample_results()
    damaged = [dict(item) for item in results]
    damaged[1]["from_name"] = "\ud800"
    kept, malformed = screen_results(damaged, "text")
    assert (kept, malformed) == walked(damaged, "text")
    assert [m.message for m in malformed] == [
        "élément illisible : texte non encodable en UTF-8 (caractère de substitution isolé, p. ex. \\ud800)"
    ]
    assert len(kept) == len(results) - 1


@settings(max_examples=300, deadline=None)
@given(st.lists(JSON_VALUES | st.dictionaries(st.sampled_from(["id", "type", "value", "from_name"]), JSON_VALUES)))
def test_both_paths_screen_alike(results: list[Any]) -> None:
    assert screen_results(results, "text") == walked(results, "text")
    assert screen_results(results) == walked(results)


def _region(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": "r1",
        "from_name": "LABEL",
        "to_name": "text",
        "type": "labels",
        "value": {"start": 0, "end": 2, "text": "ab", "labels": ["Site"]},
    }
    item.update(changes)
    return {key: value for key, value in item.items() if value is not ...}  # ``...`` drops the key


RELATION = {"from_id": "r1", "to_id": "r2", "type": "relation", "direction": "right", "labels": ["ORIGINE"]}


def test_each_field_check_keeps_its_words_whatever_order_the_checks_run_in() -> None:
    """The cheap test of each field runs first, its exceptions after: every case keeps its message."""
    cases: list[tuple[dict[str, Any], str | None, str | None]] = [
        (_region(), "text", None),
        (_region(to_name=...), "text", None),  # no to_name at all: accepted
        (_region(to_name=None), "text", "to_name est null, pas un nom d'objet"),
        (_region(to_name=3), None, "to_name est un nombre, pas un nom d'objet"),
        (_region(to_name="autre"), "text", "to_name « autre » inconnu : le texte du compte rendu est « text »"),
        (_region(to_name="autre"), None, None),  # no Text name to compare with
        (_region(type=None), "text", "type est null, pas un texte"),
        (_region(type=...), "text", None),
        (_region(id=...), "text", "pas d'id"),
        (_region(id=None), "text", "id est null, pas un identifiant"),
        (_region(id=7), "text", None),
        (_region(id=True), "text", "id est un booléen, pas un identifiant"),
        (dict(RELATION), "text", None),  # a relation needs no id
        ({**RELATION, "id": None}, "text", "id est null, pas un identifiant"),
        ({**RELATION, "id": "x"}, "text", None),
        (_region(value={"start": 0, "end": 2, "labels": None}), "text", None),
        (
            _region(value={"start": 0, "end": 2, "labels": ["Site"], "choices": ["a", 1]}),
            "text",
            "value.choices doit être une liste de textes, pas une liste",
        ),
    ]
    for item, text_name, problem in cases:
        for screened in (screen_results([item], text_name), walked([item], text_name)):
            kept, malformed = screened
            if problem is None:
                assert (kept, malformed) == ([item], []), item
            else:
                assert kept == [] and [m.message for m in malformed] == [f"élément illisible : {problem}"], item
