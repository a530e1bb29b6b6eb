"""A guide's rules compiled to plain JSON data, read by both rule engines.

The Python validator (export, ``partages-ls validate``) and the JavaScript plugin engine
(labeling interface) take this same document, so the two cannot disagree on what a guide
allows. Messages are French templates with ``{placeholders}``, shared by both engines.
"""

from __future__ import annotations

from typing import Any

from partages_ls.guides.model import (
    CountRule,
    Guide,
    LeadingWordsRule,
    NoLineBreakRule,
    NoOverlapRule,
    SpanBoundariesRule,
)

RULES_FORMAT = 1

# Checks every guide gets, whatever it declares. Ids are stable: reports and vectors use them.
STRUCTURAL_MESSAGES: dict[str, str] = {
    "unknown-control": "Contrôle inconnu « {control} » : ce résultat ne correspond à aucun élément du guide.",
    "unknown-label": "Étiquette inconnue « {label} » pour « {control} ».",
    "label-count": "Une zone doit porter exactement une étiquette (ici : {count}).",
    "offsets": "Position invalide ({start}–{end}) pour un texte de {length} caractères.",
    "text-mismatch": "Le texte enregistré « {stored} » ne correspond pas aux positions ; le texte du "
    "compte rendu à ces positions est « {actual} ».",
    "duplicate-region": "Zone en double : « {text} » est déjà annotée {label} aux mêmes positions.",
    "duplicate-id": "Identifiant de zone « {result_id} » utilisé deux fois.",
    "orphan-attribute": "L'attribut « {attribute} » se rapporte à une zone qui n'existe pas.",
    "attribute-value": "Valeur « {value} » invalide pour l'attribut « {attribute} ».",
    "attribute-count": "L'attribut « {attribute} » doit avoir une seule valeur (ici : {count}).",
    "attribute-not-applicable": "L'attribut « {attribute} » ne s'applique pas à une zone « {label} ».",
    "required-attribute": "Renseignez « {attribute} » pour la zone « {text} » ({label}).",
    "relation-endpoint": "Relation {relation} : une de ses extrémités n'existe pas.",
    "relation-label": "Choisissez le type de la relation entre « {source} » et « {target} ».",
    "relation-unknown": "Type de relation inconnu « {relation} ».",
    "relation-direction": "La relation {relation} a un sens : elle ne peut pas être bidirectionnelle.",
    "relation-pair": "La relation {relation} ne peut pas aller de {source_label} vers {target_label} ; "
    "autorisé : {allowed}.",
    "duplicate-relation": "Relation {relation} en double entre « {source} » et « {target} ».",
    "document-field-value": "Valeur « {value} » invalide pour « {field} ».",
    "document-field-missing": "Choisissez une valeur pour « {field} ».",
    "document-field-count": "« {field} » n'accepte qu'une valeur (ici : {count}).",
}


def _labels(guide: Guide, selected: list[str]) -> list[str]:
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
    rules: list[dict[str, Any]] = []
    for rule in guide.rules:
        item: dict[str, Any] = {"id": rule.id, "kind": rule.kind, "level": rule.level, "message": rule.message}
        if isinstance(rule, SpanBoundariesRule):
            item |= {
                "labels": _labels(guide, rule.labels),
                "forbidden": rule.forbidden,
                "initial_dot_labels": list(rule.initial_dot_labels),
            }
        elif isinstance(rule, LeadingWordsRule):
            item |= {
                "labels": _labels(guide, rule.labels),
                "words": [word.lower() for word in rule.words],
                "particle_labels": list(rule.particle_labels),
            }
        elif isinstance(rule, NoLineBreakRule | NoOverlapRule):
            item |= {"labels": _labels(guide, rule.labels)}
        elif isinstance(rule, CountRule):
            item |= {"labels": _labels(guide, rule.labels), "min": rule.min, "max": rule.max}
        rules.append(item)
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
        "messages": STRUCTURAL_MESSAGES,
    }
