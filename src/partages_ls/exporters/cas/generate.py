"""The INCEpTION type system file generated from a guide (``typesystem.xml``), from the naming in
:mod:`partages_ls.exporters.cas.schema`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

from partages_ls.exporters.cas.schema import UIMA_NAMESPACE, cas_schema
from partages_ls.guides.model import Guide

TYPESYSTEM_FILE = "typesystem.xml"


def cas_files(guides: Mapping[str, Guide]) -> dict[str, str]:
    """``exporters/<guide>/typesystem.xml`` for every guide (the build writes and checks them)."""
    return {f"exporters/{name}/{TYPESYSTEM_FILE}": typesystem_xml(guide) for name, guide in sorted(guides.items())}


def _element(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{UIMA_NAMESPACE}}}{tag}")
    if text:
        child.text = text
    return child


def typesystem_xml(guide: Guide) -> str:
    """The guide's UIMA type system XML: deterministic text, committed as ``exporters/<guide>/typesystem.xml``."""
    schema = cas_schema(guide)
    namespaces: Any = {None: UIMA_NAMESPACE}  # lxml-stubs do not allow the default (None) prefix
    root = etree.Element(f"{{{UIMA_NAMESPACE}}}typeSystemDescription", nsmap=namespaces)
    _element(root, "name", f"partages-{guide.name}")
    _element(
        root,
        "description",
        f"Calques INCEpTION du guide PARTAGES {guide.name} ({guide.cu}) : {guide.title}. "
        "Généré par partages-ls à partir du guide ; ne pas modifier à la main.",
    )
    _element(root, "version", guide.version)
    _element(root, "vendor", "PARTAGES (partages-ls)")
    types = _element(root, "types")
    for spec in schema.types:
        node = _element(types, "typeDescription")
        _element(node, "name", spec.name)
        _element(node, "description", spec.description)
        _element(node, "supertypeName", spec.supertype)
        if spec.features:
            features = _element(node, "features")
            for feature in spec.features:
                feature_node = _element(features, "featureDescription")
                _element(feature_node, "name", feature.name)
                _element(feature_node, "description", feature.description)
                _element(feature_node, "rangeTypeName", feature.range)
    etree.indent(root, space="  ")
    body = etree.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
