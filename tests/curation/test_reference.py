"""Annotator vs reference (curated gold, a model's suggestions, one annotator), figures worked out by hand."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from partages_ls.agreement.reference import compare_to_reference, load_reference
from partages_ls.cli.main import cli
from partages_ls.content import content_dir
from partages_ls.errors import PartagesError
from partages_ls.guides.loader import load_guide

INFECTIO = load_guide("infectiologie", content_dir("guides"))
CU5B = load_guide("reponse-traitement", content_dir("guides"))
#          0         1         2         3         4         5
#          0123456789012345678901234567890123456789012345678901234
TEXT = "Bactériémie à Escherichia coli sur pyélonéphrite aiguë."


def region(rid: str, start: int, end: int, label: str, negation: str | None = None) -> list[dict[str, Any]]:
    value = {"start": start, "end": end, "text": TEXT[start:end]}
    items = [
        {"id": rid, "from_name": "LABEL", "to_name": "text", "type": "labels", "value": {**value, "labels": [label]}}
    ]
    if negation:
        items.append(
            {
                "id": rid,
                "from_name": "NEGATION",
                "to_name": "text",
                "type": "choices",
                "value": {**value, "choices": [negation]},
            }
        )
    return items


def relation(source: str, target: str, label: str) -> dict[str, Any]:
    return {"from_id": source, "to_id": target, "type": "relation", "direction": "right", "labels": [label]}


def annotation(aid: int, email: str, result: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": aid, "completed_by": {"id": aid, "email": email}, "result": result, "was_cancelled": False}


REFERENCE = [
    *region("r1", 0, 11, "Bacteriemie", "Present"),
    *region("r2", 14, 30, "Bacterie", "Present"),
    *region("r3", 35, 54, "Infection", "Present"),
    relation("r1", "r2", "AGENT_PATHOGENE"),
]
ANNE = [
    *region("a1", 0, 11, "Bacteriemie", "Present"),
    *region("a2", 14, 30, "Bacterie", "Absent"),
    *region("a3", 35, 48, "Infection", "Present"),
    relation("a1", "a2", "AGENT_PATHOGENE"),
]
BRUNO = [*region("b1", 0, 11, "Bacteriemie", "Present"), *region("b2", 14, 30, "Site", "Present")]


def _figures(entry: dict[str, Any]) -> dict[str, float]:
    return {mode: round(entry["spans"][mode]["f1"]["value"], 3) for mode in ("exact", "overlap", "boundary")}


def _check_infectio(section: dict[str, Any]) -> None:
    anne, bruno = section["annotators"]["anne@x.fr"], section["annotators"]["bruno@x.fr"]
    # anne: exact 2 of 3/3 → 4/6; overlap also pairs Infection 35-48 with 35-54 → 1; boundary ignores labels → 4/6.
    assert _figures(anne) == {"exact": 0.667, "overlap": 1.0, "boundary": 0.667}
    assert anne["attributes"]["NEGATION"]["support"] == 2
    assert anne["attributes"]["NEGATION"]["agreement"]["value"] == 0.5  # Bacterie: Absent vs Present
    assert sorted((d["kind"], d["begin"], d["end"]) for d in anne["differences"]) == [
        ("attribut NEGATION", 14, 30),
        ("zone en trop", 35, 48),
        ("zone manquante", 35, 54),
    ]
    # bruno: exact 1 of 2/3 → 2/5; boundary also pairs Site/Bacterie 14-30 → 4/5; precision 1/2, recall 1/3.
    assert _figures(bruno) == {"exact": 0.4, "overlap": 0.4, "boundary": 0.8}
    assert bruno["spans"]["exact"]["precision"]["value"] == 0.5
    assert round(bruno["spans"]["exact"]["recall"]["value"], 3) == 0.333
    kinds = sorted((d["kind"], d["annotator"], d["reference"]) for d in bruno["differences"])
    assert kinds == [
        ("relation manquante", None, "AGENT_PATHOGENE Bacteriemie [0-11] → Bacterie [14-30]"),
        ("zone manquante", None, "LABEL:Infection"),
        ("étiquette", "LABEL:Site", "LABEL:Bacterie"),
    ]
    assert [d["text"] for d in bruno["differences"] if d["kind"] == "étiquette"] == ["Escherichia coli"]


def test_reference_predictions_of_a_model_version() -> None:
    tasks = [
        {
            "id": 1,
            "data": {"text": TEXT, "report": "R1"},
            "annotations": [annotation(11, "anne@x.fr", ANNE), annotation(12, "bruno@x.fr", BRUNO)],
            "predictions": [
                {"id": 5, "model_version": "autre", "result": []},
                {"id": 6, "model_version": "modele-v1", "result": REFERENCE},
            ],
        }
    ]
    corpus, reference = load_reference(tasks, INFECTIO, "predictions:modele-v1")
    assert reference.title == "suggestions « modele-v1 »"
    _check_infectio(compare_to_reference(corpus, reference, INFECTIO, samples=0))


def test_reference_curated_gold_leaves_the_curator_out() -> None:
    done = {"id": "curation", "from_name": "curation", "to_name": "text", "type": "choices",
            "value": {"choices": ["terminee"]}}  # fmt: skip
    data = {"text": TEXT, "report": "R1", "curation_strategy": "complete", "curation_curator": "cura@x.fr"}
    tasks = [
        {
            "id": 1,
            "data": data,
            "annotations": [
                annotation(11, "anne@x.fr", ANNE),
                annotation(12, "bruno@x.fr", BRUNO),
                annotation(13, "cura@x.fr", [*REFERENCE, done]),
            ],
        },
        {  # not curated yet: its starting point is neither a reference nor an annotator's work
            "id": 2,
            "data": {**data, "report": "R2"},
            "annotations": [annotation(21, "anne@x.fr", ANNE), annotation(23, "cura@x.fr", REFERENCE)],
        },
    ]
    corpus, reference = load_reference(tasks, INFECTIO, "curated")
    assert sorted(reference.annotations) == ["R1"]
    assert sorted({a.annotator for d in corpus.documents for a in d.annotations}) == ["anne@x.fr", "bruno@x.fr"]
    section = compare_to_reference(corpus, reference, INFECTIO, samples=0)
    assert section["reference"]["documents"] == 1 and section["annotators"]["anne@x.fr"]["documents"] == 1
    _check_infectio(section)


def test_reference_document_class_share_and_kappa_with_intervals() -> None:
    text = "Scanner : réponse partielle. Masse stable par ailleurs."

    def cls(value: str) -> list[dict[str, Any]]:
        choice = {
            "id": "n",
            "from_name": "Nomenclature",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": [value]},
        }
        span = {"id": "j", "from_name": "Justification", "to_name": "text", "type": "labels",
                "value": {"start": 10, "end": 27, "text": text[10:27], "labels": ["Justification"]}}  # fmt: skip
        return [choice, span]

    tasks = [
        {"id": i, "data": {"text": text, "report": f"R{i}"},
         "annotations": [annotation(10 + i, "anne@x.fr", cls(mine)), annotation(20 + i, "ref@x.fr", cls(ref))]}
        for i, (mine, ref) in enumerate([("ReponsePartielle", "ReponsePartielle"), ("NonDetermine", "MaladieStable")])
    ]  # fmt: skip
    corpus, reference = load_reference(tasks, CU5B, "annotator:ref@x.fr")
    section = compare_to_reference(corpus, reference, CU5B, samples=200, seed=3)
    field = section["annotators"]["anne@x.fr"]["document_fields"]["Nomenclature"]
    assert field["support"] == 2 and field["agreement"]["value"] == 0.5
    # κ: po = 1/2; pe = P(RP)·P(RP) = 1/2 · 1/2 = 1/4 (the other classes never coincide) → (1/2 − 1/4)/(3/4) = 1/3.
    assert round(field["cohen_kappa"]["value"], 6) == round(1 / 3, 6)
    low, high = field["agreement"]["ci95"]
    assert 0.0 <= low <= 0.5 <= high <= 1.0
    (difference,) = section["annotators"]["anne@x.fr"]["differences"]
    assert (difference["kind"], difference["annotator"], difference["reference"]) == (
        "champ Nomenclature", "NonDetermine", "MaladieStable"
    )  # fmt: skip


def test_reference_errors_and_cli(tmp_path: Path) -> None:
    tasks = [{"id": 1, "data": {"text": TEXT, "report": "R1"}, "annotations": [annotation(11, "anne@x.fr", ANNE)]}]
    with pytest.raises(PartagesError, match="no suggestions « v9 »"):
        load_reference(tasks, INFECTIO, "predictions:v9")
    with pytest.raises(PartagesError, match="unknown reference"):
        load_reference(tasks, INFECTIO, "gold")
    tasks[0]["annotations"].append(annotation(12, "bruno@x.fr", BRUNO))
    tasks[0]["predictions"] = [{"id": 6, "model_version": "m1", "result": REFERENCE}]
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["agreement", str(export), "--guide", "infectiologie", "--out", str(out), "--reference", "predictions:m1",
              "--bootstrap", "0"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        "bruno@x.fr: 1 report(s), span F1 exact 0.400, overlap 0.400, boundary 0.800; 3 difference(s)" in result.output
    )
    rows = list(csv.DictReader((out / "reference-differences.csv").read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 6 and {r["annotateur"] for r in rows} == {"anne@x.fr", "bruno@x.fr"}
    markdown = (out / "reference.md").read_text(encoding="utf-8")
    assert "# Annotateur vs référence : suggestions « m1 »" in markdown and "| étiquette |" in markdown


def test_agreement_on_a_curation_export_leaves_the_curator_out(tmp_path: Path) -> None:
    data = {"text": TEXT, "report": "R1", "curation_strategy": "complete", "curation_curator": "cura@x.fr"}
    marker = {"id": "c1", "from_name": "conflit", "to_name": "text", "type": "labels",
              "value": {"start": 35, "end": 54, "text": TEXT[35:54], "labels": ["Conflit"]}}  # fmt: skip
    annotations = [annotation(11, "anne@x.fr", ANNE), annotation(12, "bruno@x.fr", BRUNO)]
    tasks = [{"id": 1, "data": data, "annotations": [*annotations, annotation(13, "cura@x.fr", [*REFERENCE, marker])]}]
    export = tmp_path / "cur.json"
    export.write_text(json.dumps(tasks), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["agreement", str(export), "--guide", "infectiologie", "--out", str(out), "--bootstrap", "0"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "agreement.json").read_text(encoding="utf-8"))
    assert report["annotators"] == ["anne@x.fr", "bruno@x.fr"]


def test_no_reference_says_what_the_export_holds_and_how_to_get_it(tmp_path: Path) -> None:
    """Found by the integration QA pass: the bare "holds no référence curée" left the lead guessing."""
    plain = [{"id": 1, "data": {"text": TEXT, "report": "R1"}, "annotations": [annotation(11, "anne@x.fr", ANNE)]}]
    with pytest.raises(PartagesError, match="not the export of a curation project: run `partages-ls curate"):
        load_reference(plain, INFECTIO, "curated")
    with pytest.raises(PartagesError, match="holds no prediction: run `partages-ls predict PROJECT`"):
        load_reference(plain, INFECTIO, "predictions:v9")
    with pytest.raises(PartagesError, match=r"annotators in the export: anne@x\.fr$"):
        load_reference(plain, INFECTIO, "annotator:zoe@x.fr")
    plain[0]["predictions"] = [{"id": 6, "model_version": "m1", "result": REFERENCE}, "damaged"]
    with pytest.raises(PartagesError, match=r"model versions in the export: m1$"):
        load_reference(plain, INFECTIO, "predictions:v9")
    data = {"text": TEXT, "report": "R1", "curation_strategy": "complete", "curation_curator": "cura@x.fr"}
    pending = [{"id": 1, "data": data, "annotations": [annotation(13, "cura@x.fr", REFERENCE)]}]
    with pytest.raises(PartagesError, match=r"no curation task is finished yet: .*tick « Curation terminée »"):
        load_reference(pending, INFECTIO, "curated")


def test_export_gold_curated_says_why_nothing_was_curated(tmp_path: Path) -> None:
    """`export --gold curated` before the curator ticked « Curation terminée », or on the wrong export."""
    data = {"text": TEXT, "report": "R1", "curation_strategy": "complete", "curation_curator": "cura@x.fr"}
    pending = [{"id": 1, "data": data, "annotations": [annotation(13, "cura@x.fr", REFERENCE)]}]
    plain = [{"id": 1, "data": {"text": TEXT, "report": "R1"}, "annotations": [annotation(11, "anne@x.fr", ANNE)]}]
    for name, tasks, expected in [
        ("cur.json", pending, "no curation task is finished yet (1 task(s) to curate); in each one, resolve every "
                              "Conflit region, tick « Curation terminée »"),
        ("plain.json", plain, "this is not the export of a curation project; `--gold curated` reads the project"),
    ]:  # fmt: skip
        export = tmp_path / name
        export.write_text(json.dumps(tasks), encoding="utf-8")
        out = tmp_path / f"out-{name}"
        result = CliRunner().invoke(
            cli, ["export", str(export), "--guide", "infectiologie", "--to", "parhaf", "--out", str(out),
                  "--gold", "curated"]
        )  # fmt: skip
        assert result.exit_code == 5, result.output
        assert expected in " ".join(result.output.split()), result.output
        assert not out.exists()


def test_reference_refuses_two_different_suggestions_of_one_model_version() -> None:
    """A blind group's pull keeps each member project's suggestions; the matcher learned from a different
    annotator in each, so one model version holds two different results and none is the reference."""
    task = {
        "id": 1,
        "data": {"text": TEXT, "report": "R1"},
        "annotations": [annotation(11, "anne@x.fr", ANNE), annotation(12, "bruno@x.fr", BRUNO)],
        "predictions": [
            {"id": 5, "model_version": "m1", "project": 7, "result": REFERENCE},
            {"id": 6, "model_version": "m1", "project": 8, "result": ANNE},
        ],
    }
    with pytest.raises(PartagesError, match=r"task 1 \(R1\) holds 2 different suggestions of model version m1") as e:
        load_reference([task], INFECTIO, "predictions:m1")
    assert "from projects 7, 8" in str(e.value) and "--model rules" in str(e.value)
    task["predictions"][1]["result"] = REFERENCE  # the same suggestions twice: one reference
    _corpus, reference = load_reference([task], INFECTIO, "predictions:m1")
    assert sorted(reference.annotations) == ["R1"]


def test_reference_annotator_or_predictions_on_a_curation_export_leaves_the_curator_out() -> None:
    """Like plain agreement and --reference curated: the curator's starting merge is not an annotator's work."""
    marker = {"id": "c1", "from_name": "conflit", "to_name": "text", "type": "labels",
              "value": {"start": 35, "end": 54, "text": TEXT[35:54], "labels": ["Conflit"]}}  # fmt: skip
    data = {"text": TEXT, "report": "R1", "curation_strategy": "complete", "curation_curator": "cura@x.fr"}
    task = {
        "id": 1,
        "data": data,
        "annotations": [
            annotation(11, "anne@x.fr", ANNE),
            annotation(12, "bruno@x.fr", BRUNO),
            annotation(13, "cura@x.fr", [*REFERENCE, marker]),
        ],
        "predictions": [{"id": 6, "model_version": "m1", "result": REFERENCE}],
    }
    corpus, reference = load_reference([task], INFECTIO, "annotator:anne@x.fr")
    assert sorted({a.annotator for d in corpus.documents for a in d.annotations}) == ["bruno@x.fr"]
    corpus, reference = load_reference([task], INFECTIO, "predictions:m1")
    assert sorted({a.annotator for d in corpus.documents for a in d.annotations}) == ["anne@x.fr", "bruno@x.fr"]
    _check_infectio(compare_to_reference(corpus, reference, INFECTIO, samples=0))


def test_a_reference_of_suggestions_says_when_it_is_not_independent(tmp_path: Path) -> None:
    """Agreement with suggestions an annotator started from (parent_prediction), or with a model that learns
    from the annotators (matcher), measures acceptance: the report says so, per annotator, with counts."""
    rules, matcher = "partages-ls:infectiologie/rules@1", "partages-ls:infectiologie/matcher@1"
    started = {**annotation(11, "anne@x.fr", ANNE), "parent_prediction": 6}
    other_model = {**annotation(12, "bruno@x.fr", BRUNO), "parent_prediction": 5}  # another version's suggestion
    tasks = [
        {
            "id": 1,
            "data": {"text": TEXT, "report": "R1"},
            "annotations": [started, other_model, {**annotation(13, "anne@x.fr", []), "was_cancelled": True}],
            "predictions": [
                {"id": 5, "model_version": matcher, "result": BRUNO},
                {"id": 6, "model_version": rules, "result": REFERENCE},
            ],
        },
        {"id": 2, "data": {"text": TEXT, "report": "R2"}, "annotations": [annotation(14, "anne@x.fr", ANNE)]},
    ]
    _corpus, reference = load_reference(tasks, INFECTIO, f"predictions:{rules}")
    assert (reference.started_from, reference.compared) == ({"anne@x.fr": 1}, {"anne@x.fr": 1, "bruno@x.fr": 1})
    (caveat,) = reference.caveats()
    assert caveat.startswith("anne@x.fr : 1 annotation(s) sur 1 commencée(s) à partir de ces suggestions")
    _corpus, reference = load_reference(tasks, INFECTIO, f"predictions:{matcher}")
    assert reference.started_from == {"bruno@x.fr": 1}
    learning, bruno = reference.caveats()
    assert "apprend des annotations du projet" in learning and bruno.startswith("bruno@x.fr : 1 annotation(s) sur 1")
    tasks[0]["annotations"] = [annotation(11, "anne@x.fr", ANNE)]  # nobody started from a suggestion
    assert load_reference(tasks, INFECTIO, f"predictions:{rules}")[1].caveats() == []

    export = tmp_path / "export.json"
    tasks[0]["annotations"] = [started, other_model]
    export.write_text(json.dumps(tasks), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["agreement", str(export), "--guide", "infectiologie", "--out", str(out), "--reference",
              f"predictions:{rules}", "--bootstrap", "0"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "NOT INDEPENDENT: anne@x.fr : 1 annotation(s) sur 1 commencée(s)" in result.output
    saved = json.loads((out / "reference.json").read_text(encoding="utf-8"))
    assert saved["reference"]["caveats"] == [caveat]
    assert f"> **Attention :** {caveat}" in (out / "reference.md").read_text(encoding="utf-8")
