"""The streaming reader yields exactly what ``load_export`` (``json.load``) reads, and locates what it cannot.

Equality is checked on ``repr`` so that types (``1`` vs ``1.0``), ``-0.0``, NaN, key order and lone
surrogates count. Small chunk sizes put a buffer boundary inside every token of the file.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partages_ls.cli.main import cli
from partages_ls.content import content_dir
from partages_ls.errors import DiagnosticError
from partages_ls.exporters.labelstudio.read import load_export, read_labelstudio
from partages_ls.exporters.task_stream import iter_tasks
from partages_ls.guides.loader import load_guide

from .every_kind import SKIP_KINDS, SKIP_RULES, WARNING_RULES, every_kind_export
from .mutations import JSON_VALUES, damaged_text, sample_export

CHUNKS = (1, 7, 4096, 1 << 22)

AWKWARD: dict[str, Any] = {
    "unicode": "Fièvre à 39 °C — 発熱 🦠 \u2028 \u00a0",
    "escapes": 'quote " backslash \\ slash / tab \t newline \n nul \x00 \x1b bell \x07',
    "surrogates": ["\ud800", "a\udfffb", "\ud83d\ude00"],
    "big": [2**64, -(2**70), 10**4000, 0, -0],
    "floats": [0.1, -0.0, 1e-7, 5e-324, 1.7976931348623157e308, 1e22, 123456789.123456789],
    "special": [math.inf, -math.inf],
    "nested": {"a": [[{"b": [[[]]]}], {}], "": {"": ""}},
    "empty": [],
    "keys": {"é": 1, "\ud800": 2, "}": "{", "]": "[", '"': "\\"},
    "brackets in text": "{[}]] , ] }",
}


def _same(path: Path, chunk: int) -> None:
    assert repr(list(iter_tasks(path, chunk_size=chunk))) == repr(load_export(path))


def _write(tmp_path: Path, text: str | bytes, name: str = "export.json") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize("layout", ["compact", "indented", "crlf", "utf-8"])
def test_every_kind_of_value_reads_as_json_load_reads_it(tmp_path: Path, chunk: int, layout: str) -> None:
    data = dict(AWKWARD)
    if layout == "utf-8":  # raw UTF-8 text cannot hold a lone surrogate: only its escape can
        data["surrogates"] = ["\U0001f600"]
        data["keys"] = {k: v for k, v in AWKWARD["keys"].items() if k != "\ud800"}
    tasks: list[Any] = [{"id": 1, "data": data}, {}, {"id": 3, "nan": math.nan, "data": {"text": "x" * 9000}}]
    text = {
        "compact": json.dumps(tasks, separators=(",", ":")),
        "indented": json.dumps(tasks, indent=2),
        "crlf": json.dumps(tasks, indent="\t").replace("\n", "\r\n"),
        "utf-8": f" \n{json.dumps(tasks, ensure_ascii=False)}\n\n",
    }[layout]
    path = _write(tmp_path, text)
    streamed = list(iter_tasks(path, chunk_size=chunk))
    assert repr(streamed) == repr(load_export(path))
    assert streamed[0]["data"]["big"][2] == 10**4000 and type(streamed[0]["data"]["floats"][1]) is float
    assert streamed[0]["data"]["surrogates"][0] == data["surrogates"][0]


@pytest.mark.parametrize("chunk", CHUNKS)
def test_an_empty_list_and_duplicate_keys(tmp_path: Path, chunk: int) -> None:
    assert list(iter_tasks(_write(tmp_path, " [ \n ] \n"), chunk_size=chunk)) == []
    _same(_write(tmp_path, '[{"a": 1, "b": 2, "a": 3}, {"a": {"x": 1}, "a": []}]', "dup.json"), chunk)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    tasks=st.lists(st.dictionaries(st.text(max_size=5), JSON_VALUES, max_size=4), max_size=5),
    indent=st.sampled_from([None, 0, 1]),
    chunk=st.sampled_from(CHUNKS),
)
def test_any_task_list_reads_as_json_load_reads_it(tmp_path: Path, tasks: Any, indent: int | None, chunk: int) -> None:
    _same(_write(tmp_path, json.dumps(tasks, indent=indent)), chunk)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data(), chunk=st.sampled_from([3, 1 << 22]))
def test_a_damaged_file_is_refused_by_both_or_read_alike(tmp_path: Path, data: st.DataObject, chunk: int) -> None:
    """Cut files, 5,000-digit integers, 200,000 brackets: both readers refuse, or both read the same."""
    tasks = data.draw(st.lists(st.dictionaries(st.text(max_size=3), JSON_VALUES, max_size=3), max_size=3))
    path = _write(tmp_path, data.draw(damaged_text(tasks)))
    try:
        expected = repr(load_export(path))
    except DiagnosticError:
        with pytest.raises(DiagnosticError, match=r"export\.json: byte \d+"):
            list(iter_tasks(path, chunk_size=chunk))
    else:
        assert repr(list(iter_tasks(path, chunk_size=chunk))) == expected


@pytest.mark.parametrize("chunk", [64, 1 << 22])
def test_the_export_with_every_kind_of_item_and_skip_reads_the_same(tmp_path: Path, chunk: int) -> None:
    path = _write(tmp_path, json.dumps(every_kind_export(), indent=1))
    streamed = list(iter_tasks(path, chunk_size=chunk))
    assert repr(streamed) == repr(load_export(path))
    guide = load_guide("infectiologie", content_dir("guides"))
    corpus = read_labelstudio(streamed, guide, source=path.name)
    assert corpus == read_labelstudio(load_export(path), guide, source=path.name)
    assert {s.kind for s in corpus.skipped} >= SKIP_KINDS
    assert {s.rule for s in corpus.skipped} >= SKIP_RULES
    assert {w.rule for w in corpus.warnings} >= WARNING_RULES


def _outputs(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("target", ["parhaf", "cas", "brat"])
def test_exports_of_the_streamed_tasks_are_byte_identical(tmp_path: Path, target: str) -> None:
    """The harness for the streaming commands: today's export of the file, and the export of the
    tasks the stream read (written back as a file of the same name), give the same bytes."""
    original = tmp_path / "a" / "export.json"
    original.parent.mkdir()
    original.write_text(json.dumps(every_kind_export(), indent=1), encoding="utf-8")
    again = tmp_path / "b" / "export.json"
    again.parent.mkdir()
    again.write_text(json.dumps(list(iter_tasks(original, chunk_size=64))), encoding="utf-8")
    outputs = []
    for export in (original, again):
        out = export.parent / "out"
        args = ["export", str(export), "--guide", "infectiologie", "--to", target, "--out", str(out)]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 3, result.output  # written, with items listed as left out
        outputs.append(_outputs(out))
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > 2


# (file content, byte offset of the error, task position or None, words of the message)
MALFORMED: dict[str, tuple[bytes, int, int | None, str]] = {
    "empty file": (b"", 0, None, "empty"),
    "an object": (b'{"tasks": []}', 0, None, "expected a JSON list of tasks"),
    "a scalar item": (b'[{"id": 1}, 7]', 12, 1, "expected a task"),
    "a list item": (b'[{"id": 1}, [1]]', 12, 1, "found a list"),
    "cut inside a task": (b'[{"id": 1}, {"id": 2, "data": {"te', 31, 1, "Unterminated string"),
    "cut after a task": (b'[{"id": 1}, {"id": 2}', 21, None, "without the closing ]"),
    "no comma": (b'[{"id": 1} {"id": 2}]', 11, None, "expected , or ] after task 0"),
    "trailing comma": (b'[{"id": 1},\n]', 12, 1, "a comma before ]"),
    "extra data": (b'[{"id": 1}] x', 12, None, "extra data"),
    "bad escape": (b'[{"id": 1}, {"a": "\\x"}]', 19, 1, "Invalid \\escape"),
    "not UTF-8": (b'[{"id": 1}, {"a": "\xff"}]', 19, 1, "invalid start byte"),
    "surrogate bytes": (b'[{"a": "\xed\xa0\x80"}]', 8, 0, "invalid continuation byte"),
    "huge integer": (b'[{"id": 1}, {"n": ' + b"9" * 5000 + b"}]", 18, 1, "5000 digits"),
    "too deep": (b'[{"a": ' + b"[" * 200_000 + b"]", 1 + 5 + 500, 0, "nested too deep"),
}


@pytest.mark.parametrize("chunk", [5, 1 << 22])
@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_export_is_located_by_byte_and_task(tmp_path: Path, name: str, chunk: int) -> None:
    content, offset, position, words = MALFORMED[name]
    path = _write(tmp_path, content)
    with pytest.raises(DiagnosticError):
        load_export(path)  # refused today too
    with pytest.raises(DiagnosticError) as caught:
        list(iter_tasks(path, chunk_size=chunk))
    message = caught.value.render()
    assert f"export.json: byte {offset}" in message, message
    assert (f"(task {position} of the list" in message) == (position is not None), message
    assert words in message, message


def test_a_missing_file_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(DiagnosticError, match="no such file"):
        list(iter_tasks(tmp_path / "absent.json"))


def test_a_well_formed_export_never_needs_the_slow_bracket_matcher(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast path reads msgspec's "trailing characters (byte N)": if a msgspec release words it
    otherwise, reading stays exact (the matcher takes over) but slow, and this test says so."""
    from partages_ls.exporters import task_stream

    def refuse(data: bytes, start: int) -> int | None:
        raise AssertionError(f"the bracket matcher ran at byte {start}: msgspec's error message changed?")

    path = _write(tmp_path, json.dumps(sample_export("infectiologie"), indent=1, ensure_ascii=False))
    monkeypatch.setattr(task_stream, "_bracket_end", refuse)
    assert repr(list(iter_tasks(path))) == repr(load_export(path))
