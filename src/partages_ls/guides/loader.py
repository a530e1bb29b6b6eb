"""Load guide YAML files into the model, reporting every problem at once with where it is.

Locations look like ``guides/infectiologie.yaml:42: label_sets[0].labels[3].color``: the file,
the line of the offending node, and the path of keys and indexes to it.
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import ValidationError

from partages_ls.errors import Diagnostic, DiagnosticError, Level
from partages_ls.guides.checks import check_guide
from partages_ls.guides.model import Guide, Rule

PathKey = tuple[int | str, ...]

VALUE_FILE_COLUMNS = ("id", "display", "hub", "inception", "definition")


def format_path(path: Sequence[int | str]) -> str:
    """``('label_sets', 0, 'labels', 3)`` → ``label_sets[0].labels[3]``."""
    text = ""
    for key in path:
        if isinstance(key, int):
            text += f"[{key}]"
        else:
            text += ("." if text else "") + key
    return text


def _node_lines(node: yaml.Node, path: PathKey, out: dict[PathKey, int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[(*path, key)] = key_node.start_mark.line + 1
            _node_lines(value_node, (*path, key), out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _node_lines(item, (*path, index), out)


class _Locator:
    """Maps a model path to ``file:line: path`` using the YAML node marks."""

    def __init__(self, display_name: str, lines: dict[PathKey, int]) -> None:
        self.display_name = display_name
        self.lines = lines

    def __call__(self, path: Sequence[int | str]) -> str:
        key = tuple(path)
        while key and key not in self.lines:
            key = key[:-1]
        line = self.lines.get(key)
        where = f"{self.display_name}:{line}" if line else self.display_name
        return f"{where}: {format_path(path)}" if path else where


def _display_name(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _load_values_file(path: Path, where: str) -> tuple[list[dict[str, str]], list[Diagnostic]]:
    """Read a CSV list of values (id,display[,hub,inception,definition])."""
    problems: list[Diagnostic] = []
    if not path.is_file():
        return [], [Diagnostic(where, f"values file {path} does not exist", hint="fix `values_from`")]
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in ("id", "display") if c not in header]
        unknown = [c for c in header if c not in VALUE_FILE_COLUMNS]
        if missing or unknown:
            return [], [
                Diagnostic(
                    f"{_display_name(path)}:1",
                    f"header must be id,display[,hub,inception,definition]; missing {missing}, unknown {unknown}",
                )
            ]
        values: list[dict[str, str]] = []
        for row in reader:
            item = {k: v.strip() for k, v in row.items() if k and v and v.strip()}
            if "id" not in item:
                problems.append(Diagnostic(f"{_display_name(path)}:{reader.line_num}", "row without an id"))
                continue
            values.append(item)
    return values, problems


def _expand_values_files(data: dict[str, Any], base: Path, locate: _Locator) -> list[Diagnostic]:
    """Replace each attribute's ``values_from`` by the values it names (kept as provenance)."""
    problems: list[Diagnostic] = []
    for i, label_set in enumerate(data.get("label_sets") or []):
        if not isinstance(label_set, dict):
            continue
        for j, attribute in enumerate(label_set.get("attributes") or []):
            if not isinstance(attribute, dict) or not attribute.get("values_from"):
                continue
            where = locate(("label_sets", i, "attributes", j, "values_from"))
            if attribute.get("values"):
                problems.append(Diagnostic(where, "give `values` or `values_from`, not both"))
                continue
            values, found = _load_values_file(base / str(attribute["values_from"]), where)
            problems.extend(found)
            attribute["values"] = values
    return problems


def _pydantic_diagnostics(error: ValidationError, locate: _Locator) -> Iterator[Diagnostic]:
    for item in error.errors():
        path = [p for p in item["loc"] if not (isinstance(p, str) and p in _UNION_TAGS)]
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key (misspelt?)"
        yield Diagnostic(locate(path), message)


def _union_tags() -> frozenset[str]:
    """The ``kind`` of every rule model of the guide's ``Rule`` union: pydantic puts the tag of the
    member it tried in an error's location (``rules[0].span_boundaries.labels``), which a guide's
    author never wrote, so locations leave it out."""
    union = get_args(Rule)[0]
    return frozenset(tag for member in get_args(union) for tag in get_args(member.model_fields["kind"].annotation))


_UNION_TAGS = _union_tags()


def parse_guide(text: str, *, source: Path) -> Guide:
    """Parse guide YAML text; raise DiagnosticError listing every problem with its location."""
    name = _display_name(source)
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        problem = getattr(exc, "problem", None) or str(exc)
        if mark is not None:
            problem += f" (column {mark.column + 1})"
        raise DiagnosticError(
            f"{name}: not valid YAML",
            [Diagnostic(where, problem, hint="quote values that contain ' : ' or start with a symbol")],
        ) from exc
    lines: dict[PathKey, int] = {}
    if node is not None:
        _node_lines(node, (), lines)
    locate = _Locator(name, lines)
    if not isinstance(data, dict):
        raise DiagnosticError(f"{name}: invalid guide", [Diagnostic(name, "a guide is a YAML mapping")])
    problems = _expand_values_files(data, source.parent, locate)
    try:
        guide = Guide.model_validate(data)
    except ValidationError as exc:
        problems.extend(_pydantic_diagnostics(exc, locate))
        raise DiagnosticError(f"{name}: invalid guide", problems) from None
    problems.extend(check_guide(guide, locate))
    if guide.name != source.stem:
        problems.append(
            Diagnostic(locate(("name",)), f"name {guide.name!r} differs from the file name {source.stem!r}")
        )
    errors = [p for p in problems if p.level is Level.ERROR]
    if errors:
        raise DiagnosticError(f"{name}: invalid guide", problems)
    return guide


def load_guide_file(path: Path) -> Guide:
    return parse_guide(path.read_text(encoding="utf-8"), source=path)


def guide_files(folder: Path) -> list[Path]:
    """The guide files of a folder, in name order."""
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("_"))


def load_guides(folder: Path) -> dict[str, Guide]:
    """Every guide of a folder; problems of all files are reported together."""
    guides: dict[str, Guide] = {}
    problems: list[Diagnostic] = []
    for path in guide_files(folder):
        try:
            guide = load_guide_file(path)
        except DiagnosticError as exc:
            problems.extend(exc.diagnostics)
            continue
        guides[guide.name] = guide
    if problems:
        raise DiagnosticError("invalid guides", problems)
    return guides


def load_guide(name_or_path: str, folder: Path) -> Guide:
    """A guide of ``folder`` by name (``infectiologie``), or a guide file by path."""
    candidate = Path(name_or_path)
    if candidate.suffix in {".yaml", ".yml"} and candidate.exists():
        return load_guide_file(candidate)
    path = folder / f"{name_or_path}.yaml"
    if not path.is_file():
        raise unknown_guide(name_or_path, [p.stem for p in guide_files(folder)])
    return load_guide_file(path)


def closest_name(name: str, known: Sequence[str]) -> str | None:
    """The known name closest to a mistyped one (case and spelling), or None when none is close."""
    lowered = {k.lower(): k for k in known}
    if name.strip().lower() in lowered:
        return lowered[name.strip().lower()]
    match = difflib.get_close_matches(name.strip().lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def unknown_guide(name: str, known: Sequence[str]) -> DiagnosticError:
    """The error for a guide name that names no guide: the closest known name first, then all of them."""
    closest = closest_name(name, known)
    return DiagnosticError(
        f"unknown guide {name!r}" + (f"; did you mean {closest!r}?" if closest else ""),
        [Diagnostic(str(name), f"no such guide; known guides: {', '.join(sorted(known))}")],
    )
