"""The inter-annotator agreement report of one Label Studio export: compute it.

:func:`compute_report` turns a corpus into the JSON report (spans, attributes, relations, document
fields, coverage, conventions, disagreements), every headline figure with its bootstrap interval.
The `agreement` workflow (``partages_ls.workflows.agreement``) reads the export and writes the files;
it sums the same sections document by document (``partages_ls.agreement.stream``), and uses
:func:`compute_report` on the whole corpus only with ``--reference``. Both give the same bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from partages_ls.agreement.attributes_report import attributes_section
from partages_ls.agreement.bootstrap import DEFAULT_SAMPLES, DEFAULT_SEED, MAX_SAMPLES, MAX_SEED, Figure, Ledger
from partages_ls.agreement.collect import AgreementOptionsError, collect
from partages_ls.agreement.conformance import conformance_section
from partages_ls.agreement.disagreements import KINDS, Disagreement
from partages_ls.agreement.fields_report import fields_section
from partages_ls.agreement.matching import MODES
from partages_ls.agreement.relations_report import relations_section
from partages_ls.agreement.spans_report import finish_sd, spans_section
from partages_ls.exporters.contamination import Contaminated
from partages_ls.exporters.corpus import Corpus
from partages_ls.guides.model import Guide
from partages_ls.json_text import Streamed

REPORT_FORMAT = 1
OUTPUTS = ("agreement.html", "agreement.json", "agreement.md", "disagreements.csv")


@dataclass(frozen=True)
class AgreementOptions:
    """What to compare and how: annotator subset, IoU threshold, bootstrap, text or not."""

    annotators: Sequence[str] | None = None
    iou: float | None = None
    bootstrap: int = DEFAULT_SAMPLES
    seed: int = DEFAULT_SEED
    no_text: bool = False
    exclude_contaminated: bool = False  # leave out annotations last updated by another annotator

    def check(self) -> None:
        if self.iou is not None and not 0 < self.iou <= 1:
            raise AgreementOptionsError(f"the IoU threshold must lie in (0, 1], got {self.iou}")
        if self.bootstrap < 0:
            raise AgreementOptionsError(f"the number of bootstrap samples cannot be negative, got {self.bootstrap}")
        if self.bootstrap > MAX_SAMPLES:
            raise AgreementOptionsError(
                f"--bootstrap {self.bootstrap} is more than {MAX_SAMPLES} samples; 1000 give stable 95% intervals"
            )
        if not 0 <= self.seed <= MAX_SEED:
            raise AgreementOptionsError(f"--seed must lie between 0 and {MAX_SEED}, got {self.seed}")


@dataclass
class AgreementReport:
    """The JSON report (plain data, stable keys) and the disagreement list it summarises."""

    data: dict[str, Any]
    disagreements: list[Disagreement] | Streamed  # Streamed: read back from a spill file (agreement.stream)
    guide: Guide
    reference: dict[str, Any] | None = None  # the "annotateur vs référence" section, when asked for


def _plain(value: Any) -> Any:
    """The report with every :class:`Figure` turned into its JSON object."""
    if isinstance(value, Figure):
        return value.as_json()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def conventions(options: AgreementOptions, documents: int, contaminated: int = 0) -> dict[str, Any]:
    """The rules the figures follow, with the parameters of this run (stated in every report)."""
    threshold = f", IoU ≥ {options.iou}" if options.iou is not None else ""
    notes = [
        "Un document compte pour une paire d'annotateurs seulement si les deux l'ont soumis ; les annotations "
        "annulées, les brouillons et les prédictions sont exclus. Chaque annotation soumise compte telle "
        "qu'enregistrée, même quand elle enfreint une règle du guide (attribut obligatoire manquant, relation "
        "dessinée à l'envers, bornes d'une zone…) : ces écarts sont listés dans la section « Conformité au "
        "guide », ils ne retirent rien. Seul un élément impossible à représenter (étiquette inconnue, positions "
        "hors du texte, relation vers une zone absente) est écarté, et compté dans la couverture. "
        "Si un annotateur a soumis plusieurs annotations "
        "d'un même document, seule la dernière (identifiant le plus grand) est retenue.",
        "F1 d'une paire = 2 × zones appariées / (|A| + |B|), appariement un à un dans chaque document, indépendant "
        "de l'ordre de stockage. Modes : exact (mêmes bornes, même étiquette) ; chevauchement (même étiquette, "
        f"au moins un caractère commun{threshold}) ; frontières (mêmes bornes, étiquette ignorée).",
        "F1 micro : comptes cumulés sur les documents, les étiquettes et les paires d'annotateurs. F1 macro : "
        "moyenne des F1 par étiquette (étiquettes utilisées). Moyenne et écart-type (de population) des F1 des paires.",
        "En mode frontières, une paire appariée d'étiquettes différentes compte pour ½ dans chacune des deux "
        "étiquettes ; la matrice de confusion des étiquettes porte sur ces appariements (lignes : premier "
        "annotateur de la paire, ordre alphabétique).",
        "α_u de Krippendorff (sémantique DKPro : global = 1 − moyenne des D_o / moyenne des D_e) sur les documents "
        "soumis par tous les annotateurs, mis bout à bout ; les zones d'un annotateur qui se chevauchent avec la "
        "même étiquette sont fusionnées ; α_u est donné sans intervalle de confiance.",
        "Attributs : comparés sur les zones appariées en mode chevauchement (donc de même étiquette) auxquelles "
        "l'attribut s'applique. Une valeur absente est une donnée manquante, jamais une catégorie. L'α nominal "
        "porte sur les zones appariées de toutes les paires d'annotateurs (chaque appariement est une unité à "
        "deux valeurs).",
        "Relations : une relation de A correspond à une relation de B du même type dont les deux extrémités sont "
        "les zones appariées (mode chevauchement), dans le même sens ; le sens est ignoré pour les relations que "
        "le guide déclare non orientées. Mode exact à côté : les deux extrémités sont des appariements exacts "
        "(mêmes bornes, même étiquette).",
        "Classes du document : accord observé = moyenne par document de l'accord des paires ; κ de Cohen par paire ; "
        "κ de Fleiss sur les documents classés par tous ; α de Krippendorff nominal avec données manquantes ; "
        "AC1 de Gwet avec q = nombre de classes du guide. Plusieurs valeurs choisies forment une seule catégorie.",
        "Justification : F1 en mode chevauchement et IoU moyen des justifications appariées, sur tous les "
        "documents et sur ceux où les deux annotateurs ont choisi la même classe.",
        "Un coefficient dont les désaccords attendu et observé sont tous deux nuls (une seule catégorie utilisée) "
        "vaut 1 par convention et est signalé « dégénéré ». Une valeur sans donnée est « n/d » avec sa raison, "
        "jamais 0.",
        f"Intervalles de confiance à 95 % : bootstrap percentile, {options.bootstrap} rééchantillonnages des "
        f"{documents} documents comparés (graine {options.seed}), reproductible."
        if options.bootstrap > 0
        else "Intervalles de confiance désactivés (--bootstrap 0).",
        "Lecture : ≥ 0,8 accord élevé ; 0,6 à 0,8 accord correct ; 0,4 à 0,6 accord modéré ; 0,2 à 0,4 accord "
        "faible ; < 0,2 accord très faible. Le F1 n'est pas corrigé du hasard ; κ, α et AC1 le sont.",
        "Désaccords : toute zone non appariée en mode exact, classée selon l'appariement le plus proche (même "
        "position, même étiquette avec d'autres frontières, chevauchement d'étiquette différente, ou seule) ; "
        "toute valeur d'attribut ou classe de document différente ; toute relation sans correspondante.",
    ]
    if contaminated:
        fate = (
            "écartée(s) du calcul (--exclude-contaminated)"
            if options.exclude_contaminated
            else "comptée(s) telle(s) qu'enregistrée(s) ; --exclude-contaminated les écarte"
        )
        notes.append(
            f"Double annotation non aveugle : {contaminated} annotation(s) modifiée(s) par un autre annotateur que "
            f"son auteur (updated_by ≠ completed_by), {fate}. Elles sont listées dans agreement.json "
            "(contamination.annotations)."
        )
    if options.no_text:
        notes.append("Textes omis (--no-text) : aucun extrait des documents ne figure dans ces fichiers.")
    return {
        "iou_threshold": options.iou,
        "modes": list(MODES),
        "bootstrap": {
            "samples": options.bootstrap,
            "seed": options.seed,
            "confidence": 0.95,
            "method": "percentile",
            "unit": "document",
            "documents": documents,
        },
        "text_included": not options.no_text,
        "notes": notes,
    }


def _without(corpus: Corpus, annotation_ids: set[int]) -> Corpus:
    """The corpus without the given annotations (documents kept, so coverage still names them)."""
    documents = [
        replace(d, annotations=[a for a in d.annotations if a.annotation_id not in annotation_ids])
        for d in corpus.documents
    ]
    return replace(corpus, documents=documents)


def compute_report(
    corpus: Corpus,
    guide: Guide,
    options: AgreementOptions | None = None,
    *,
    source: str | None = None,
    contaminated: Sequence[Contaminated] = (),
) -> AgreementReport:
    """The whole report of a corpus read against its guide (see the module docstring).

    ``contaminated`` annotations (last updated by another annotator) are listed in the report, and
    left out only when ``options.exclude_contaminated``.
    """
    options = options or AgreementOptions()
    options.check()
    if options.exclude_contaminated and contaminated:
        corpus = _without(corpus, {c.annotation_id for c in contaminated if c.annotation_id is not None})
    data = collect(corpus, guide, options.annotators)
    ledger = Ledger(data.compared)
    spans, matches, span_disagreements = spans_section(data, ledger, options.iou, options.no_text)
    attributes, attribute_disagreements = attributes_section(data, ledger, matches, options.no_text)
    relations, relation_disagreements = relations_section(data, ledger, matches, options.no_text)
    fields, field_disagreements = fields_section(data, ledger, matches, options.no_text)
    disagreements = sorted(
        [*span_disagreements, *attribute_disagreements, *relation_disagreements, *field_disagreements],
        key=Disagreement.sort_key,
    )
    by_kind = Counter(item.kind for item in disagreements)
    by_layer = Counter(item.layer for item in disagreements)
    sections: dict[str, Any] = {
        "annotators": data.annotators,
        "documents": {"total": len(data.documents), "compared": len(data.compared)},
        "coverage": data.coverage(),
        "spans": spans,
        "attributes": attributes,
        "relations": relations,
        "document_fields": fields,
        "disagreements": {
            "count": len(disagreements),
            "by_kind": {kind: by_kind[kind] for kind in KINDS if by_kind[kind]},
            "by_layer": dict(sorted(by_layer.items())),
            "items": [],  # filled below: plain data already, no need to walk it
        },
        "conformance": conformance_section(corpus, data, no_text=options.no_text),
    }
    report = assemble(guide, source, sections, ledger, options, len(data.compared), contaminated)
    plain = _plain(report)
    plain["disagreements"]["items"] = [item.as_json() for item in disagreements]
    return AgreementReport(plain, disagreements, guide)


SECTIONS = (
    "annotators",
    "documents",
    "coverage",
    "spans",
    "attributes",
    "relations",
    "document_fields",
    "disagreements",
    "conformance",
)


def assemble(
    guide: Guide,
    source: str | None,
    sections: dict[str, Any],
    ledger: Ledger,
    options: AgreementOptions,
    compared: int,
    contaminated: Sequence[Contaminated],
) -> dict[str, Any]:
    """The report from its sections, whichever path counted them (whole corpus or document by document):
    the bootstrap intervals evaluated, the spans' spreads finished, every key in the report's order."""
    ledger.evaluate(options.bootstrap, options.seed)
    for entry in sections["spans"].values():
        for mode in MODES:
            finish_sd(entry[mode])
    return {
        "format": REPORT_FORMAT,
        "guide": guide.name,
        "guide_version": guide.version,
        "guide_title": guide.title,
        "source": source,
        **{key: sections[key] for key in SECTIONS},
        "contamination": {
            "excluded": options.exclude_contaminated,
            "annotations": [c.as_dict() for c in contaminated],
        },
        "conventions": conventions(options, compared, len(contaminated)),
    }
