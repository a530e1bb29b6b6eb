"""Hand-checked Label Studio exports for the agreement report (figures worked out in the tests).

Three annotators: ann1 (A), ann2 (B), ann3 (C). Every builder returns tasks in the exact shape
Label Studio exports them (see ``tests/exporters/lsexport.py``).
"""

from __future__ import annotations

import json
import random
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from partages_ls.agreement.report import AgreementOptions, AgreementReport, compute_report
from partages_ls.content import content_dir
from partages_ls.exporters.labelstudio.read import read_labelstudio
from partages_ls.guides.loader import load_guide

from ..exporters.lsexport import annotation, choice, region, relation, task

A, B, C = "ann1@chu.fr", "ann2@chu.fr", "ann3@chu.fr"

SCHEMA_DOCUMENT = json.loads(
    resources.files("partages_ls.agreement").joinpath("report.schema.json").read_text(encoding="utf-8")
)
SCHEMA = jsonschema.Draft202012Validator(SCHEMA_DOCUMENT)
"""The committed JSON Schema of ``agreement.json`` (package data)."""

Task = dict[str, Any]
Result = dict[str, Any]


def entity(rid: str, text: str, words: str, label: str, negation: str | None, *, nth: int = 0) -> list[Result]:
    """A CU6 span on the ``nth`` occurrence of ``words`` with its NEGATION choice."""
    begin = -1
    for _ in range(nth + 1):
        begin = text.index(words, begin + 1)
    end = begin + len(words)
    items = [region(rid, begin, end, label, text)]
    if negation is not None:
        items.append(choice(rid, begin, end, "NEGATION", negation))
    return items


# --- CU6 infectiologie: spans (nested, overlapping), NEGATION, relations, partial coverage ----------

D1 = "Bactériémie à Escherichia coli. Pyélonéphrite aiguë droite. Pas d'endocardite."
D2 = "Hémocultures positives à Klebsiella pneumoniae."
D3 = "Infection urinaire."
D4 = "Staphylococcus aureus isolé."


def infectio_tasks() -> list[Task]:
    """D1 by A, B, C; D2 by A, B (C cancelled); D3 by A only; D4 by B, C (and a draft by A)."""
    a1 = [
        *entity("a1", D1, "Bactériémie", "Bacteriemie", "Present"),
        *entity("a2", D1, "Escherichia coli", "Bacterie", "Present"),
        *entity("a3", D1, "Pyélonéphrite aiguë droite", "Infection", "Indetermine"),
        *entity("a4", D1, "Pyélonéphrite", "Infection", "Present"),  # nested in a3
        *entity("a5", D1, "endocardite", "Infection", "Absent"),
        relation("a1", "a2", "AGENT_PATHOGENE"),
        relation("a1", "a3", "SITE_PRIMAIRE"),
    ]
    b1 = [
        *entity("b1", D1, "Bactériémie", "Bacteriemie", "Present"),
        *entity("b2", D1, "Escherichia", "Bacterie", "Present"),
        *entity("b3", D1, "Pyélonéphrite aiguë", "Infection", "Indetermine"),  # overlaps a3 and a4
        *entity("b4", D1, "endocardite", "Site", "Absent"),  # a5's offsets, another label
        relation("b1", "b2", "AGENT_PATHOGENE"),
        relation("b1", "b3", "SITE_PRIMAIRE"),
    ]
    c1 = [
        *entity("c1", D1, "Bactériémie", "Bacteriemie", "Indetermine"),
        *entity("c2", D1, "Escherichia coli", "Bacterie", "Present"),
        relation("c1", "c2", "AGENT_PATHOGENE"),
    ]
    a2 = [
        *entity("a6", D2, "Hémocultures positives", "Bacteriemie", "Present"),
        *entity("a7", D2, "Klebsiella pneumoniae", "Bacterie", "Present"),
        relation("a6", "a7", "AGENT_PATHOGENE"),
    ]
    b2 = [
        *entity("b6", D2, "Hémocultures positives", "Bacteriemie", "Present"),
        *entity("b7", D2, "Klebsiella pneumoniae", "Bacterie", "Absent"),
    ]
    return [
        task(1, "CRH-001", D1, [annotation(101, A, a1), annotation(102, B, b1), annotation(103, C, c1)]),
        task(
            2,
            "CRH-002",
            D2,
            [annotation(201, A, a2), annotation(202, B, b2), annotation(203, C, [], was_cancelled=True)],
        ),
        task(3, "CRH-003", D3, [annotation(301, A, entity("a8", D3, "Infection urinaire", "Infection", "Present"))]),
        task(
            4,
            "CRH-004",
            D4,
            [
                annotation(402, B, entity("b9", D4, "Staphylococcus aureus", "Bacterie", "Present")),
                annotation(403, C, entity("c9", D4, "Staphylococcus aureus", "Bacterie", "Present")),
            ],
            drafts=[{"id": 9, "result": entity("x", D4, "aureus", "Bacterie", "Present")}],
        ),
    ]


# --- CU5b reponse-traitement: the document class and its justification ---------------------------

R1 = "Scanner de réévaluation : réponse partielle selon RECIST 1.1."
R2 = "TEP-TDM : apparition de deux nouvelles lésions hépatiques."
R3 = "Bilan d'extension initial avant tout traitement."
R4 = "Stabilité des lésions cibles après quatre cures."


def nomenclature(value: str) -> Result:
    return {
        "id": f"n-{value}",
        "from_name": "Nomenclature",
        "to_name": "text",
        "type": "choices",
        "origin": "manual",
        "value": {"choices": [value]},
    }


def justified(rid: str, text: str, words: str, value: str) -> list[Result]:
    begin = text.index(words)
    return [region(rid, begin, begin + len(words), "Justification", text, control="Justification"), nomenclature(value)]


def treatment_tasks() -> list[Task]:
    """R1, R2, R4 by A, B, C; R3 by A and B only."""
    return [
        task(
            11,
            "RT-1",
            R1,
            [
                annotation(1101, A, justified("j1", R1, "réponse partielle selon RECIST 1.1", "ReponsePartielle")),
                annotation(1102, B, justified("j2", R1, "réponse partielle", "ReponsePartielle")),
                annotation(1103, C, justified("j3", R1, "réponse partielle selon RECIST 1.1", "ReponsePartielle")),
            ],
        ),
        task(
            12,
            "RT-2",
            R2,
            [
                annotation(
                    1201,
                    A,
                    justified("j1", R2, "apparition de deux nouvelles lésions hépatiques", "MaladieProgressive"),
                ),
                annotation(1202, B, justified("j2", R2, "nouvelles lésions hépatiques", "MaladieProgressive")),
                annotation(1203, C, justified("j3", R2, "TEP-TDM", "MaladieStable")),
            ],
        ),
        task(
            13,
            "RT-3",
            R3,
            [
                annotation(1301, A, justified("j1", R3, "Bilan d'extension initial", "NonApplicable")),
                annotation(
                    1302, B, justified("j2", R3, "Bilan d'extension initial avant tout traitement", "NonDetermine")
                ),
            ],
        ),
        task(
            14,
            "RT-4",
            R4,
            [
                annotation(1401, A, justified("j1", R4, "Stabilité des lésions cibles", "MaladieStable")),
                annotation(1402, B, justified("j2", R4, "Stabilité des lésions cibles", "MaladieStable")),
                annotation(1403, C, justified("j3", R4, "Stabilité", "MaladieStable")),
            ],
        ),
    ]


# --- CU5a biomarqueurs: an undirected relation drawn both ways -----------------------------------

BIO = "HER2 positif en immunohistochimie."


def biomarker_tasks() -> list[Task]:
    def spans(prefix: str) -> list[Result]:
        return [
            region(f"{prefix}b", 0, 4, "Biomarker", BIO, control="Biomarker"),
            choice(f"{prefix}b", 0, 4, "Normalized", "HER2"),
            region(f"{prefix}s", 5, 12, "Status", BIO, control="Biomarker"),
            choice(f"{prefix}s", 5, 12, "Presence", "Positive"),
        ]

    return [
        task(
            21,
            "BIO-1",
            BIO,
            [
                annotation(2101, A, [*spans("a"), relation("as", "ab", "RefersTo")]),
                annotation(2102, B, [*spans("b"), relation("bb", "bs", "RefersTo")]),  # the other way round
            ],
        )
    ]


# --- helpers ------------------------------------------------------------------------------------


def report_of(guide_name: str, tasks: list[Task], **options: Any) -> AgreementReport:
    """The report of an in-memory export (the reader must accept every item of these fixtures)."""
    guide = load_guide(guide_name, content_dir("guides"))
    corpus = read_labelstudio(tasks, guide, source="export.json")
    problems = [s for s in corpus.skipped if s.rule not in {"cancelled", "draft", "prediction"}]
    assert problems == [], problems
    options.setdefault("bootstrap", 0)
    return compute_report(corpus, guide, AgreementOptions(**options), source="export.json")


def shuffled(tasks: list[Task], seed: int) -> list[Task]:
    """The same export with tasks, annotations and results stored in another order."""
    rng = random.Random(seed)
    copy: list[Task] = json.loads(json.dumps(tasks))
    rng.shuffle(copy)
    for item in copy:
        rng.shuffle(item["annotations"])
        for ann in item["annotations"]:
            rng.shuffle(ann["result"])
    return copy


def write_export(tasks: list[Task], folder: Path, name: str = "export.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return path
