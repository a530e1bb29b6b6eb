"""Hostile variants of Label Studio exports for property and fuzz tests.

Well-typed generators never produce what broke the reader: a list where ``value`` is, a number
where ``labels`` are, a lone surrogate in an e-mail. These strategies put *any* JSON value where a
field is expected, delete and duplicate items, wrap values in lists, and damage the JSON text
itself (truncation, 5,000-digit integers, 200,000 opening brackets).

``unaccounted`` is the invariant: every result of every submitted annotation is either exported
or listed (skipped or warned) with where it was.
"""

from __future__ import annotations

import contextlib
import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from partages_ls.exporters.corpus import Corpus
from partages_ls.rules.engine import relation_key

SAMPLES = Path(__file__).resolve().parents[2] / "samples"

LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
    st.sampled_from(["\ud800", "a\udfffb", "\x1b[31mrouge\x1b[0m", "=HYPERLINK(1)", "", " ", "LABEL", "text", "0"]),
    st.just(10**4000),  # converts (below Python's 4,300-digit limit) but is no offset nor id
    st.sampled_from(["relation", "labels", "choices", "left", "bi"]),
)
JSON_VALUES = st.recursive(
    LEAVES,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3),
    max_leaves=5,
)
OPERATIONS = ["replace", "replace", "replace", "delete", "duplicate", "wrap", "insert"]


def _copy(value: Any) -> Any:
    """A shallow copy of a container (the path to a change is copied, the rest is shared)."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def mutate(draw: st.DrawFn, data: Any) -> Any:
    """One structural damage at a random place of ``data`` (at least two levels deep: inside a task).

    The containers on the way down are copied, so ``data`` itself is never changed and the cost is
    the depth of the place, not the size of the export.
    """
    root = _copy(data)
    node, parent, key = root, None, None
    for _ in range(draw(st.integers(2, 8))):
        if isinstance(node, dict) and node:
            step: Any = draw(st.sampled_from(sorted(node, key=str)))
        elif isinstance(node, list) and node:
            step = draw(st.integers(0, len(node) - 1))
        else:
            break
        child = _copy(node[step])
        node[step] = child
        parent, key, node = node, step, child
    if parent is None or (isinstance(root, list) and parent is root):
        return root
    operation = draw(st.sampled_from(OPERATIONS))
    if operation == "replace":
        parent[key] = draw(JSON_VALUES)
    elif operation == "delete":
        del parent[key]
    elif operation == "duplicate" and isinstance(parent, list):
        parent.insert(key, copy.deepcopy(parent[key]))
    elif operation == "wrap":
        parent[key] = [parent[key]]
    elif isinstance(node, dict):
        field = draw(st.sampled_from(["id", "value", "labels", "from_name", "to_name", "type", "start", "choices"]))
        node[field] = draw(JSON_VALUES)
    else:
        parent[key] = draw(JSON_VALUES)
    return root


@st.composite
def hostile(draw: st.DrawFn, base: Any, most: int = 4) -> Any:
    """``base`` with one to ``most`` structural damages (type swaps, deletions, duplicates…)."""
    data = base
    for _ in range(draw(st.integers(1, most))):
        data = mutate(draw, data)
    return data


@st.composite
def damaged_text(draw: st.DrawFn, data: Any) -> str:
    """The JSON text of ``data``, sometimes damaged as a file can be (cut, huge number, deep nesting)."""
    text = json.dumps(data)  # lone surrogates travel as \\ud800 escapes, as in a real export
    damage = draw(st.sampled_from(["none", "none", "none", "none", "cut", "digits", "brackets"]))
    if damage == "cut":
        return text[: draw(st.integers(0, max(len(text) - 1, 0)))]
    if damage == "digits":
        where = draw(st.integers(0, len(text)))
        return text[:where] + "9" * 5000 + text[where:]
    if damage == "brackets":
        return "[" * 200_000 + text
    return text


def sample_export(guide: str, gold: str = "camille.martin@exemple.fr", other: str = "louis.bernard@exemple.fr") -> Any:
    """A Label Studio export of the bundled samples: every report, both annotators, as the server exports it."""
    from .lsexport import annotation, task

    folder = SAMPLES / guide
    results = {
        who: {
            item["report"]: item["result"] for item in json.loads((folder / "annotations" / f"{who}.json").read_text())
        }
        for who in (gold, other)
    }
    tasks = []
    for number, path in enumerate(sorted((folder / "reports").glob("*.txt")), 1):
        text = path.read_text(encoding="utf-8")
        annotations = [
            annotation(10 * number + k, who, copy.deepcopy(results[who].get(path.stem, [])))
            for k, who in enumerate((gold, other))
        ]
        tasks.append(task(number, path.stem, text, annotations))
    return tasks


def _listed(corpus: Corpus) -> str:
    return "\n".join(s.where for s in [*corpus.skipped, *corpus.warnings])


def _id_of(item: dict[str, Any], position: int) -> str:
    rid = item.get("id")
    valid = isinstance(rid, str) or (isinstance(rid, int) and not isinstance(rid, bool))
    return str(rid) if valid else f"#{position}"


def unaccounted(tasks: Any, corpus: Corpus) -> list[str]:
    """Result items of submitted annotations neither exported nor listed (should be empty)."""
    listed = _listed(corpus)
    exported = {(d.task_id, a.annotation_id): a for d in corpus.documents for a in d.annotations}
    missing = []
    for task in tasks if isinstance(tasks, list) else []:
        task_id = task.get("id") if isinstance(task, dict) else None
        annotations = task.get("annotations") if isinstance(task, dict) else None
        if not isinstance(annotations, list) or not isinstance(task_id, int) or isinstance(task_id, bool):
            continue  # nothing to account for, or located by position only (checked by the listing itself)
        for raw in annotations:
            if not isinstance(raw, dict) or raw.get("was_cancelled"):
                continue
            aid = raw.get("id")
            if not isinstance(aid, int) or isinstance(aid, bool):
                continue
            annotation = exported.get((task_id, aid))
            if annotation is None:
                if f"annotation {aid}" not in listed and f"task {task_id}" not in listed:
                    missing.append(f"task {task_id} / annotation {aid}")
                continue
            results = raw.get("result")
            if not isinstance(results, list):
                continue
            spans = {s.id for s in annotation.spans}
            relations = {(r.source, r.target, r.type) for r in annotation.relations}
            for position, item in enumerate(results):
                where = f"task {task_id} / annotation {aid}"
                if not isinstance(item, dict):
                    if f'{where} / result "#{position}"' not in listed:
                        missing.append(f"{where} / #{position}")
                    continue
                if item.get("type") == "relation":
                    labels = item.get("labels")
                    first = labels[0] if isinstance(labels, list) and labels else ""
                    label = first if isinstance(first, str) else "?"
                    ends = (str(item.get("from_id")), str(item.get("to_id")), label)
                    keys = [f'"relation #{position}"']
                    with contextlib.suppress(TypeError):
                        keys.append(f'"{relation_key(item)}"')
                    kept = ends in relations or (ends[1], ends[0], ends[2]) in relations
                    if not kept and not any(f"{where} / result {k}" in listed for k in keys):
                        missing.append(f"{where} / relation #{position}")
                    continue
                rid = _id_of(item, position)
                value = item.get("value")
                control = item.get("from_name")
                field = (isinstance(control, str) and control in annotation.fields) or (
                    isinstance(value, dict) and "start" not in value and not value.get("choices")
                )
                if rid in spans or field or f'{where} / result "{rid}"' in listed:
                    continue
                if f'{where} / result "field:{item.get("from_name")}"' in listed:
                    continue
                missing.append(f"{where} / result {rid}")
    return missing
