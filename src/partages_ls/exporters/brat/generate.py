"""brat configuration files generated from a guide: ``annotation.conf`` and ``visual.conf``."""

from __future__ import annotations

from collections.abc import Mapping

from partages_ls.exporters.brat.schema import DOCUMENT_TYPE, BratSchema
from partages_ls.guides.model import Guide


def _header(guide: Guide, what: str) -> list[str]:
    return [
        f'# brat {what} of the PARTAGES guide "{guide.name}" ({guide.cu}, version {guide.version}).',
        f"# Generated from guides/{guide.name}.yaml by `partages-ls build`: edit the guide, not this file.",
    ]


def annotation_conf(guide: Guide) -> str:
    """brat ``annotation.conf`` text: entity types, relations (both orders if undirected), attributes."""
    schema = BratSchema(guide)
    lines = _header(guide, "annotation configuration")
    lines.append("# Offsets in the .ann files are code points (Python string indices), end exclusive.")
    lines += ["", "[entities]", *schema.label]
    if schema.fields:
        lines.append(f"# {DOCUMENT_TYPE}: zero-width anchor at offset 0 carrying the document-level fields.")
        lines.append(DOCUMENT_TYPE)
    lines += ["", "[relations]"]
    for name, relation in schema.relation.items():
        sources, targets = schema.types(relation.sources), schema.types(relation.targets)
        lines.append(f"{name}\tArg1:{'|'.join(sources)}, Arg2:{'|'.join(targets)}")
        if not relation.directed and set(sources) != set(targets):
            lines.insert(-1, f"# {name} has no direction in the guide: both argument orders are declared.")
            lines.append(f"{name}\tArg1:{'|'.join(targets)}, Arg2:{'|'.join(sources)}")
    lines.append("# Spans may nest, cross or coincide (a passage can carry two labels).")
    lines.append("<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>")
    lines += ["", "[events]", "", "[attributes]"]
    for attribute in schema.attributes.values():
        args = f"Arg:{'|'.join(attribute.arg_types)}, Value:{'|'.join(attribute.values)}"
        lines.append(f"{attribute.name}\t{args}")
    for name, field in schema.fields.items():
        values = "|".join(v.inception_value for v in field.values)
        lines.append(f"{name}\tArg:{DOCUMENT_TYPE}, Value:{values}")
    return "\n".join(lines) + "\n"


def _label_text(display: str, fallback: str) -> str:
    """A display name that brat's [labels] syntax cannot misread (``|`` separates forms, ``<x>`` is a macro)."""
    text = " ".join(display.split()).replace("|", "/").replace("<", "‹").replace(">", "›").lstrip("!")
    return text or fallback


def _text_colour(background: str) -> str:
    red, green, blue = (int(background[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "white" if 0.299 * red + 0.587 * green + 0.114 * blue < 0.5 else "black"


def visual_conf(guide: Guide) -> str:
    """brat ``visual.conf`` text: French display names and the guide's label colours."""
    schema = BratSchema(guide)
    lines = [*_header(guide, "visual configuration"), "", "[labels]"]
    labels = [(name, label.display) for name, (_, label) in schema.label.items()]
    if schema.fields:
        labels.append((DOCUMENT_TYPE, "Document"))
    labels += [(name, relation.display) for name, relation in schema.relation.items()]
    labels += [(name, attribute.display) for name, attribute in schema.attributes.items()]
    labels += [(name, field.display) for name, field in schema.fields.items()]
    lines += [f"{name} | {_label_text(display, name)}" for name, display in labels]
    lines += [
        "",
        "[drawing]",
        "SPAN_DEFAULT\tfgColor:black, bgColor:lightgreen, borderColor:darken",
        "ARC_DEFAULT\tcolor:black, arrowHead:triangle-5",
    ]
    for name, (_, label) in schema.label.items():
        if label.color:
            lines.append(f"{name}\tfgColor:{_text_colour(label.color)}, bgColor:{label.color}")
    if schema.fields:
        lines.append(f"{DOCUMENT_TYPE}\tfgColor:black, bgColor:#dddddd")
    return "\n".join(lines) + "\n"


def brat_files(guides: Mapping[str, Guide]) -> dict[str, str]:
    """The committed brat configurations, ``exporters/<guide>/annotation.conf|visual.conf`` → text."""
    files: dict[str, str] = {}
    for name in sorted(guides):
        files[f"exporters/{name}/annotation.conf"] = annotation_conf(guides[name])
        files[f"exporters/{name}/visual.conf"] = visual_conf(guides[name])
    return files
