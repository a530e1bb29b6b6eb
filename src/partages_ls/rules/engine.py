"""The Python rule engine: check one Label Studio annotation's results against compiled guide rules.

The rules it knows are listed in ``rules/table.py``, with the map of every rule's homes. It mirrors
the JavaScript engine of the plugins (``plugins/js/engine.js``) line for line in behaviour: same
inputs (the compiled rules of ``rules/compile.py``, which carry every level and French message),
same violations; shared test vectors keep the two from drifting. Offsets are Unicode code points,
end exclusive, as Label Studio stores them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, TypeGuard

from partages_ls.rules.kinds import Span
from partages_ls.rules.table import RULE_KINDS


@dataclass(frozen=True, order=True)
class Violation:
    """One broken rule. ``target`` is the result id of the region, or a relation/field key."""

    target: str
    rule: str
    level: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"target": self.target, "rule": self.rule, "level": self.level, "message": self.message}


@dataclass(slots=True)
class Region:
    """A span region: its ``labels`` item plus the per-region attribute items sharing its id."""

    id: str
    control: str
    start: int
    end: int
    label: str | None
    stored_text: str | None
    attributes: dict[str, list[list[str]]] = field(default_factory=dict)
    text: str = ""  # the report's text at these offsets ("" when they are out of range)
    in_bounds: bool = False


_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]+)\}")


def fill(template: str, values: dict[str, object]) -> str:
    """Replace ``{name}`` placeholders in one pass (a value containing ``{x}`` stays as written);
    unknown names and other braces are left alone, since guide messages are free text."""
    return _PLACEHOLDER.sub(lambda m: str(values[m[1]]) if m[1] in values else m[0], template)


def _offset(value: object) -> object:
    """An offset as shown in a message: itself when it is an integer, else « ? »."""
    return value if _is_offset(value) else "?"


def _is_offset(value: object) -> TypeGuard[int]:
    """Integers only: JSON true/false are not offsets, although Python's bool is an int."""
    return isinstance(value, int) and not isinstance(value, bool)


def relation_key(item: dict[str, Any]) -> str:
    """A stable name for a relation item (Label Studio relations carry no id)."""
    labels = ",".join(item.get("labels") or [])
    return f"relation:{item.get('from_id')}->{item.get('to_id')}:{labels}"


class _Checker:
    def __init__(self, rules: dict[str, Any], text: str) -> None:
        self.rules = rules
        self.text = text
        self.violations: list[Violation] = []
        self.regions: dict[str, Region] = {}
        self.display: dict[str, str] = rules["label_display"]
        # Each label set's attributes (guide order), so a region only looks at the attributes of its set.
        self.attributes_of: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for name, spec in rules["attributes"].items():
            self.attributes_of.setdefault(spec["label_set"], []).append((name, spec))

    def add(self, subject: str, rule: str, level: str, template: str, /, values: dict[str, object]) -> None:
        self.violations.append(Violation(subject, rule, level, fill(template, values)))

    def structural(self, subject: str, rule: str, /, **values: object) -> None:
        """A violation of one of the checks every guide gets (``rules/table.py`` ``CHECKS``)."""
        check = self.rules["checks"][rule]
        self.add(subject, rule, check["level"], check["message"], values)

    def shown(self, region: Region) -> str:
        return region.text

    # --- reading the result items -------------------------------------------------------
    def read(self, results: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        label_sets: dict[str, list[str]] = self.rules["label_sets"]
        attributes: dict[str, Any] = self.rules["attributes"]
        fields: dict[str, Any] = self.rules["document_fields"]
        per_region: list[dict[str, Any]] = []
        document_items: list[dict[str, Any]] = []
        relations: list[dict[str, Any]] = []
        read_region, regions, text = self._read_region, self.regions, self.text
        length = len(text)
        for item in results:
            get = item.get
            if get("type") == "relation":
                relations.append(item)
                continue
            control = get("from_name")
            result_id = get("id", "")
            if type(result_id) is not str:
                result_id = str(result_id)
            value = get("value") or {}
            if control in label_sets:
                # A region that breaks no reading check (new id, integer offsets within the text, one
                # label of its set, stored text as the report's) is stored here; any other goes through
                # _read_region, which finds and reports what it breaks.
                read = value.get
                labels = read("labels")
                start, end = read("start"), read("end")
                if (
                    type(control) is str
                    and type(labels) is list
                    and len(labels) == 1
                    and type(start) is int
                    and type(end) is int
                    and 0 <= start < end <= length
                    and result_id not in regions
                    and labels[0] in label_sets[control]
                ):
                    shown = text[start:end]
                    stored = read("text")
                    if stored is None or stored == shown:
                        regions[result_id] = Region(result_id, control, start, end, labels[0], stored, {}, shown, True)
                        continue
                read_region(result_id, str(control), value)
            elif control in attributes and "start" in value:
                # Attached at once when its region is read already and no attribute item waits before it
                # (so each region's attribute items keep their stored order); else after every region.
                region = None if per_region else regions.get(result_id)
                if region is None:
                    per_region.append(item)
                    continue
                _attach(region, str(control), value)
            elif control in fields and "start" not in value:
                document_items.append(item)
            else:
                self.structural(result_id, "unknown-control", control=control)
        for item in per_region:
            result_id = item.get("id", "")
            if type(result_id) is not str:
                result_id = str(result_id)
            region = regions.get(result_id)
            name = str(item["from_name"])
            if region is None:
                self.structural(result_id, "orphan-attribute", attribute=self._attr(name))
                continue
            _attach(region, name, item.get("value") or {})
        return document_items, relations

    def _attr(self, name: str) -> str:
        return str(self.rules["attributes"][name]["display"])

    def _read_region(self, result_id: str, control: str, value: dict[str, Any]) -> None:
        """Store a region the reading loop did not take as it came, and report what it breaks."""
        labels = value.get("labels") or []
        start, end = value.get("start"), value.get("end")
        if result_id in self.regions:
            self.structural(result_id, "duplicate-id", result_id=result_id)
            return
        if not _is_offset(start) or not _is_offset(end):
            self.structural(result_id, "offsets", start=_offset(start), end=_offset(end), length=len(self.text))
            return
        label = labels[0] if len(labels) == 1 else None
        in_bounds = 0 <= start < end <= len(self.text)
        stored = value.get("text")
        shown = self.text[start:end] if in_bounds else ""
        region = Region(result_id, control, start, end, label, stored, {}, shown, in_bounds)
        self.regions[result_id] = region
        if len(labels) != 1:
            self.structural(result_id, "label-count", count=len(labels))
        elif label not in self.rules["label_sets"][control]:
            shown_control = self.rules["control_display"].get(control, control)
            self.structural(result_id, "unknown-label", label=label, control=shown_control)
            region.label = None
        if not in_bounds:
            self.structural(result_id, "offsets", start=start, end=end, length=len(self.text))
        elif stored is not None and stored != shown:
            self.structural(result_id, "text-mismatch", stored=stored, actual=shown)

    # --- checks --------------------------------------------------------------------------
    def check_regions(self) -> None:
        seen: dict[tuple[str, str | None, int, int], str] = {}
        for region in self.regions.values():
            key = (region.control, region.label, region.start, region.end)
            if key in seen and region.label is not None:
                self.structural(
                    region.id, "duplicate-region", text=self.shown(region), label=self.display[region.label]
                )
            seen.setdefault(key, region.id)
            self._check_attributes(region)

    def _check_attributes(self, region: Region) -> None:
        for name, spec in self.attributes_of.get(region.control, []):
            items = region.attributes.get(name, [])
            applies = region.label in spec["applies_to"]
            # The common case, one item holding one known value of an attribute that applies, breaks
            # none of the checks below: skip them.
            if applies and len(items) == 1 and len(items[0]) == 1 and items[0][0] in spec["values"]:
                continue
            if items and region.label is not None and not applies:
                self.structural(
                    region.id,
                    "attribute-not-applicable",
                    attribute=spec["display"],
                    label=self.display[region.label],
                )
                continue
            chosen = [c for item in items for c in item]
            if len(items) > 1 or len(chosen) > 1:
                self.structural(region.id, "attribute-count", attribute=spec["display"], count=len(chosen))
            for choice in chosen:
                if choice not in spec["values"]:
                    self.structural(region.id, "attribute-value", value=choice, attribute=spec["display"])
            if applies and spec["required"] and not chosen and region.label is not None:
                self.structural(
                    region.id,
                    "required-attribute",
                    attribute=spec["display"],
                    text=self.shown(region),
                    label=self.display[region.label],
                )

    def check_relations(self, relations: list[dict[str, Any]]) -> None:
        specs: dict[str, Any] = self.rules["relations"]
        seen: set[tuple[str, str, str]] = set()
        for item in relations:
            key = relation_key(item)
            source = self.regions.get(str(item.get("from_id")))
            target = self.regions.get(str(item.get("to_id")))
            labels = item.get("labels") or []
            if source is None or target is None:
                names = [
                    str(specs[lab]["display"]) if isinstance(lab, str) and lab in specs else str(lab) for lab in labels
                ]
                self.structural(key, "relation-endpoint", relation=",".join(names) or "?")
                continue
            if len(labels) != 1:
                self.structural(key, "relation-label", source=self.shown(source), target=self.shown(target))
                continue
            relation = labels[0]
            spec = specs.get(relation)
            if spec is None:
                self.structural(key, "relation-unknown", relation=relation)
                continue
            direction = item.get("direction", "right")
            if direction == "left":
                source, target = target, source
            if spec["directed"] and direction == "bi":
                self.structural(key, "relation-direction", relation=spec["display"])
                continue
            pair_ok = source.label in spec["sources"] and target.label in spec["targets"]
            if not spec["directed"]:
                pair_ok = pair_ok or (target.label in spec["sources"] and source.label in spec["targets"])
            if not pair_ok and source.label is not None and target.label is not None:
                allowed = " ou ".join(
                    f"{self.display[s]} → {self.display[t]}" for s in spec["sources"] for t in spec["targets"]
                )
                self.structural(
                    key,
                    "relation-pair",
                    relation=spec["display"],
                    source_label=self.display[source.label],
                    target_label=self.display[target.label],
                    allowed=allowed,
                )
            ends = (source.id, target.id) if spec["directed"] else tuple(sorted((source.id, target.id)))
            signature = (relation, *ends)
            if signature in seen:
                self.structural(
                    key,
                    "duplicate-relation",
                    relation=spec["display"],
                    source=self.shown(source),
                    target=self.shown(target),
                )
            seen.add(signature)

    def check_document_fields(self, items: list[dict[str, Any]]) -> None:
        for name, spec in self.rules["document_fields"].items():
            mine = [item for item in items if item.get("from_name") == name]
            chosen = [c for item in mine for c in ((item.get("value") or {}).get("choices") or [])]
            target = f"field:{name}"
            for choice in chosen:
                if choice not in spec["values"]:
                    self.structural(target, "document-field-value", value=choice, field=spec["display"])
            if spec["required"] and not chosen:
                self.structural(target, "document-field-missing", field=spec["display"])
            elif not spec["multiple"] and len(chosen) > 1:
                self.structural(target, "document-field-count", field=spec["display"], count=len(chosen))

    def check_guide_rules(self) -> None:
        """The guide's own rules, each checked by its kind (``rules/kinds.py``)."""
        # Sorted once; each rule keeps the spans of its labels, still in order (ids are unique: no ties).
        ordered = sorted((r for r in self.regions.values() if r.in_bounds), key=_POSITION)
        for rule in self.rules["rules"]:
            labels = set(rule["labels"])
            spans: list[Span] = [r for r in ordered if r.label in labels]
            for target, values in RULE_KINDS[rule["kind"]].check(rule, spans):
                self.add(target, rule["id"], rule["level"], rule["message"], values)


_POSITION = attrgetter("start", "end", "id")  # the order of the spans a guide rule reads


def _attach(region: Region, name: str, value: dict[str, Any]) -> None:
    """Add one attribute item's choices to its region, after the items of that attribute already there."""
    choices = list(value.get("choices") or [])
    found = region.attributes.get(name)
    if found is None:
        region.attributes[name] = [choices]
    else:
        found.append(choices)


def analyse(
    rules: dict[str, Any], text: str, results: list[dict[str, Any]]
) -> tuple[list[Violation], dict[str, Region]]:
    """Violations (sorted deterministically) and the regions as read, in one pass."""
    checker = _Checker(rules, text)
    document_items, relations = checker.read(results)
    checker.check_regions()
    checker.check_relations(relations)
    checker.check_document_fields(document_items)
    checker.check_guide_rules()
    return sorted(set(checker.violations)), checker.regions


def check_results(rules: dict[str, Any], text: str, results: list[dict[str, Any]]) -> list[Violation]:
    """Every violation of one annotation's ``result`` list, sorted deterministically."""
    return analyse(rules, text, results)[0]
