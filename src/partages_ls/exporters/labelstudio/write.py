"""Write the corpus model back as Label Studio result items: the mirror of ``labelstudio/read.py``.

Used to import annotations from other formats (PARHAF parquet, CAS JSON, brat) into a project,
as predictions or as an annotator's annotations. The items have the shape the real labeling
interface writes: a span is a ``labels`` item plus one per-region ``choices`` item per attribute
sharing its ``id``; a relation is a ``relation`` item pointing at span ids; a document field is
a ``choices`` item without offsets.
"""

from __future__ import annotations

from typing import Any

from partages_ls.exporters.corpus import Annotation, Document
from partages_ls.guides.model import Guide

FIELD_ID_PREFIX = "field_"


def field_result_id(name: str) -> str:
    """A stable id for a document-field item (the reader ignores it; the interface needs one)."""
    return f"{FIELD_ID_PREFIX}{name}"


def _attribute_order(guide: Guide) -> dict[str, int]:
    names = [a.name for ls in guide.label_sets for a in ls.attributes]
    return {name: index for index, name in enumerate(names)}


def write_labelstudio(annotation: Annotation, guide: Guide, *, text: str | None = None) -> list[dict[str, Any]]:
    """The ``result`` list of one annotation, in the guide's control names and ids.

    With ``text`` (the report), each region carries ``value.text = text[begin:end]`` as the
    interface stores it; without it the key is left out (Label Studio accepts that).
    """
    to_name = guide.text.data_key
    order = _attribute_order(guide)
    results: list[dict[str, Any]] = []
    for span in annotation.spans:
        region: dict[str, Any] = {"start": span.begin, "end": span.end}
        if text is not None:
            region["text"] = text[span.begin : span.end]
        results.append(
            {
                "id": span.id,
                "from_name": span.label_set,
                "to_name": to_name,
                "type": "labels",
                "value": {**region, "labels": [span.label]},
            }
        )
        for name in sorted(span.attributes, key=lambda n: (order.get(n, len(order)), n)):
            results.append(
                {
                    "id": span.id,
                    "from_name": name,
                    "to_name": to_name,
                    "type": "choices",
                    "value": {**region, "choices": [span.attributes[name]]},
                }
            )
    known_fields = [f.name for f in guide.document_fields]
    for name in sorted(annotation.fields, key=lambda n: (known_fields.index(n) if n in known_fields else 99, n)):
        results.append(
            {
                "id": field_result_id(name),
                "from_name": name,
                "to_name": to_name,
                "type": "choices",
                "value": {"choices": list(annotation.fields[name])},
            }
        )
    for relation in annotation.relations:
        results.append(
            {
                "from_id": relation.source,
                "to_id": relation.target,
                "type": "relation",
                "direction": "right",
                "labels": [relation.type],
            }
        )
    return results


def document_results(document: Document, guide: Guide) -> list[list[dict[str, Any]]]:
    """The result lists of every annotation of a document, with the region texts filled in."""
    return [write_labelstudio(annotation, guide, text=document.text) for annotation in document.annotations]
