"""Read the tasks of a Label Studio JSON export one at a time, with memory bounded by the largest task.

``iter_tasks(path)`` yields exactly the Python objects ``json.load`` (as wrapped by
:func:`~partages_ls.exporters.shape.parse_json`) gives for each element of the export's list: same
types, same key order, same floats, big integers, lone surrogates from ``\\ud800`` escapes, NaN,
last value of a duplicated key. The file is read in chunks; the buffer only grows past a chunk
when one task is larger than that.

How a task is found and decoded (figures in ``benchmarks/bench_parsers.py``):

1. **Where it ends.** msgspec decodes the buffer from the task's first byte as an object of raw
   values (``dict[str, msgspec.Raw]``: nested values are skipped, not built) and stops at the
   first byte after the object, which it names in its "trailing characters (byte N)" error. When
   that does not apply (the task is not an object, the buffer ends inside the task, msgspec rejects
   something the standard library accepts), a bracket matcher that skips strings finds the end, or
   says more bytes are needed.
2. **What it holds.** msgspec decodes the task's bytes into Python objects. msgspec either agrees
   with the standard library or refuses (measured: integers past 64 bits stay exact, lone
   surrogates, NaN, infinities and integers beyond Python's limit are refused); on refusal the same
   bytes go through ``parse_json``, so the result is always the standard library's. orjson was
   ruled out because it turns integers past 64 bits into floats without an error, ijson's C
   backend because it turns a ``\\ud800`` escape into ``?`` without one.

Errors (not JSON, not UTF-8, not a list of objects, truncated) raise :class:`DiagnosticError`
naming the file, the byte offset and the task's position in the list, so a 1 GB file can be
opened at the right place. Tasks before the error have already been yielded: a consumer writes
its outputs to a temporary place and moves them into place at the end (``exporters/output.py``
already does), so a late error never leaves a partial output.

Only the JSON list Label Studio's JSON export writes is read: no command accepts JSON lines.

Next step (not wired yet: the commands are moving to ``workflows/``). Each command consumes the
stream task by task, so memory depends on the largest task and not on the project:

- ``validate``: checks each task as it comes and keeps only the diagnostics (already bounded by
  the findings, not the tasks).
- Every command: the duplicate task and annotation id checks keep the set of ids seen so far (ids
  only, a few bytes per task), not the tasks.
- ``export --to parhaf``: ``read_labelstudio`` turns one task into its documents; rows are
  appended to a ``pyarrow.parquet.ParquetWriter`` and flushed as one row group every few thousand
  documents, per subset file; the split/gold decisions that need every document (seeded splits)
  are taken on the list of report ids collected in a first cheap pass (ids only).
- ``export --to cas`` / ``--to brat``: one CAS JSON or one ``.txt``/``.ann`` pair is written per
  document as its task is read; the type system and ``annotation.conf`` come from the guide, not
  from the data, so nothing waits for the end.
- ``agreement``: per document, the spans of each annotator are matched at once and only
  per-document counts (matched, A, B per label and mode; attribute and field value pairs) are
  kept, which is what the micro/macro figures and the bootstrap resample (documents are the
  resampling unit); each disagreement row is appended to a temporary CSV/JSON-lines spill file
  that the writers copy into ``disagreements.csv`` and ``agreement.json`` at the end, while the
  HTML keeps only its first page (see ``agreement/render.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import msgspec

from partages_ls.errors import Diagnostic, DiagnosticError
from partages_ls.exporters.shape import JsonShapeError, parse_json

CHUNK_SIZE = 1 << 22
"""Bytes read at a time (4 MiB): a task larger than this grows the buffer to hold it."""

_SPACE = re.compile(rb"[ \t\n\r]*")
_TRAILING = re.compile(r"trailing characters \(byte (\d+)\)")
# A whole string (escapes included), a string that does not end in the buffer, or a bracket.
_TOKEN = re.compile(rb'"(?:[^"\\]++|\\.)*+"|["\[\]{}]', re.DOTALL)
_LINE_COLUMN = re.compile(r"line (\d+) column (\d+)")
_NOT_JSON = "the export is not JSON"
_NOT_TASKS = "the export is not a Label Studio task list"
_HINT = "use Label Studio's JSON export (not JSON_MIN, CSV or CONLL)"


def _bracket_end(data: bytes, start: int) -> int | None:
    """End (exclusive) of the object or array opening at ``data[start]``, by bracket depth with
    strings skipped; ``None`` when ``data`` ends first (or inside a string)."""
    depth = 0
    for match in _TOKEN.finditer(data, start):
        token = match.group()
        if token[0] == 0x22:  # a string
            if len(token) == 1:
                return None
            continue
        depth += 1 if token in (b"[", b"{") else -1
        if depth == 0:
            return match.end()
    return None


def _byte_of(text: str, where: str) -> int | None:
    """The byte offset in ``text`` (as UTF-8) of a ``line L column C`` location."""
    found = _LINE_COLUMN.search(where)
    if found is None:
        return None
    line, column = int(found.group(1)), int(found.group(2))
    index = 0
    for _ in range(line - 1):
        index = text.index("\n", index) + 1
    return len(text[: index + column - 1].encode("utf-8", "surrogatepass"))


class _Reader:
    """A window on the file: ``data[pos:]`` are the bytes not consumed yet, ``base`` is the file
    offset of ``data[0]``."""

    def __init__(self, handle: IO[bytes], path: Path, chunk_size: int) -> None:
        self.handle = handle
        self.path = path
        self.chunk_size = chunk_size
        self.data = b""
        self.base = 0
        self.pos = 0
        self.eof = False
        self.bounds = msgspec.json.Decoder(dict[str, msgspec.Raw])
        self.decoder = msgspec.json.Decoder()

    def fill(self) -> None:
        """Drop the consumed bytes and read at least one more chunk (as much as the window holds)."""
        more = self.handle.read(max(self.chunk_size, len(self.data) - self.pos))
        if not more:
            self.eof = True
        self.base += self.pos
        self.data = self.data[self.pos :] + more
        self.pos = 0

    def offset(self, index: int | None = None) -> int:
        return self.base + (self.pos if index is None else index)

    def fail(self, summary: str, why: str, index: int | None = None, *, task: int | None = None) -> DiagnosticError:
        where = f"{self.path}: byte {self.offset(index)}"
        if task is not None:
            where += f" (task {task} of the list, counted from 0)"
        return DiagnosticError(summary, [Diagnostic(where, why, hint=_HINT)])

    def skip_space(self) -> int | None:
        """The next byte after JSON whitespace, or ``None`` at the end of the file."""
        while True:
            found = _SPACE.match(self.data, self.pos)
            self.pos = found.end() if found else self.pos
            if self.pos < len(self.data):
                return self.data[self.pos]
            if self.eof:
                return None
            self.fill()

    def value_end(self) -> int:
        """Index in ``data`` just past the value starting at ``pos`` (the file's end when truncated)."""
        while True:
            try:
                self.bounds.decode(memoryview(self.data)[self.pos :])
            except msgspec.ValidationError:
                pass  # not an object: the bracket matcher decides
            except msgspec.DecodeError as exc:
                found = _TRAILING.search(str(exc))
                if found is not None:
                    # msgspec names the byte after the first trailing character.
                    trailing = self.pos + int(found.group(1)) - 1
                    if self.pos < trailing < len(self.data) and self.data[trailing] in b",]":
                        return trailing
            except RecursionError:
                pass
            else:
                if self.eof:
                    return len(self.data)
            matched = _bracket_end(self.data, self.pos)
            if matched is not None:
                return matched
            if self.eof:
                return len(self.data)
            self.fill()

    def decode(self, end: int, task: int) -> Any:
        """The Python value of ``data[pos:end]``, exactly as the standard library decodes it."""
        raw = memoryview(self.data)[self.pos : end]
        try:
            return self.decoder.decode(raw)
        except (msgspec.DecodeError, RecursionError):
            pass  # refused: the standard library decides, and locates any error
        try:
            text = bytes(raw).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise self.fail("the export is not UTF-8 JSON", str(exc.reason), self.pos + exc.start, task=task) from None
        try:
            return parse_json(text)
        except JsonShapeError as exc:
            inside = _byte_of(text, exc.where)
            raise self.fail(_NOT_JSON, exc.why, None if inside is None else self.pos + inside, task=task) from None


def iter_tasks(path: Path, *, chunk_size: int = CHUNK_SIZE) -> Iterator[dict[str, Any]]:
    """Each task (JSON object) of the export's list, in order, decoded as ``json.load`` would."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise DiagnosticError("cannot read the export", [Diagnostic(str(path), "no such file")]) from None
    except OSError as exc:
        raise DiagnosticError("cannot read the export", [Diagnostic(str(path), exc.strerror or str(exc))]) from None
    with handle:
        yield from read_tasks(handle, path, chunk_size=chunk_size)


def read_tasks(handle: IO[bytes], name: Path, *, chunk_size: int = CHUNK_SIZE) -> Iterator[dict[str, Any]]:
    """Each task of the export open in ``handle`` (read from its current position); errors name ``name``."""
    yield from _tasks(_Reader(handle, name, chunk_size))


def _tasks(reader: _Reader) -> Iterator[dict[str, Any]]:
    first = reader.skip_space()
    if first is None:
        raise reader.fail(_NOT_JSON, "the file is empty")
    if first != ord("["):
        raise reader.fail(_NOT_TASKS, "expected a JSON list of tasks ([ … ])")
    reader.pos += 1
    task = 0
    following = reader.skip_space()
    while following != ord("]"):
        if following is None:
            raise reader.fail(_NOT_JSON, f"the file ends inside the list, before task {task}", task=task)
        if following not in b"{[":
            raise reader.fail(_NOT_TASKS, "expected a task (a JSON object { … })", task=task)
        end = reader.value_end()
        value = reader.decode(end, task)
        if not isinstance(value, dict):
            raise reader.fail(_NOT_TASKS, "expected a task (a JSON object { … }), found a list", task=task)
        yield value
        reader.pos = end
        task += 1
        following = reader.skip_space()
        if following == ord(","):
            reader.pos += 1
            following = reader.skip_space()
            if following == ord("]"):
                raise reader.fail(_NOT_JSON, "a comma before ] (no task after it)", task=task)
        elif following is None:
            raise reader.fail(_NOT_JSON, f"the file ends after task {task - 1}, without the closing ]")
        elif following != ord("]"):
            raise reader.fail(_NOT_JSON, f"expected , or ] after task {task - 1}")
    reader.pos += 1
    if reader.skip_space() is not None:
        raise reader.fail(_NOT_JSON, "extra data after the closing ] of the task list")
