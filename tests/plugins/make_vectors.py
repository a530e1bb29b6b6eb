"""Write the shared test vectors of the two rule engines (Python and the plugins' JavaScript).

Regenerate, from the repository root:

    .venv/bin/python tests/plugins/make_vectors.py

Each vector is a Label Studio annotation (result items as the labeling interface writes them) on a
short text, with the violations the engines must return. ``expected`` is computed by the Python
engine, but only after it matches the hand-reviewed ``review`` list below: (target, rule, level) of
every violation, in the engines' sort order. A vector whose engine output differs from its review
stops the script, so a behaviour change is a deliberate edit here, not a silent regeneration.
The compiled rules of each guide these vectors use are written beside them (``rules/<guide>.json``)
for the JavaScript test, which cannot compile guides. Every guide, including one without vectors
here, is also checked by both engines on its samples (test_engines_agree_on_samples.py).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guides
from partages_ls.rules.compile import compile_rules
from partages_ls.rules.engine import check_results

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
VECTORS_DIR = HERE / "vectors"
RULES_DIR = HERE / "rules"
COMMAND = ".venv/bin/python tests/plugins/make_vectors.py"

Item = dict[str, Any]
Review = list[tuple[str, str, str]]


@dataclass
class Vector:
    name: str
    guide: str
    description: str
    text: str
    results: list[Item]
    review: Review = field(default_factory=list)


# --- result items, as the labeling interface writes them ----------------------------------------
def where(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """Code-point offsets of the ``nth`` occurrence of ``needle`` (Python indexes code points)."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def span(rid: str, text: str, needle: str, label: str | list[str], control: str, nth: int = 0, **value: Any) -> Item:
    start, end = where(text, needle, nth)
    labels = label if isinstance(label, list) else [label]
    return {
        "id": rid,
        "from_name": control,
        "to_name": "text",
        "type": "labels",
        "value": {"start": start, "end": end, "text": text[start:end], "labels": labels, **value},
    }


def attribute(rid: str, text: str, needle: str, control: str, *choices: str, nth: int = 0) -> Item:
    start, end = where(text, needle, nth)
    return {
        "id": rid,
        "from_name": control,
        "to_name": "text",
        "type": "choices",
        "value": {"start": start, "end": end, "text": text[start:end], "choices": list(choices)},
    }


def relation(source: str, target: str, *labels: str, direction: str = "right") -> Item:
    item: Item = {"from_id": source, "to_id": target, "type": "relation", "direction": direction}
    if labels:
        item["labels"] = list(labels)
    return item


def document(rid: str, control: str, *choices: str) -> Item:
    return {"id": rid, "from_name": control, "to_name": "text", "type": "choices", "value": {"choices": list(choices)}}


# --- CU6 infectiologie -------------------------------------------------------------------------
INF = (
    "Hémocultures positives à Escherichia coli.\n"
    "Bactériémie à point de départ urinaire sur pyélonéphrite aiguë droite.\n"
    "Pas d'endocardite infectieuse.\n"
)


def inf_span(rid: str, needle: str, label: str | list[str], negation: str | None, text: str = INF) -> list[Item]:
    items = [span(rid, text, needle, label, "LABEL")]
    if negation is not None:
        items.append(attribute(rid, text, needle, "NEGATION", negation))
    return items


def inf_valid() -> list[Item]:
    return [
        *inf_span("B1", "Escherichia coli", "Bacterie", "Present"),
        *inf_span("B2", "Bactériémie", "Bacteriemie", "Present"),
        *inf_span("S1", "urinaire", "Site", "Present"),
        *inf_span("I1", "pyélonéphrite aiguë", "Infection", "Present"),
        *inf_span("I2", "endocardite infectieuse", "Infection", "Absent"),
        relation("B2", "B1", "AGENT_PATHOGENE"),
        relation("B2", "I1", "SITE_PRIMAIRE"),
        relation("B1", "S1", "ORIGINE"),
    ]


def without(items: list[Item], rid: str, control: str) -> list[Item]:
    return [item for item in items if not (item.get("id") == rid and item.get("from_name") == control)]


def infectiologie() -> list[Vector]:
    valid = inf_valid()
    crlf = INF.replace("\n", "\r\n").replace("Escherichia coli", "Escherichia\r\ncoli")
    emoji = "🦠 Hémocultures positives à Escherichia coli 🧫 : bactériémie 👍🏽 à point de départ urinaire."
    dup = span("B1bis", INF, "Escherichia coli", "Bacterie", "LABEL")
    reused = span("B2", INF, "pyélonéphrite aiguë", "Infection", "LABEL")
    offsets = [
        {**span("X1", INF, "Escherichia coli", "Bacterie", "LABEL")},
        attribute("X1", INF, "Escherichia coli", "NEGATION", "Present"),
        {**span("X2", INF, "urinaire", "Site", "LABEL")},
        attribute("X2", INF, "urinaire", "NEGATION", "Present"),
        {**span("X3", INF, "Bactériémie", "Bacteriemie", "LABEL")},
        {**span("X4", INF, "endocardite", "Infection", "LABEL")},
        attribute("X4", INF, "endocardite", "NEGATION", "Absent"),
    ]
    offsets[0]["value"] |= {"end": len(INF) + 5, "text": "Escherichia coli"}
    del offsets[2]["value"]["start"]
    offsets[4]["value"] |= {"end": offsets[4]["value"]["start"], "text": ""}
    offsets[5]["value"] |= {"start": -1}
    del offsets[5]["value"]["text"]
    mismatch = inf_span("B1", "Escherichia coli", "Bacterie", "Present")
    mismatch[0]["value"]["text"] = "Escherichia  coli"
    no_text = inf_span("B2", "Bactériémie", "Bacteriemie", "Present")
    del no_text[0]["value"]["text"]
    return [
        Vector(
            "infectiologie-valid", "infectiologie", "Every span has its negation, relations in their sense.", INF, valid
        ),
        Vector(
            "infectiologie-missing-negation",
            "infectiologie",
            "CU6: a span without its required negation.",
            INF,
            without(valid, "I2", "NEGATION"),
            [("I2", "required-attribute", "error")],
        ),
        Vector(
            "infectiologie-attribute-value-and-count",
            "infectiologie",
            "A negation outside its list; two negation items on one span; two choices in one item.",
            INF,
            [
                *inf_span("B1", "Escherichia coli", "Bacterie", "Peut-être"),
                *inf_span("I1", "pyélonéphrite aiguë", "Infection", "Present"),
                attribute("I1", INF, "pyélonéphrite aiguë", "NEGATION", "Absent"),
                *inf_span("S1", "urinaire", "Site", None),
                attribute("S1", INF, "urinaire", "NEGATION", "Present", "Absent"),
            ],
            [
                ("B1", "attribute-value", "error"),
                ("I1", "attribute-count", "error"),
                ("S1", "attribute-count", "error"),
            ],
        ),
        Vector(
            "infectiologie-orphan-attribute",
            "infectiologie",
            "A negation whose span id does not exist.",
            INF,
            [*valid, attribute("ghost", INF, "droite", "NEGATION", "Present")],
            [("ghost", "orphan-attribute", "error")],
        ),
        Vector(
            "infectiologie-unknown-control-and-label",
            "infectiologie",
            "A text area the guide does not define; a label outside the label set (its negation is not "
            "required, the label being unknown).",
            INF,
            [
                *valid,
                {
                    "id": "c1",
                    "from_name": "commentaire",
                    "to_name": "text",
                    "type": "textarea",
                    "value": {"text": ["à revoir"]},
                },
                *inf_span("V1", "droite", "Virus", "Present"),
            ],
            [("V1", "unknown-label", "error"), ("c1", "unknown-control", "error")],
        ),
        Vector(
            "infectiologie-label-count",
            "infectiologie",
            "A span with no label and one with two labels.",
            INF,
            [*valid, *inf_span("E0", "droite", [], None), *inf_span("E2", "aiguë", ["Infection", "Site"], None)],
            [("E0", "label-count", "error"), ("E2", "label-count", "error")],
        ),
        Vector(
            "infectiologie-offsets",
            "infectiologie",
            "End past the text; no start (its negation is then an orphan); empty span (still asks for its "
            "negation, with an empty text); negative start.",
            INF,
            offsets,
            [
                ("X1", "offsets", "error"),
                ("X2", "offsets", "error"),
                ("X2", "orphan-attribute", "error"),
                ("X3", "offsets", "error"),
                ("X3", "required-attribute", "error"),
                ("X4", "offsets", "error"),
            ],
        ),
        Vector(
            "infectiologie-text-mismatch",
            "infectiologie",
            "Stored text with a doubled space (a warning); a span without stored text is fine.",
            INF,
            [*mismatch, *no_text],
            [("B1", "text-mismatch", "warning")],
        ),
        Vector(
            "infectiologie-duplicate-region-and-id",
            "infectiologie",
            "The same label twice on the same offsets; a second span reusing an id (the first one wins).",
            INF,
            [*valid, dup, attribute("B1bis", INF, "Escherichia coli", "NEGATION", "Present"), reused],
            [("B1bis", "duplicate-region", "error"), ("B2", "duplicate-id", "error")],
        ),
        Vector(
            "infectiologie-relation-structure",
            "infectiologie",
            "Relations to a missing span, with no source id, without a type, with two types, with an unknown type.",
            INF,
            [
                *valid,
                relation("B2", "nowhere", "AGENT_PATHOGENE"),
                {"to_id": "B1", "type": "relation", "direction": "right", "labels": ["AGENT_PATHOGENE"]},
                relation("B2", "S1"),
                relation("B2", "I1", "SITE_PRIMAIRE", "ORIGINE"),
                relation("B2", "I2", "CAUSE"),
            ],
            [
                ("relation:B2->I1:SITE_PRIMAIRE,ORIGINE", "relation-label", "error"),
                ("relation:B2->I2:CAUSE", "relation-unknown", "error"),
                ("relation:B2->S1:", "relation-label", "error"),
                ("relation:B2->nowhere:AGENT_PATHOGENE", "relation-endpoint", "error"),
                ("relation:None->B1:AGENT_PATHOGENE", "relation-endpoint", "error"),
            ],
        ),
        Vector(
            "infectiologie-relation-direction-bi",
            "infectiologie",
            "A directed relation drawn bidirectional.",
            INF,
            [*without_relations(valid), relation("B2", "B1", "AGENT_PATHOGENE", direction="bi")],
            [("relation:B2->B1:AGENT_PATHOGENE", "relation-direction", "error")],
        ),
        Vector(
            "infectiologie-relation-left",
            "infectiologie",
            "Arrows drawn backwards with direction left are read in their real sense: two are right, the last "
            "one goes Bactérie → Bactériémie.",
            INF,
            [
                *without_relations(valid),
                relation("B1", "B2", "AGENT_PATHOGENE", direction="left"),
                relation("S1", "B1", "ORIGINE", direction="left"),
                relation("B2", "B1", "AGENT_PATHOGENE", direction="left"),
            ],
            [("relation:B2->B1:AGENT_PATHOGENE", "relation-pair", "error")],
        ),
        Vector(
            "infectiologie-relation-pair-and-duplicate",
            "infectiologie",
            "A relation between labels it may not link; the same relation drawn twice, once as a left arrow.",
            INF,
            [
                *valid,
                relation("B1", "B2", "AGENT_PATHOGENE"),
                relation("B2", "B1", "AGENT_PATHOGENE"),
                relation("B1", "B2", "AGENT_PATHOGENE", direction="left"),
            ],
            [
                ("relation:B1->B2:AGENT_PATHOGENE", "duplicate-relation", "error"),
                ("relation:B1->B2:AGENT_PATHOGENE", "relation-pair", "error"),
                ("relation:B2->B1:AGENT_PATHOGENE", "duplicate-relation", "error"),
            ],
        ),
        Vector(
            "infectiologie-span-boundaries",
            "infectiologie",
            "Spans starting with a space and ending with a full stop.",
            INF,
            [
                *inf_span("B1", " Escherichia coli", "Bacterie", "Present"),
                *inf_span("I1", "pyélonéphrite aiguë droite.", "Infection", "Present"),
            ],
            [("B1", "bornes-propres", "error"), ("I1", "bornes-propres", "error")],
        ),
        Vector(
            "infectiologie-crlf-line-break",
            "infectiologie",
            "Windows line ends: a span with \\r\\n inside breaks the rule; a span after several \\r\\n keeps its "
            "offsets (\\r counts as one character).",
            crlf,
            [
                *inf_span("B1", "Escherichia\r\ncoli", "Bacterie", "Present", text=crlf),
                *inf_span("I2", "endocardite infectieuse", "Infection", "Absent", text=crlf),
            ],
            [("B1", "pas-de-saut-de-ligne", "error")],
        ),
        Vector(
            "infectiologie-emoji-before-span",
            "infectiologie",
            "Emoji (astral characters, one with a skin-tone modifier) before the spans: offsets are code "
            "points, so the stored texts match and nothing is reported.",
            emoji,
            [
                *inf_span("B1", "Escherichia coli", "Bacterie", "Present", text=emoji),
                *inf_span("B2", "bactériémie", "Bacteriemie", "Present", text=emoji),
                *inf_span("S1", "urinaire", "Site", "Present", text=emoji),
                relation("B2", "B1", "AGENT_PATHOGENE"),
                relation("B2", "S1", "SITE_PRIMAIRE"),
            ],
        ),
    ]


def without_relations(items: list[Item]) -> list[Item]:
    return [item for item in items if item.get("type") != "relation"]


# --- CU1 pseudonymisation ------------------------------------------------------------------------
PS = (
    "Patient : M. Jean Martin, né le 12/03/1958.\n"
    "Adresse : 12 rue des Tilleuls,\n69003 Lyon.\n"
    "Vu par le Dr Claire Dubois (CHU de Nantes), tél. 04 65 71 00 00.\n"
)
ROLES = {
    "Prenom": "RolePER",
    "Nom": "RolePER",
    "Adresse": "RoleLOC",
    "CodePostal": "RoleLOC",
    "Ville": "RoleLOC",
    "NumeroTelephone": "RoleNUM",
}


def ps_span(
    rid: str, needle: str, label: str, role: str | None, text: str = PS, control: str | None = None
) -> list[Item]:
    items = [span(rid, text, needle, label, "Categorie")]
    if role is not None:
        items.append(attribute(rid, text, needle, control or ROLES[label], role))
    return items


def ps_valid(text: str = PS) -> list[Item]:
    return [
        *ps_span("P1", "Jean", "Prenom", "Patient", text),
        *ps_span("N1", "Martin", "Nom", "Patient", text),
        *ps_span("D1", "12/03/1958", "DateNaissancePatient", None, text),
        *ps_span("A1", "12 rue des Tilleuls", "Adresse", "Patient", text),
        *ps_span("C1", "69003", "CodePostal", "Patient", text),
        *ps_span("V1", "Lyon", "Ville", "Patient", text),
        *ps_span("P2", "Claire", "Prenom", "PersonnelSante", text),
        *ps_span("N2", "Dubois", "Nom", "PersonnelSante", text),
        *ps_span("V2", "Nantes", "Ville", "Hopital", text),
        *ps_span("T1", "04 65 71 00 00", "NumeroTelephone", "Hopital", text),
    ]


def pseudonymisation() -> list[Vector]:
    astral = "𝔸 " + PS
    valid = ps_valid()
    return [
        Vector("pseudonymisation-valid", "pseudonymisation", "Each identifier once, with its role.", PS, valid),
        Vector(
            "pseudonymisation-overlap",
            "pseudonymisation",
            "« Jean Martin » as one Nom over Prénom « Jean » and Nom « Martin »: each later span that overlaps an "
            "earlier one gets the warning.",
            PS,
            [*valid, *ps_span("NM", "Jean Martin", "Nom", "Patient")],
            [("N1", "pas-de-chevauchement", "warning"), ("NM", "pas-de-chevauchement", "warning")],
        ),
        Vector(
            "pseudonymisation-attribute-not-applicable",
            "pseudonymisation",
            "A person's role on a town (and its place role missing); a person's role on a birth date.",
            PS,
            [
                *without(without(valid, "V1", "RoleLOC"), "D1", "RolePER"),
                attribute("V1", PS, "Lyon", "RolePER", "Patient"),
                attribute("D1", PS, "12/03/1958", "RolePER", "Patient"),
            ],
            [
                ("D1", "attribute-not-applicable", "error"),
                ("V1", "attribute-not-applicable", "error"),
                ("V1", "required-attribute", "error"),
            ],
        ),
        Vector(
            "pseudonymisation-line-break",
            "pseudonymisation",
            "A whole address across two lines.",
            PS,
            [*ps_span("A1", "12 rue des Tilleuls,\n69003 Lyon", "Adresse", "Patient")],
            [("A1", "pas-de-saut-de-ligne", "error")],
        ),
        Vector(
            "pseudonymisation-astral-before-span",
            "pseudonymisation",
            "A mathematical letter outside the BMP (U+1D538) before every span: nothing shifts.",
            astral,
            ps_valid(astral),
        ),
    ]


# --- CU5a biomarqueurs ---------------------------------------------------------------------------
BIO = (
    "Récepteurs aux œstrogènes positifs à 90 % en immunohistochimie.\n"
    "HER2 : score 2+, amplification en FISH.\n"
    "Statut MSS.\n"
)


def bio_span(rid: str, needle: str, label: str, *attributes: tuple[str, str], nth: int = 0) -> list[Item]:
    items = [span(rid, BIO, needle, label, "Biomarker", nth)]
    items += [attribute(rid, BIO, needle, control, value, nth=nth) for control, value in attributes]
    return items


def bio_spans() -> list[Item]:
    return [
        *bio_span("BM1", "Récepteurs aux œstrogènes", "Biomarker", ("Normalized", "ER")),
        *bio_span("ST1", "positifs", "Status", ("Presence", "Positive")),
        *bio_span("VA1", "90", "Value"),
        *bio_span("UN1", "%", "Unit"),
        *bio_span("TE1", "immunohistochimie", "Technique"),
        *bio_span("BM2", "HER2", "Biomarker", ("Normalized", "HER2")),
        *bio_span("VA2", "2+", "Value"),
        *bio_span("MU1", "amplification", "Mutation", ("Presence", "Positive")),
        *bio_span("TE2", "FISH", "Technique"),
        *bio_span("BM3", "MSS", "Biomarker", ("Normalized", "MSI")),
        *bio_span("ST2", "MSS", "Status", ("Presence", "Negative")),
    ]


LINKS = [
    ("ST1", "BM1"),
    ("VA1", "BM1"),
    ("UN1", "BM1"),
    ("TE1", "BM1"),
    ("VA2", "BM2"),
    ("MU1", "BM2"),
    ("TE2", "BM2"),
    ("ST2", "BM3"),
]


def biomarqueurs() -> list[Vector]:
    forward = [relation(a, b, "RefersTo") for a, b in LINKS]
    reverse = [relation(b, a, "RefersTo") for a, b in LINKS[:-1]] + [
        relation("ST2", "BM3", "RefersTo", direction="left")
    ]
    spans = bio_spans()
    broken = [
        *without(spans, "BM1", "Normalized"),
        attribute("BM1", BIO, "Récepteurs aux œstrogènes", "Normalized", "ESR1-XYZ"),
        attribute("BM2", BIO, "HER2", "Presence", "Positive"),
        attribute("ST1", BIO, "positifs", "Normalized", "ER"),
    ]
    broken = without(broken, "MU1", "Presence")
    return [
        Vector(
            "biomarqueurs-valid",
            "biomarqueurs",
            "« MSS » annotated twice (Biomarqueur and Statut) and linked; every element refers to its biomarker.",
            BIO,
            [*spans, *forward],
        ),
        Vector(
            "biomarqueurs-refersto-both-directions",
            "biomarqueurs",
            "CU5a: RefersTo has no direction, so Value → Biomarker and Biomarker → Value are the same relation "
            "(the second is a duplicate); a bidirectional RefersTo is fine.",
            BIO,
            [
                *spans,
                *forward[:3],
                relation("BM1", "VA1", "RefersTo"),
                relation("TE1", "BM1", "RefersTo", direction="bi"),
            ],
            [("relation:BM1->VA1:RefersTo", "duplicate-relation", "error")],
        ),
        Vector(
            "biomarqueurs-refersto-reversed",
            "biomarqueurs",
            "Every RefersTo drawn from the biomarker to the element (and one left arrow): direction does not matter.",
            BIO,
            [*spans, *reverse],
        ),
        Vector(
            "biomarqueurs-attributes",
            "biomarqueurs",
            "A normalisation outside the list; a presence on a biomarker; a normalisation on a status; a mutation "
            "without its presence.",
            BIO,
            [*broken, *forward],
            [
                ("BM1", "attribute-value", "error"),
                ("BM2", "attribute-not-applicable", "error"),
                ("MU1", "required-attribute", "error"),
                ("ST1", "attribute-not-applicable", "error"),
            ],
        ),
        Vector(
            "biomarqueurs-relation-pair",
            "biomarqueurs",
            "RefersTo between two elements, and between two biomarkers.",
            BIO,
            [*spans, *forward, relation("VA1", "UN1", "RefersTo"), relation("BM1", "BM2", "RefersTo")],
            [
                ("relation:BM1->BM2:RefersTo", "relation-pair", "error"),
                ("relation:VA1->UN1:RefersTo", "relation-pair", "error"),
            ],
        ),
    ]


# --- CU5b reponse-traitement -------------------------------------------------------------------
RT = (
    "TEP-TDM de fin de traitement : disparition de toutes les fixations pathologiques.\n"
    "Conclusion : réponse métabolique complète selon les critères de Lugano.\n"
)
RT_J = "réponse métabolique complète selon les critères de Lugano"


def reponse_traitement() -> list[Vector]:
    justification = span("J1", RT, RT_J, "Justification", "Justification")
    second = span("J2", RT, "disparition de toutes les fixations pathologiques", "Justification", "Justification")
    per_region_class = attribute("J1", RT, RT_J, "Nomenclature", "ReponseComplete")
    return [
        Vector(
            "reponse-traitement-valid",
            "reponse-traitement",
            "One class, one justification.",
            RT,
            [justification, document("doc", "Nomenclature", "ReponseComplete")],
        ),
        Vector(
            "reponse-traitement-no-class",
            "reponse-traitement",
            "CU5b: no class chosen.",
            RT,
            [justification],
            [("field:Nomenclature", "document-field-missing", "error")],
        ),
        Vector(
            "reponse-traitement-two-classes",
            "reponse-traitement",
            "CU5b: two classes in one choice item.",
            RT,
            [justification, document("doc", "Nomenclature", "ReponseComplete", "ReponsePartielle")],
            [("field:Nomenclature", "document-field-count", "error")],
        ),
        Vector(
            "reponse-traitement-two-class-items",
            "reponse-traitement",
            "Two class items of one value each.",
            RT,
            [
                justification,
                document("d1", "Nomenclature", "MaladieStable"),
                document("d2", "Nomenclature", "MaladieStable"),
            ],
            [("field:Nomenclature", "document-field-count", "error")],
        ),
        Vector(
            "reponse-traitement-unknown-class",
            "reponse-traitement",
            "A class outside the list (then no valid class); the class written as a per-region choice is no "
            "document-level field.",
            RT,
            [justification, document("doc", "Nomenclature", "Cancer"), per_region_class],
            [("J1", "unknown-control", "error"), ("field:Nomenclature", "document-field-value", "error")],
        ),
        Vector(
            "reponse-traitement-two-justifications",
            "reponse-traitement",
            "CU5b: two justifications.",
            RT,
            [justification, second, document("doc", "Nomenclature", "ReponseComplete")],
            [("rule:une-justification-au-plus", "une-justification-au-plus", "error")],
        ),
        Vector(
            "reponse-traitement-no-justification",
            "reponse-traitement",
            "CU5b: a class without justification.",
            RT,
            [document("doc", "Nomenclature", "ReponseComplete")],
            [("rule:une-justification-au-moins", "une-justification-au-moins", "error")],
        ),
        Vector(
            "reponse-traitement-justification-boundaries",
            "reponse-traitement",
            "A justification that starts with « : » and ends with « . ».",
            RT,
            [
                span("J1", RT, ": " + RT_J + ".", "Justification", "Justification"),
                document("doc", "Nomenclature", "ReponseComplete"),
            ],
            [("J1", "bornes-propres", "error")],
        ),
    ]


# --- behaviours both engines keep on purpose --------------------------------------------------------
def edge_cases() -> list[Vector]:
    placeholder = inf_span("B1", "Escherichia coli", "Bacterie", "Present")
    placeholder[0]["value"]["text"] = "{actual}"
    dollar = inf_span("B2", "Bactériémie", "Bacteriemie", "Present")
    dollar[0]["value"]["text"] = "$& $1 $$ $'"
    boolean = inf_span("B1", "émocultures", "Bacterie", "Present")
    for item in boolean:
        item["value"]["start"] = True
    proto = [
        *inf_span("__proto__", "Escherichia coli", "Bacterie", "hasOwnProperty"),
        *inf_span("B2", "Bactériémie", "Bacteriemie", "Present"),
        relation("B2", "__proto__", "AGENT_PATHOGENE"),
        relation("B2", "__proto__", "toString"),
        document("k1", "constructor", "x"),
        document("k2", "__proto__", "x"),
    ]
    astral_sort = [
        *inf_span("B1", "Escherichia coli", "Bacterie", None),
        attribute("B1", INF, "Escherichia coli", "NEGATION", "𝔸", "！"),
        *inf_span("ｚ", "urinaire", "Site", None),
        *inf_span("𝔷", "droite", "Site", None),
    ]
    identical = [
        *inf_span("B1", "Escherichia coli", "Bacterie", None),
        attribute("B1", INF, "Escherichia coli", "NEGATION", "Peut-être", "Peut-être"),
        *inf_span("I2", "endocardite infectieuse", "Infection", "Absent"),
        relation("B1", "I2", "CAUSE"),
        relation("B1", "I2", "CAUSE"),
    ]
    return [
        Vector(
            "edge-identical-violations-once",
            "infectiologie",
            "Identical violations are reported once: the same wrong negation twice in one item, the same "
            "unknown relation drawn twice (same target, rule, level and message).",
            INF,
            identical,
            [
                ("B1", "attribute-count", "error"),
                ("B1", "attribute-value", "error"),
                ("relation:B1->I2:CAUSE", "relation-unknown", "error"),
            ],
        ),
        Vector(
            "edge-placeholder-in-stored-text",
            "infectiologie",
            "Placeholders are filled in one pass: a stored text « {actual} » stays as written, and "
            "« $& $1 $$ $' » too (no JavaScript replacement patterns).",
            INF,
            [*placeholder, *dollar],
            [("B1", "text-mismatch", "warning"), ("B2", "text-mismatch", "warning")],
        ),
        Vector(
            "edge-boolean-offset",
            "infectiologie",
            "A start offset of true is not an offset (JSON booleans are refused, although Python's bool "
            "is an int): the region is invalid and its negation item has no region to attach to.",
            INF,
            boolean,
            [("B1", "offsets", "error"), ("B1", "orphan-attribute", "error")],
        ),
        Vector(
            "edge-prototype-names",
            "infectiologie",
            "Names that are JavaScript object-prototype keys are ordinary strings: a span id __proto__, a "
            "relation type toString, a choice hasOwnProperty, controls constructor and __proto__.",
            INF,
            proto,
            [
                ("__proto__", "attribute-value", "error"),
                ("k1", "unknown-control", "error"),
                ("k2", "unknown-control", "error"),
                ("relation:B2->__proto__:toString", "relation-unknown", "error"),
            ],
        ),
        Vector(
            "edge-sort-by-code-point",
            "infectiologie",
            "Sorting is by code point (Python), not by UTF-16 unit: U+FF01 « ！ » sorts before U+1D538 « 𝔸 », "
            "and the id U+FF5A « ｚ » before U+1D537 « 𝔷 ».",
            INF,
            astral_sort,
            [
                ("B1", "attribute-count", "error"),
                ("B1", "attribute-value", "error"),
                ("B1", "attribute-value", "error"),
                ("ｚ", "required-attribute", "error"),
                ("𝔷", "required-attribute", "error"),
            ],
        ),
    ]


# --- the leading-word rule and the initial's dot -----------------------------------------------------
INF_WORDS = (
    "Foyer du lobe inférieur droit. Atteinte de la valve aortique et de l'endocarde.\n"
    "L\u2019aorte est saine. Pas de dessus ni d'ennui : endocardite à entérocoque.\n"
)
PS_NAMES = (
    "Patiente : Mme Anne Le Floc'h, née le 23/02/1951 à La Rochelle.\n"
    "Vue par le Dr J.-B. De La Tour et le Dr H. Martin. avec Mme de Gaulle.\n"
)


def leading_words() -> list[Vector]:
    ps_names = [
        *ps_span("P1", "Anne", "Prenom", "Patient", PS_NAMES),
        *ps_span("N1", "Le Floc'h", "Nom", "Patient", PS_NAMES),
        *ps_span("D1", "le 23/02/1951", "DateNaissancePatient", None, PS_NAMES),
        *ps_span("V1", "La Rochelle", "Ville", "Patient", PS_NAMES),
        *ps_span("P2", "J.-B.", "Prenom", "PersonnelSante", PS_NAMES),
        *ps_span("N2", "De La Tour", "Nom", "PersonnelSante", PS_NAMES),
        *ps_span("P3", "H.", "Prenom", "PersonnelSante", PS_NAMES),
        *ps_span("N3", "Martin.", "Nom", "PersonnelSante", PS_NAMES),
        *ps_span("N4", "de Gaulle", "Nom", "Autre", PS_NAMES),
    ]
    return [
        Vector(
            "infectiologie-leading-determiner",
            "infectiologie",
            "Spans starting with « du », « la », « l' » (straight and typographic apostrophes, any case): a warning "
            "each; « de » is not found inside « dessus » nor « en » inside « endocardite » or « entérocoque ».",
            INF_WORDS,
            [
                *inf_span("S1", "du lobe inférieur droit", "Site", "Present", INF_WORDS),
                *inf_span("S2", "la valve aortique", "Site", "Present", INF_WORDS),
                *inf_span("S3", "l'endocarde", "Site", "Present", INF_WORDS),
                *inf_span("S4", "L\u2019aorte", "Site", "Absent", INF_WORDS),
                *inf_span("S5", "dessus", "Site", "Absent", INF_WORDS),
                *inf_span("I1", "endocardite", "Infection", "Present", INF_WORDS),
                *inf_span("B1", "entérocoque", "Bacterie", "Present", INF_WORDS),
            ],
            [
                ("S1", "pas-de-determinant", "warning"),
                ("S2", "pas-de-determinant", "warning"),
                ("S3", "pas-de-determinant", "warning"),
                ("S4", "pas-de-determinant", "warning"),
            ],
        ),
        Vector(
            "pseudonymisation-particles-and-initials",
            "pseudonymisation",
            "Name particles (« Le Floc'h », « De La Tour », « La Rochelle ») are part of the name; « le » before a "
            "date and a lower-case « de » before a name are reported; an initial keeps its dot (« H. », « J.-B. ») "
            "but a name does not (« Martin. »).",
            PS_NAMES,
            ps_names,
            [
                ("D1", "pas-de-determinant", "warning"),
                ("N3", "bornes-propres", "error"),
                ("N4", "pas-de-determinant", "warning"),
            ],
        ),
    ]


def all_vectors() -> list[Vector]:
    return [
        *infectiologie(),
        *pseudonymisation(),
        *biomarqueurs(),
        *reponse_traitement(),
        *edge_cases(),
        *leading_words(),
    ]


def dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def build_files() -> tuple[dict[str, str], list[str]]:
    """Relative path → content of every vector and rules file, and the vectors that differ from their review."""
    guides = load_guides(content_dir("guides"))
    rules = {name: compile_rules(guide) for name, guide in guides.items()}
    vectors = all_vectors()
    used = sorted({vector.guide for vector in vectors})
    files = {f"rules/{name}.json": dump(rules[name]) for name in used}
    problems: list[str] = []
    names: set[str] = set()
    for vector in vectors:
        if vector.name in names:
            problems.append(f"{vector.name}: name used twice")
        names.add(vector.name)
        found = check_results(rules[vector.guide], vector.text, vector.results)
        got = [(v.target, v.rule, v.level) for v in found]
        if got != vector.review:
            problems.append(f"{vector.name}: the engine gives {got}, the review says {vector.review}")
        files[f"vectors/{vector.name}.json"] = dump(
            {
                "name": vector.name,
                "guide": vector.guide,
                "description": vector.description,
                "text": vector.text,
                "results": vector.results,
                "expected": [v.as_dict() for v in found],
            }
        )
    return files, problems


def main() -> int:
    files, problems = build_files()
    if problems:
        print("vectors not written: the engine disagrees with the hand review:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    for folder in (VECTORS_DIR, RULES_DIR):
        for path in folder.glob("*.json") if folder.is_dir() else []:
            if path.relative_to(HERE).as_posix() not in files:
                path.unlink()
                print(f"removed {path.relative_to(ROOT)}")
    for relative, text in sorted(files.items()):
        path = HERE / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="")
            print(f"wrote {path.relative_to(ROOT)}")
    print(f"{sum(1 for f in files if f.startswith('vectors/'))} vectors, {len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
