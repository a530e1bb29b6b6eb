"""The INCEpTION (UIMA) type system of a guide, and the guide id ↔ CAS value maps built with it.

One place decides how a guide becomes UIMA types, so that the committed
``exporters/<guide>/typesystem.xml``, the CAS JSON writer and the reader cannot disagree:

- each label set is a span layer ``webanno.custom.<layer>`` (super type ``uima.tcas.Annotation``)
  with one string feature for the label (``feature``) and one per attribute: what INCEpTION
  generates for a custom span layer, and what its type-system import recognises as one;
- the relations are one relation layer ``webanno.custom.<relation_layer>`` (``uima.tcas.Annotation``)
  with ``Dependent`` and ``Governor`` typed by the span layer, plus the string label feature
  (``relation_feature``): the names INCEpTION hard-codes for relation endpoints;
- the document fields are one *document metadata* layer ``webanno.custom.<document_layer>``
  (see :func:`document_type_spec`);
- the report id travels in DKPro Core's ``DocumentMetaData`` (``documentTitle``, ``documentId``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from partages_ls.errors import Diagnostic, DiagnosticError
from partages_ls.exporters.corpus import Span, number_key
from partages_ls.guides.model import Guide, LabelSet, Value

UIMA_NAMESPACE = "http://uima.apache.org/resourceSpecifier"
CUSTOM_PREFIX = "webanno.custom."
DOCUMENT_METADATA = "de.tudarmstadt.ukp.dkpro.core.api.metadata.type.DocumentMetaData"
DOCUMENT_ANNOTATION = "uima.tcas.DocumentAnnotation"
ANNOTATION = "uima.tcas.Annotation"
ANNOTATION_BASE = "uima.cas.AnnotationBase"
STRING = "uima.cas.String"
INTEGER = "uima.cas.Integer"
BOOLEAN = "uima.cas.Boolean"
GOVERNOR = "Governor"
DEPENDENT = "Dependent"
ORDER_FEATURE = "i7n_uiOrder"

# Features a layer may not declare: UIMA's own (begin, end, sofa), INCEpTION's reserved ones, and
# the two names cassis renames because they clash with Python (self, type).
_RESERVED_FEATURES = frozenset({"begin", "end", "sofa", "self", "type", "xmiID", GOVERNOR, DEPENDENT, ORDER_FEATURE})
# Descriptions list the values of a feature when the list is short enough to read.
_MAX_LISTED_VALUES = 30


class CasSchemaError(DiagnosticError):
    """The guide cannot be expressed as an INCEpTION type system (names clash, relations span layers)."""


@dataclass(frozen=True)
class FeatureSpec:
    """One feature of a UIMA type: name, range type and a French description."""

    name: str
    range: str
    description: str = ""


@dataclass(frozen=True)
class TypeSpec:
    """One UIMA type: full name, super type, description and its own features, in order."""

    name: str
    supertype: str
    description: str
    features: tuple[FeatureSpec, ...] = ()


@dataclass(frozen=True)
class ValueMap:
    """Guide ids ↔ INCEpTION values of one closed list (labels, attribute values, relation types)."""

    to_cas: dict[str, str]
    from_cas: dict[str, str]

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> ValueMap:
        items = list(pairs)
        return cls(dict(items), {cas: guide_id for guide_id, cas in items})

    def known(self) -> str:
        """The INCEpTION values, for error hints (abridged for long lists)."""
        values = list(self.from_cas)
        shown = ", ".join(values[:_MAX_LISTED_VALUES])
        return shown + (f" … ({len(values)} in all)" if len(values) > _MAX_LISTED_VALUES else "")


@dataclass(frozen=True)
class AttributeMap:
    """One attribute of a label set: its feature and its value map."""

    name: str
    feature: str
    values: ValueMap


@dataclass(frozen=True)
class SpanLayerMap:
    """One label set as written in CAS: its type, label feature and attribute features."""

    label_set: str
    type_name: str
    label_feature: str
    labels: ValueMap
    attributes: dict[str, AttributeMap]


@dataclass(frozen=True)
class FieldMap:
    """One document field: its feature on the document layer and its value map."""

    name: str
    feature: str
    values: ValueMap


@dataclass
class CasSchema:
    """Everything the CAS writer and reader need from a guide: types and id ↔ value maps."""

    guide: Guide
    types: list[TypeSpec] = field(default_factory=list)
    span_layers: dict[str, SpanLayerMap] = field(default_factory=dict)
    relation_type: str | None = None
    relation_attach: str | None = None
    relation_feature: str = ""
    relations: ValueMap = field(default_factory=lambda: ValueMap({}, {}))
    document_type: str | None = None
    fields: dict[str, FieldMap] = field(default_factory=dict)

    def span_types(self) -> list[str]:
        """Distinct span layer types, in guide order."""
        return list(dict.fromkeys(layer.type_name for layer in self.span_layers.values()))

    def layers_of_type(self, type_name: str) -> list[SpanLayerMap]:
        return [layer for layer in self.span_layers.values() if layer.type_name == type_name]


def _listing(values: Sequence[Value]) -> str:
    if not values or len(values) > _MAX_LISTED_VALUES:
        return f"{len(values)} valeurs (liste dans le guide)" if values else ""
    return "valeurs : " + ", ".join(v.inception_value for v in values)


def _describe(*parts: str) -> str:
    return " — ".join(p.strip() for p in parts if p and p.strip())


def _value_map(values: Iterable[Value]) -> ValueMap:
    return ValueMap.of((v.id, v.inception_value) for v in values)


def _span_types(guide: Guide, problems: list[Diagnostic]) -> list[TypeSpec]:
    """One span type per distinct layer; label sets sharing a layer share its features."""
    by_layer: dict[str, list[LabelSet]] = {}
    for label_set in guide.label_sets:
        by_layer.setdefault(label_set.layer, []).append(label_set)
    types = []
    for layer, label_sets in by_layer.items():
        features: dict[str, FeatureSpec] = {}
        for label_set in label_sets:
            candidates = [
                FeatureSpec(label_set.feature, STRING, _describe(label_set.display, _listing(label_set.labels)))
            ]
            candidates += [
                FeatureSpec(a.feature_name, STRING, _describe(a.display, _listing(a.values)))
                for a in label_set.attributes
            ]
            for spec in candidates:
                if spec.name in _RESERVED_FEATURES:
                    problems.append(
                        Diagnostic(
                            f"label set {label_set.name}",
                            f"feature name {spec.name!r} is reserved in UIMA/INCEpTION",
                            hint="set `feature:` to another name",
                        )
                    )
                features.setdefault(spec.name, spec)
        displays = ", ".join(ls.display or ls.name for ls in label_sets)
        types.append(
            TypeSpec(
                CUSTOM_PREFIX + layer, ANNOTATION, _describe(displays, f"guide {guide.name}"), tuple(features.values())
            )
        )
    for label_set in guide.label_sets:
        names = [label_set.feature, *(a.feature_name for a in label_set.attributes)]
        for name in sorted({n for n in names if names.count(n) > 1}):
            problems.append(Diagnostic(f"label set {label_set.name}", f"two features are named {name!r}"))
    return types


def _relation_type(guide: Guide, schema: CasSchema, problems: list[Diagnostic]) -> TypeSpec | None:
    """The relation layer: ``Dependent``/``Governor`` typed by the one span layer its ends live on."""
    layer_name = guide.export.relation_layer
    if not guide.relations or layer_name is None:
        if guide.relations:
            problems.append(Diagnostic("export", "the guide has relations but no `relation_layer`"))
        return None
    ends = {label for relation in guide.relations for label in (*relation.sources, *relation.targets)}
    attach = sorted({CUSTOM_PREFIX + ls.layer for ls in guide.label_sets if any(lab.id in ends for lab in ls.labels)})
    if len(attach) != 1:
        problems.append(
            Diagnostic(
                f"export.relation_layer {layer_name}",
                f"relation ends lie on {len(attach)} span layers ({', '.join(attach) or 'none'})",
                hint="an INCEpTION relation layer attaches to exactly one span layer",
            )
        )
        return None
    feature = guide.export.relation_feature
    if feature in _RESERVED_FEATURES:
        problems.append(Diagnostic("export.relation_feature", f"feature name {feature!r} is reserved"))
    schema.relation_type = CUSTOM_PREFIX + layer_name
    schema.relation_attach = attach[0]
    schema.relation_feature = feature
    schema.relations = ValueMap.of((r.id, r.inception_value) for r in guide.relations)
    listing = ", ".join(
        f"{r.inception_value} ({r.display})" if r.display else r.inception_value for r in guide.relations
    )
    return TypeSpec(
        schema.relation_type,
        ANNOTATION,
        _describe("Relations", f"guide {guide.name}"),
        (
            FeatureSpec(DEPENDENT, attach[0], "Cible de la relation (INCEpTION : Dependent)."),
            FeatureSpec(GOVERNOR, attach[0], "Source de la relation (INCEpTION : Governor)."),
            FeatureSpec(feature, STRING, "Type de relation — valeurs : " + listing),
        ),
    )


def document_type_spec(guide: Guide, problems: list[Diagnostic] | None = None) -> TypeSpec | None:
    """The document layer, as INCEpTION's *document metadata* layer type.

    INCEpTION stores a document-level annotation as a feature structure of the layer type with super
    type ``uima.cas.AnnotationBase`` (no offsets), an integer ``i7n_uiOrder`` (display order) and one
    string feature per field; we write exactly that, one structure per report holding every field (a
    field with several values spills over into further structures, k-th value in the k-th one). The
    hub column ``attribute_Nomenclature`` of CU5b comes from such a layer. INCEpTION's type-system
    import skips non-``Annotation`` types, so a project must declare this layer itself ("Document
    metadata" layer type) with the feature names below; CAS files then open with their values.
    """
    layer_name = guide.export.document_layer
    if not guide.document_fields or layer_name is None:
        if guide.document_fields and problems is not None:
            problems.append(Diagnostic("export", "the guide has document fields but no `document_layer`"))
        return None
    features = [FeatureSpec(ORDER_FEATURE, INTEGER, "Ordre d'affichage (INCEpTION).")]
    names = [f.feature_name for f in guide.document_fields]
    for name in sorted({n for n in names if names.count(n) > 1}):
        if problems is not None:
            problems.append(Diagnostic("document_fields", f"two document fields write the feature {name!r}"))
    for doc_field in guide.document_fields:
        if doc_field.feature_name in _RESERVED_FEATURES and problems is not None:
            problems.append(
                Diagnostic(f"document field {doc_field.name}", f"feature name {doc_field.feature_name!r} is reserved")
            )
        features.append(
            FeatureSpec(doc_field.feature_name, STRING, _describe(doc_field.display, _listing(doc_field.values)))
        )
    return TypeSpec(
        CUSTOM_PREFIX + layer_name,
        ANNOTATION_BASE,
        _describe("Champs au niveau du document (calque « Document metadata »)", f"guide {guide.name}"),
        tuple(features),
    )


def document_metadata_spec() -> TypeSpec:
    """DKPro Core's ``DocumentMetaData`` with its standard features (INCEpTION writes it in every CAS)."""
    return TypeSpec(
        DOCUMENT_METADATA,
        DOCUMENT_ANNOTATION,
        "Métadonnées du document (DKPro Core) : documentId et documentTitle portent l'identifiant du compte rendu.",
        (
            FeatureSpec("documentTitle", STRING),
            FeatureSpec("documentId", STRING),
            FeatureSpec("documentUri", STRING),
            FeatureSpec("collectionId", STRING),
            FeatureSpec("documentBaseUri", STRING),
            FeatureSpec("isLastSegment", BOOLEAN),
        ),
    )


def cas_schema(guide: Guide) -> CasSchema:
    """Types and value maps of a guide; every naming problem is reported at once."""
    problems: list[Diagnostic] = []
    schema = CasSchema(guide)
    schema.types.append(document_metadata_spec())
    schema.types += _span_types(guide, problems)
    for label_set in guide.label_sets:
        schema.span_layers[label_set.name] = SpanLayerMap(
            label_set=label_set.name,
            type_name=CUSTOM_PREFIX + label_set.layer,
            label_feature=label_set.feature,
            labels=_value_map(label_set.labels),
            attributes={
                a.name: AttributeMap(a.name, a.feature_name, _value_map(a.values)) for a in label_set.attributes
            },
        )
    relation = _relation_type(guide, schema, problems)
    if relation is not None:
        schema.types.append(relation)
    document = document_type_spec(guide, problems)
    if document is not None:
        schema.document_type = document.name
        schema.fields = {f.name: FieldMap(f.name, f.feature_name, _value_map(f.values)) for f in guide.document_fields}
        schema.types.append(document)
    names = [t.name for t in schema.types]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Diagnostic("export", f"two layers are named {name!r}", hint="layer names must differ"))
    if problems:
        raise CasSchemaError(f"guide {guide.name} cannot be written as an INCEpTION type system", problems)
    return schema


# Canonical order: the writer numbers structures in it, the reader lists spans in it.
def id_key(identifier: str) -> tuple[int, int, str]:
    """Numeric ids (those read back from CAS) sort as numbers, others as text: a stable tie-break."""
    return number_key(identifier) if identifier.isascii() and identifier.isdigit() else (1, 0, identifier)


def span_key(span: Span) -> tuple[Any, ...]:
    return (span.begin, span.end, span.label_set, span.label, sorted(span.attributes.items()), id_key(span.id))
