"""The structure a Label Studio result item must have before any guide rule can judge it.

The rule engine reads well-formed JSON: a ``value`` object, ``labels`` and ``choices`` as lists of
strings, names as strings. Anything else (a list where an object is expected, a number where a
label is, a string the UTF-8 files cannot hold) is not an annotation the guide can judge: the item
is set aside here, located by its result id or position, with a reason in French (the reports that
list it are read by the leads). Well-formed items go on to the rules untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from partages_ls.errors import printable


@dataclass(frozen=True)
class Malformed:
    """One result item that cannot be read: ``target`` is its result id, or ``#position``."""

    target: str
    kind: str
    message: str


def obj(value: object) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (for code that reads raw tasks before the reader
    has screened them: a damaged field then holds nothing instead of raising)."""
    return value if isinstance(value, dict) else {}


def objects(value: object) -> list[dict[str, Any]]:
    """The JSON objects of a list field (tasks, annotations, results); anything else holds none."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def encodable(text: str) -> bool:
    """Whether ``text`` can be written as UTF-8 (no lone surrogate such as ``\\ud800``)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def escaped(text: str) -> str:
    """``text`` with lone surrogates and control characters written as ``\\uXXXX`` escapes (for
    messages: what an annotator stored is shown, never executed by a terminal)."""
    return printable(text)


def bad_strings(value: object) -> bool:
    """Whether any string inside ``value`` (keys included) cannot be written as UTF-8."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not encodable(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def all_encodable(value: object) -> bool:
    """Whether every string inside ``value`` can be written as UTF-8, in one C-speed pass.

    True only when msgspec encodes ``value`` without an error, which it refuses for any string
    holding a lone surrogate (keys included); any other refusal (a type JSON does not have, nesting
    too deep) answers False as well, so callers fall back to :func:`bad_strings`, item by item.
    """
    try:
        msgspec.json.encode(value)
    except (UnicodeEncodeError, TypeError, ValueError, OverflowError, RecursionError, msgspec.EncodeError):
        return False
    return True


def _is_id(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _strings_or_none(value: object) -> bool:
    if value is None:
        return True
    if not isinstance(value, list):
        return False
    # A plain loop (noqa): these lists hold one or two names, and a generator costs more than the test.
    for item in value:  # noqa: SIM110
        if not isinstance(item, str):
            return False
    return True


def _kind_of(value: object) -> str:
    names = {dict: "un objet", list: "une liste", str: "un texte", bool: "un booléen", type(None): "null"}
    return names.get(type(value), "un nombre")


def _region_problem(item: dict[str, Any], text_name: str | None) -> str | None:
    control = item.get("from_name")
    if not isinstance(control, str):
        return f"from_name est {_kind_of(control)}, pas un nom de contrôle"
    to_name = item.get("to_name")
    if not isinstance(to_name, str):
        if "to_name" in item:
            return f"to_name est {_kind_of(to_name)}, pas un nom d'objet"
    elif text_name is not None and to_name != text_name:
        return f"to_name « {escaped(to_name)} » inconnu : le texte du compte rendu est « {text_name} »"
    value = item.get("value")
    if not isinstance(value, dict):
        return f"value est {_kind_of(value)}, pas un objet"
    for key in ("labels", "choices"):
        if not _strings_or_none(value.get(key)):
            return f"value.{key} doit être une liste de textes, pas {_kind_of(value.get(key))}"
    stored = value.get("text")
    if "start" in value and stored is not None and not isinstance(stored, str):
        return f"value.text est {_kind_of(stored)}, pas un texte"
    return None


def _relation_problem(item: dict[str, Any]) -> str | None:
    for key in ("from_id", "to_id"):
        if not _is_id(item.get(key)):
            return f"{key} est {_kind_of(item.get(key))}, pas un identifiant de zone"
    if not _strings_or_none(item.get("labels")):
        return f"labels doit être une liste de textes, pas {_kind_of(item.get('labels'))}"
    if not isinstance(item.get("direction", "right"), str):
        return "direction doit être right, left ou bi"
    return None


def screen_results(results: object, text_name: str | None = None) -> tuple[list[dict[str, Any]], list[Malformed]]:
    """The well-formed items of a ``result`` list, and every other item located and explained.

    ``text_name`` is the name of the report's Text object (the guide's data key): a ``to_name``
    naming anything else is reported, not silently accepted.
    """
    if results is None:
        return [], []
    if not isinstance(results, list):
        return [], [Malformed("result", "annotation", f"result est {_kind_of(results)}, pas une liste")]
    kept: list[dict[str, Any]] = []
    malformed: list[Malformed] = []
    # Nearly every result list is clean: one pass over the whole list spares the walk of each item.
    clean = all_encodable(results)
    for position, item in enumerate(results):
        # The common case first, in a few tests of exact types (region items as Label Studio writes
        # them, one label or choice): what passes them is kept by the checks below, which every other
        # item goes through.
        if clean and type(item) is dict:
            get = item.get
            value = get("value")
            kind = get("type")
            if (
                type(value) is dict
                and type(kind) is str
                and kind != "relation"
                and type(get("id")) is str
                and type(get("from_name")) is str
                and type(to_name := get("to_name")) is str
                and (text_name is None or to_name == text_name)
            ):
                read = value.get
                labels = read("labels")
                choices = read("choices")
                stored = read("text")
                if (
                    (labels is None or (type(labels) is list and len(labels) == 1 and type(labels[0]) is str))
                    and (choices is None or (type(choices) is list and len(choices) == 1 and type(choices[0]) is str))
                    and (stored is None or type(stored) is str)
                ):
                    kept.append(item)
                    continue
        if not isinstance(item, dict):
            malformed.append(Malformed(f"#{position}", "result", f"l'élément est {_kind_of(item)}, pas un objet"))
            continue
        rid = item.get("id")
        kind = item.get("type")
        relation = kind == "relation"
        if not clean and bad_strings(item):
            problem: str | None = "texte non encodable en UTF-8 (caractère de substitution isolé, p. ex. \\ud800)"
        elif not isinstance(rid, str) and ("id" in item or not relation) and not _is_id(rid):
            problem = "pas d'id" if "id" not in item else f"id est {_kind_of(rid)}, pas un identifiant"
        elif not isinstance(kind, str) and "type" in item:
            problem = f"type est {_kind_of(kind)}, pas un texte"
        elif relation:
            problem = _relation_problem(item)
        else:
            problem = _region_problem(item, text_name)
        if problem is None:
            kept.append(item)
        else:
            target = f"relation #{position}" if relation else (str(rid) if _is_id(rid) else f"#{position}")
            malformed.append(Malformed(target, "relation" if relation else "result", f"élément illisible : {problem}"))
    return kept, malformed


class _Oversized(ValueError):
    def __init__(self, digits: str) -> None:
        super().__init__(digits)
        self.digits = digits


_MAX_DIGITS = 4300  # Python's own limit for converting a decimal string to int


def _parse_int(digits: str) -> int:
    if len(digits) > _MAX_DIGITS:
        raise _Oversized(digits)
    return int(digits)


def _line_column(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    return f"line {line} column {index - (text.rfind(chr(10), 0, index) + 1) + 1}"


def _too_deep_at(text: str, limit: int = 500) -> int:
    depth, in_string, escape = 0, False, False
    for index, char in enumerate(text):
        if in_string:
            if escape:
                escape = False
            elif char == "\\":
                escape = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return index
        elif char in "]}":
            depth -= 1
    return 0


def parse_json(text: str) -> Any:
    """``json.loads`` whose every failure is a :class:`JsonShapeError` saying where (line, column).

    Beyond syntax errors: integers too long to convert and nesting too deep to decode, which the
    standard decoder reports without a position (or as a RecursionError).
    """
    import json

    try:
        return json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise JsonShapeError(f"line {exc.lineno} column {exc.colno}", exc.msg) from None
    except _Oversized as exc:
        where = _line_column(text, max(text.find(exc.digits), 0))
        raise JsonShapeError(where, f"an integer of {len(exc.digits)} digits (no field holds such a number)") from None
    except RecursionError:
        where = _line_column(text, _too_deep_at(text))
        raise JsonShapeError(where, "nested too deep (hundreds of [ or { without their closing brackets)") from None


class JsonShapeError(ValueError):
    """JSON that cannot be decoded, with where (``line L column C``) and why."""

    def __init__(self, where: str, why: str) -> None:
        super().__init__(f"{where}: {why}")
        self.where = where
        self.why = why
