"""Semantic checks of a guide that the schema alone cannot express.

Cross-references (rules naming labels, relations naming label pairs), uniqueness of every
naming, missing French text, colours and hotkeys. All problems are returned, each located.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from partages_ls.errors import Diagnostic, Level
from partages_ls.guides.model import CountRule, Guide, LeadingWordsRule, SpanBoundariesRule, Value

Locate = Callable[[Sequence[int | str]], str]

RESERVED_CONTROL_NAMES = {"text", "report", "relations", "instructions"}
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _duplicates(items: Iterable[str]) -> set[str]:
    return {item for item, count in Counter(items).items() if count > 1}


def _check_values(values: Sequence[Value], path: tuple[int | str, ...], locate: Locate) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    duplicate_ids = _duplicates(v.id for v in values)
    getters: tuple[tuple[str, Callable[[Value], str]], ...] = (
        ("id", lambda v: v.id),
        ("display", lambda v: v.display),
        ("hub", lambda v: v.hub_value),
        ("inception", lambda v: v.inception_value),
    )
    for naming, getter in getters:
        dups = _duplicates(getter(v) for v in values)
        for index, value in enumerate(values):
            follows_from_id = naming in ("hub", "inception") and value.id in duplicate_ids
            if getter(value) in dups and not follows_from_id:
                problems.append(
                    Diagnostic(
                        locate((*path, index, naming)),
                        f"duplicate {naming} value {getter(value)!r}",
                        hint="each value needs its own id, display, hub and INCEpTION naming",
                    )
                )
    for index, value in enumerate(values):
        if not value.display.strip():
            problems.append(
                Diagnostic(
                    locate((*path, index)),
                    f"value {value.id!r} has no French display text",
                    hint="add `display:` (what annotators read)",
                )
            )
    return problems


def _check_label_refs(
    labels: Sequence[str], known: set[str], path: tuple[int | str, ...], locate: Locate, allow_all: bool
) -> list[Diagnostic]:
    problems = []
    for index, label in enumerate(labels):
        if allow_all and label == "*":
            continue
        if label not in known:
            problems.append(
                Diagnostic(
                    locate((*path, index)),
                    f"unknown label {label!r}",
                    hint=f"known labels: {', '.join(sorted(known))}",
                )
            )
    return problems


def check_guide(guide: Guide, locate: Locate) -> list[Diagnostic]:
    """Every semantic problem of a guide that parsed, each with its location."""
    problems: list[Diagnostic] = []
    all_labels = [lab for _, lab in guide.all_labels()]
    known = {lab.id for lab in all_labels}

    for index, label_set in enumerate(guide.label_sets):
        base: tuple[int | str, ...] = ("label_sets", index)
        if not label_set.display.strip():
            problems.append(Diagnostic(locate(base), f"label set {label_set.name!r} has no French display"))
        problems += _check_values(label_set.labels, (*base, "labels"), locate)
        for j, label in enumerate(label_set.labels):
            where = locate((*base, "labels", j))
            if not _COLOUR.match(label.color):
                problems.append(Diagnostic(where, f"label {label.id!r}: colour {label.color!r} is not #rrggbb"))
            if not label.definition.strip():
                problems.append(Diagnostic(where, f"label {label.id!r} has no French definition"))
            if not label.examples:
                problems.append(Diagnostic(where, f"label {label.id!r} has no example", level=Level.WARNING))
            if "," in label.display or "," in label.id:
                problems.append(
                    Diagnostic(where, f"label {label.id!r}: no comma in a label (Label Studio lists them with commas)")
                )
            if label.hotkey is not None and len(label.hotkey) != 1:
                problems.append(Diagnostic(where, f"hotkey {label.hotkey!r} must be one character"))
        set_labels = {lab.id for lab in label_set.labels}
        for j, attribute in enumerate(label_set.attributes):
            attr_path = (*base, "attributes", j)
            if not attribute.display.strip():
                problems.append(Diagnostic(locate(attr_path), f"attribute {attribute.name!r} has no French display"))
            if not attribute.values:
                problems.append(Diagnostic(locate(attr_path), f"attribute {attribute.name!r} has no values"))
            problems += _check_values(attribute.values, (*attr_path, "values"), locate)
            problems += _check_label_refs(
                attribute.applies_to, set_labels, (*attr_path, "applies_to"), locate, allow_all=False
            )
        columns = [label_set.column, *(a.column for a in label_set.attributes)]
        for column in sorted(_duplicates(columns)):
            problems.append(Diagnostic(locate(base), f"two features write the hub column {column!r}"))

    structural = set(guide.export.hub_columns.model_dump().values())
    owners: dict[str, list[str]] = {}
    for ls in guide.label_sets:
        owners.setdefault(ls.column, []).append(f"label set {ls.name}")
        for attribute in ls.attributes:
            owners.setdefault(attribute.column, []).append(f"attribute {attribute.name}")
    for field in guide.document_fields:
        owners.setdefault(field.column, []).append(f"document field {field.name}")
    for column, users in sorted(owners.items()):
        if len(users) > 1 and len(set(users)) == len(users):
            problems.append(Diagnostic(locate(()), f"hub column {column!r} is written by {', '.join(users)}"))
        if column in structural:
            problems.append(Diagnostic(locate(("export",)), f"hub column {column!r} clashes with a structural column"))
    for span_type in sorted(_duplicates(ls.hub_span_type for ls in guide.label_sets)):
        problems.append(Diagnostic(locate(("label_sets",)), f"two label sets share the span type {span_type!r}"))

    across_sets = _duplicates(lab.id for ls in guide.label_sets for lab in {x.id: x for x in ls.labels}.values())
    for label_id in sorted(across_sets):
        problems.append(Diagnostic(locate(("label_sets",)), f"label id {label_id!r} is used by two label sets"))
    hotkeys = [lab.hotkey for lab in all_labels if lab.hotkey]
    for key in sorted(_duplicates(hotkeys)):
        sharing = ", ".join(lab.id for lab in all_labels if lab.hotkey == key)
        problems.append(Diagnostic(locate(("label_sets",)), f"hotkey {key!r} is shared by {sharing}"))

    controls = guide.control_names()
    for name in sorted(_duplicates(controls) | (set(controls) & RESERVED_CONTROL_NAMES)):
        problems.append(
            Diagnostic(
                locate(()),
                f"control name {name!r} is used twice or reserved",
                hint="label sets, attributes and document fields need distinct names",
            )
        )

    for index, relation in enumerate(guide.relations):
        base = ("relations", index)
        if not relation.display.strip():
            problems.append(Diagnostic(locate(base), f"relation {relation.id!r} has no French display"))
        if not relation.definition.strip():
            problems.append(Diagnostic(locate(base), f"relation {relation.id!r} has no French definition"))
        problems += _check_label_refs(relation.sources, known, (*base, "sources"), locate, allow_all=False)
        problems += _check_label_refs(relation.targets, known, (*base, "targets"), locate, allow_all=False)
    for relation_id in sorted(_duplicates(r.id for r in guide.relations)):
        problems.append(Diagnostic(locate(("relations",)), f"duplicate relation id {relation_id!r}"))
    if guide.relations and guide.export.relation_layer is None:
        problems.append(
            Diagnostic(locate(("export",)), "the guide has relations but no `relation_layer` for INCEpTION")
        )

    for index, field in enumerate(guide.document_fields):
        base = ("document_fields", index)
        if not field.display.strip():
            problems.append(Diagnostic(locate(base), f"document field {field.name!r} has no French display"))
        problems += _check_values(field.values, (*base, "values"), locate)
        if field.multiple:
            for j, value in enumerate(field.values):
                if "|" in value.hub_value:
                    problems.append(
                        Diagnostic(locate((*base, "values", j)), "a multi-valued field's hub value may not contain |")
                    )
        if field.justified_by is not None and field.justified_by not in known:
            problems.append(Diagnostic(locate((*base, "justified_by")), f"unknown label {field.justified_by!r}"))
    if guide.document_fields and guide.export.document_layer is None:
        problems.append(Diagnostic(locate(("export",)), "the guide has document fields but no `document_layer`"))

    for index, rule in enumerate(guide.rules):
        base = ("rules", index)
        if not rule.message.strip():
            problems.append(Diagnostic(locate(base), f"rule {rule.id!r} has no French message for annotators"))
        problems += _check_label_refs(rule.labels, known, (*base, "labels"), locate, allow_all=True)
        if isinstance(rule, LeadingWordsRule):
            problems += _check_label_refs(rule.particle_labels, known, (*base, "particle_labels"), locate, False)
        if isinstance(rule, SpanBoundariesRule):
            problems += _check_label_refs(rule.initial_dot_labels, known, (*base, "initial_dot_labels"), locate, False)
        if isinstance(rule, CountRule):
            if rule.min is None and rule.max is None:
                problems.append(Diagnostic(locate(base), f"count rule {rule.id!r} needs `min` or `max`"))
            elif rule.min is not None and rule.max is not None and rule.min > rule.max:
                problems.append(Diagnostic(locate(base), f"count rule {rule.id!r}: min > max"))
    for rule_id in sorted(_duplicates(r.id for r in guide.rules)):
        problems.append(Diagnostic(locate(("rules",)), f"duplicate rule id {rule_id!r}"))
    return problems
