"""Write plain data as indented JSON text: the bytes of ``json.dump(value, handle, indent=2, ensure_ascii=False)``.

The standard library encodes with its C encoder only without ``indent``; with an indent it runs
a chain of Python generators that re-yields every token through each level of nesting, which made
writing ``agreement.json`` (tens of MB at PARHAF scale) and ``export-report.json`` slow. This
writer walks the value once, encodes strings with the same C function the standard library uses
(``encode_basestring``), numbers with the same ``repr``, and writes in chunks, so the file holds the
same bytes and memory holds one chunk of text.

An object or array that holds only plain scalars (each disagreement, each per-document row) is
encoded in one call of the standard library's C encoder, its item separator carrying the newline
and indentation: without nesting, that is exactly the indented text.
"""

from __future__ import annotations

import json.encoder
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from typing import IO, Any

INDENT = "  "
FLUSH = 1 << 14  # pieces of text held before they are written

_string = json.encoder.encode_basestring  # the C encoder when available, as json.dump uses it
_c_make_encoder: Callable[..., Callable[[Any, int], list[str]]] | None = getattr(json.encoder, "c_make_encoder", None)


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == float("-inf"):
        return "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    """A dict key as json turns it into a string (same conversions, same refusal)."""
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def _constant(text: str) -> Callable[[Any], str]:
    return lambda _: text


_SCALARS: dict[type, Callable[[Any], str]] = {
    str: _string,
    int: int.__repr__,
    float: _float,
    bool: lambda value: "true" if value else "false",
    type(None): _constant("null"),
}
"""Encoders of the exact scalar types (subclasses such as enums go through ``_Writer.value``)."""

_SCALAR_TYPES = frozenset(_SCALARS)


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


class _FlatEncoders:
    """The C encoder of flat containers, one per nesting level (its item separator holds the indentation)."""

    def __init__(self) -> None:
        self.by_level: dict[int, Callable[[Any, int], list[str]]] = {}

    def __call__(self, level: int) -> Callable[[Any, int], list[str]] | None:
        encode = self.by_level.get(level)
        if encode is None and _c_make_encoder is not None:
            # No circular check (scalars only), keys converted and refused as json does, NaN allowed.
            encode = self.by_level[level] = _c_make_encoder(
                None, _refuse, _string, None, ": ", ",\n" + INDENT * (level + 1), False, False, True
            )
        return encode


def _flat(values: Any) -> bool:
    """Whether every item is a plain scalar (``values`` an iterable of them): no nesting below."""
    return _SCALAR_TYPES.issuperset(map(type, values))


class Streamed(ABC):
    """A list written as a JSON array without being held: its length, then its items read one by one."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def __iter__(self) -> Iterator[Any]: ...


class StreamedMapping(ABC):
    """An object written as a JSON object without being held: its length, then its items made one by one."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def items(self) -> Iterator[tuple[str, Any]]: ...


class _Writer:
    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle
        self.pieces: list[str] = []
        self.flat = _FlatEncoders()

    def flush(self) -> None:
        self.handle.write("".join(self.pieces))
        self.pieces.clear()

    def value(self, value: Any, level: int) -> None:
        pieces = self.pieces
        if isinstance(value, str):
            pieces.append(_string(value))
        elif value is None:
            pieces.append("null")
        elif value is True:
            pieces.append("true")
        elif value is False:
            pieces.append("false")
        elif isinstance(value, int):
            pieces.append(int.__repr__(value))
        elif isinstance(value, float):
            pieces.append(_float(value))
        elif isinstance(value, list | tuple | Streamed):
            self.sequence(value, level)
        elif isinstance(value, dict | StreamedMapping):
            self.mapping(value, level)
        else:
            raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")
        if len(pieces) > FLUSH:
            self.flush()

    def sequence(self, value: list[Any] | tuple[Any, ...] | Streamed, level: int) -> None:
        if not value:
            self.pieces.append("[]")
            return
        inner = "\n" + INDENT * (level + 1)
        pieces = self.pieces
        if (type(value) is list or type(value) is tuple) and _flat(value) and self._encode_flat(value, level, inner):
            return
        separator = "[" + inner
        for item in value:
            encode = _SCALARS.get(type(item))
            if encode is not None:  # a plain scalar: encoded here, no call through value()
                pieces.append(separator + encode(item))
            else:
                pieces.append(separator)
                self.value(item, level + 1)
            separator = "," + inner
            if len(pieces) > FLUSH:
                self.flush()
        pieces.append("\n" + INDENT * level + "]")

    def mapping(self, value: dict[Any, Any] | StreamedMapping, level: int) -> None:
        if not value:
            self.pieces.append("{}")
            return
        inner = "\n" + INDENT * (level + 1)
        pieces = self.pieces
        if type(value) is dict and _flat(value.values()) and self._encode_flat(value, level, inner):
            return
        opening = "{" + inner
        for key, item in value.items():
            name = _string(key) if type(key) is str else _string(_key(key))
            encode = _SCALARS.get(type(item))
            if encode is not None:  # a plain scalar: encoded here, no call through value()
                pieces.append(opening + name + ": " + encode(item))
            else:
                pieces.append(opening + name + ": ")
                self.value(item, level + 1)
            opening = "," + inner
            if len(pieces) > FLUSH:
                self.flush()
        pieces.append("\n" + INDENT * level + "}")

    def _encode_flat(self, value: list[Any] | tuple[Any, ...] | dict[Any, Any], level: int, inner: str) -> bool:
        """Append a non-empty container of plain scalars as one piece; ``False`` without the C encoder."""
        encode = self.flat(level)
        if encode is None:
            return False
        text = "".join(encode(value, 0))  # "{" item ",\n  " item … "}": the brackets get their own lines
        self.pieces.append(text[0] + inner + text[1:-1] + "\n" + INDENT * level + text[-1])
        return True


def write_json(value: Any, handle: IO[str]) -> None:
    """Write ``value`` to ``handle`` exactly as ``json.dump(value, handle, indent=2, ensure_ascii=False)``."""
    writer = _Writer(handle)
    writer.value(value, 0)
    writer.flush()
