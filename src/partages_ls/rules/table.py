"""Every rule partages-ls checks, in one table, and the map of where each rule lives.

Two families of rules:

- ``CHECKS``: the checks every guide gets (an annotation must be readable as the guide's data).
  Each row gives the rule id, its level, its French message (a template with ``{placeholders}``),
  what it means (English, for the plugin README), whether a violation leaves an item that no output
  format can hold (``UNREPRESENTABLE``: that item alone is left out and listed; every other violation
  is kept as stored and reported), and which part of a guide it needs to apply.
- ``RULE_KINDS``: the kinds of rule a guide declares under ``rules:``. The guide gives each rule its
  id, level and French message; the kind (``rules/kinds.py``) owns how it compiles, how it checks
  and what it means.

Where a rule lives, in the order it travels (ids and kinds are stable: reports and vectors use them):

1. Guide YAML — ``guides/<guide>.yaml``, an item of ``rules:`` (e.g. ``id: bornes-propres``,
   ``kind: span_boundaries``), read into the model class ``RULE_KINDS[kind].model``
   (``guides/model.py``). A row of ``CHECKS`` has no YAML: every guide gets it.
2. Compiled rules — ``rules/compile.py`` ``compile_rules``: a guide rule becomes
   ``{id, kind, level, message}`` plus ``RULE_KINDS[kind].compile(...)``; the rows of ``CHECKS``
   become ``checks: {id: {level, message}}``. This JSON is all both engines know: it is inlined in
   ``plugins/<guide>/plugin.js`` by ``partages-ls build`` (``plugins/artifacts.py`` ``render_plugin``)
   and snapshotted in ``tests/plugins/rules/<guide>.json``.
3. Python check — ``rules/engine.py``: ``_Checker.check_guide_rules`` runs
   ``RULE_KINDS[kind].check`` (``rules/kinds.py``); a row of ``CHECKS`` is raised by
   ``self.structural("<id>", ...)`` in ``_Checker``. Used by export, import and ``validate``.
4. JavaScript check — ``plugins/js/engine.js`` ``partagesCheck``: the branch
   ``rule.kind === "<kind>"`` for a guide rule, ``structural(target, "<id>", ...)`` for a row of
   ``CHECKS``; levels and messages come from the compiled rules, never from the script.
5. Shared vectors — ``tests/plugins/make_vectors.py`` (hand-reviewed expectations) writes
   ``tests/plugins/vectors/*.json``; ``tests/plugins/test_vectors.py`` runs the Python engine and
   ``tests/plugins/engine.test.mjs`` the JavaScript one on the same files.

Adding a kind: a class in ``rules/kinds.py``, its model in ``guides/model.py`` (and in the ``Rule``
union), a row in ``RULE_KINDS``, a branch in ``engine.js``, vectors in ``make_vectors.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from partages_ls.guides.model import Guide
from partages_ls.rules.kinds import Count, LeadingWords, NoLineBreak, NoOverlap, RuleKind, SpanBoundaries

# The part of a guide a check needs: a guide without it never raises the check.
Needs = Literal["always", "label_sets", "attributes", "required_attributes", "relations", "document_fields"]


@dataclass(frozen=True)
class Check:
    """A check every guide gets: one row of the table."""

    id: str
    level: Literal["error", "warning"]
    message: str
    meaning: str
    unrepresentable: bool
    needs: Needs


CHECKS: tuple[Check, ...] = (
    Check(
        "unknown-control",
        "error",
        "Contrôle inconnu « {control} » : ce résultat ne correspond à aucun élément du guide.",
        "a result comes from a control the guide does not define",
        True,
        "always",
    ),
    Check(
        "unknown-label",
        "error",
        "Étiquette inconnue « {label} » pour « {control} ».",
        "a span carries a label its label set does not define",
        True,
        "label_sets",
    ),
    Check(
        "label-count",
        "error",
        "Une zone doit porter exactement une étiquette (ici : {count}).",
        "a span carries no label, or several",
        True,
        "label_sets",
    ),
    Check(
        "offsets",
        "error",
        "Position invalide ({start}–{end}) pour un texte de {length} caractères.",
        "a span's offsets are missing, empty or outside the text (Unicode code points)",
        True,
        "label_sets",
    ),
    Check(
        "text-mismatch",
        "warning",
        "Le texte enregistré « {stored} » ne correspond pas aux positions ; le texte du "
        "compte rendu à ces positions est « {actual} ».",
        "the text stored with a span differs from the report text at its offsets",
        False,
        "label_sets",
    ),
    Check(
        "duplicate-region",
        "error",
        "Zone en double : « {text} » est déjà annotée {label} aux mêmes positions.",
        "the same label on the same offsets twice",
        False,
        "label_sets",
    ),
    Check(
        "duplicate-id",
        "error",
        "Identifiant de zone « {result_id} » utilisé deux fois.",
        "two spans share one result id",
        True,
        "label_sets",
    ),
    Check(
        "orphan-attribute",
        "error",
        "L'attribut « {attribute} » se rapporte à une zone qui n'existe pas.",
        "a per-region attribute belongs to no span",
        True,
        "attributes",
    ),
    Check(
        "attribute-value",
        "error",
        "Valeur « {value} » invalide pour l'attribut « {attribute} ».",
        "an attribute value outside the attribute's closed list",
        False,
        "attributes",
    ),
    Check(
        "attribute-count",
        "error",
        "L'attribut « {attribute} » doit avoir une seule valeur (ici : {count}).",
        "an attribute given more than one value",
        False,
        "attributes",
    ),
    Check(
        "attribute-not-applicable",
        "error",
        "L'attribut « {attribute} » ne s'applique pas à une zone « {label} ».",
        "an attribute set on a label it does not apply to",
        False,
        "attributes",
    ),
    Check(
        "required-attribute",
        "error",
        "Renseignez « {attribute} » pour la zone « {text} » ({label}).",
        "a required attribute left empty",
        False,
        "required_attributes",
    ),
    Check(
        "relation-endpoint",
        "error",
        "Relation {relation} : une de ses extrémités n'existe pas.",
        "a relation whose source or target span does not exist",
        True,
        "relations",
    ),
    Check(
        "relation-label",
        "error",
        "Choisissez le type de la relation entre « {source} » et « {target} ».",
        "a relation without a type (or with several)",
        True,
        "relations",
    ),
    Check(
        "relation-unknown",
        "error",
        "Type de relation inconnu « {relation} ».",
        "a relation type the guide does not define",
        True,
        "relations",
    ),
    Check(
        "relation-direction",
        "error",
        "La relation {relation} a un sens : elle ne peut pas être bidirectionnelle.",
        "a directed relation drawn as bidirectional",
        False,
        "relations",
    ),
    Check(
        "relation-pair",
        "error",
        "La relation {relation} ne peut pas aller de {source_label} vers {target_label} ; autorisé : {allowed}.",
        "a relation between labels it may not link",
        False,
        "relations",
    ),
    Check(
        "duplicate-relation",
        "error",
        "Relation {relation} en double entre « {source} » et « {target} ».",
        "the same relation twice between the same spans (in either direction when direction does not matter)",
        False,
        "relations",
    ),
    Check(
        "document-field-value",
        "error",
        "Valeur « {value} » invalide pour « {field} ».",
        "a document-level value outside the field's closed list",
        False,
        "document_fields",
    ),
    Check(
        "document-field-missing",
        "error",
        "Choisissez une valeur pour « {field} ».",
        "a required document-level field left empty",
        False,
        "document_fields",
    ),
    Check(
        "document-field-count",
        "error",
        "« {field} » n'accepte qu'une valeur (ici : {count}).",
        "several values in a single-value document-level field",
        False,
        "document_fields",
    ),
)

# The checks whose violation leaves an item no format can hold: a region without a (known) label or
# with offsets outside the text, an attribute or relation pointing to a region that does not exist,
# a relation without a known type. Such an item alone is left out (and listed).
UNREPRESENTABLE = frozenset(check.id for check in CHECKS if check.unrepresentable)

RULE_KINDS: dict[str, RuleKind[Any]] = {
    kind.kind: kind for kind in (SpanBoundaries(), LeadingWords(), NoLineBreak(), Count(), NoOverlap())
}


def checks_for(guide: Guide) -> list[Check]:
    """The rows of ``CHECKS`` that can apply to annotations of this guide, in table order."""
    present: dict[Needs, bool] = {
        "always": True,
        "label_sets": bool(guide.label_sets),
        "attributes": any(ls.attributes for ls in guide.label_sets),
        "required_attributes": any(a.required for ls in guide.label_sets for a in ls.attributes),
        "relations": bool(guide.relations),
        "document_fields": bool(guide.document_fields),
    }
    return [check for check in CHECKS if present[check.needs]]
