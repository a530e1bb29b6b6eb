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
