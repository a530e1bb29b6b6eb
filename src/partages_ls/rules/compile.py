"""A guide's rules compiled to plain JSON data, read by both rule engines.

The Python engine (``rules/engine.py``: export, import, ``partages-ls validate``) and the JavaScript
plugin engine (``plugins/js/engine.js``, labeling interface) take this same document, so the two
cannot disagree on what a guide allows: it carries the guide's vocabulary, each check's level and
French message (templates with ``{placeholders}``), and each guide rule's parameters. The rules
themselves are listed in ``rules/table.py``.
"""

from __future__ import annotations

from typing import Any

from partages_ls.guides.model import Guide
from partages_ls.rules.table import CHECKS, RULE_KINDS

# 2: the checks every guide gets carry their level (``checks``), not only their message.
RULES_FORMAT = 2


def _labels(guide: Guide, selected: list[str]) -> list[str]:
    """The label ids a rule applies to (``["*"]``: every label of the guide)."""
    if selected == ["*"]:
        return [lab.id for _, lab in guide.all_labels()]
    return list(selected)


def compile_rules(guide: Guide) -> dict[str, Any]:
    """The guide's vocabulary and rules as JSON-ready data (stable key order)."""
    label_sets = {ls.name: [lab.id for lab in ls.labels] for ls in guide.label_sets}
    displays = {lab.id: lab.display for _, lab in guide.all_labels()}
    attributes = {
        attribute.name: {
            "label_set": ls.name,
            "display": attribute.display,
            "applies_to": list(attribute.applies_to),
            "values": [v.id for v in attribute.values],
            "required": attribute.required,
        }
        for ls in guide.label_sets
        for attribute in ls.attributes
    }
    fields = {
        field.name: {
            "display": field.display,
            "values": [v.id for v in field.values],
            "required": field.required,
            "multiple": field.multiple,
        }
        for field in guide.document_fields
    }
    relations = {
        relation.id: {
            "display": relation.display,
            "sources": list(relation.sources),
            "targets": list(relation.targets),
            "directed": relation.directed,
        }
        for relation in guide.relations
    }
    rules = [
        {
            "id": rule.id,
            "kind": rule.kind,
            "level": rule.level,
            "message": rule.message,
            "labels": _labels(guide, rule.labels),
        }
        | RULE_KINDS[rule.kind].compile(rule)
        for rule in guide.rules
    ]
    return {
        "format": RULES_FORMAT,
        "guide": guide.name,
        "version": guide.version,
        "text": guide.text.data_key,
        "label_sets": label_sets,
        "label_display": displays,
        "control_display": {ls.name: ls.display for ls in guide.label_sets},
        "attributes": attributes,
        "document_fields": fields,
        "relations": relations,
        "rules": rules,
        "checks": {check.id: {"level": check.level, "message": check.message} for check in CHECKS},
    }
