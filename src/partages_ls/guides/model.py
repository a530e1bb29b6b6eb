"""The schema of a PARTAGES annotation guide, as data.

A guide is the single source of truth: the Label Studio config, the annotators' instructions,
the plugin rules, the export validator and the exporters' column and layer names all come from it.
Every value has three namings: what annotators read (``display``, French), what Label Studio
stores (``id``), what the hub parquet holds (``hub``) and what the INCEpTION layer holds
(``inception``); the last two default to ``id``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_NAME = r"^[A-Za-z][A-Za-z0-9_]*$"
_COLOUR = r"^#[0-9a-fA-F]{6}$"

Name = Annotated[str, Field(pattern=_NAME, description="An identifier: a letter, then letters, digits, _")]
Level = Literal["error", "warning"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Named(_Strict):
    """Something stored in Label Studio under ``id`` and written to the hub and to INCEpTION."""

    id: str = Field(min_length=1, description="Value stored in Label Studio results (stable, ASCII).")
    display: str = Field(default="", description="What annotators read in the interface (French).")
    hub: str | None = Field(default=None, description="Value written to the hub parquet (default: id).")
    inception: str | None = Field(
        default=None, description="Value written to the INCEpTION layer feature (default: id)."
    )
    definition: str = Field(default="", description="French definition shown to annotators.")

    @property
    def hub_value(self) -> str:
        return self.hub if self.hub is not None else self.id

    @property
    def inception_value(self) -> str:
        return self.inception if self.inception is not None else self.id


class Value(_Named):
    """A closed value (a choice, a class) with its namings in Label Studio, the hub and INCEpTION."""

    hub_inferred: bool = Field(
        default=False, description="True when the hub value is deduced, not seen in a published file."
    )


class SpanLabel(Value):
    """A span label: a value plus what annotators need to apply it well."""

    examples: list[str] = Field(default_factory=list, description="French examples (passages to annotate).")
    counter_examples: list[str] = Field(
        default_factory=list, description="French examples of what not to annotate with this label."
    )
    color: str = Field(default="", description="Background colour in the interface, #rrggbb.")
    hotkey: str | None = Field(default=None, description="Single-key shortcut in the interface.")


class Attribute(_Strict):
    """A per-region attribute (a feature of the span layer) with closed values."""

    name: Name = Field(description="Label Studio control name; also the INCEpTION feature by default.")
    display: str = Field(default="", description="Heading shown above the choices (French).")
    definition: str = Field(default="", description="French explanation of the attribute.")
    applies_to: list[str] = Field(min_length=1, description="Ids of the span labels it applies to.")
    required: bool = Field(default=False, description="Every span of those labels must have a value.")
    values: list[Value] = Field(default_factory=list, description="The closed list of values.")
    values_from: str | None = Field(
        default=None,
        description="CSV file (relative to the guide) with columns id,display[,hub,inception,definition]; "
        "used instead of `values` for long lists such as the biomarker normalisation list.",
    )
    layout: Literal["radio", "select"] = Field(
        default="radio", description="radio buttons, or a drop-down list for long value lists."
    )
    feature: str | None = Field(default=None, description="INCEpTION feature name (default: name).")
    hub_column: str | None = Field(default=None, description="Hub column (default: attribute_<feature>).")

    @property
    def feature_name(self) -> str:
        return self.feature or self.name

    @property
    def column(self) -> str:
        return self.hub_column or f"attribute_{self.feature_name}"


class LabelSet(_Strict):
    """A span layer: one Label Studio ``<Labels>`` control, one INCEpTION layer, one hub span type."""

    name: Name = Field(description="Label Studio control name.")
    display: str = Field(default="", description="French heading of the label set.")
    layer: Name = Field(description="INCEpTION layer short name (type webanno.custom.<layer>).")
    feature: Name = Field(description="INCEpTION feature holding the label (e.g. Categorie, LABEL).")
    hub_column: str | None = Field(default=None, description="Hub column (default: attribute_<feature>).")
    span_type: str | None = Field(default=None, description="Hub `span_type` value (default: layer).")
    labels: list[SpanLabel] = Field(min_length=1)
    attributes: list[Attribute] = Field(default_factory=list)

    @property
    def column(self) -> str:
        return self.hub_column or f"attribute_{self.feature}"

    @property
    def hub_span_type(self) -> str:
        return self.span_type or self.layer


class RelationType(_Named):
    """A relation between two spans, with the label pairs it may link (``id`` is its stored label)."""

    examples: list[str] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1, description="Span label ids allowed at the source.")
    targets: list[str] = Field(min_length=1, description="Span label ids allowed at the target.")
    directed: bool = Field(default=True, description="False when the guide says direction does not matter.")


class DocumentField(_Strict):
    """A document-level field (one ``<Choices>`` on the whole report), e.g. CU5b Nomenclature."""

    name: Name = Field(description="Label Studio control name; INCEpTION feature by default.")
    display: str = Field(default="")
    definition: str = Field(default="")
    values: list[Value] = Field(min_length=1)
    required: bool = Field(default=True, description="A value must be chosen for every report.")
    multiple: bool = Field(default=False, description="Several values may be chosen.")
    justified_by: str | None = Field(
        default=None, description="Span label id whose span justifies the chosen value (CU5b)."
    )
    feature: str | None = None
    hub_column: str | None = None

    @property
    def feature_name(self) -> str:
        return self.feature or self.name

    @property
    def column(self) -> str:
        return self.hub_column or f"attribute_{self.feature_name}"


class _RuleBase(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Stable rule id (kebab-case).")
    level: Level = "error"
    message: str = Field(default="", description="French message shown to annotators.")


class SpanBoundariesRule(_RuleBase):
    """Spans must not start or end with whitespace or punctuation."""

    kind: Literal["span_boundaries"]
    labels: list[str] = Field(default_factory=lambda: ["*"], description="Label ids, or ['*'] for all.")
    forbidden: str = Field(
        default=" \t\r\n\u00a0.,;:!?'\"()[]{}«»-–—/",
        description="Characters a span may not start or end with.",
    )
    initial_dot_labels: list[str] = Field(
        default_factory=list,
        description="Labels whose final dot closing an initial (« H. », « J.-B. ») belongs to the span.",
    )


class LeadingWordsRule(_RuleBase):
    """Spans must not start with one of these words (French determiners and prepositions).

    A word ending with an apostrophe (``l'``, ``d'``) is elided: it matches the typographic
    apostrophe too and needs no space after it; any other word must be followed by a space.
    Matching ignores case. For ``particle_labels`` (names: « Le Floc'h », « De La Tour »), a
    capitalised first word is a name particle and not reported.
    """

    kind: Literal["leading_words"]
    labels: list[str] = Field(default_factory=lambda: ["*"], description="Label ids, or ['*'] for all.")
    words: list[str] = Field(min_length=1, description="Words a span may not start with (lower case).")
    particle_labels: list[str] = Field(
        default_factory=list, description="Labels whose capitalised first word is a name particle (not reported)."
    )


class NoLineBreakRule(_RuleBase):
    """A span must not cross a line break."""

    kind: Literal["no_line_break"]
    labels: list[str] = Field(default_factory=lambda: ["*"])


class CountRule(_RuleBase):
    """At least ``min`` / at most ``max`` spans of these labels per report."""

    kind: Literal["count"]
    labels: list[str] = Field(min_length=1)
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)


class NoOverlapRule(_RuleBase):
    """Spans of these labels must not overlap each other."""

    kind: Literal["no_overlap"]
    labels: list[str] = Field(default_factory=lambda: ["*"])


Rule = Annotated[
    SpanBoundariesRule | LeadingWordsRule | NoLineBreakRule | CountRule | NoOverlapRule, Field(discriminator="kind")
]


class TextSettings(_Strict):
    """How the report text is shown and selected."""

    granularity: Literal["symbol", "word"] = "symbol"
    data_key: Name = Field(default="text", description="Task data key holding the report text.")
    report_key: Name = Field(default="report", description="Task data key holding the report id.")


class HubColumns(_Strict):
    """Column names of the hub parquet layout; inferred ones are kept here so a fix is one line."""

    report: str = "report"
    full_text: str = "full_text"
    span_id: str = "span_id"
    span_type: str = "span_type"
    begin: str = "begin"
    end: str = "end"
    span_text: str = "span_text"
    relation_id: str = "relation_id"
    relation_type: str = "relation_type"
    relation_source: str = "source_span_id"
    relation_target: str = "target_span_id"


class ExportMapping(_Strict):
    """Names used by the exporters beyond those carried by labels and attributes."""

    hub_dataset: str = Field(description="Hugging Face dataset id of the published subset.")
    hub_columns: HubColumns = Field(default_factory=HubColumns)
    relation_layer: Name | None = Field(
        default=None, description="INCEpTION relation layer short name (guides with relations)."
    )
    relation_feature: Name = Field(default="label", description="Feature of the relation layer.")
    document_layer: Name | None = Field(default=None, description="INCEpTION layer carrying the document-level fields.")
    inferred: list[str] = Field(
        default_factory=list, description="Which names above are deduced rather than seen (for the card)."
    )


class Guide(_Strict):
    """A PARTAGES annotation guide."""

    name: str = Field(pattern=r"^[a-z][a-z0-9-]*$", description="Guide id, also the file stem.")
    cu: str = Field(pattern=r"^CU[0-9]+[a-z]?$", description="PARTAGES use case (cas d'usage).")
    version: str = Field(pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$")
    title: str = Field(min_length=1, description="French title.")
    description: str = Field(default="", description="French description for annotators.")
    instructions: str = Field(default="", description="French general instructions (Markdown paragraphs).")
    text: TextSettings = Field(default_factory=TextSettings)
    label_sets: list[LabelSet] = Field(default_factory=list)
    relations: list[RelationType] = Field(default_factory=list)
    document_fields: list[DocumentField] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    export: ExportMapping

    @model_validator(mode="after")
    def _something_to_annotate(self) -> Guide:
        if not self.label_sets and not self.document_fields:
            raise ValueError("a guide needs at least one label set or one document field")
        return self

    # Lookups used everywhere; cheap enough to recompute (guides are small).
    def all_labels(self) -> list[tuple[LabelSet, SpanLabel]]:
        return [(ls, lab) for ls in self.label_sets for lab in ls.labels]

    def label_set_of(self, label_id: str) -> LabelSet | None:
        for ls, lab in self.all_labels():
            if lab.id == label_id:
                return ls
        return None

    def label(self, label_id: str) -> SpanLabel | None:
        for _, lab in self.all_labels():
            if lab.id == label_id:
                return lab
        return None

    def control_names(self) -> list[str]:
        names = [ls.name for ls in self.label_sets]
        names += [a.name for ls in self.label_sets for a in ls.attributes]
        names += [f.name for f in self.document_fields]
        return names
