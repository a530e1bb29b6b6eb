"""Check a Label Studio labeling config more strictly than the server and the SDK do.

The server's ``/validate/`` endpoint and ``LabelInterface.validate()`` both accept single-quoted
attributes, duplicate label values, misspelt tags and ``perRegion="maybe"``; these checks refuse
them, and then ask the SDK too when the optional ``sdk`` extra (label-studio-sdk) is installed. The
server itself checks every config again when a project is created or updated. Every problem is
returned, each with the element's line.
"""

from __future__ import annotations

import importlib.util
import re
from collections import Counter

from lxml import etree

from partages_ls.errors import Diagnostic

_BOOL = {"true", "false"}
_COMMON = {
    "name",
    "toName",
    "visibleWhen",
    "whenTagName",
    "whenLabelValue",
    "whenChoiceValue",
    "style",
    "className",
    "idAttr",
}

# Tags we generate or accept, with their known attributes (from the Label Studio tag reference).
KNOWN_TAGS: dict[str, set[str]] = {
    "View": {
        "style",
        "className",
        "idAttr",
        "visibleWhen",
        "whenTagName",
        "whenLabelValue",
        "whenChoiceValue",
        "whenRole",
    },
    "Header": {"value", "size", "style", "underline"},
    "Text": {
        "name",
        "value",
        "valueType",
        "saveTextResult",
        "encoding",
        "selectionEnabled",
        "highlightColor",
        "showLabels",
        "granularity",
    },
    "Labels": _COMMON
    | {
        "choice",
        "maxUsages",
        "showInline",
        "opacity",
        "fillColor",
        "strokeColor",
        "strokeWidth",
        "value",
        "required",
        "requiredMessage",
    },
    "Label": {
        "value",
        "selected",
        "maxUsages",
        "hint",
        "hotkey",
        "alias",
        "showAlias",
        "aliasStyle",
        "size",
        "background",
        "selectedColor",
        "granularity",
        "html",
        "category",
    },
    "Relations": {"choice", "required"},
    "Relation": {"value", "background"},
    "Choices": _COMMON
    | {"showInline", "choice", "required", "requiredMessage", "perRegion", "perItem", "value", "allowNested", "layout"},
    "Choice": {"value", "selected", "alias", "hint", "hotkey", "html", "style", "color"},
    "TextArea": _COMMON
    | {
        "value",
        "label",
        "placeholder",
        "maxSubmissions",
        "editable",
        "transcription",
        "displayMode",
        "rows",
        "required",
        "requiredMessage",
        "showSubmitButton",
        "perRegion",
        "skipDuplicates",
    },
    "Style": set(),
}
_BOOLEAN_ATTRIBUTES = {
    "showInline",
    "perRegion",
    "perItem",
    "required",
    "selected",
    "showAlias",
    "editable",
    "transcription",
    "allowNested",
    "saveTextResult",
    "selectionEnabled",
    "showLabels",
    "underline",
    "skipDuplicates",
}
_ENUMS = {
    "choice": {"single", "single-radio", "multiple"},
    "granularity": {"symbol", "word", "sentence", "paragraph"},
    "layout": {"select", "inline", "vertical"},
    "visibleWhen": {"region-selected", "choice-selected", "no-region-selected", "choice-unselected"},
}
_OBJECT_TAGS = {"Text"}
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_SINGLE_QUOTED = re.compile(r"<[A-Za-z][^>]*\s[A-Za-z_:-]+\s*=\s*'")


def check_label_config(xml: str, where: str = "label config") -> list[Diagnostic]:
    """Every problem in a labeling config, located by line; empty when it is sound."""
    problems: list[Diagnostic] = []
    for number, line in enumerate(xml.splitlines(), start=1):
        if _SINGLE_QUOTED.search(line):
            problems.append(Diagnostic(f"{where}:{number}", "single-quoted attribute (use double quotes)"))
    try:
        root = etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError as exc:
        return [*problems, Diagnostic(f"{where}:{exc.lineno}", f"not well-formed XML: {exc.msg}")]
    if root.tag != "View":
        problems.append(Diagnostic(f"{where}:{root.sourceline}", f"root element is <{root.tag}>, not <View>"))

    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    names = Counter(e.get("name") for e in elements if e.get("name"))
    objects = {e.get("name") for e in elements if e.tag in _OBJECT_TAGS}
    labels_by_control = {
        e.get("name"): {c.get("value") for c in e if c.tag == "Label"} | {c.get("alias") for c in e}
        for e in elements
        if e.tag == "Labels"
    }
    for element in elements:
        at = f"{where}:{element.sourceline}: <{element.tag}>"
        known = KNOWN_TAGS.get(element.tag)
        if known is None:
            problems.append(Diagnostic(at, f"unknown tag <{element.tag}>"))
            continue
        for attribute, value in ((str(k), str(v)) for k, v in element.attrib.items()):
            if attribute not in known:
                problems.append(Diagnostic(at, f"unknown attribute {attribute}"))
            if attribute in _BOOLEAN_ATTRIBUTES and value not in _BOOL:
                problems.append(Diagnostic(at, f"{attribute}={value!r} is not true or false"))
            if attribute in _ENUMS and value not in _ENUMS[attribute]:
                problems.append(Diagnostic(at, f"{attribute}={value!r} is not one of {sorted(_ENUMS[attribute])}"))
            if attribute == "background" and not _COLOUR.match(value):
                problems.append(Diagnostic(at, f"background {value!r} is not #rrggbb"))
        name = element.get("name")
        if name is not None and names[name] > 1:
            problems.append(Diagnostic(at, f"control name {name!r} is used {names[name]} times"))
        to_name = element.get("toName")
        if to_name is not None and to_name not in objects:
            problems.append(Diagnostic(at, f"toName {to_name!r} names no object tag"))
        if element.tag in {"Labels", "Choices"}:
            problems += _check_children(element, at)
        when_tag = element.get("whenTagName")
        if when_tag is not None:
            if when_tag not in labels_by_control:
                problems.append(Diagnostic(at, f"whenTagName {when_tag!r} names no <Labels>"))
            else:
                for value in (element.get("whenLabelValue") or "").split(","):
                    if value and value not in labels_by_control[when_tag]:
                        problems.append(Diagnostic(at, f"whenLabelValue {value!r} is not a label of {when_tag}"))
        if element.tag == "Text" and not (element.get("value") or "").startswith("$"):
            problems.append(Diagnostic(at, "the text value must be a task data key such as $text"))
    if not problems:
        problems += _sdk_problems(xml, where)
    return problems


def _check_children(element: etree._Element, at: str) -> list[Diagnostic]:
    problems = []
    child_tag = "Label" if element.tag == "Labels" else "Choice"
    children = [c for c in element if c.tag == child_tag]
    if not children:
        problems.append(Diagnostic(at, f"no <{child_tag}> inside"))
    for attribute in ("value", "alias", "hotkey"):
        counts = Counter(c.get(attribute) for c in children if c.get(attribute) is not None)
        for value, count in sorted(counts.items()):
            if count > 1:
                problems.append(Diagnostic(at, f"{count} <{child_tag}> share {attribute}={value!r}"))
    return problems


def sdk_installed() -> bool:
    """Whether label-studio-sdk (the optional ``sdk`` extra) can be imported."""
    return importlib.util.find_spec("label_studio_sdk") is not None


def _sdk_problems(xml: str, where: str) -> list[Diagnostic]:
    """Ask the Label Studio SDK's own validator, when installed (imported lazily: the SDK is heavy)."""
    if not sdk_installed():
        return []
    from label_studio_sdk.label_interface.interface import LabelInterface

    try:
        LabelInterface(xml).validate()  # type: ignore[no-untyped-call]
    except Exception as exc:  # the SDK raises bare exceptions of several kinds
        return [Diagnostic(where, f"rejected by label-studio-sdk: {exc}")]
    return []
